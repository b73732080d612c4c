"""Evals: canned, human-labelled cases run against a backend, agreement metrics, gates."""

from agent.evals.cases import AnswerCase, DialogueCase, Suite, load_suite, load_suites
from agent.evals.gates import Gates, check_gates, load_gates, validate_gates
from agent.evals.junit import junit_xml
from agent.evals.metrics import Agreement, agreement, compute_metrics, quadratic_weighted_kappa
from agent.evals.results import REPORT_VERSION, CaseResult, EvalReport, Metrics
from agent.evals.runner import run_case, run_suites
from agent.evals.table import render_table

__all__ = [
    "REPORT_VERSION",
    "Agreement",
    "AnswerCase",
    "CaseResult",
    "DialogueCase",
    "EvalReport",
    "Gates",
    "Metrics",
    "Suite",
    "agreement",
    "check_gates",
    "compute_metrics",
    "load_gates",
    "load_suite",
    "load_suites",
    "quadratic_weighted_kappa",
    "render_table",
    "run_case",
    "run_suites",
    "validate_gates",
    "junit_xml",
]
