"""People who work in or use the system, and the organisations they belong to."""
