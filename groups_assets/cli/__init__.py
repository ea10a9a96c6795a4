"""groups-pipeline: the command line, its summary, and the data generator."""
