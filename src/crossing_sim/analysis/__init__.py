"""Analyses over many runs: parameters, calibration, sensitivity (computation only)."""

__all__ = ["calibration", "calibration_files", "distance", "parameters", "sensitivity", "smc"]
