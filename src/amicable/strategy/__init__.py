"""Strategy: risk scoring, segmentation, next best action, cadence, learning from outcomes."""
