"""The target PostgreSQL: the statements in sql/, staging tables and the one-transaction apply."""
