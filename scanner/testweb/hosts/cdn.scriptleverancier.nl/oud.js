var leverancierOud = 1;
