var leverancierWidget = 1;
