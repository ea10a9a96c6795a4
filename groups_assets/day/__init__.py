"""One sync day, end to end, without Dagster: `load_day` (load.py) reads, validates, stages and
applies a day and returns what came of it (outcome.py); the asset in defs/ only turns that into
materializations and check results."""
