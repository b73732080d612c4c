"""The eval report as JUnit XML, for CI systems that show test results."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from agent.evals.results import EvalReport


def junit_xml(report: EvalReport) -> str:
    """A JUnit XML file: one testsuite per suite, one testcase per case.

    An answer case "fails" when a score is more than one off or the probe target differs: a
    per-case disagreement to look at, not by itself a failed gate. A known-failure dialogue
    that still fails is skipped; one that passes is a failure (its marker is stale).
    """
    root = ET.Element("testsuites", name="followup-eval")
    for name in report.suites:
        cases = [c for c in report.cases if c.suite == name]
        skipped = sum(1 for c in cases if c.known_failure and not c.passed and not c.unscored)
        failures = sum(1 for c in cases if not c.unscored and c.passed == bool(c.known_failure))
        errors = sum(1 for c in cases if c.unscored and not c.ungraded)
        skipped += sum(1 for c in cases if c.ungraded)
        suite_el = ET.SubElement(
            root,
            "testsuite",
            name=name,
            tests=str(len(cases)),
            failures=str(failures),
            errors=str(errors),
            skipped=str(skipped),
        )
        for c in cases:
            el = ET.SubElement(suite_el, "testcase", classname=f"{name}.{c.question}", name=c.id)
            if c.ungraded:
                ET.SubElement(el, "skipped", message=f"not graded: {c.error}")
            elif c.unscored:
                ET.SubElement(el, "error", message="unscored").text = str(c.error)
            elif c.known_failure and not c.passed:
                ET.SubElement(el, "skipped", message=f"known failure: {c.known_failure}")
            elif c.known_failure:
                ET.SubElement(el, "failure", message="passes now: remove its known_failure marker")
            elif not c.passed:
                ET.SubElement(el, "failure", message="; ".join(c.differences))
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
