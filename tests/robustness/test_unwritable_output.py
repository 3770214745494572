"""Found 13, last item (issue 12): an output path under /sys failed only after the LLM work. Every
command that writes a file now checks the path first: one line, exit 2, no model call."""

from __future__ import annotations

import os

import pytest

from tests.fakes import FakeLLM

# /sys is writable by access() for root, yet no file can be created there: the case that slipped through.
UNWRITABLE = "/sys/govbrief-test"


@pytest.fixture
def run(cli_runner, indexed):
    return cli_runner(lambda settings: indexed)


@pytest.fixture(autouse=True)
def _needs_sys():
    if not os.path.isdir("/sys"):
        pytest.skip("no /sys on this system")


@pytest.mark.found(13)
@pytest.mark.parametrize("args", [
    ["export", "--out", f"{UNWRITABLE}/exports"],
    ["export", "--out", "/sys"],
    ["brief", "兴山县", "-o", f"{UNWRITABLE}.md"],
    ["brief", "兴山县", "-o", "/sys/brief.md"],
    ["eval", "--output", "/sys/x.jsonl", "--limit", "2"],
    ["eval", "--output", f"{UNWRITABLE}/x.jsonl", "--limit", "2"],
])
def test_an_unwritable_output_fails_before_any_model_call(run, indexed, args):
    llm = FakeLLM()  # any call would raise; the record shows none was made
    indexed._llm = llm
    code, out, err = run(*args)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot write") and "/sys" in lines[0]
    assert llm.calls == []


@pytest.mark.found(13)
@pytest.mark.parametrize("args", [
    ["facts", "--format", "csv", "--out", "/sys/facts.csv"],
    ["facts", "--format", "xlsx", "--out", "/sys/facts.xlsx"],
    ["compare", "地区生产总值", "--out", "/sys/compare.md"],
    ["track", "兴山县", "--out", "/sys/track.md"],
])
def test_ledger_outputs_are_checked_before_the_ledger_is_read(run, args):
    code, out, err = run(*args)
    assert code == 2 and out == ""
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: cannot write to /sys:")


@pytest.mark.found(13)
def test_an_output_that_is_a_folder_is_one_line(run, indexed, tmp_path):
    indexed._llm = FakeLLM()
    code, out, err = run("eval", "--output", str(tmp_path), "--limit", "1")
    assert code == 2 and err.strip() == f"error: cannot write {tmp_path}: it is a folder; give a file name."
    assert indexed._llm.calls == []
