"""Sensors: new days; alerts on failed checks and runs."""
