"""Energy-intensity limits per enterprise and year."""
