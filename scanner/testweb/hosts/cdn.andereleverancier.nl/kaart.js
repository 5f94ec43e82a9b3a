var andereLeverancier = 1;
