"""The version of followup (one place; the wheel's metadata says the same)."""

__version__ = "0.1.0"
