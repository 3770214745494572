"""Attendance counts answered in code from the clause that states them (rag.roll_answer)."""

from __future__ import annotations

import pytest

from rag.roll_answer import roll_answer
from rag.store import StoredChunk

NEWS = ("1月26日上午,第一次全体会议隆重召开。181名区人大代表出席会议。大会应到代表354名,出席代表 325名,"
        "符合法定人数。300多名人大代表匯聚一堂。")
PLENUM = "全会于1月5日举行。出席全会的有,县委委员32人,候补县委委员3人。县纪委常委列席会议。"


@pytest.mark.parametrize(("question", "text", "expected"), [
    ("有多少名代表出席会议?", NEWS, "181名区人大代表出席会议"),
    ("大会应到代表多少名?", NEWS, "大会应到代表354名"),  # seats only when asked
    ("出席全会的县委委员和候补县委委员各有多少人?", PLENUM, "出席全会的有,县委委员32人,候补县委委员3人"),
])
def test_the_clause_that_states_the_count_asked_is_the_answer(question, text, expected):
    roll = roll_answer(question, [StoredChunk("c1", text, {})])
    assert roll is not None and roll.quote == expected and roll.text == expected + "[1]。"


def test_the_qualifier_and_the_script_stay_as_written():
    only = "桃源縣人民代表大會隆重開幕,300多名人大代表匯聚一堂,共商發展。"
    roll = roll_answer("有多少名人大代表参加大会?", [StoredChunk("c1", only, {})])
    assert roll is not None and roll.quote == "300多名人大代表匯聚一堂"  # 多 kept; the chunk's own script


@pytest.mark.parametrize("question", [
    "兴山县2023年地区生产总值是多少?",  # not an attendance question
    "全县参加城乡居民医保多少人?",  # 参加 without a meeting
    "列席会议的有多少人?",  # asked about observers; the text gives no count of them
])
def test_other_questions_go_on_to_the_model(question):
    assert roll_answer(question, [StoredChunk("c1", PLENUM + NEWS, {})]) is None


def test_ask_answers_a_roll_question_from_the_retrieved_clause_without_the_model(indexed, fake_llm):
    indexed.settings.retrieval.dense_weight = 0.0  # the hash embedder ranks nothing: keywords decide
    answer = indexed.ask("出席芦山县委十五届六次全会的县委委员和候补县委委员各有多少人?")
    assert answer.answered_from == "rules" and not answer.refused and fake_llm.calls == []
    assert answer.answer == "出席全会的有,县委委员32人,候补县委委员3人[1]。"
    assert answer.citations[0].county == "芦山县" and answer.citations[0].text in answer.answer


def test_seats_and_attendance_asked_together_are_the_sentence_that_states_both():
    text = "本次会议应到代表253名,出席当天大会的代表243名,符合法定人数。会议听取了报告。"
    roll = roll_answer("应到和实到代表各多少人?", [StoredChunk("c1", text, {})])
    assert roll is not None and roll.quote == "本次会议应到代表253名,出席当天大会的代表243名,符合法定人数"
    # 應出席 is the seats, in either script: not the attendance.
    roll = roll_answer("应到和实到代表各多少人?", [StoredChunk("c2", "本次會議應出席代表247名,實到219名,符合法定人數。", {})])
    assert roll is not None and roll.quote == "本次會議應出席代表247名,實到219名,符合法定人數"


def test_a_roll_asked_of_two_sessions_is_one_per_document():
    from rag.roll_answer import roll_answers

    hits = [StoredChunk("a-1", "本次會議應出席代表247名,實到219名。", {"source": "a"}),
            StoredChunk("a-2", "大会应到代表247名,出席代表219名。", {"source": "a"}),
            StoredChunk("b-1", "本次会议应到代表253名,出席当天大会的代表243名。", {"source": "b"})]
    rolls = roll_answers("2012年和2016年的会议应到和实到代表各多少人?", hits, documents=2)
    assert [r.chunk.id for r in rolls] == ["a-1", "b-1"]
