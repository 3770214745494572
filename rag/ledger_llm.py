"""The ledger's second pass: the LLM types the figures the rules leave out, and code checks it.

The rules (``rag.ledger.extract_facts``) bind a figure only to an indicator the alias table
knows, written right before it. Every other figure with a unit (``rag.ledger.figure_spans``) is
sent here, grouped by clause (a sentence up to ；, the ledger's own segments), a batch of clauses
per structured call (``rag.structured``). For each numbered figure the model says only whether it
is a ledger-worthy indicator figure and, if so, the indicator as the clause writes it, the kind
and the year. Everything else is code:

- the figure's value and unit are the ones the figure regex read, so the value stands verbatim
  in the quote; growth, its sign and the qualifier are read from the words between the
  indicator and the figure, as the rules read them;
- the indicator must stand in the figure's comma clause, before it, with no other figure between
  (a small model names the neighbouring clause's indicator: 新培育规上工业企业3家、“专精特新”企业1家
  is not 规上工业企业 1家), and must not itself be a figure; its canonical name comes from the
  alias table, and a name the table does not know is kept as written;
- a glossary (名词解释) defines terms: its figures are never sent;
- the kind and the year are the rules' wherever the text tells (预期目标, 预计, 力争, a year
  the sentence names, the section's review or plan); the model's are used only where the rules
  have none, and a model year is kept only if the sentence names it or it is the document's
  year under review or plan year, on the side its kind allows.

Rows get ``origin="llm"``. The pass is off by default (``ledger.llm_typing``; ``govbrief index
--llm-facts``) and runs once per document content, model and prompt (``Ledger.llm_key``).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from pydantic import BaseModel, Field

from rag.figures import ACTUAL, ESTIMATE, STRETCH, TARGET
from rag.ledger import (
    _CLAUSE_SEP,
    _FIGURE,
    _GROWTH_DOWN,
    _GROWTH_UP,
    _PERCENT,
    _SEGMENT,
    _SENTENCE,
    _SUBSET_SENTENCE,
    _TRAILING,
    GROWTH,
    LEVEL,
    LLM,
    Fact,
    _anchor,
    _figures,
    _growth_sign,
    _kind,
    _num,
    _qualifier_words,
    _section_kind,
    _shadow,
    _year,
    canonical,
    check_verbatim,
    comparator_of,
    document_outline,
)
from rag.prompts import render, template
from rag.structured import StructuredLLM, pick_mode
from rag.text import subject_years

PROMPTS = ("ledger_llm_system", "ledger_llm_user")
KIND_NAMES = (ACTUAL, ESTIMATE, TARGET, STRETCH)

# One row per figure: [figure number, indicator as written or null, kind, year or null].
TypingRow = tuple[
    int,
    Annotated[str, Field(min_length=1, max_length=20)] | None,
    Literal["actual", "estimate", "target", "stretch"],
    Annotated[int, Field(ge=1949, le=2100)] | None,
]


class FigureTyping(BaseModel):
    """The model's reading of a batch of numbered figures."""

    ROW_COLUMNS: ClassVar[tuple[str, ...]] = ("figure", "indicator", "kind", "year")
    items: list[TypingRow] = Field(max_length=24)


@dataclass(frozen=True)
class Candidate:
    """A figure no rule row covers, with the clause it stands in (offsets in the chunk)."""

    chunk: object
    heading: str
    outline: str
    sent_start: int
    clause_start: int
    clause_end: int
    value: str
    unit: str
    family: str
    start: int  # the value's digits
    end: int  # end of the unit
    opening: int | str | None
    paragraph: int | str | None

    @property
    def clause(self) -> str:
        return self.chunk.text[self.clause_start : self.clause_end]


@dataclass
class TypingStats:
    """What one document's pass cost and what became of the model's answers."""

    candidates: int = 0
    calls: int = 0
    seconds: float = 0.0
    rows: int = 0
    not_indicator: int = 0  # the model said null
    dropped: list[str] = field(default_factory=list)  # answers code refused, with the reason
    kind_overridden: int = 0
    year_overridden: int = 0


def llm_key(model: str) -> str:
    """What a document's LLM rows depend on besides its content: the model and the prompts."""
    text = model + "\n" + "\n".join(template(p) for p in PROMPTS)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def chunk_offsets(text: str, chunks) -> dict[str, int]:
    """Chunk id -> where the chunk's text starts in the document (-1 when not found)."""
    offsets: dict[str, int] = {}
    cursor = 0
    for chunk in chunks:
        at = text.find(chunk.text, max(0, cursor - len(chunk.text)))
        if at < 0:
            at = text.find(chunk.text)
        offsets[chunk.id] = at
        cursor = at + len(chunk.text) if at >= 0 else cursor
    return offsets


_GLOSSARY = re.compile(r"名词解释|名词注释|注释|附注")


def candidates(doc, chunks, rule_facts: list[Fact]) -> list[Candidate]:
    """Every figure of the document that no rule row holds, once where chunks overlap, by clause."""
    offsets = chunk_offsets(doc.text, chunks)
    covered: set[tuple[str, int] | int] = set()
    for f in rule_facts:
        base = offsets.get(f.chunk_id, -1)
        for s, _ in f.spans:
            covered.add(base + s if base >= 0 else (f.chunk_id, s))
    outlines = document_outline(doc.text, chunks)
    section_of = {}
    out: list[Candidate] = []
    seen: set = set()
    for chunk in chunks:
        base = offsets.get(chunk.id, -1)
        raw, shadow = chunk.text, _shadow(chunk.text)
        outline = outlines.get(chunk.id, "")
        if _GLOSSARY.search(chunk.heading or "") or _GLOSSARY.search(outline):
            continue  # 名词解释: definitions of terms, not the county's figures
        section_of[chunk.id] = outline
        paragraph = None
        for sent in _SENTENCE.finditer(shadow):
            if sent.start() == 0 or shadow[sent.start() - 1] == "\n":
                paragraph = None
            first = _FIGURE.search(sent.group())
            opening = _anchor(sent.group()[: first.start() if first else None])
            carried = paragraph
            if opening is not None:
                paragraph = opening
            if _SUBSET_SENTENCE.match(sent.group()):
                continue  # 其中:县属…: a part of the county's total, as the rules read it
            for seg in _SEGMENT.finditer(sent.group()):
                s0, s1 = sent.start() + seg.start(), sent.start() + seg.end()
                while s0 < s1 and raw[s0].isspace():
                    s0 += 1
                for fig in _figures(raw[s0:s1], shadow[s0:s1]):
                    start = s0 + fig.start
                    key = base + start if base >= 0 else (chunk.id, start)
                    if key in covered or key in seen:
                        continue
                    seen.add(key)
                    trail = _TRAILING.match(shadow, s0 + fig.end)
                    after = s0 + fig.end + (len(trail.group()) if trail else 0)
                    if _FIGURE.match(shadow, after) or shadow.startswith("的", after):
                        continue  # 其中10亿元以上5个, 100万元以上的村: a threshold, as the rules read it
                    out.append(Candidate(chunk, chunk.heading, outline, sent.start(), s0, s1, fig.value, fig.unit,
                                         fig.family, start, s0 + fig.end, opening, carried))
    return out


def batches(found: list[Candidate], max_chars: int, max_figures: int) -> list[list[Candidate]]:
    """Figures grouped by clause, whole clauses per batch, each batch within the budgets."""
    out: list[list[Candidate]] = []
    current: list[Candidate] = []
    chars = 0
    clauses: list[list[Candidate]] = []
    for c in found:
        if clauses and (clauses[-1][0].chunk is c.chunk and clauses[-1][0].clause_start == c.clause_start):
            clauses[-1].append(c)
        else:
            clauses.append([c])
    for group in clauses:
        size = len(group[0].clause)
        if current and (chars + size > max_chars or len(current) + len(group) > max_figures):
            out.append(current)
            current, chars = [], 0
        current.extend(group[:max_figures])
        chars += size
    if current:
        out.append(current)
    return out


def render_batch(batch: list[Candidate]) -> str:
    """The clauses, numbered, each followed by its numbered figures: what the model reads."""
    lines: list[str] = []
    n_clause = 0
    last = None
    for i, c in enumerate(batch, 1):
        if last is None or last.chunk is not c.chunk or last.clause_start != c.clause_start:
            n_clause += 1
            lines.append(f"[{n_clause}] {c.clause.strip()}")
        last = c
        lines.append(f"  ({i}) {c.value}{c.chunk.text[c.start + len(c.value) : c.end].strip()}")
    return "\n".join(lines)


# Words a model writes after the name that belong to the figure: 增长3% is growth, 达到 a level.
_SUFFIX = re.compile("(?:" + "|".join(sorted({*_GROWTH_UP, *_GROWTH_DOWN, "同比", "比上年", "较上年", "达到", "达", "为"},
                                             key=len, reverse=True)) + ")+$")


# Words that stand before a figure without naming what it measures.
_NOT_NAMES = {"其中", "全县", "全市", "全区", "全年", "累计", "共", "合计", "总计", "分别", "同比", "达到", "增长"}


def _indicator_at(c: Candidate, text: str) -> int | None:
    """Where ``text`` stands in the figure's clause, nearest before the figure, never over its digits."""
    clause = c.chunk.text[c.clause_start : c.clause_end]
    shadow = _shadow(clause)
    spots = []
    for hay in (clause, shadow):
        at = hay.find(text)
        while at >= 0:
            spots.append(c.clause_start + at)
            at = hay.find(text, at + 1)
    spots = [s for s in set(spots) if s + len(text) <= c.start or s >= c.end]
    if not spots:
        return None
    before = [s for s in spots if s < c.start]
    return max(before) if before else min(spots)


def _unbound(c: Candidate, text: str, at: int) -> str | None:
    """Why the named indicator is not this figure's, or None when it is bound to it."""
    if _FIGURE.search(_shadow(text)):
        return "the indicator is itself a figure"
    if at + len(text) > c.start:
        return "the indicator stands after the figure"
    between = _shadow(c.chunk.text)[at + len(text) : c.start]
    if _FIGURE.search(between):
        return "another figure stands between the indicator and this one"
    if re.search(r"[,，;；:：]", between):
        return "the indicator stands in another clause"  # 挂牌成立…局,…,打造…品牌16个
    return None


def _year_ok(year: int, kind: str, c: Candidate, meta: dict) -> bool:
    """A model's year is one the sentence names, or the document's own year on its kind's side."""
    if year in subject_years(c.chunk.text[c.sent_start : c.end]):
        return True
    review, plan = meta.get("year_under_review"), meta.get("plan_year")
    if kind in (TARGET, STRETCH):
        return year == plan
    return year == review


def type_figure(c: Candidate, indicator_text: str, llm_kind: str, llm_year: int | None, meta: dict,
                stats: TypingStats) -> Fact | None:
    """The row for one figure as the model typed it, every field checked or read by code; None if refused."""
    text = _SUFFIX.sub("", indicator_text.strip())  # 商品房销售面积增长: the name, then the growth word
    if not text or text in _NOT_NAMES:
        stats.not_indicator += 1
        return None
    at = _indicator_at(c, text)
    if at is None:
        stats.dropped.append(f"{text} = {c.value}{c.unit}: indicator not in the clause {c.clause.strip()!r}")
        return None
    refused = _unbound(c, text, at)
    if refused:
        stats.dropped.append(f"{text} = {c.value}{c.unit}: {refused}")
        return None
    chunk_text, shadow = c.chunk.text, _shadow(c.chunk.text)
    prefix = shadow[c.sent_start : c.start]
    section = _section_kind(c.heading, c.outline, meta.get("doc_type", "") or "")
    rule_kind = _kind(prefix, c.heading, meta.get("year_under_review") or None, section=section,
                      paragraph=c.opening if c.opening is not None else c.paragraph,
                      plan_year=meta.get("plan_year") or None)
    kind = rule_kind or llm_kind
    if rule_kind and rule_kind != llm_kind:
        stats.kind_overridden += 1
    rule_year = _year(prefix, c.heading, kind, meta, opening=c.opening, paragraph=c.paragraph)
    year = rule_year
    if year is None and llm_year is not None and _year_ok(llm_year, kind, c, meta):
        year = llm_year
    if llm_year is not None and year != llm_year:
        stats.year_overridden += 1
    # Growth and qualifier from the words between the name and the figure, as the rules read them.
    name_end = at + len(text)
    gap = shadow[name_end : c.start] if name_end <= c.start else ""
    trail = _TRAILING.match(shadow, c.end)
    trailing = trail.group() if trail else ""
    words = _qualifier_words(gap, trailing)
    sign = _growth_sign(gap)
    is_growth = bool(sign) and c.family in _PERCENT
    start = _clause_start(c, at)
    end = max(c.end + len(trailing), name_end)
    while start < end and chunk_text[start].isspace():
        start += 1
    quote = chunk_text[start:end]
    fact = Fact(
        adcode=meta.get("adcode", "") or "",
        place=meta.get("county", "") or "",
        doc=meta.get("file", "") or "",
        source=meta.get("source", "") or "",
        doc_hash=meta.get("doc_hash", "") or "",
        chunk_id=c.chunk.id,
        section=c.heading,
        year=year,
        kind=kind,
        indicator=canonical(text) or text,
        indicator_text=chunk_text[at:name_end],
        value=c.value,
        unit=c.unit,
        value_num=_num(c.value),
        measure=GROWTH if is_growth else LEVEL,
        growth=sign * _num(c.value) if is_growth else None,
        growth_unit=("个百分点" if c.family == "points" else c.unit) if is_growth else "",
        qualifier=" ".join(words),
        comparator=comparator_of(" ".join(words)),
        growth_qualifier="",
        quote=quote,
        start=start,
        end=end,
        spans=((c.start, c.start + len(c.value)),),
        origin=LLM,
    )
    check_verbatim(fact, chunk_text)
    return fact


def _clause_start(c: Candidate, at: int) -> int:
    """The start of the comma clause the indicator stands in (the rules' quote start)."""
    seg = _shadow(c.chunk.text)[c.clause_start : c.clause_end]
    starts = [c.clause_start] + [c.clause_start + m.end() for m in _CLAUSE_SEP.finditer(seg)]
    return max(s for s in starts if s <= min(at, c.start))


def llm_facts(doc, chunks, rule_facts: list[Fact], structured: StructuredLLM, *, source: str,
              max_chars: int = 360, max_figures: int = 12,
              on_batch: Callable[[int, int, list[Fact]], None] | None = None) -> tuple[list[Fact], TypingStats]:
    """The LLM's rows for the figures ``rule_facts`` leave out of a loaded document, and the pass's stats.

    ``on_batch(done, total, rows so far)`` is called after each call (progress for a long document).
    """
    meta = {**doc.meta.to_dict(), "file": doc.name, "source": source, "doc_hash": doc.content_hash}
    stats = TypingStats()
    found = candidates(doc, chunks, rule_facts)
    stats.candidates = len(found)
    started = time.perf_counter()
    facts: list[Fact] = []
    planned = batches(found, max_chars, max_figures)
    for i, batch in enumerate(planned, 1):
        messages = [
            {"role": "system", "content": render("ledger_llm_system")},
            {"role": "user", "content": render("ledger_llm_user", figures=render_batch(batch))},
        ]
        reply = structured.ask(messages, FigureTyping, name="ledger_typing")
        stats.calls += 1
        done: set[int] = set()
        for n, indicator, kind, year in reply.items:
            if not 1 <= n <= len(batch) or n in done:
                stats.dropped.append(f"figure ({n}): not in the batch or typed twice")
                continue
            done.add(n)
            if indicator is None:
                stats.not_indicator += 1
                continue
            fact = type_figure(batch[n - 1], indicator, kind, year, meta, stats)
            if fact is not None:
                facts.append(fact)
        if on_batch:
            on_batch(i, len(planned), facts)
    stats.seconds = time.perf_counter() - started
    stats.rows = len(facts)
    return facts, stats


def type_document(ledger, doc, chunks, source: str, llm, settings) -> tuple[int, TypingStats | None]:
    """Run the pass on one indexed document unless its rows are current; returns (rows stored, stats).

    The rule rows must be stored already (``Ledger.put_document``); they decide what is left.
    """
    key = f"{doc.content_hash}:{llm_key(getattr(llm, 'model', settings.llm.model))}"
    if ledger.llm_key(source) == key:
        return 0, None
    rule_facts = [f for f in ledger.facts_of(source) if f.origin != LLM]
    structured = StructuredLLM(llm, mode=pick_mode(settings.brief.output_mode, settings.llm.is_local),
                               max_retries=settings.brief.max_retries, max_tokens=settings.ledger.llm_max_tokens)
    facts, stats = llm_facts(doc, chunks, rule_facts, structured, source=source,
                             max_chars=settings.ledger.llm_batch_chars, max_figures=settings.ledger.llm_batch_figures)
    return ledger.put_llm_facts(source, key, facts), stats
