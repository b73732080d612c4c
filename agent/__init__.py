"""followup: a practice interviewer for machine-learning interviews."""

__version__ = "0.1.0"
