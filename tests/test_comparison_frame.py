"""Comparisons the rules cannot read, restated by the model as a checked frame (rag.comparison_frame)."""

from __future__ import annotations

import json

import pytest

from rag.comparison_frame import ComparisonFrame, canonical, checked_question
from rag.question import read_question


def _frame(**over) -> ComparisonFrame:
    data = {"places": [{"place": "兴山县", "year": 2024}, {"place": "芦山", "year": 2024}], "indicator": "GDP",
            "measure": "growth", "ask": "higher"} | over
    return ComparisonFrame.model_validate(data)


def _question(text: str, *places: str):
    q = read_question(text)
    q.places.extend(places)
    return q


ALIASES = {"芦山": "芦山县", "兴山": "兴山县"}
ODD = "兴山县和芦山县2024年GDP增长目标比一比,谁领先?"


def test_a_frame_becomes_the_canonical_question_the_rules_read():
    restated = checked_question(_frame(), _question(ODD, "兴山县", "芦山县"), ALIASES)
    assert restated is not None
    assert restated.text == "兴山县2024年和芦山县2024年GDP增长目标分别是多少?哪个更高?"
    assert restated.places == ["兴山县", "芦山县"] and restated.compare == "高"
    three = _frame(places=[{"place": p, "year": 2022} for p in ("甲县", "乙县", "丙县")], ask="rank_low",
                   measure="amount")
    assert canonical(three, ["甲县", "乙县", "丙县"]) == "甲县2022年、乙县2022年、丙县2022年中GDP哪个最低?"


@pytest.mark.parametrize("over", [
    {"places": [{"place": "兴山县", "year": 2024}, {"place": "通江县", "year": 2024}]},  # a place not asked about
    {"places": [{"place": "兴山县", "year": 2023}, {"place": "芦山县", "year": 2024}]},  # a year not written
    {"indicator": "固定资产投资"},  # an indicator the question does not name
])
def test_a_frame_that_says_what_the_question_does_not_is_dropped(over):
    assert checked_question(_frame(**over), _question(ODD, "兴山县", "芦山县"), ALIASES) is None


def test_ask_answers_an_oddly_worded_comparison_from_rows_through_the_frame(indexed, fake_llm):
    indexed.settings.retrieval.ledger_answers = True
    fake_llm.queue(json.dumps(_frame().model_dump(), ensure_ascii=False))
    answer = indexed.ask(ODD)
    assert answer.answered_from == "ledger" and len(fake_llm.calls) == 1  # one call: the frame, no generation
    assert answer.answer.endswith("兴山县更高，高出2个百分点。")
    assert {c.county for c in answer.citations} == {"兴山县", "芦山县"}


def test_a_bad_frame_falls_back_to_retrieval(indexed, fake_llm):
    indexed.settings.retrieval.ledger_answers = True
    indexed.settings.retrieval.dense_weight = 0.0
    bad = json.dumps(_frame(indicator="固定资产投资").model_dump(), ensure_ascii=False)
    fake_llm.queue(bad, "兴山县增长9%[1]，芦山县增长7%左右[2]。")
    answer = indexed.ask(ODD)
    assert answer.answered_from != "ledger" and len(fake_llm.calls) == 2  # the frame, then the answer


def test_no_call_without_two_places(indexed, fake_llm):
    indexed.settings.retrieval.ledger_answers = True
    fake_llm.queue("兴山县2024年地区生产总值增长目标为9%[1]。")
    indexed.ask("兴山县2024年GDP增长目标定得高不高?")
    assert len(fake_llm.calls) == 1  # the answer only
