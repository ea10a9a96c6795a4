"""The runtime parts the resources start: the Spark session (its JVM, class archive and scratch
folder), the Spark Connect server, and the embedded PostgreSQL."""
