"""One-page county briefs: a pydantic schema, generated from a whole document and checked in code.

Generation reads every chunk of one document in order (never a top-k over the corpus):

1. **Read.** The chunks are cut into sentence units (clauses of at most ~90 characters), each
   tagged with the part of the report it sits in (review of last year, plan for this year)
   and the year it speaks about.
2. **Map (LLM).** Units carrying figures go, numbered and in document order, in slices of at
   most ``section_chars`` characters, to the LLM, which returns indicators as JSON constrained
   by a schema (``rag.structured``). Units naming projects go the same way. The model cites a
   unit by its number; the quote is that unit's text, copied by code, so quotes are verbatim.
3. **Reduce (code).** Whether a figure is last year's result or this year's target, and for
   which year, follows from where it stands; duplicates merge; tasks come from the plan's own
   headings, risks from the report's 问题/不足 paragraph, policy terms from its glossary and
   quoted slogans. Only the headline is free text, and it is checked like everything else.
4. **Ground (code).** Every item must cite a chunk of this document, its quote must be in that
   chunk, and every number in the item must be in its quote. Items that fail go to
   ``dropped`` with the reason; nothing is dropped silently.

Only a few hundred characters per LLM call and a handful of calls per report keep a full
report under two minutes with the 1.5B model on two cores (see ``bench/bench_brief.py``).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field

from rag.answer import evidence_units
from rag.errors import InputError
from rag.llm import ChatClient
from rag.prompts import PROMPTS_DIR, render
from rag.settings import Settings
from rag.store import ChunkStore, StoredChunk
from rag.structured import StructuredLLM, pick_mode
from rag.text import normalize, numbers, split_sentences

BRIEF_VERSION = 1  # bump when generation changes in a way that should redo exported briefs

# [.] rather than an escaped dot: llama.cpp's GBNF parser rejects the escape its schema converter emits.
NUMBER_PATTERN = r"^[0-9]+([.][0-9]+)?$"
GROWTH_PATTERN = r"^-?[0-9]+([.][0-9]+)?%$"
HEADLINE_MAX_CHARS = 200
MAX_TASKS = 8


# ---------------------------------------------------------------------------------------------
# The schema


class Source(BaseModel):
    """Where an item comes from: a chunk of the document and a verbatim quote from it."""

    chunk_id: str = Field(description="Id of the cited chunk, e.g. 024234ff5f19-0002.")
    quote: str = Field(description="Verbatim text of the cited chunk (its heading or body).")


class Indicator(BaseModel):
    """A figure the report gives: last year's result or this year's target."""

    name: str = Field(description="Indicator as the report names it, e.g. 地区生产总值.")
    value: str | None = Field(None, pattern=NUMBER_PATTERN, description="The amount as written, digits only, e.g. 170.")
    unit: str | None = Field(None, description="Unit of the value, e.g. 亿元, 万人次, 家, %.")
    growth: str | None = Field(None, pattern=GROWTH_PATTERN, description="Growth rate, e.g. 8%; a fall is negative.")
    qualifier: str | None = Field(None, description="Hedge the report attaches, e.g. 左右, 以上, 力争, 不低于.")
    year: int | None = Field(None, description="The year the figure is for.")
    source: Source


class Task(BaseModel):
    """A main task or priority, one line."""

    text: str = Field(max_length=80)
    source: Source


class Project(BaseModel):
    """A project the report names."""

    name: str
    source: Source


class Risk(BaseModel):
    """A shortcoming or risk the report admits."""

    text: str
    source: Source


class PolicyTerm(BaseModel):
    """A notable policy term or slogan, with the report's own explanation when it gives one."""

    term: str
    explanation: str | None = None
    source: Source


class Headline(BaseModel):
    """A summary of at most 200 characters; its numbers come from its sources."""

    text: str = Field(max_length=HEADLINE_MAX_CHARS)
    sources: list[Source] = Field(default_factory=list)


class DocumentInfo(BaseModel):
    """The briefed document, as read from its opening lines when it was indexed."""

    file: str
    title: str | None = None
    doc_type: str | None = None
    date: str | None = None
    meeting: str | None = None
    speaker: str | None = None
    year_under_review: int | None = None
    plan_year: int | None = None


class DroppedItem(BaseModel):
    """Something the model proposed that failed a check, and why."""

    section: str = Field(description="indicators, targets, projects, tasks, headline, ...")
    item: str = Field(description="The item as proposed.")
    reason: str
    chunk_id: str | None = None
    quote: str | None = None


class GenerationInfo(BaseModel):
    """How the brief was made."""

    model: str
    brief_version: int = BRIEF_VERSION
    settings_hash: str
    seconds: float
    llm_calls: int
    llm_seconds: float
    generated_at: str


class CountyBrief(BaseModel):
    """A one-page brief of one document; every item carries its citation."""

    county: str
    province: str | None = None
    prefecture: str | None = None
    document: DocumentInfo
    headline: Headline | None = None
    indicators: list[Indicator] = Field(default_factory=list, description="Results of the year under review.")
    targets: list[Indicator] = Field(default_factory=list, description="Targets for the plan year (or a later year it names).")
    tasks: list[Task] = Field(default_factory=list, max_length=MAX_TASKS)
    projects: list[Project] = Field(default_factory=list)
    risks: list[Risk] = Field(default_factory=list)
    policy_terms: list[PolicyTerm] = Field(default_factory=list)
    dropped: list[DroppedItem] = Field(default_factory=list, description="Proposed items that failed grounding.")
    generation: GenerationInfo | None = None


def brief_schema() -> dict:
    """The JSON schema of ``CountyBrief`` (``govbrief schema brief``)."""
    return CountyBrief.model_json_schema()


# What the LLM fills in during the map steps: short, flat, and citing units by number.


# Rows rather than objects: a row costs half the tokens of an object with keys (17 vs 31 for an
# indicator), and generated tokens dominate a brief's time. The grammar still types every slot.
IndicatorRow = tuple[
    int,  # sentence number
    Annotated[str, Field(max_length=24)],  # name
    Annotated[str, Field(pattern=NUMBER_PATTERN, max_length=12)] | None,  # value
    Annotated[str, Field(max_length=8)] | None,  # unit
    Annotated[str, Field(pattern=GROWTH_PATTERN, max_length=10)] | None,  # growth
    Annotated[str, Field(max_length=6)] | None,  # qualifier
]


class IndicatorExtraction(BaseModel):
    """Map output for figures: [sentence, name, value, unit, growth, qualifier] rows."""

    items: list[IndicatorRow] = Field(max_length=24)


ProjectRow = tuple[int, Annotated[str, Field(max_length=40)]]


class ProjectExtraction(BaseModel):
    """Map output for named projects: [sentence, name] rows."""

    projects: list[ProjectRow] = Field(max_length=12)


TaskRow = tuple[int, Annotated[str, Field(max_length=40)]]


class TaskExtraction(BaseModel):
    """Map output for tasks, used only when a document has no plan headings: [sentence, text] rows."""

    tasks: list[TaskRow] = Field(max_length=MAX_TASKS)


class HeadlineDraft(BaseModel):
    """The headline as the LLM writes it."""

    headline: str = Field(max_length=HEADLINE_MAX_CHARS)


# ---------------------------------------------------------------------------------------------
# Finding documents


def find_documents(store: ChunkStore, query: str) -> list[dict]:
    """Indexed documents matching a file path, a file name (or its prefix) or a county name.

    Several documents may match a county; callers say so and brief each or the one picked.
    """
    query = query.strip()
    docs = store.documents()
    if not query:
        raise InputError("give a county name or a report file.")
    path = Path(query)
    if path.is_file():
        source = str(path.resolve())
        hits = [d for d in docs if d["source"] == source or d["file"] == path.name]
        if not hits:
            raise InputError(f"{query} is not indexed: run `govbrief index {query}` first.")
        return hits
    hits = [d for d in docs if d["file"] == query or (len(query) >= 3 and d["file"].startswith(query))]
    if hits:
        return hits
    hits = [d for d in docs if d["county"] and (d["county"] == query or (len(query) >= 2 and d["county"].startswith(query)))]
    if hits:
        return hits
    counties = "、".join(dict.fromkeys(d["county"] for d in docs if d["county"])) or "none"
    raise InputError(f"no indexed document matches {query!r}: give a county ({counties}) or a report file name.")


def pick_document(docs: list[dict], choice: str) -> dict:
    """The one of ``docs`` named by ``choice`` (file name, its prefix, or document type)."""
    hits = [d for d in docs if d["file"] == choice or d["file"].startswith(choice) or d["doc_type"] == choice]
    if len(hits) != 1:
        names = ", ".join(f"{d['file']} ({d['doc_type']})" for d in docs)
        raise InputError(f"--doc {choice!r} matches {len(hits)} of the documents: pick one of {names}.")
    return hits[0]


# ---------------------------------------------------------------------------------------------
# Reading a document: units, parts, years

# The heading of a report's review part, and of its plan part.
REVIEW_HEADING = re.compile(r"回顾|过去一年|过去五年|工作总结|主要成绩|取得的成绩")
PLAN_HEADING = re.compile(r"工作思路|重点任务|主要任务|工作安排|总体要求|目标任务|预期目标|重点工作|工作部署")
# A plan heading that ended up inside a chunk's text (a heading glued to the previous line).
PLAN_LINE = re.compile(r"[一二三四五六七八九十]+、[^。；\n]{0,24}(?:工作思路|重点任务|主要任务|工作安排)")
# An opening that announces the plan without a heading of its own (总体思路, 预期目标为).
PLAN_INTRO = re.compile(r"总体思路|总体要求|预期目标|主要目标")
TARGET_CUE = re.compile(r"预期目标|主要目标|目标|力争|确保|争取|计划|到20\d\d年|将达到|突破")
ACTUAL_CUE = re.compile(r"预计完成|完成了|实现了|同比|比上年|较上年|过去一年|全年完成")
_LATER_YEAR = re.compile(r"到\s*(20\d\d)\s*年")
# Figures that are not indicators: years, dates, event names (6·1), road codes (S287), ordinals.
_NOT_A_FIGURE = re.compile(r"20\d\d\s*年|\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?|\d+\s*·\s*\d+|[A-Za-z]+\d+|第\s*\d+|^\s*\d{1,2}[.．、](?!\d)")
_ORDINAL = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+、|\d{1,2}[.．、](?!\d)|——)\s*")


@dataclass
class Unit:
    """A sentence or clause of the document, numbered for the LLM."""

    n: int
    chunk: StoredChunk
    text: str
    sentence: str
    part: str  # review | plan | other
    position: int
    plan_path: list[str] | None = None  # heading path below the plan's root, when in the plan

    def render(self) -> str:
        """``[n]text`` as the prompt shows it."""
        return f"[{self.n}]{self.text}"


def read_units(chunks: list[StoredChunk]) -> list[Unit]:
    """Every sentence unit of a document in order, with the part of the report it sits in.

    The plan part starts at a plan heading (二、2024年工作思路和重点任务), at such a heading
    glued into the text of the chunk before it, or, in a report with neither review nor plan
    headings, at an opening sentence announcing the plan (总体思路, 预期目标). Chunks of a split
    section overlap; a unit already seen in the previous chunk is skipped.
    """
    headed = any(PLAN_HEADING.search(c.heading) or REVIEW_HEADING.search(c.heading.split(" > ")[0])
                 or PLAN_LINE.search(c.text) for c in chunks)
    units: list[Unit] = []
    part = "other"
    stale_top = None  # a review heading that a glued plan heading ended
    intro_seen = False
    previous: set[str] = set()
    for chunk in chunks:
        path = chunk.heading.split(" > ") if chunk.heading else []
        top = path[0] if path else ""
        depth = next((i for i, h in enumerate(path) if PLAN_HEADING.search(h)), None)
        plan_path: list[str] | None = None
        if depth is not None:
            part, plan_path = "plan", path[depth + 1 :]
        elif top and top == stale_top:
            part, plan_path = "plan", path[1:]
        elif top and REVIEW_HEADING.search(top):
            part = "review"
        elif top:
            part = "other"
        if intro_seen:
            part, plan_path = "plan", path
        seen: set[str] = set()
        for sentence in split_sentences(chunk.text):
            for clause in evidence_units(sentence):  # clauses of at most ~90 characters
                key = normalize(clause)
                seen.add(key)
                if key in previous:
                    continue
                if not headed and not path and not intro_seen and PLAN_INTRO.search(clause):
                    intro_seen = True
                    part, plan_path = "plan", []
                units.append(Unit(len(units) + 1, chunk, clause, sentence, part, len(units), plan_path))
                if PLAN_LINE.search(clause):
                    # What follows the glued heading is plan, though its chunks still carry the review heading.
                    part, stale_top, plan_path = "plan", top, None
        previous = seen
    return units


def has_figure(text: str) -> bool:
    """True when the text holds a number that is not a year, date, event name or ordinal."""
    return bool(numbers(_NOT_A_FIGURE.sub(" ", text)))


def unit_kind(unit: Unit) -> str | None:
    """``actual`` (a result) or ``target``, from where the unit stands and how it is phrased."""
    if unit.part == "plan":
        return "target"
    if unit.part == "review":
        return "actual"
    if TARGET_CUE.search(unit.sentence):
        return "target"
    if ACTUAL_CUE.search(unit.sentence):
        return "actual"
    return None


def unit_year(unit: Unit, kind: str, meta: dict) -> int | None:
    """The year a figure is for: a later year the sentence names (到2027年), else the report's."""
    if kind == "target":
        later = [int(y) for y in _LATER_YEAR.findall(unit.sentence)]
        return later[0] if later else meta.get("plan_year")
    return meta.get("year_under_review")


# What a careful reader looks for first; weights rank units when the budget is short.
KEY_TERMS = {
    "生产总值": 6, "GDP": 4, "工业增加值": 4, "工业总产值": 3, "固定资产投资": 5, "消费品零售": 5,
    "一般公共预算收入": 5, "公共财政预算收入": 5, "财政收入": 4, "税收": 3, "进出口": 4, "外贸": 2,
    "可支配收入": 4, "居民收入": 3, "纯收入": 2, "存贷款": 2, "存款": 2, "贷款余额": 2, "市场主体": 3,
    "四上": 2, "高新技术企业": 2, "游客": 3, "旅游综合收入": 3, "综合收入": 2, "招商引资": 3,
    "到位资金": 3, "亿元以上项目": 3, "城镇化率": 3, "就业": 2, "粮食": 2, "能耗": 3, "消费价格": 3,
    "失业率": 2, "工业投资": 2, "农业": 1, "产值": 2, "投资": 2, "收入": 1, "销售": 1, "增加值": 2,
}
_SUMMARY_PARAGRAPH = re.compile(r"预计完成|主要预期目标|预期目标|主要经济指标|经济运行|总体目标")


def indicator_score(unit: Unit) -> float:
    """How much a careful reader would want this unit's figures on a one-page brief."""
    text = unit.text
    # Figures without a key term still go when the budget allows (short reports send them all).
    score = sum(w for term, w in KEY_TERMS.items() if term in text) or 0.5
    if "亿元" in text:
        score += 1
    if _SUMMARY_PARAGRAPH.search(unit.sentence) or _SUMMARY_PARAGRAPH.search(unit.chunk.heading):
        score += 3
    return score


# A name followed by what it is (…水库, …联络线, …项目); generic heads like 重点项目 do not count.
_NAMED_PROJECT = re.compile(r"([\u4e00-\u9fffA-Za-z0-9]{2,16}?)(项目|工程|水库|高铁|高速|联络线|产业园|物流园|综合体|大桥|电站|水厂|公路)")
_GENERIC_HEAD = re.compile(r"(重点|重大|民生|各类|一批|储备|帮扶|增收|衔接|外贸|外资|以上|建设|招商|这些|有关|相关|各项|其他|前期|在建|竣工|投产|\d+个)$")
_NAMED_LIST = re.compile(r"、[^、，,。；;]{2,}等(?:重大|重点)?(?:项目|工程)")
_PROJECT_BONUS = re.compile(r"开工|投产|建成|竣工|完工|并网|落地|投用|推进")


def project_score(unit: Unit) -> float:
    """Units that name concrete projects rank above ones that only mention 项目 in passing."""
    named = [m for m in _NAMED_PROJECT.finditer(unit.text) if not _GENERIC_HEAD.search(m.group(1))]
    score = len(named) + 2.0 * bool(_NAMED_LIST.search(unit.text))
    if not score:
        return 0.0
    return score + bool(_PROJECT_BONUS.search(unit.text))


_TASK_CUE = re.compile(r"要坚持|要着力|要深入|要加快|全力|加快|着力|推动|推进|打造|建设|争创")


def select(units: list[Unit], score: Callable[[Unit], float], budget: int) -> list[Unit]:
    """The best-scoring units that fit ``budget`` characters, back in document order."""
    ranked = sorted((u for u in units if score(u) > 0), key=lambda u: (-score(u), u.position))
    chosen, used = [], 0
    for unit in ranked:
        if used + len(unit.text) > budget:
            continue
        chosen.append(unit)
        used += len(unit.text)
    return sorted(chosen, key=lambda u: u.position)


def slices(units: list[Unit], limit: int) -> list[list[Unit]]:
    """Consecutive units grouped into slices of at most ``limit`` characters."""
    out: list[list[Unit]] = []
    size = 0
    for unit in units:
        if not out or size + len(unit.text) > limit:
            out.append([])
            size = 0
        out[-1].append(unit)
        size += len(unit.text)
    return out


# ---------------------------------------------------------------------------------------------
# Parts read in code: tasks, risks, policy terms


def _strip_ordinal(text: str) -> str:
    return _ORDINAL.sub("", text).strip().rstrip("。；;:：")


def structural_tasks(units: list[Unit]) -> list[Task]:
    """The plan's own headings: the shallowest level below the plan's root with at least three
    distinct headings (or the deepest there is), at most eight, each cited to its first chunk.
    """
    paths = [(u.plan_path, u.chunk) for u in units if u.plan_path]
    found: dict[str, StoredChunk] = {}
    for level in range(4):
        found = {}
        for rel, chunk in paths:
            if len(rel) > level:
                found.setdefault(rel[level], chunk)
        deeper = any(len(rel) > level + 1 for rel, _ in paths)
        if len(found) >= 3 or not deeper:
            break
    tasks = []
    for heading, chunk in list(found.items())[:MAX_TASKS]:
        text = _strip_ordinal(re.split(r"[:：]", heading, maxsplit=1)[0]) or heading
        tasks.append(Task(text=text[:80], source=Source(chunk_id=chunk.id, quote=heading)))
    return tasks


PROBLEM_INTRO = re.compile(r"(?:存在|面临|还有)[^。：:]{0,16}(?:困难和问题|问题和不足|困难和挑战|问题|不足|短板)[^。：:]{0,6}[：:]")
_SOLVE_PROBLEM = re.compile(r"着力解决([^，,。；;]{4,30}?)的问题")
_WEAKNESS = re.compile(r"明显|突出|不大|不优|较大|不足|偏少|偏弱|薄弱|滞后|不强|不高|亟待")


def admitted_risks(units: list[Unit], limit: int) -> list[Risk]:
    """Shortcomings the report admits: the items of its 问题/不足 paragraph, 着力解决…的问题,
    and sentences outside the plan that pile up weakness words.
    """
    risks: list[Risk] = []
    for chunk_text, chunk in _paragraphs(units):
        intro = PROBLEM_INTRO.search(chunk_text)
        if intro:
            rest = chunk_text[intro.end():]
            for piece in re.split(r"[；;。]", rest):
                piece = piece.strip(" ，,")
                if not piece or piece.startswith(("对此", "我们", "对这些")):
                    break
                risks.append(Risk(text=piece, source=Source(chunk_id=chunk.id, quote=piece)))
    for unit in units:
        for m in _SOLVE_PROBLEM.finditer(unit.text):
            risks.append(Risk(text=m.group(1), source=Source(chunk_id=unit.chunk.id, quote=m.group(0))))
    if not risks:
        for unit in units:
            if unit.part != "plan" and len(set(_WEAKNESS.findall(unit.text))) >= 2 and not unit.text.startswith("要"):
                risks.append(Risk(text=unit.text.strip("，,。"), source=Source(chunk_id=unit.chunk.id, quote=unit.text)))
    unique: dict[str, Risk] = {}
    for risk in risks:
        unique.setdefault(normalize(risk.text), risk)
    return list(unique.values())[:limit]


def _paragraphs(units: list[Unit]):
    seen = set()
    for unit in units:
        if unit.chunk.id in seen:
            continue
        seen.add(unit.chunk.id)
        yield unit.chunk.text, unit.chunk


_QUOTED = re.compile(r"[“\"]([^“”\"]{2,24})[”\"]")
_GLOSSARY_HEADING = re.compile(r"名词解释")


def policy_terms(chunks: list[StoredChunk], limit: int) -> list[PolicyTerm]:
    """The report's glossary entries first, then quoted slogans it repeats or that carry numbers."""
    terms: dict[str, PolicyTerm] = {}
    for chunk in chunks:
        path = chunk.heading.split(" > ") if chunk.heading else []
        if len(path) >= 2 and _GLOSSARY_HEADING.search(path[0]):
            head = path[1]
            term = _strip_ordinal(re.split(r"[:：]", head, maxsplit=1)[0]).strip("“”\"")
            body = chunk.text.split("：", 1)[-1].split(":", 1)[-1].strip()
            explanation = re.split(r"(?<=[。；])", body)[0][:60] if body else None
            if term and normalize(term) not in terms:
                terms[normalize(term)] = PolicyTerm(term=term, explanation=explanation,
                                                    source=Source(chunk_id=chunk.id, quote=head))
    counts: dict[str, list] = {}
    for chunk in chunks:
        for m in _QUOTED.finditer(chunk.text):
            counts.setdefault(m.group(1), []).append(chunk)
    ranked = sorted(counts.items(), key=lambda kv: (-len(kv[1]) - 2 * bool(re.search(r"[一二三四五六七八九十\d]", kv[0])),))
    for term, where in ranked:
        if len(terms) >= limit:
            break
        if normalize(term) in terms or len(re.findall(r"[\u4e00-\u9fff]", term)) < 2:
            continue  # digits alone (“6·1”, “2+1”) are dates and codes, not terms
        if len(where) < 2 and not re.search(r"[一二三四五六七八九十\d+]", term):
            continue
        terms[normalize(term)] = PolicyTerm(term=term, source=Source(chunk_id=where[0].id, quote=f"“{term}”"
                                                                          if f"“{term}”" in where[0].text else term))
    return list(terms.values())[:limit]


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
    if bigram_coverage(item.name, item.source.quote) < 0.5:
        return f"the quote does not name {item.name}"
    return None


def verify_brief(brief: CountyBrief, chunks: list[StoredChunk]) -> list[str]:
    """Every grounding problem left in a finished brief (empty when it is sound).

    An independent re-check for evals and exports; generation already drops failing items.
    """
    by_id = {c.id: c for c in chunks}
    problems = []
    for section in ("indicators", "targets"):
        for item in getattr(brief, section):
            if reason := check_indicator(item, by_id):
                problems.append(f"{section}: {indicator_text(item)}: {reason}")
    for section, attr in (("tasks", "text"), ("projects", "name"), ("risks", "text"), ("policy_terms", "term")):
        for item in getattr(brief, section):
            claim = getattr(item, attr)
            reason = check_source(item.source, by_id)
            if not reason and (missing := unsupported_numbers(claim, item.source.quote)):
                reason = f"number {', '.join(missing)} is not in its quote"
            if reason:
                problems.append(f"{section}: {claim}: {reason}")
    if brief.headline:
        quotes = " ".join(s.quote for s in brief.headline.sources)
        allowed = quotes + " " + _document_numbers(brief)
        for source in brief.headline.sources:
            if reason := check_source(source, by_id):
                problems.append(f"headline: {reason}")
        if missing := unsupported_numbers(brief.headline.text, allowed):
            problems.append(f"headline: number {', '.join(missing)} is not in its sources")
    return problems


def _document_numbers(brief: CountyBrief) -> str:
    """Years and title numbers a headline may mention without a quote (2023年, 2024年)."""
    d = brief.document
    return " ".join(str(x) for x in (d.year_under_review, d.plan_year, d.title, d.date) if x)


# ---------------------------------------------------------------------------------------------
# Generation


ProgressFn = Callable[[str, str], None]  # (stage, detail)


def brief_settings_hash(settings: Settings) -> str:
    """What makes a brief: model and endpoint, brief settings, chunking, prompts, code version."""
    prompts = {p.name: p.read_text("utf-8") for p in sorted(PROMPTS_DIR.glob("brief_*.txt"))}
    identity = {
        "version": BRIEF_VERSION,
        "model": settings.llm.model,
        "base_url": settings.llm.base_url,
        "temperature": settings.llm.temperature,
        "brief": settings.brief.model_dump(mode="json", exclude={"export_dir"}),
        "index": settings.index_identity(),
        "prompts": hashlib.sha256(json.dumps(prompts, sort_keys=True).encode()).hexdigest(),
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True, default=str).encode()).hexdigest()[:16]


def generate_brief(chunks: list[StoredChunk], llm: ChatClient, settings: Settings, *,
                   on_progress: ProgressFn | None = None) -> CountyBrief:
    """The brief of one document from all of its chunks (in document order)."""
    if not chunks:
        raise InputError("the document has no chunks: re-run `govbrief index`.")
    started = time.perf_counter()
    progress = on_progress or (lambda stage, detail: None)
    cfg = settings.brief
    meta = chunks[0].meta
    structured = StructuredLLM(llm, mode=pick_mode(cfg.output_mode, settings.llm.is_local),
                               max_retries=cfg.max_retries, max_tokens=cfg.max_tokens)
    by_id = {c.id: c for c in chunks}
    units = read_units(chunks)
    dropped: list[DroppedItem] = []

    indicators, targets = _map_indicators(units, structured, settings, meta, by_id, dropped, progress)
    projects = _map_projects(units, structured, settings, by_id, dropped, progress)
    progress("tasks", "headings")
    tasks = structural_tasks(units)
    if not tasks and not any(u.part == "review" for u in units):
        tasks = _map_tasks(units, structured, settings, by_id, dropped, progress)
    risks = admitted_risks(units, cfg.max_risks)
    terms = policy_terms(chunks, cfg.max_terms)
    brief = CountyBrief(
        county=meta.get("county", ""), province=meta.get("province"), prefecture=meta.get("prefecture"),
        document=DocumentInfo(file=meta.get("file", ""), title=meta.get("title"), doc_type=meta.get("doc_type"),
                              date=meta.get("date"), meeting=meta.get("meeting"), speaker=meta.get("speaker"),
                              year_under_review=meta.get("year_under_review"), plan_year=meta.get("plan_year")),
        indicators=indicators, targets=targets, tasks=tasks, projects=projects, risks=risks,
        policy_terms=terms, dropped=dropped,
    )
    brief = _drop_ungrounded(brief, by_id)
    progress("headline", "summary")
    brief.headline = _headline(brief, structured, settings, progress)
    problems = verify_brief(brief, chunks)
    if problems:  # cannot happen unless a check above is broken: fail loudly, never ship it
        raise AssertionError("brief failed its own grounding check: " + "; ".join(problems))
    brief.generation = GenerationInfo(
        model=getattr(llm, "model", settings.llm.model), settings_hash=brief_settings_hash(settings),
        seconds=round(time.perf_counter() - started, 2), llm_calls=sum(r.attempts for r in structured.records),
        llm_seconds=round(structured.seconds, 2), generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return brief


def _ticker(progress: ProgressFn, stage: str, detail: str) -> Callable[[str], None]:
    """An ``on_token`` that reports every 20 streamed pieces, so a progress bar shows life."""
    count = [0]

    def on_token(piece: str) -> None:
        count[0] += 1
        if count[0] % 20 == 0:
            progress(stage, f"{detail} · {count[0]} tokens")

    return on_token


def _section_label(unit: Unit) -> str:
    path = unit.chunk.heading.split(" > ") if unit.chunk.heading else []
    return (path[-1] if path else unit.chunk.meta.get("title", ""))[:24]


def _map_indicators(units, structured, settings, meta, by_id, dropped, progress):
    cfg = settings.brief
    candidates = [u for u in units if has_figure(u.text) and unit_kind(u)]
    chosen = select(candidates, indicator_score, cfg.indicator_chars)
    by_n = {u.n: u for u in units}
    found: list[tuple[str, float, int, Indicator]] = []
    groups = slices(chosen, cfg.section_chars)
    for i, group in enumerate(groups, 1):
        progress("indicators", f"{i}/{len(groups)} {_section_label(group[0])}")
        messages = [
            {"role": "system", "content": render("brief_indicators_system")},
            {"role": "user", "content": render("brief_indicators_user", units="\n".join(u.render() for u in group))},
        ]
        result = structured.ask(messages, IndicatorExtraction, name="indicators",
                                on_token=_ticker(progress, "indicators", f"{i}/{len(groups)} {_section_label(group[0])}"))
        for s, name, value, unit_text, growth, qualifier in result.items:
            unit = by_n.get(s)
            proposed = f"[{s}] " + " ".join(str(x) for x in (name, value, unit_text, growth) if x)
            if unit is None or unit not in group:
                dropped.append(DroppedItem(section="indicators", item=proposed,
                                           reason=f"cites sentence [{s}], which was not in the prompt"))
                continue
            kind = unit_kind(unit) or "actual"
            if qualifier and normalize(qualifier) not in normalize(unit.text):
                dropped.append(DroppedItem(section="qualifier", item=f"{name}: {qualifier}",
                                           reason="qualifier is not in the quote; cleared",
                                           chunk_id=unit.chunk.id, quote=unit.text))
                qualifier = None
            indicator = Indicator(name=name.strip(), value=value, unit=(unit_text or None), growth=growth,
                                  qualifier=qualifier or None, year=unit_year(unit, kind, meta),
                                  source=Source(chunk_id=unit.chunk.id, quote=unit.text))
            found.append((kind, indicator_score(unit), unit.position, indicator))
    return _reduce_indicators(found, "actual", cfg.max_indicators), _reduce_indicators(found, "target", cfg.max_targets)


def _reduce_indicators(found, kind: str, limit: int) -> list[Indicator]:
    """Same name and figures once; the most important ones up to ``limit``, in document order."""
    unique: dict[tuple, tuple[float, int, Indicator]] = {}
    for k, score, position, item in found:
        if k != kind:
            continue
        key = (normalize(item.name), item.value, item.unit, item.growth)
        unique.setdefault(key, (score, position, item))
    kept = sorted(unique.values(), key=lambda t: (-t[0], t[1]))[:limit]
    return [item for _, _, item in sorted(kept, key=lambda t: t[1])]


def _map_projects(units, structured, settings, by_id, dropped, progress) -> list[Project]:
    cfg = settings.brief
    chosen = select(units, project_score, cfg.project_chars)
    if not chosen:
        return []
    by_n = {u.n: u for u in chosen}
    projects: dict[str, Project] = {}
    groups = slices(chosen, cfg.section_chars)
    for i, group in enumerate(groups, 1):
        progress("projects", f"{i}/{len(groups)} {_section_label(group[0])}")
        messages = [
            {"role": "system", "content": render("brief_projects_system")},
            {"role": "user", "content": render("brief_projects_user", units="\n".join(u.render() for u in group))},
        ]
        reply = structured.ask(messages, ProjectExtraction, name="projects",
                               on_token=_ticker(progress, "projects", f"{i}/{len(groups)} {_section_label(group[0])}"))
        for s, name in reply.projects:
            unit = by_n.get(s)
            name = name.strip()
            if unit is None:
                dropped.append(DroppedItem(section="projects", item=f"[{s}] {name}",
                                           reason=f"cites sentence [{s}], which was not in the prompt"))
                continue
            if bigram_coverage(name, unit.text) < 0.8:
                dropped.append(DroppedItem(section="projects", item=name, reason="the name is not in its quote",
                                           chunk_id=unit.chunk.id, quote=unit.text))
                continue
            projects.setdefault(normalize(name), Project(name=name, source=Source(chunk_id=unit.chunk.id, quote=unit.text)))
    return list(projects.values())[: cfg.max_projects]


def _map_tasks(units, structured, settings, by_id, dropped, progress) -> list[Task]:
    """Tasks for documents without plan headings (a plenum communiqué, an article)."""
    cfg = settings.brief
    chosen = select(units, lambda u: float(len(_TASK_CUE.findall(u.text))), cfg.section_chars)
    if not chosen:
        return []
    progress("tasks", "no plan headings: asking the model")
    by_n = {u.n: u for u in chosen}
    messages = [
        {"role": "system", "content": render("brief_tasks_system")},
        {"role": "user", "content": render("brief_tasks_user", units="\n".join(u.render() for u in chosen))},
    ]
    tasks: list[Task] = []
    for item in structured.ask(messages, TaskExtraction, name="tasks",
                               on_token=_ticker(progress, "tasks", "no plan headings")).tasks:
        s, text = item[0], item[1].strip()
        unit = by_n.get(s)
        if unit is None:
            dropped.append(DroppedItem(section="tasks", item=f"[{s}] {text}",
                                       reason=f"cites sentence [{s}], which was not in the prompt"))
        elif bigram_coverage(text, unit.text) < 0.5:
            dropped.append(DroppedItem(section="tasks", item=text, reason="the task is not drawn from its quote",
                                       chunk_id=unit.chunk.id, quote=unit.text))
        elif all(normalize(text) != normalize(t.text) for t in tasks):
            tasks.append(Task(text=text, source=Source(chunk_id=unit.chunk.id, quote=unit.text)))
    return tasks[:MAX_TASKS]


def _drop_ungrounded(brief: CountyBrief, by_id: dict[str, StoredChunk]) -> CountyBrief:
    """Move every item that fails its checks into ``dropped``, with the reason."""
    for section in ("indicators", "targets"):
        kept = []
        for item in getattr(brief, section):
            reason = check_indicator(item, by_id)
            if reason:
                brief.dropped.append(DroppedItem(section=section, item=indicator_text(item), reason=reason,
                                                 chunk_id=item.source.chunk_id, quote=item.source.quote))
            else:
                kept.append(item)
        setattr(brief, section, kept)
    for section, attr in (("tasks", "text"), ("projects", "name"), ("risks", "text"), ("policy_terms", "term")):
        kept = []
        for item in getattr(brief, section):
            claim = getattr(item, attr)
            reason = check_source(item.source, by_id)
            if not reason and (missing := unsupported_numbers(claim, item.source.quote)):
                reason = f"number {', '.join(missing)} is not in its quote"
            if reason:
                brief.dropped.append(DroppedItem(section=section, item=claim, reason=reason,
                                                 chunk_id=item.source.chunk_id, quote=item.source.quote))
            else:
                kept.append(item)
        setattr(brief, section, kept)
    return brief


def headline_facts(brief: CountyBrief) -> list[tuple[str, Source]]:
    """The few facts a headline may draw on: top results, top targets, first tasks."""
    facts: list[tuple[str, Source]] = []
    d = brief.document
    for item in brief.indicators[:4]:
        facts.append((f"{item.year or d.year_under_review or ''}年{indicator_text(item)}", item.source))
    for item in brief.targets[:3]:
        facts.append((f"{item.year or d.plan_year or ''}年目标：{indicator_text(item)}", item.source))
    for task in brief.tasks[:3]:
        facts.append((f"重点任务：{task.text}", task.source))
    if not facts:
        facts += [(f"问题：{r.text}", r.source) for r in brief.risks[:2]]
    return facts


def code_headline(brief: CountyBrief) -> Headline | None:
    """A headline composed from the checked facts, used when the model's fails its check."""
    facts = headline_facts(brief)
    if not facts:
        return None
    d = brief.document
    name = f"{brief.county}{d.doc_type or ''}"
    text = f"{name}：" + "；".join(f for f, _ in facts[:5]) + "。"
    if len(text) > HEADLINE_MAX_CHARS:
        text = text[: HEADLINE_MAX_CHARS - 1] + "…"
    return Headline(text=text, sources=_unique_sources(s for _, s in facts[:5]))


def _unique_sources(sources) -> list[Source]:
    out: dict[tuple[str, str], Source] = {}
    for s in sources:
        out.setdefault((s.chunk_id, s.quote), s)
    return list(out.values())


def _headline(brief: CountyBrief, structured: StructuredLLM, settings: Settings,
              progress: ProgressFn) -> Headline | None:
    facts = headline_facts(brief)
    if not facts:
        return None
    if not settings.brief.llm_headline:
        return code_headline(brief)
    d = brief.document
    messages = [
        {"role": "system", "content": render("brief_headline_system", limit=str(settings.brief.headline_chars))},
        {"role": "user", "content": render(
            "brief_headline_user", county=brief.county, doc_type=d.doc_type or "报告",
            facts="\n".join(f"[{i}]{f}" for i, (f, _) in enumerate(facts, 1)))},
    ]
    text = structured.ask(messages, HeadlineDraft, name="headline", max_tokens=200,
                          on_token=_ticker(progress, "headline", "summary")).headline.strip()
    sources = [s for f, s in facts if number_set(f) & number_set(text)] or [facts[0][1]]
    allowed = " ".join(f for f, _ in facts) + " " + _document_numbers(brief)
    missing = unsupported_numbers(text, allowed)
    if missing or not text:
        brief.dropped.append(DroppedItem(section="headline", item=text,
                                         reason=f"number {', '.join(missing)} is not in its facts; headline composed from the facts instead"
                                         if missing else "empty headline"))
        return code_headline(brief)
    # The facts' numbers all sit in their quotes, so the headline's numbers do too.
    cited = _unique_sources(sources)
    if unsupported_numbers(text, " ".join(s.quote for s in cited) + " " + _document_numbers(brief)):
        cited = _unique_sources(s for _, s in facts)
    return Headline(text=text, sources=cited)


def brief_document(store: ChunkStore, doc: dict, llm: ChatClient, settings: Settings, *,
                   on_progress: ProgressFn | None = None) -> CountyBrief:
    """Read one indexed document (a ``ChunkStore.documents()`` entry) and brief it."""
    chunks = store.all_chunks(where={"source": doc["source"]})
    return generate_brief(chunks, llm, settings, on_progress=on_progress)
