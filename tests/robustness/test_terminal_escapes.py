"""Found 8 (issue 12): escape codes inside a document (an OSC title, a clear-screen) reached the
terminal through the sources panel. Cleaning drops them; every render path strips them again."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from cli import render
from rag.indexer import index_paths
from rag.ingest import clean_text
from rag.text import strip_controls

NASTY = "\x1b]0;PWNED\x07\x1b[2J\x1b[31m\x9b2J\x08\u202e"  # NUL makes a file binary: refused (tested elsewhere)


def _planted(seeds_dir):
    target = next(seeds_dir.glob("003_*.txt"))
    text = target.read_text("utf-8")
    target.write_text(text.replace("预计完成地区生产总值170亿元", f"预计完成{NASTY}地区生产总值170亿元", 1), "utf-8")
    assert NASTY in target.read_text("utf-8")
    return target


def _no_controls(text: str) -> bool:
    return not any(ord(ch) < 32 and ch not in "\n\t" or 0x7F <= ord(ch) <= 0x9F or ch == "\u202e" for ch in text)


@pytest.mark.found(8)
def test_strip_controls_keeps_text_line_breaks_and_tabs():
    assert strip_controls(f"甲{NASTY}乙\t丙\r\n丁") == "甲乙\t丙\n丁"
    assert strip_controls("x\x1b]2;title\x1b\\y") == "xy"
    assert strip_controls("正常的报告文本。") == "正常的报告文本。"


@pytest.mark.found(8)
def test_cleaning_drops_escape_sequences_before_the_store():
    text, _ = clean_text(f"兴山县预计完成{NASTY}地区生产总值170亿元，增长8%。")
    assert text == "兴山县预计完成地区生产总值170亿元，增长8%。"


@pytest.mark.found(8)
def test_ask_shows_no_escape_code_from_a_document(cli_runner, engine, seeds_dir):
    _planted(seeds_dir)
    index_paths([seeds_dir], engine.store, lambda: engine.embedder)
    assert all(_no_controls(c.text) for c in engine.store.all_chunks())
    engine.settings.retrieval.dense_weight = 0.0  # the hash embedder is noise: rank by keywords alone
    engine.llm.queue(f"兴山县2023年预计完成地区生产总值170亿元{NASTY}[1]。")  # the model echoes them too
    code, out, err = cli_runner(lambda s: engine)("ask", "兴山县2023年地区生产总值是多少")
    assert code == 0 and "170亿元" in out and "已删除" not in out and "来源" in out
    assert _no_controls(out + err) and "PWNED" not in out


@pytest.mark.found(8)
def test_list_and_inspect_show_no_escape_code(cli_runner, engine, seeds_dir):
    planted = _planted(seeds_dir)
    nasty_name = planted.with_name("003_\x1b]0;T\x07x.txt")
    planted.rename(nasty_name)
    index_paths([seeds_dir], engine.store, lambda: engine.embedder)
    for args in (["list"], ["inspect", str(nasty_name), "--full"]):
        code, out, err = cli_runner(lambda s: engine)(*args)
        assert code == 0, err
        assert _no_controls(out + err), args


@pytest.mark.found(8)
def test_every_render_helper_strips_controls_from_stored_text():
    """A store indexed before this fix still holds the codes: rendering strips them again."""

    class Citation:
        n, file, heading, text, derived = 1, f"a{NASTY}.txt", f"一、回顾{NASTY}", f"地区生产总值170亿元{NASTY}", False

    class Answer:
        citations, answer, dropped, scope, refused = [Citation()], f"170亿元{NASTY}[1]", [f"999{NASTY}"], [], False
        timings = {}

    buffer = io.StringIO()
    console = Console(file=buffer, width=100, force_terminal=False)
    render.citations(console, Answer())
    render.documents(console, [{"file": f"x{NASTY}.txt", "county": f"兴山县{NASTY}", "chunks": 3, "sources": {}}],
                     type("S", (), {"embedding": type("E", (), {"model": "m"})()})())
    assert "170亿元" in buffer.getvalue() and "兴山县" in buffer.getvalue()
    assert _no_controls(buffer.getvalue())
