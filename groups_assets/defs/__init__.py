"""Everything Dagster loads, found by `load_from_defs_folder` (the `dg` project convention):
assets/ (the graph, one stage a module), checks/, sensors/ and the resources they use."""
