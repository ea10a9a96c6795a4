"""Synthetic sync days, for tests, benchmarks and the warm-up of a Spark server: the generator
(generator.py, the contract's layout), the writing of those days in another system's shape
(export.py, with each system's writer in formats/<system>/synthetic.py), and days.py, which
writes days in any registered format."""
