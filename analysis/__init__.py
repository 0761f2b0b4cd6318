"""Recognition rates, weighting, thresholds and statistics: pure functions over pandas/numpy."""
