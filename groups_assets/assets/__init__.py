"""The asset graph, one stage per module: ingest, validate, load."""
