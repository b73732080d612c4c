"""The ``followup`` command line: one module per command over library functions."""

from agent.cli.app import main

__all__ = ["main"]
