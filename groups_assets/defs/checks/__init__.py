"""Asset checks with evidence: record checks (Spark), table checks (SQL), the blocking check."""
