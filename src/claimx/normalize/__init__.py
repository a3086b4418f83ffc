"""Pure functions from text to values: numbers, units."""
