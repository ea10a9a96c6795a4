"""Resources: the Spark session and the PostgreSQL target."""
