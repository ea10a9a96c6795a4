"""The data contract (CONTRACT.md): reject reasons, record rules, validation and the reader."""
