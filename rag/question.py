"""What a question asks, read once: its years, the kind and unit of figure it wants, its form.

Every later stage (evidence selection, the gate, the checks on the model's answer) reads these
fields instead of re-parsing the question with its own regexes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.errors import InputError
from rag.figures import asked_families, asked_kind
from rag.text import numbers, years

LIST_QUESTION = re.compile(r"哪些|哪几|几项|几个方面|几大|主要任务|重点任务|重点工作|列举|包括什么|有什么举措")
# Who delivered a report, when, at which meeting: facts that sit in a document's opening lines.
DOC_INFO_QUESTION = re.compile(r"谁|哪位|何人|何时|什么时间|什么时候|哪天|哪一天|日期|哪次会议|什么会议|哪个会议|会议上|召开|主持")
YES_NO_QUESTION = re.compile(r"是否|有没有|是不是|能否|吗[？?]?$")
# Which of two places is ahead (哪个更快, 哪个县更高): the verdict is computed, not generated.
COMPARE_QUESTION = re.compile(r"(?:哪个|哪一个|哪家|谁)[县市区]?(?:的)?[^，,。？?]{0,6}?(?:更|较)(快|高|多|大|低|少|慢|小)"
                              # 增速谁高 / 相比哪个多: the verdict word right after who.
                              r"|(?:哪个|哪一个|哪家|谁)[县市区]?(?:的)?(快|高|多|大|低|少|慢|小)(?=[?？。,，、]|$)")
# Questions that ask for a quantity; an answer without any number does not answer them.
QUANTITY_QUESTION = re.compile(r"多少|几[个家项件所万亿倍]|百分之|比重|占比|比例是")


@dataclass(frozen=True)
class Question:
    """A validated question and what it asks for."""

    text: str
    years: frozenset[int] = frozenset()
    numbers: frozenset[str] = frozenset()  # numbers the question itself states: they need no support
    kind: str | None = None  # target / actual (rag.figures), None when either will do
    families: frozenset[str] | None = None  # unit families a quantity answer must use; None: any
    is_list: bool = False
    is_doc_info: bool = False
    is_yes_no: bool = False
    is_quantity: bool = False
    compare: str | None = None  # 快/高/多…: the direction of a 哪个更… question
    places: list[str] = field(default_factory=list)  # filled by the scope stage


# A year written with two digits, as people type it (兴山24年固投, 11年盐田社零), not a span of years
# (近10年, 过去20年, 10年来, 20年代) nor part of a longer number.
_SHORT_YEAR = re.compile(r"(?<![\d.%])(?<![近过去这前后第每多连续约满了用花经])(\d{2})(?=年(?![来间内前后以代度龄轻限期底末]))")


def full_years(text: str) -> str:
    """``24年`` as ``2024年`` (``98年`` as ``1998年``), so every later stage reads the year."""
    return _SHORT_YEAR.sub(lambda m: ("20" if int(m.group(1)) <= 50 else "19") + m.group(1), text)


# Two digits right after a place's name, as people type a year (牟定23 vs 尉犁24, 云和22人均gdp): not a
# count or an amount (兴山12个项目, 兴山10家企业, 兴山22人).
_AFTER_PLACE = r"(\d{2})(?![\d年%.万亿元个倍家项户吨亩次所条名岁天月日号])(?!人(?!均))"


def years_after_places(text: str, names: list[str]) -> str:
    """``牟定23`` as ``牟定2023年`` for each of ``names`` (the places' names as the question may
    write them), so the year binds to that place."""
    for name in sorted(names, key=len, reverse=True):
        text = re.sub(re.escape(name) + _AFTER_PLACE, lambda m: m.group(0)[: -2] + full_years(m.group(1) + "年"), text)
    return text


def validate_question(text: str, max_chars: int) -> str:
    """Collapse whitespace, write two-digit years out; refuse empty and overlong questions before
    any model is started."""
    text = full_years(" ".join(text.split()))
    if not text:
        raise InputError("the question is empty.")
    if len(text) > max_chars:
        raise InputError(
            f"the question is {len(text)} characters long; the limit is {max_chars}. Ask one concise question."
        )
    return text


def read_question(text: str) -> Question:
    """Parse ``text`` (already validated) into a :class:`Question`."""
    quantity = bool(QUANTITY_QUESTION.search(text))
    families = asked_families(text) if quantity else None
    compare = COMPARE_QUESTION.search(text)
    return Question(
        text=text,
        years=frozenset(years(text)),
        numbers=frozenset(numbers(text)),
        kind=asked_kind(text),
        families=frozenset(families) if families else None,
        is_list=bool(LIST_QUESTION.search(text)),
        is_doc_info=bool(DOC_INFO_QUESTION.search(text)),
        is_yes_no=bool(YES_NO_QUESTION.search(text)),
        is_quantity=quantity,
        compare=(compare.group(1) or compare.group(2)) if compare else None,
    )
