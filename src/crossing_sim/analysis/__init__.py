"""Analyses over many runs: parameters, calibration, sensitivity (computation only)."""
