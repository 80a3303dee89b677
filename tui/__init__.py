"""Murmur: a keyboard-driven terminal client for the open social web."""

__version__ = "0.1.0"
