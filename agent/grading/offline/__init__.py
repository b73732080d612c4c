"""The deterministic offline grader: rubric points found in sentences, general rules on top."""

from agent.grading.offline.grader import OfflineBackend, OfflineGrader

__all__ = ["OfflineBackend", "OfflineGrader"]
