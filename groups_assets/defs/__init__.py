"""Everything Dagster loads, and nothing else, found by `load_from_defs_folder` (the `dg` project
convention): the step that materializes the asset graph, the table checks, the sensors, the job
and the resources."""
