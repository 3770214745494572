"""Attendance questions answered in code: how many delegates or members attended a meeting.

News of a 人代会 or a 党代会 and plenum communiqués state the roll in a few fixed shapes
(出席代表325名, 181名区人大代表出席会议, 出席会议的有区委委员22名、候补委员4名, 300多名人大代表
汇聚一堂, 应到代表354名). A question asking for that count (出席代表多少名) is answered with the
retrieved clause that states it, quoted verbatim and cited, so the figure and its qualifier (300多名)
are the text's own. The small model tended to drop the qualifier or to refuse such questions.

Only the count the question asks is taken: 应到 (seats) and 列席 (observers) only when asked,
委员 or 代表 when the question names one. Anything else goes on to the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.brief_qualitative import make_view
from rag.store import StoredChunk

# 出席代表多少名 / 有多少名代表出席 / 参加会议的有几人.
ROLL_QUESTION = re.compile(
    r"(?:出席|参加|与会|到会|应到|实到|列席|参会)[^？?。]{0,32}?(?:多少|几)(?:名|人|位)|"
    r"(?:多少|几)(?:名|位)[^？?。]{0,16}?(?:出席|参加|与会|到会|列席|参会)"
)
_MEETING = re.compile(r"会议|大会|全会|人代会|党代会|代表|委员|开幕|闭幕")
_COUNT = re.compile(r"\d+\s*(?:多|余)?\s*(?:名|人|位)")
_PRESENT = re.compile(r"出席|参加|与会|到会|实到|参会|汇聚一堂|会聚一堂|齐聚一堂")
_ROLES = ("委员", "代表")
# 出席全会的有 / 参加会议的是: a roll whose counts follow, clause by clause.
_ROLL_INTRO = re.compile(r"(?:出席|参加|列席)(?:全会|会议|大会)?的(?:有|是)$")


@dataclass(frozen=True)
class Roll:
    """The clause that states the count, and the chunk it stands in."""

    quote: str
    chunk: StoredChunk

    @property
    def text(self) -> str:
        return f"{self.quote}[1]。"


_SEATS = re.compile(r"应到|应出席")  # 应到代表253名 / 應出席代表247名: the seats, not who came
_SPECIAL = {"应到": _SEATS, "列席": re.compile("列席")}
# 应到和实到代表各多少人: the seats and the attendance asked together, stated in one sentence.
_BOTH = re.compile(r"(?:应到|应出席)[^?？。]{0,6}(?:和|与|及|、|,|，)[^?？。]{0,4}(?:实到|出席|到会)")


def _fits(question: str, clause: str) -> bool:
    """Whether ``clause`` states the count ``question`` asks for."""
    if not _COUNT.search(clause):
        return False
    roles = all(role in clause for role in _ROLES if role in question)
    if _BOTH.search(question):
        return bool(_SEATS.search(clause) and _PRESENT.search(_SEATS.sub("", clause))) and roles
    for word, special in _SPECIAL.items():  # seats and observers: only when asked, and then only they
        if word in question:
            return bool(special.search(clause)) and roles
        if special.search(clause) and not _PRESENT.search(_SEATS.sub("", clause)):
            return False
    return bool(_PRESENT.search(clause)) and roles


def _roll_in(question: str, chunk: StoredChunk) -> Roll | None:
    """The first clause of ``chunk`` that states the count asked."""
    view = make_view(StoredChunk(chunk.id, chunk.text, {}))  # the body only, not its heading
    start = 0
    for m in re.finditer(r"[。!?;,]|$", view.text):
        clause = view.text[start : m.start()]
        end = m.start()
        if _ROLL_INTRO.search(clause) or _BOTH.search(question) and _SEATS.search(clause):
            # 出席全会的有,县委委员32人,候补县委委员3人 / 应到代表253名,出席…243名: the roll is the sentence
            end = next((k for k in (view.text.find(p, m.start()) for p in "。;") if k >= 0), len(view.text))
            clause = view.text[start:end]
            if not all(role in clause for role in _ROLES if role in question):
                clause = ""
        if clause and _fits(question, clause):
            quote = view.quote(start, end)
            if quote:
                return Roll(quote, chunk)
        start = m.end()
    return None


def roll_answers(question: str, hits: list[StoredChunk], documents: int = 1) -> list[Roll]:
    """The first clause, in rank order, that states the count asked, from each of up to ``documents``
    documents (a question naming two sessions asks the roll of each)."""
    if not ROLL_QUESTION.search(question) or not _MEETING.search(question):
        return []  # 参加医保多少人 is no roll call
    found: dict[str, Roll] = {}
    for chunk in hits:
        source = chunk.meta.get("source") or chunk.id
        if source not in found and (roll := _roll_in(question, chunk)):
            found[source] = roll
            if len(found) == documents:
                break
    return list(found.values())


def roll_answer(question: str, hits: list[StoredChunk]) -> Roll | None:
    """The first clause of the retrieved chunks, in rank order, that states the count asked."""
    rolls = roll_answers(question, hits)
    return rolls[0] if rolls else None
