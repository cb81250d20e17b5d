"""Qamqor: public services in the sphere of family and children (Order No. 158)."""

__version__ = "0.1.0"
