"""Persistence helpers shared by every Django app (the layer just above the pure core)."""
