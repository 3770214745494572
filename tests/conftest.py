"""Shared fixtures: settings pointed at tmp_path, fake models, and an engine built from them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.fakes import FakeLLM, HashEmbedder

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


@pytest.fixture
def seeds_dir(tmp_path) -> Path:
    """A private copy of the seed reports."""
    target = tmp_path / "seeds"
    target.mkdir()
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, target / f.name)
    return target


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """Settings with the index and cache under tmp_path and no config file or env leakage."""
    from rag.settings import Settings

    for key in list(__import__("os").environ):
        if key.startswith("GOVBRIEF_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    s = Settings()
    s.store.path = tmp_path / "index"
    s.cache_dir = tmp_path / "cache"
    s.embedding.model = "hash-embedder"
    # Most fast tests exercise retrieval and the (fake) model; the ledger path opts in
    # (tests/test_ledger_answer.py), so a queued model reply is never silently skipped.
    s.retrieval.ledger_answers = False
    return s


@pytest.fixture
def fake_llm() -> FakeLLM:
    return FakeLLM()


@pytest.fixture
def engine(settings, fake_llm):
    """An Engine with the hash embedder and the fake LLM."""
    from rag.engine import Engine

    engine = Engine(settings, embedder=HashEmbedder(), llm=fake_llm)
    yield engine
    engine.store.close()  # hundreds of tests: leaked SQLite handles would exhaust select()'s fd range


@pytest.fixture
def indexed(engine, seeds_dir):
    """The engine with the seeds indexed."""
    from rag.indexer import index_paths

    index_paths([seeds_dir], engine.store, lambda: engine.embedder)
    return engine


@pytest.fixture
def cli_runner(monkeypatch, capsys):
    """``cli_runner(make_engine)``: a function that runs the CLI in-process with that engine
    factory and returns (exit code, stdout, stderr), as ``govbrief`` would exit."""
    import sys

    import cli.main as cli_main

    def bind(make_engine):
        monkeypatch.setattr(cli_main, "make_engine", make_engine)

        def invoke(*args):
            monkeypatch.setattr(sys, "argv", ["govbrief", *args])
            cli_main.STATE["debug"] = False
            try:
                cli_main.main()
                code = 0
            except SystemExit as exc:
                code = exc.code or 0
            out = capsys.readouterr()
            return code, out.out, out.err

        return invoke

    return bind
