"""Comparisons worded in ways the rules do not read, restated by the model and answered in code.

The ledger answers comparisons it can parse (rag.ledger_answer); users word them in many more
ways than a regex list keeps up with (four held-out sets each brought new ones: 哪家, 谁第一谁垫底,
给…定的目标, 差距有多大). Here the model does the one thing it is good at: it restates the question
as a typed frame (places with their years, the indicator as written, amount or growth, and the
operation) under a JSON schema; whether targets are asked stays with the question's own words.
Code checks the frame against the question and writes it back as a question in the canonical
wording the rules read; the rows, the arithmetic and the verdict stay in code. A frame that names a place the question does not, a year it does not
write, or an indicator the question does not name is dropped, and the question goes on to retrieval.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from rag.errors import StructuredOutputError
from rag.figures import TARGET
from rag.ledger import indicators_in
from rag.prompts import render
from rag.question import Question, read_question

# The cues of a comparison across places: without one, no call is made.
COMPARISON_CUE = re.compile(r"多少|几|哪|谁|比|差|高|低|多|少|快|慢|排|第一|垫底|领先|落后|对比|相比")


class AskedPlace(BaseModel):
    place: str = Field(description="The place as the question writes it.")
    year: int | None = Field(None, description="The year the question gives this place, or null.")


class ComparisonFrame(BaseModel):
    """What a comparison question asks, as the model reads it (places, years, indicator, measure, operation)."""

    places: list[AskedPlace] = Field(min_length=2, max_length=6)
    indicator: str = Field(description="The indicator as the question writes it.")
    measure: Literal["amount", "growth"]
    ask: Literal["values", "higher", "lower", "difference", "rank_high", "rank_low"]


_ASK = {"values": "分别是多少?", "higher": "分别是多少?哪个更高?", "lower": "分别是多少?哪个更低?",
        "difference": "相差多少?", "rank_high": "哪个最高?", "rank_low": "哪个最低?"}


def canonical(frame: ComparisonFrame, places: list[str], target: bool = False) -> str:
    """The frame as a question in the wording the rules read (甲县2022年和乙县2023年地区生产总值增长分别是多少?).

    Whether targets are asked is the question's own words' business (目标, 预期, 计划: ``target``),
    not the model's: a small model called every figure a target."""
    named = [f"{p}{a.year}年" if a.year else p for p, a in zip(places, frame.places)]
    who = "和".join(named) if len(named) == 2 else "、".join(named) + "中"
    what = frame.indicator + ("增长" if frame.measure == "growth" else "") + ("目标" if target else "")
    return f"{who}{what}{_ASK[frame.ask]}"


def checked_question(frame: ComparisonFrame, question: Question, aliases: dict[str, str]) -> Question | None:
    """The frame's canonical question, or None when the frame says what the question does not."""
    places = [aliases.get(a.place, a.place) for a in frame.places]
    if len(set(places)) != len(places) or set(places) != set(question.places):
        return None  # every place the question names, and no other
    if any(a.year and str(a.year) not in question.text for a in frame.places):
        return None  # a year the question does not write
    asked = {i.name for i in indicators_in(question.text)}
    framed = {i.name for i in indicators_in(frame.indicator)}
    if not framed or not framed <= asked:
        return None  # the indicator must be one the question names
    restated = read_question(canonical(frame, places, target=question.kind == TARGET))
    restated.places.extend(places)
    return restated


def frame_comparison(question: Question, structured, aliases: dict[str, str]) -> Question | None:
    """The question restated from the model's frame, checked; None when there is nothing to restate."""
    if len(question.places) < 2 or not COMPARISON_CUE.search(question.text) or not indicators_in(question.text):
        return None
    messages = [{"role": "system", "content": render("comparison_frame_system")},
                {"role": "user", "content": render("comparison_frame_user", question=question.text)}]
    try:
        frame = structured.ask(messages, ComparisonFrame, max_tokens=200)
    except StructuredOutputError:
        return None  # no valid frame: the question goes on to retrieval as before (a crash is still reported)
    return checked_question(frame, question, aliases)
