"""The step that materializes every asset of a sync day (the specs are in graph.py)."""
