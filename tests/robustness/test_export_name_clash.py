"""Found 6 (issue 12): `export` named each output after the file name only, so a/report.txt and
b/report.txt both wrote report.json: one brief was lost, yet the run said "2 briefed", exit 0."""

from __future__ import annotations

import json
import shutil

import pytest

import rag.export
from rag.brief_schema import CountyBrief, DocumentInfo, Headline
from rag.export import export_briefs, load_manifest
from rag.indexer import index_paths
from tests.conftest import SEEDS
from tests.fakes import FakeLLM


class _Briefer:
    """Stands in for ``brief_document``: one recorded model call, a headline naming the source."""

    def __init__(self):
        self.llm = FakeLLM()

    def __call__(self, store, doc, llm, settings, on_progress=None):
        llm.calls.append([{"role": "user", "content": doc["source"]}])
        return CountyBrief(county=doc["county"], document=DocumentInfo(file=doc["file"]),
                           headline=Headline(text=f"简报：{doc['source']}", sources=[]))


@pytest.fixture
def two_reports(engine, tmp_path, monkeypatch):
    """a/report.txt and b/report.txt, two different reports indexed under one file name."""
    for folder, seed in (("a", "003"), ("b", "000")):
        (tmp_path / folder).mkdir()
        shutil.copy(next(SEEDS.glob(f"{seed}_*.txt")), tmp_path / folder / "report.txt")
    index_paths([tmp_path / "a", tmp_path / "b"], engine.store, lambda: engine.embedder)
    briefer = _Briefer()
    monkeypatch.setattr(rag.export, "brief_document", briefer)
    return briefer


def _headlines(out) -> dict[str, str]:
    return {p.name: json.loads(p.read_text("utf-8"))["headline"]["text"]
            for p in out.glob("*.json") if p.name != "manifest.json"}


@pytest.mark.found(6, asserts=("data_lost",))
@pytest.mark.parametrize("fmt", ["json", "md"])
def test_two_reports_with_one_file_name_get_two_briefs(engine, two_reports, tmp_path, fmt):
    out = tmp_path / "exports"
    report = export_briefs(engine.store, lambda: two_reports.llm, engine.settings, out, fmt)
    assert [r.status for r in report.results] == ["done", "done"]
    outputs = [r.output for r in report.results]
    assert len(set(outputs)) == 2 and all((out / o).is_file() for o in outputs)
    headlines = _headlines(out)
    sources = {str((tmp_path / f / "report.txt").resolve()) for f in "ab"}
    assert len(headlines) == 2 and {h.removeprefix("简报：") for h in headlines.values()} == sources
    entries = load_manifest(out)["documents"]
    assert len(entries) == 2 and {e["source"] for e in entries.values()} == sources
    assert {e["output"] for e in entries.values()} == set(outputs)


@pytest.mark.found(6)
def test_names_are_stable_and_the_rerun_resumes(engine, two_reports, tmp_path):
    out = tmp_path / "exports"
    first = export_briefs(engine.store, lambda: two_reports.llm, engine.settings, out, "json")
    calls = len(two_reports.llm.calls)
    again = export_briefs(engine.store, lambda: two_reports.llm, engine.settings, out, "json")
    assert [r.status for r in again.results] == ["skipped", "skipped"] and len(two_reports.llm.calls) == calls
    assert [r.output for r in again.results] == [r.output for r in first.results]


@pytest.mark.found(6, asserts=("data_lost",))
def test_a_second_report_of_the_same_name_keeps_the_first_ones_brief(engine, tmp_path, monkeypatch):
    """An export made while only a/report.txt was indexed resumes after b/report.txt arrives."""
    (tmp_path / "a").mkdir()
    shutil.copy(next(SEEDS.glob("003_*.txt")), tmp_path / "a" / "report.txt")
    index_paths([tmp_path / "a"], engine.store, lambda: engine.embedder)
    briefer = _Briefer()
    monkeypatch.setattr(rag.export, "brief_document", briefer)
    out = tmp_path / "exports"
    assert export_briefs(engine.store, lambda: briefer.llm, engine.settings, out, "json").results[0].output == "report.json"
    (tmp_path / "b").mkdir()
    shutil.copy(next(SEEDS.glob("000_*.txt")), tmp_path / "b" / "report.txt")
    index_paths([tmp_path / "b"], engine.store, lambda: engine.embedder)
    report = export_briefs(engine.store, lambda: briefer.llm, engine.settings, out, "json")
    by_source = {r.output: r.status for r in report.results}
    assert sorted(by_source.values()) == ["done", "skipped"] and len(briefer.llm.calls) == 2
    assert len(load_manifest(out)["documents"]) == 2
