"""The asset graph, one stage a module: ingest, validate, load."""
