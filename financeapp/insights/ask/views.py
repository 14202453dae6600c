"""Ask's routes on the insights blueprint (filled in by the page slice)."""
