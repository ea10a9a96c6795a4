"""The table checks: SQL on the loaded tables, each within a time budget."""
