"""The evidence of the checks: what the step's own checks find in the day's counts, the markdown
samples every check shows, and the cycle search of the hierarchy check."""
