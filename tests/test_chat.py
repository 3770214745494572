"""Chat session logic and slash commands, with the fake LLM."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from cli.chat import answer_turn, handle_command
from rag.chat import HISTORY_TURNS, ChatSession


@pytest.fixture
def session(indexed):
    indexed.settings.retrieval.dense_weight = 0.0
    return ChatSession(indexed)


@pytest.fixture
def console():
    return Console(file=io.StringIO(), width=100, force_terminal=False)


def output(console) -> str:
    return console.file.getvalue()


def test_follow_up_is_rewritten_with_the_previous_county_and_year(session, fake_llm):
    fake_llm.queue("预计完成地区生产总值170亿元,增长8%[1]。")
    first = session.ask("兴山县2023年地区生产总值是多少")
    assert first.question == first.typed
    fake_llm.queue("兴山县2023年固定资产投资是多少？", "固定资产投资71.6亿元,增长10%[1]。")
    seen = []
    second = session.ask("那固定资产投资呢？", on_rewrite=seen.append)
    assert second.question == "兴山县2023年固定资产投资是多少？" and seen == [second.question]
    rewrite_prompt = fake_llm.calls[1][1]["content"]
    assert "上一问：兴山县2023年地区生产总值是多少" in rewrite_prompt and "追问：那固定资产投资呢？" in rewrite_prompt
    assert "71.6亿元" in second.answer.answer
    assert second.answer.scope == ["兴山县"]


def test_bad_rewrite_falls_back_to_the_previous_scope(session, fake_llm):
    fake_llm.queue("170亿元[1]。")
    session.ask("兴山县2023年地区生产总值是多少")
    fake_llm.queue("", "固定资产投资71.6亿元[1]。")  # the model returned nothing useful
    turn = session.ask("那固定资产投资呢？")
    assert turn.question == "兴山县2023年固定资产投资呢？"


def test_standalone_question_is_not_rewritten(session, fake_llm):
    fake_llm.queue("170亿元[1]。")
    session.ask("兴山县2023年地区生产总值是多少")
    fake_llm.queue("固定资产投资增长12%[1]。")
    turn = session.ask("兴山县2024年固定资产投资增长目标是多少")
    assert turn.question == turn.typed and len(fake_llm.calls) == 2


def test_history_is_bounded_but_the_transcript_is_not(session, fake_llm):
    for _ in range(HISTORY_TURNS + 2):
        fake_llm.queue("170亿元[1]。")
        session.ask("兴山县2023年地区生产总值是多少")
    assert len(session.history) == HISTORY_TURNS
    assert len(session.transcript) == HISTORY_TURNS + 2


def test_ctrl_c_cancels_the_answer_and_keeps_the_session(session, fake_llm, console):
    fake_llm.queue("170亿元[1]。")

    def interrupt(piece):
        raise KeyboardInterrupt

    original = session.engine.ask
    session.engine.ask = lambda q, **kw: original(q, counties=kw.get("counties"), on_token=interrupt)
    answer_turn(session, "兴山县2023年地区生产总值是多少", console)
    assert "已取消" in output(console)
    assert session.history == []
    session.engine.ask = original
    fake_llm.queue("170亿元[1]。")
    answer_turn(session, "兴山县2023年地区生产总值是多少", console)
    assert "170亿元" in output(console) and len(session.history) == 1


def test_endpoint_error_mid_session_is_one_line(session, fake_llm, console):
    from rag.errors import LLMError

    fake_llm.queue(LLMError("cannot reach the LLM endpoint http://x/v1: is it running?"))
    answer_turn(session, "兴山县2023年地区生产总值是多少", console)
    assert "error: cannot reach" in output(console)
    fake_llm.queue("170亿元[1]。")
    answer_turn(session, "兴山县2023年地区生产总值是多少", console)
    assert "170亿元" in output(console)


def test_answer_turn_streams_then_shows_sources(session, fake_llm, console):
    fake_llm.queue("预计完成地区生产总值170亿元,增长8%[1]。")
    answer_turn(session, "兴山县2023年地区生产总值是多少", console)
    text = output(console)
    assert "预计完成地区生产总值170亿元" in text and "来源" in text and "003_a378347d771fafc0.txt" in text


def test_slash_commands(session, fake_llm, console, tmp_path):
    assert handle_command(session, "/help", console) and "/sources" in output(console)
    handle_command(session, "/county 兴山", console)
    assert session.counties == ["兴山县"]
    handle_command(session, "/county 北川县", console)
    assert session.counties == ["兴山县"] and "未索引" in output(console)
    fake_llm.queue("170亿元[1]。")
    session.ask("2023年地区生产总值是多少")
    assert {c.county for c in session.last.answer.retrieved} == {"兴山县"}
    handle_command(session, "/county", console)
    assert session.counties == []
    handle_command(session, "/sources", console)
    assert "地区生产总值170亿元" in output(console)
    target = tmp_path / "t.md"
    handle_command(session, f"/save {target}", console)
    saved = target.read_text("utf-8")
    assert "**问：** 2023年地区生产总值是多少" in saved and "003_a378347d771fafc0.txt" in saved
    handle_command(session, "/model", console)
    assert "fake" in output(console)
    handle_command(session, "/reset", console)
    assert session.history == [] and session.transcript == []
    handle_command(session, "/nope", console)
    assert "未知命令" in output(console)
    assert handle_command(session, "/quit", console) is False


def test_model_command_switches_model(session, console):
    handle_command(session, "/model qwen2.5-coder-0.5b", console)
    assert session.engine.settings.llm.model == "qwen2.5-coder-0.5b"
    assert session.engine._llm is None  # rebuilt, with the new model, on the next question
    assert "qwen2.5-coder-0.5b" in output(console)
