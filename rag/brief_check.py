"""Grounding: every item of a brief is checked against the chunk it cites.

An item must cite a chunk of the briefed document, its quote must be in that chunk (heading or
body), and every number in the item must be in its quote after normalisation; an indicator's
value and unit must stand together there, and its growth rate as written. ``verify_brief``
re-checks a finished brief; ``drop_ungrounded`` moves failing items to ``dropped``.
"""

from __future__ import annotations

import re

from rag.brief_schema import CountyBrief, DroppedItem, Indicator, Source
from rag.store import StoredChunk
from rag.text import normalize, numbers

# ---------------------------------------------------------------------------------------------
# Grounding: every item is checked against the chunk it cites


def canonical_number(text: str) -> str:
    """``170.0`` -> ``170``, ``6.10`` -> ``6.1``: the same amount written two ways compares equal."""
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.lstrip("0") or "0"


def number_set(text: str) -> set[str]:
    """Canonical numbers in ``text`` after NFKC (full-width digits count)."""
    return {canonical_number(n) for n in numbers(text)}


def bigram_coverage(name: str, text: str) -> float:
    """Share of ``name``'s character bigrams found in ``text`` (1.0 for a verbatim name)."""
    name, text = normalize(name), normalize(text)
    if len(name) < 2:
        return 1.0 if name in text else 0.0
    pairs = [name[i : i + 2] for i in range(len(name) - 1)]
    return sum(p in text for p in pairs) / len(pairs)


def citable_text(chunk: StoredChunk) -> str:
    """What a quote may come from: the chunk's heading path and its body."""
    return normalize(chunk.heading + "\n" + chunk.text)


def check_source(source: Source, chunks: dict[str, StoredChunk]) -> str | None:
    """Why a citation is unusable, or None."""
    chunk = chunks.get(source.chunk_id)
    if chunk is None:
        return f"cites chunk {source.chunk_id}, which is not in this document"
    if not source.quote.strip() or normalize(source.quote) not in citable_text(chunk):
        return f"the quote is not in chunk {source.chunk_id}"
    return None


def unsupported_numbers(claim: str, quote: str) -> list[str]:
    """Numbers in ``claim`` that its quote does not contain."""
    have = number_set(quote)
    return sorted(n for n in number_set(claim) if n not in have)


_SUFFIX_QUALIFIER = re.compile(r"(\d+(?:\.\d+)?%?)(左右|以上|以内|以下)")


def unsupported_qualifiers(claim: str, quote: str) -> list[str]:
    """Hedged figures in ``claim`` (9%左右) that its quote does not hedge the same way: a model
    adds 左右 where the report committed to a number."""
    have = normalize(quote)
    return [m.group(0) for m in _SUFFIX_QUALIFIER.finditer(normalize(claim)) if m.group(0) not in have]


def indicator_text(item: Indicator) -> str:
    """One line for an indicator: 地区生产总值 170亿元 增长8% 左右."""
    parts = [item.name]
    if item.value:
        parts.append(f"{item.value}{item.unit or ''}")
    elif item.unit and not item.growth:
        parts.append(item.unit)
    if item.growth:
        parts.append(("下降" + item.growth.lstrip("-")) if item.growth.startswith("-") else f"增长{item.growth}")
    if item.qualifier:
        parts.append(item.qualifier)
    return " ".join(parts)


def check_indicator(item: Indicator, chunks: dict[str, StoredChunk]) -> str | None:
    """Why an indicator fails grounding, or None."""
    if reason := check_source(item.source, chunks):
        return reason
    if not item.value and not item.growth:
        return "gives neither a value nor a growth rate"
    claim = " ".join(x for x in (item.name, item.value, item.unit, item.growth, item.qualifier) if x)
    if missing := unsupported_numbers(claim, item.source.quote):
        return f"number {', '.join(missing)} is not in its quote"
    quote = normalize(item.source.quote)
    if item.value and item.unit and normalize(item.value + item.unit) not in quote:
        return f"{item.value}{item.unit} is not in its quote"
    if item.growth and normalize(item.growth.lstrip("-")) not in quote:
        return f"growth {item.growth.lstrip('-')} is not in its quote"
    if item.qualifier and normalize(item.qualifier) not in quote:
        return f"qualifier {item.qualifier} is not in its quote"
    if bigram_coverage(item.name, item.source.quote) < 0.5:
        return f"the quote does not name {item.name}"
    return None


def verify_brief(brief: CountyBrief, chunks: list[StoredChunk]) -> list[str]:
    """Every grounding problem left in a finished brief (empty when it is sound).

    An independent re-check for evals and exports; generation already drops failing items.
    """
    by_id = {c.id: c for c in chunks}
    problems = [f"{section}: {text}: {reason}" for section, _, text, reason in failing_items(brief, by_id)]
    if brief.headline:
        quotes = " ".join(s.quote for s in brief.headline.sources)
        allowed = quotes + " " + document_numbers(brief)
        for source in brief.headline.sources:
            if reason := check_source(source, by_id):
                problems.append(f"headline: {reason}")
        if missing := unsupported_numbers(brief.headline.text, allowed):
            problems.append(f"headline: number {', '.join(missing)} is not in its sources")
        if hedged := unsupported_qualifiers(brief.headline.text, quotes):
            problems.append(f"headline: {', '.join(hedged)} is not hedged so in its sources")
    return problems


def document_numbers(brief: CountyBrief) -> str:
    """Years and title numbers a headline may mention without a quote (2023年, 2024年), and the
    years of its figures (a target 到2027年 is read from its sentence, not its clause)."""
    d = brief.document
    years = {i.year for i in brief.indicators + brief.targets if i.year}
    return " ".join(str(x) for x in (d.year_under_review, d.plan_year, d.title, d.date, *sorted(years)) if x)


LIST_SECTIONS = (("tasks", "text"), ("projects", "name"), ("risks", "text"), ("policy_terms", "term"))
# What the document decides (rag.brief_qualitative): each item's text is read from its quote, so
# grounding asks for more than numbers: the text itself must stand in the quote.
VERBATIM_SECTIONS = (("meeting", "text"), ("decisions", "title"), ("frameworks", "name"), ("commitments", "text"),
                     ("honours", "text"), ("outcomes", "text"))


def check_verbatim(text: str, source: Source, chunks: dict[str, StoredChunk]) -> str | None:
    """Why an item read verbatim fails grounding, or None: its quote must be in its chunk and
    its text in its quote (so every number in it is there too)."""
    if reason := check_source(source, chunks):
        return reason
    if not text.strip() or normalize(text) not in normalize(source.quote):
        return "the text is not in its quote"
    return None


def failing_items(brief: CountyBrief, by_id: dict[str, StoredChunk]):
    """(section, item, text, reason) for every item of the brief that fails grounding."""
    for section in ("indicators", "targets"):
        for item in getattr(brief, section):
            if reason := check_indicator(item, by_id):
                yield section, item, indicator_text(item), reason
    for section, attr in LIST_SECTIONS:
        for item in getattr(brief, section):
            claim = getattr(item, attr)
            reason = check_source(item.source, by_id)
            if not reason and (missing := unsupported_numbers(claim, item.source.quote)):
                reason = f"number {', '.join(missing)} is not in its quote"
            if reason:
                yield section, item, claim, reason
    for section, attr in VERBATIM_SECTIONS:
        for item in getattr(brief, section):
            text = getattr(item, attr)
            reason = check_verbatim(text, item.source, by_id)
            for part in getattr(item, "expansion", ()):  # a framework fails with any of its parts
                reason = reason or (f"expansion: {why}" if (why := check_verbatim(part.text, part.source, by_id)) else None)
            if reason:
                yield section, item, text, reason


def drop_ungrounded(brief: CountyBrief, by_id: dict[str, StoredChunk]) -> CountyBrief:
    """Move every item that fails its checks into ``dropped``, with the reason."""
    failed = list(failing_items(brief, by_id))
    for section, item, text, reason in failed:
        brief.dropped.append(DroppedItem(section=section, item=text, reason=reason,
                                         chunk_id=item.source.chunk_id, quote=item.source.quote))
    gone = {id(item) for _, item, _, _ in failed}
    for section in ("indicators", "targets", *(name for name, _ in LIST_SECTIONS + VERBATIM_SECTIONS)):
        setattr(brief, section, [item for item in getattr(brief, section) if id(item) not in gone])
    return brief
