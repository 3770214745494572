"""Figures as these reports write them: a value, its unit's family, and whether it is a target.

A number alone proves nothing: "110" supports 规上工业总产值110亿元, not 粮食总产量110万吨, and
a 2024 growth target of 12% is not the 2023 outcome. The answer stage uses these helpers to
accept a figure only when the evidence states it with a unit of the same family, of the kind
asked (target, estimate or actual).

Unit families follow the units the National Bureau of Statistics uses in 统计公报 (money in
元/万元/亿元, quantities in 吨/万吨, people in 人/万人/人次, land in 亩/公顷, rates in % and
个百分点). Which indicator is measured in which family is data: ``rag/data/indicators.toml``.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# Longest units first, so 万人次 is not read as 万人.
_UNIT_FAMILY = {
    "个百分点": "points", "百分点": "points", "%": "percent", "％": "percent", "‰": "permille",
    "万亿元": "money", "亿元": "money", "万元": "money", "千元": "money", "元": "money", "亿美元": "money",
    "万美元": "money", "美元": "money",
    "万吨": "weight", "吨": "weight", "亿斤": "weight", "万斤": "weight", "斤": "weight", "公斤": "weight", "千克": "weight",
    "万人次": "visits", "人次": "visits",
    "万人": "people", "人": "people", "名": "people",
    "万户": "households", "户": "households",
    "万亩": "area", "亩": "area", "公顷": "area", "平方公里": "area", "万平方米": "area", "平方米": "area",
    "公里": "length", "千米": "length", "米": "length",
    "万千瓦时": "energy", "亿千瓦时": "energy", "千瓦时": "energy", "万千瓦": "power", "千瓦": "power",
    "万头": "head", "头": "head", "万只": "head", "只": "head",
    "家": "count", "个": "count", "项": "count", "所": "count", "座": "count", "条": "count", "辆": "count",
    "套": "count", "张": "count", "件": "count", "台": "count", "处": "count", "批": "count",
}
_UNITS = sorted(_UNIT_FAMILY, key=len, reverse=True)
_FIGURE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(" + "|".join(re.escape(u) for u in _UNITS) + ")")
_NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?")

# Clause kinds. A target is what a plan sets (预期目标, 力争, 控制在); an estimate is a year-end
# figure before the statistics are final (预计); an actual is reported as done.
TARGET, STRETCH, ESTIMATE, ACTUAL = "target", "stretch", "estimate", "actual"
# Only words that mark a goal wherever they stand: 以上, 突破 and 达到 are as common in reviews.
_TARGET_WORDS = re.compile(r"目标|预期|计划|控制在|左右|不低于|不少于|确保|同步")
_STRETCH_WORDS = re.compile(r"力争|争取")
_ESTIMATE_WORDS = re.compile(r"预计")
_ACTUAL_WORDS = re.compile(r"完成|实现了|达到了|同比|比上年|较上年|增长了|下降了|累计")
# A plan section's heading: 2024年工作安排, 主要预期目标, 今年的目标任务, 总体要求.
# A budget report's parts too: 一、2022年预算执行情况 (outcomes), 二、2023年预算草案 (plans).
_PLAN_HEADING = re.compile(r"工作安排|工作思路|目标任务|预期目标|总体要求|重点工作|主要任务|今年|下一步|工作打算|预算草案|预算安排")
_REVIEW_HEADING = re.compile(r"工作回顾|过去一年|主要工作|工作总结|回顾|成绩|成效|预算执行情况")

# What a question asks for.
_ASK_TARGET = re.compile(r"目标|预期|计划|力争|打算|要达到|定为")
_ASK_ACTUAL = re.compile(r"完成了|实现了|实际|达到了|全年完成|完成情况")
ASK_RATE = re.compile(r"增长|增速|增幅|涨幅|上涨|下降|降低|提高|百分之|比重|占比|比例|率")


@dataclass(frozen=True)
class Figure:
    """One number with the unit written after it ('' when none), and that unit's family."""

    value: str
    unit: str
    family: str
    start: int


def figures_in(text: str) -> list[Figure]:
    """Every number in ``text`` with its unit; numbers without a unit get family ''."""
    text = unicodedata.normalize("NFKC", text)
    found = {m.start(1): Figure(m.group(1), m.group(2), _UNIT_FAMILY[m.group(2)], m.start(1))
             for m in _FIGURE.finditer(text)}
    for m in _NUMBER.finditer(text):
        found.setdefault(m.start(), Figure(m.group(), "", "", m.start()))
    return [found[k] for k in sorted(found)]


def unit_family(unit: str) -> str:
    """The family of a unit as written (亿元 -> money, 万吨 -> weight); '' when unknown."""
    return _UNIT_FAMILY.get(unicodedata.normalize("NFKC", unit), "")


def family_of(value: str, text: str) -> set[str]:
    """The unit families ``text`` writes ``value`` with ('' for a bare number)."""
    return {f.family for f in figures_in(text) if f.value == value}


def clause_kind(clause: str, heading: str = "") -> str:
    """target, stretch, estimate or actual: from the clause's own markers, its section, its words.

    预计 and 力争 decide wherever they stand. Otherwise a section heading that says review or
    plan decides (确保全年新签约项目30个 sits in a plan, 全年完成 in a review); then words. ''
    when nothing tells: many plan sections are headed by a slogan (二、锚定发展定位…), and an
    unknown kind rejects nothing.
    """
    if _ESTIMATE_WORDS.search(clause):
        return ESTIMATE
    if _STRETCH_WORDS.search(clause):
        return STRETCH
    top = heading.split(" > ")[0] if heading else ""
    plan, review = bool(_PLAN_HEADING.search(top)), bool(_REVIEW_HEADING.search(top))
    if plan != review:
        return TARGET if plan else ACTUAL
    target, actual = bool(_TARGET_WORDS.search(clause)), bool(_ACTUAL_WORDS.search(clause))
    if target != actual:
        return TARGET if target else ACTUAL
    return ""


def asked_kind(question: str) -> str | None:
    """target when the question asks for a goal, actual when for an outcome, else None (either)."""
    if _ASK_TARGET.search(question):
        return TARGET
    if _ASK_ACTUAL.search(question):
        return ACTUAL
    return None


def kind_matches(asked: str | None, stated: str) -> bool:
    """A target question takes target and stretch figures; an outcome question estimates and actuals."""
    if asked is None or not stated:
        return True
    if asked == TARGET:
        return stated in (TARGET, STRETCH)
    return stated in (ACTUAL, ESTIMATE)


@cache
def _indicators() -> list[tuple[str, str]]:
    """(indicator name as written, family of its level), longest names first."""
    data = tomllib.loads((Path(__file__).parent / "data" / "indicators.toml").read_text("utf-8"))
    pairs = [(name, entry["unit"]) for entry in data["indicator"] for name in entry["names"]]
    return sorted(pairs, key=lambda p: -len(p[0]))


def asked_families(question: str) -> set[str] | None:
    """The unit families an answer to ``question`` must include one of; None when it cannot be told.

    A unit written in the question decides (多少万吨); a rate word asks for % or 个百分点; an
    indicator name asks for the family its level is measured in.
    """
    q = unicodedata.normalize("NFKC", question)
    written = [u for u in _UNITS if u in q and not u.isdigit() and len(u) > 1 and f"多少{u}" in q]
    if written:
        return {_UNIT_FAMILY[written[0]]}
    if ASK_RATE.search(q):
        return {"percent", "points", "permille"}
    for name, family in _indicators():
        if name in q:
            # A level question may be answered with the growth the report gives instead.
            return {family, "percent", "points"}
    return None
