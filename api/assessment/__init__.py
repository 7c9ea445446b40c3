"""Green-factory self-assessment of an enterprise's year (GB/T 36132-2018 indicators)."""
