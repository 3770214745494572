"""Scoring briefs against hand-made key facts: pure functions, no LLM, re-runnable on any brief.

A fact file (``seeds/eval/brief_facts.json``) maps a report file to the facts a careful reader
would put on its one-page brief::

    {"003_a378347d771fafc0.txt": {"county": "兴山县", "facts": [
        {"kind": "actual", "names": ["地区生产总值"], "values": ["170亿元", "8%"]},
        {"kind": "target", "names": ["固定资产投资"], "values": ["12%"]},
        {"kind": "task", "text": "聚力有效投资"},
        {"kind": "document", "field": "speaker", "value": "吴浩"}]}}

``qualitative`` facts (``{"kind": "qualitative", "type": "decision", "terms": ["审议通过", "决定"]}``)
are what a document decides, written in the text's own words: found when one item of the brief
(its text or its quote; any section) holds every key term, so a verbatim item matches and an
item about something else does not.

``actual``/``target`` facts are found when an indicator (or target) whose name matches one of
``names`` carries every expected value; ``task``/``project``/``risk``/``term`` facts when an item
of that section contains the text. A named indicator with other values counts as *wrong*.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rag.brief_check import bigram_coverage
from rag.brief_schema import CountyBrief, Indicator
from rag.text import normalize, strip_pinyin_glosses

SECTIONS = {"task": ("tasks", "text"), "project": ("projects", "name"), "risk": ("risks", "text"),
            "term": ("policy_terms", "term")}


@dataclass
class FactResult:
    """One fact: found, wrong (named but other values) or missing."""

    fact: dict
    status: str  # found | wrong | missing
    matched: str = ""


@dataclass
class Coverage:
    """How many of a report's key facts its brief carries, with correct values."""

    file: str
    results: list[FactResult] = field(default_factory=list)

    @property
    def found(self) -> int:
        """Facts present with correct values."""
        return sum(r.status == "found" for r in self.results)

    @property
    def wrong(self) -> int:
        """Facts named with a different value."""
        return sum(r.status == "wrong" for r in self.results)

    @property
    def score(self) -> float:
        """Share of facts found (1.0 for a report without facts)."""
        return self.found / len(self.results) if self.results else 1.0


def load_facts(path: Path) -> dict[str, dict]:
    """The fact file: report file name -> {county, facts}."""
    return json.loads(Path(path).read_text("utf-8"))


def item_values(item: Indicator) -> set[str]:
    """The ways an indicator states its figures: ``170亿元``, ``8%``, ``170``."""
    out = set()
    if item.value:
        out |= {normalize(item.value + (item.unit or "")), normalize(item.value)}
    if item.growth:
        out |= {normalize(item.growth), normalize(item.growth.lstrip("-"))}  # 下降3.2% is shown, -3.2% stored
    return out


def name_matches(fact_names: list[str], item_name: str) -> bool:
    """A fact's name (or alias) and an indicator's name refer to the same thing."""
    return any(normalize(n) == normalize(item_name) or bigram_coverage(n, item_name) >= 0.6
               or bigram_coverage(item_name, n) >= 0.8 for n in fact_names)


def score_fact(fact: dict, brief: CountyBrief) -> FactResult:
    """Whether ``brief`` carries ``fact`` with the right values."""
    kind = fact["kind"]
    if kind in ("actual", "target"):
        items = brief.indicators if kind == "actual" else brief.targets
        named = [i for i in items if name_matches(fact["names"], i.name)]
        wanted = {normalize(v) for v in fact["values"]}
        have = set().union(*(item_values(i) for i in named)) if named else set()
        if named and wanted <= have:
            return FactResult(fact, "found", "; ".join(f"{i.name} {sorted(item_values(i))}" for i in named))
        # Values stated under another name still count: the reader sees the figure.
        for item in items:
            if wanted <= item_values(item):
                return FactResult(fact, "found", item.name)
        return FactResult(fact, "wrong" if named else "missing", "; ".join(i.name for i in named))
    if kind in ("qualitative", "figure"):  # a figure fact written as the text's words (地区生产总值731.8亿元)
        # Terms copied from a page with pinyin glosses (高質(zhì)量) are compared as indexing cleans the
        # text the brief quotes: without them.
        terms = [normalize(strip_pinyin_glosses(t)) for t in fact["terms"]]
        # The document's title heads the brief: a 统计公报's key fact is often which bulletin it is.
        title = [normalize(brief.document.title)] if brief.document.title else []
        for text in brief_texts(brief) + title:
            if all(t in text for t in terms):
                return FactResult(fact, "found", text[:60])
        return FactResult(fact, "missing")
    if kind == "document":
        value = getattr(brief.document, fact["field"], None)
        return FactResult(fact, "found" if str(value) == str(fact["value"]) else "missing", str(value or ""))
    section, attr = SECTIONS[kind]
    want = normalize(fact["text"])
    for item in getattr(brief, section):
        text = normalize(getattr(item, attr))
        if want in text or (len(text) >= 4 and text in want) or bigram_coverage(fact["text"], text) >= 0.8:
            return FactResult(fact, "found", getattr(item, attr))
    return FactResult(fact, "missing")


def brief_texts(brief: CountyBrief) -> list[str]:
    """Every item's text and quote, one string per item, in comparison form."""
    from rag.brief_qualitative import iter_items

    out = []
    for _, item, text in iter_items(brief):
        out.append(normalize(text + "\n" + item.source.quote))
    for section, attr in SECTIONS.values():
        for item in getattr(brief, section):
            out.append(normalize(getattr(item, attr) + "\n" + item.source.quote))
    for item in brief.indicators + brief.targets:
        out.append(normalize(item.name + "\n" + item.source.quote))
    return out


def score_brief(file: str, brief: CountyBrief, facts: list[dict]) -> Coverage:
    """Every fact of one report scored against its brief."""
    return Coverage(file, [score_fact(f, brief) for f in facts])


FIGURE_KINDS = ("actual", "target")


def split_coverage(coverage: Coverage) -> dict[str, tuple[int, int]]:
    """(found, total) for figure facts, qualitative facts and the rest (tasks, terms, document)."""
    groups: dict[str, list[FactResult]] = {"figures": [], "qualitative": [], "other": []}
    for r in coverage.results:
        kind = r.fact["kind"]
        groups["figures" if kind in FIGURE_KINDS else "qualitative" if kind == "qualitative" else "other"].append(r)
    return {k: (sum(r.status == "found" for r in v), len(v)) for k, v in groups.items()}


def numbers_absent(brief: CountyBrief, source_text: str) -> list[str]:
    """Numbers some item of the brief states that the whole source text never does (must stay empty)."""
    from rag.brief_check import number_set

    # The brief's texts are compared in normalized form (no whitespace), so the source is too: 表1 2019年
    # reads 表12019年 there, and the same digits on both sides are no number of the brief's own.
    have = number_set(source_text) | number_set(normalize(source_text))
    texts = brief_texts(brief) + ([brief.headline.text] if brief.headline else [])
    texts += [v for i in brief.indicators + brief.targets for v in (i.value or "", i.growth or "")]
    return sorted({n for t in texts for n in number_set(t)} - have)
