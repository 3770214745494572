"""The bad-input campaign of issue 12 as a table: each "Found" case, its tests, how many pass.

    .venv/bin/python bench/robustness.py            # runs pytest tests/robustness (fast tier)
    .venv/bin/python bench/robustness.py --json     # the same figures as JSON on stdout

Runs ``pytest tests/robustness -m "not real"`` in-process with a small plugin that reads each
test's ``@pytest.mark.found(N)`` marker and its outcome, so a new test file with the marker is
picked up with no change here. A test without the marker is listed as "unmarked".

Conventions the table relies on:

- ``@pytest.mark.found(N)``: the test covers case N of issue 12's Found list (titles below).
  A case counts as "clear error or correct result" when it has tests and all of them pass:
  each asserts a one-line error with its exit code, or the correct output.
- ``@pytest.mark.found(N, asserts=("data_lost", "duplicates"))``: the test also asserts that no
  data was lost (every document's chunks and ledger rows are still in the store, every output
  written) and/or that nothing was stored twice. "data lost" and "duplicates" are the number of
  such tests that failed, shown beside how many tests assert it: a 0 is only a figure when some
  test asserts it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

TITLES = {
    1: "identical files overwrite each other; --prune then loses data",
    2: "the number check misses Chinese numerals (九百九十九亿元)",
    3: "two asks at once on the local server: one empty answer, exit 0",
    4: "an empty, null or garbage reply shown as 文档中未提及, exit 0",
    5: "instructions and false figures inside a document followed",
    6: "export names outputs by file name only: one brief lost",
    7: "Big5 files indexed as garbled text",
    8: "escape codes in a document reach the terminal",
    9: "large files: super-linear cleaning, chunks saved only at the end",
    10: "an API key echoed by the endpoint is printed and saved",
    11: "one missing or unreadable path stops the whole index run",
    12: "a one-line report with site boilerplate rejected entirely",
    13: "minor: two servers, concurrent index, --k 0, unwritable output",
}
CLAIMS = ("data_lost", "duplicates")


class Collector:
    """A pytest plugin: the found number, claims and outcome of every test it runs."""

    def __init__(self):
        self.tests: dict[str, dict] = {}

    def pytest_collection_finish(self, session):
        for item in session.items:  # after -k/-m deselection: only the tests that will run
            marker = item.get_closest_marker("found")
            found = int(marker.args[0]) if marker and marker.args else None
            asserts = tuple(marker.kwargs.get("asserts", ())) if marker else ()
            self.tests[item.nodeid] = {"found": found, "asserts": asserts, "outcome": "not run"}

    def pytest_runtest_logreport(self, report):
        test = self.tests.setdefault(report.nodeid, {"found": None, "asserts": (), "outcome": "not run"})
        if report.failed:
            test["outcome"] = "failed"
        elif report.skipped and test["outcome"] != "failed":
            test["outcome"] = "skipped"
        elif report.when == "call" and report.passed and test["outcome"] == "not run":
            test["outcome"] = "passed"


def run(pytest_args: list[str]) -> dict:
    """Run the robustness tests and tabulate them by Found case."""
    import pytest

    collector = Collector()
    code = pytest.main(["-q", "-p", "no:cacheprovider", "-m", "not real", str(REPO / "tests" / "robustness"),
                        *pytest_args], plugins=[collector])
    by_case: dict[int | None, list[dict]] = defaultdict(list)
    for nodeid, test in collector.tests.items():
        by_case[test["found"]].append({"test": nodeid, **test})
    cases = []
    for n in sorted(TITLES):
        tests = by_case.get(n, [])
        passed = sum(t["outcome"] == "passed" for t in tests)
        cases.append({"found": n, "title": TITLES[n], "tests": len(tests), "passed": passed,
                      "ok": bool(tests) and passed == len(tests)})
    claims = {}
    for claim in CLAIMS:
        asserting = [t for t in collector.tests.values() if claim in t["asserts"] and t["outcome"] in ("passed", "failed")]
        claims[claim] = {"tests": len(asserting), "failed": sum(t["outcome"] == "failed" for t in asserting)}
    return {
        "cases": cases,
        "unmarked": sorted(t["test"] for t in by_case.get(None, [])),
        "totals": {
            "cases_tried": sum(c["tests"] > 0 for c in cases),
            "cases_clear_or_correct": sum(c["ok"] for c in cases),
            "data_lost": claims["data_lost"]["failed"], "data_lost_tests": claims["data_lost"]["tests"],
            "duplicates": claims["duplicates"]["failed"], "duplicates_tests": claims["duplicates"]["tests"],
            "tests": len(collector.tests),
            "passed": sum(t["outcome"] == "passed" for t in collector.tests.values()),
        },
        "pytest_exit": int(code),
    }


def table(result: dict) -> str:
    """The Markdown table the README carries."""
    lines = ["| Found | case | tests | passed |", "|---:|---|---:|---:|"]
    for c in result["cases"]:
        lines.append(f"| {c['found']} | {c['title']} | {c['tests']} | {c['passed']} |")
    t = result["totals"]
    lines += [
        "",
        f"cases tried: {t['cases_tried']}/{len(TITLES)} · clear one-line error or correct result: "
        f"{t['cases_clear_or_correct']} · data lost: {t['data_lost']} (asserted by {t['data_lost_tests']} tests) · "
        f"duplicates: {t['duplicates']} (asserted by {t['duplicates_tests']} tests) · "
        f"tests passed: {t['passed']}/{t['tests']}",
    ]
    if result["unmarked"]:
        lines.append(f"unmarked tests (no @pytest.mark.found): {', '.join(result['unmarked'])}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON (pytest's output goes to stderr).")
    parser.add_argument("pytest_args", nargs="*", help="Extra pytest arguments (after --).")
    args = parser.parse_args()
    if args.json:
        stdout, sys.stdout = sys.stdout, sys.stderr  # pytest's progress must not mix with the JSON
        try:
            result = run(args.pytest_args)
        finally:
            sys.stdout = stdout
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        result = run(args.pytest_args)
        print()
        print(table(result))
    sys.exit(0 if result["pytest_exit"] in (0, 5) else 1)


if __name__ == "__main__":
    main()
