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
   quoted slogans; what the document decides (meeting facts, decisions, frameworks, commitments,
   honours, outcomes without figures) from the grammars of ``rag.brief_qualitative``. Only the
   headline is free text, and it is checked like everything else.
4. **Ground (code).** Every item must cite a chunk of this document, its quote must be in that
   chunk, and every number in the item must be in its quote. Items that fail go to
   ``dropped`` with the reason; nothing is dropped silently.

Only a few hundred characters per LLM call and a handful of calls per report keep a full
report under two minutes with the 1.5B model on two cores (see ``bench/bench_brief.py``).

Modules: ``rag.brief_schema`` (the schemas), ``rag.brief_read`` (reading a report in code),
``rag.brief_qualitative`` (frameworks, commitments, decisions, meeting facts, honours, in code),
``rag.brief_check`` (grounding) and this one (finding documents, the LLM steps, assembly).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from rag.brief_check import (
    bigram_coverage,
    canonical_number,
    check_indicator,
    document_numbers,
    drop_ungrounded,
    indicator_text,
    number_set,
    unsupported_numbers,
    unsupported_qualifiers,
    verify_brief,
)
from rag.brief_qualitative import read_qualitative
from rag.brief_qualitative_llm import map_qualitative
from rag.brief_read import (
    TASK_CUE,
    Unit,
    admitted_risks,
    as_written,
    clause_figures,
    clean_name,
    clean_project_name,
    figure_units,
    growth_belongs,
    has_figure,
    indicator_score,
    percent_as_growth,
    policy_terms,
    project_score,
    read_unit_and_qualifier,
    read_units,
    reads_as_rate,
    select,
    signed_growth,
    slices,
    structural_tasks,
    unit_kind,
    unit_year,
)
from rag.brief_schema import (
    BRIEF_VERSION,
    HEADLINE_MAX_CHARS,
    MAX_TASKS,
    CountyBrief,
    DocumentInfo,
    DroppedItem,
    GenerationInfo,
    Headline,
    HeadlineDraft,
    Indicator,
    IndicatorExtraction,
    LLMCall,
    MapIndicator,
    Project,
    ProjectExtraction,
    Source,
    Task,
    TaskExtraction,
    brief_schema,
)
from rag.errors import InputError
from rag.llm import ChatClient
from rag.prompts import PROMPTS_DIR, render
from rag.settings import Settings
from rag.store import ChunkStore, StoredChunk
from rag.structured import StructuredLLM, pick_mode
from rag.text import normalize

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
                   on_progress: ProgressFn | None = None, facts=()) -> CountyBrief:
    """The brief of one document from all of its chunks (in document order).

    ``facts`` are the document's ledger rows (``rag.ledger``): its figures, read once at index
    time; the LLM extracts only the figures they miss.
    """
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

    indicators, targets = _map_indicators(units, structured, settings, meta, by_id, dropped, progress, facts)
    projects = _map_projects(units, structured, settings, by_id, dropped, progress)
    progress("tasks", "headings")
    tasks = structural_tasks(units)
    if not tasks and not any(u.part == "review" for u in units):
        tasks = _map_tasks(units, structured, settings, by_id, dropped, progress)
    risks = admitted_risks(units, cfg.max_risks)
    terms = policy_terms(chunks, cfg.max_terms)
    progress("qualitative", "meeting, decisions, frameworks, commitments, honours")
    qualitative = read_qualitative(chunks, units, meta)  # rules: rag.brief_qualitative
    if cfg.llm_qualitative:  # the model, only on sentences the rules left: rag.brief_qualitative_llm
        added = map_qualitative(units, qualitative, structured, settings, dropped, progress, meta.get("plan_year"))
        for section, items in added.items():
            qualitative[section] = qualitative[section] + items
    brief = CountyBrief(
        county=meta.get("county", ""), province=meta.get("province"), prefecture=meta.get("prefecture"),
        document=DocumentInfo(file=meta.get("file", ""), title=meta.get("title"), doc_type=meta.get("doc_type"),
                              date=meta.get("date"), meeting=meta.get("meeting"), speaker=meta.get("speaker"),
                              year_under_review=meta.get("year_under_review"), plan_year=meta.get("plan_year")),
        indicators=indicators, targets=targets, tasks=tasks, projects=projects, risks=risks,
        policy_terms=terms, dropped=dropped, **qualitative,
    )
    brief = drop_ungrounded(brief, by_id)
    progress("headline", "summary")
    brief.headline = _headline(brief, structured, settings, progress)
    problems = verify_brief(brief, chunks)
    if problems:  # cannot happen unless a check above is broken: fail loudly, never ship it
        raise AssertionError("brief failed its own grounding check: " + "; ".join(problems))
    brief.generation = GenerationInfo(
        model=getattr(llm, "model", settings.llm.model), settings_hash=brief_settings_hash(settings),
        seconds=round(time.perf_counter() - started, 2), llm_calls=sum(r.attempts for r in structured.records),
        llm_seconds=round(structured.seconds, 2), generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        calls=[LLMCall(step=r.name, attempts=r.attempts, seconds=round(r.seconds, 2), prompt_chars=r.prompt_chars,
                       output_chars=r.output_chars) for r in structured.records],
    )
    return brief


def _section_label(unit: Unit) -> str:
    path = unit.chunk.heading.split(" > ") if unit.chunk.heading else []
    return (path[-1] if path else unit.chunk.meta.get("title", ""))[:24]


def _map_indicators(units, structured, settings, meta, by_id, dropped, progress, facts=()):
    """Results and targets: the ledger's rows first, then the LLM for the figures they miss.

    A figure unit that holds a ledger row's quote is read already (rules, ``rag.ledger``); only
    the other figure units go to the model, in slices, best sentences first. Slices of one kind
    stop once that kind has as many grounded items as it keeps: later slices hold lesser
    figures that would not make the cut, and generated tokens are what a brief's time is spent on.
    """
    cfg = settings.brief
    candidates = figure_units([u for u in units if has_figure(u.text) and unit_kind(u)])
    found: list[tuple[str, float, int, Indicator]] = []
    covered: set[int] = set()
    for fact in facts:
        holders = [u for u in candidates if u.chunk.id == fact.chunk_id and (fact.quote in u.text or u.text in fact.quote)]
        kind = "target" if fact.kind in ("target", "stretch") else "actual" if fact.kind else None
        kind = kind or (unit_kind(holders[0]) if holders else None)
        if kind is None:
            continue
        covered.update(id(u) for u in holders)
        found.append((kind, max((indicator_score(u) for u in holders), default=1.0),
                      min((u.position for u in holders), default=0), ledger_indicator(fact)))
    chosen = select([u for u in candidates if id(u) not in covered], indicator_score, cfg.indicator_chars)
    limits = {"actual": cfg.max_indicators, "target": cfg.max_targets}
    plan = [(kind, g) for kind in ("actual", "target")
            for g in slices([u for u in chosen if unit_kind(u) == kind], cfg.section_chars)]
    for i, (kind, group) in enumerate(plan, 1):
        grounded = sum(1 for k, _, _, item in found if k == kind and check_indicator(item, by_id) is None)
        if grounded >= limits[kind]:
            continue
        progress("indicators", f"{i}/{len(plan)} {_section_label(group[0])}")
        messages = [
            {"role": "system", "content": render("brief_indicators_system")},
            {"role": "user", "content": render("brief_indicators_user", units="\n".join(u.render() for u in group))},
        ]
        for item in structured.ask(messages, IndicatorExtraction, name="indicators").figures():
            for unit, indicator in _indicators_from(item, group, meta, dropped):
                found.append((unit_kind(unit) or "actual", indicator_score(unit), unit.position, indicator))
    return _reduce_indicators(found, "actual", cfg.max_indicators), _reduce_indicators(found, "target", cfg.max_targets)


_AFTER_WORDS = ("左右", "以上", "以内", "以下")


def ledger_indicator(fact) -> Indicator:
    """A ledger row as a brief's ``Indicator``: numbers as the quote writes them, one qualifier word."""
    digits = [fact.quote[a - fact.start : b - fact.start] for a, b in fact.spans] or [fact.value]
    growth = None
    value, unit = (fact.value, fact.unit) if fact.measure != "growth" else (None, None)
    if fact.growth is not None:
        written = digits[-1]
        if fact.growth_unit == "%":
            growth = ("-" if fact.growth < 0 else "") + written + "%"
        elif value is None:  # 提高2个百分点: a change in points is stated as a value in its unit
            value, unit = written, fact.growth_unit
    words = (fact.growth_qualifier or fact.qualifier).split() if value is None else fact.qualifier.split()
    qualifier = next((w for w in words if w in _AFTER_WORDS), words[0] if words else None)
    return Indicator(name=fact.indicator_text or fact.indicator, value=value, unit=unit or None, growth=growth,
                     qualifier=qualifier, year=fact.year, source=Source(chunk_id=fact.chunk_id, quote=fact.quote))


def _indicators_from(item: MapIndicator, group: list[Unit], meta: dict,
                     dropped: list[DroppedItem]) -> list[tuple[Unit, Indicator]]:
    """The ``Indicator`` of one map item (two for two rates of a 分别 list): citation resolved,
    numbers spelled as the quote spells them, unit and qualifier read from the quote, misfiled
    fields cleared (and reported). Grounding is checked later, on the whole brief."""
    by_n = {u.n: u for u in group}
    item = _zero_as_null(item, by_n.get(item.s), dropped)
    unit = resolve_citation(item.s, item.name, [item.value, item.growth], group)
    if unit is None:
        proposed = f"[{item.s}] " + " ".join(x for x in (item.name, item.value, item.growth) if x)
        dropped.append(DroppedItem(section="indicators", item=proposed,
                                   reason=f"cites sentence [{item.s}], which was not in the prompt"))
        return []
    quote = unit.text
    # The one amount and one rate the clause states, when it names the item and is unambiguous.
    figures = clause_figures(quote) if bigram_coverage(item.name, quote) >= 0.5 else None
    wanted = [number_set(f) for f in (item.value, item.growth) if f]
    if figures is not None and wanted and not all(w <= number_set(quote) for w in wanted):
        # The model named a figure of its clause but garbled the numbers (a small model may
        # repeat one rate down a list): they are read from the clause instead, and the
        # model's version is reported, never replaced silently.
        missing = sorted(set().union(*wanted) - number_set(quote))
        dropped.append(DroppedItem(
            section="figures", item=" ".join(x for x in (item.name, item.value, item.growth) if x),
            reason=f"number {', '.join(missing)} is not in its quote; figures re-read from the quote",
            chunk_id=unit.chunk.id, quote=quote))
        item = item.model_copy(update={"value": figures[0], "growth": figures[1]})
    value = as_written(item.value, quote)
    growth = item.growth and as_written(item.growth.lstrip("-").rstrip("%"), quote) + "%"
    kind = unit_kind(unit) or "actual"

    def clear(why: str) -> None:
        dropped.append(DroppedItem(section="growth", item=f"{item.name} {value or ''}: {growth}", reason=why,
                                   chunk_id=unit.chunk.id, quote=quote))

    if growth and normalize(growth) not in normalize(quote):
        if growth[:-1] in number_set(quote):  # a count filed as a rate (实施项目415个 -> 415%)
            clear("the figure is not a rate in its quote; cleared")
            value, growth = value or growth[:-1], None
    elif growth and not growth_belongs(quote, item.name, value, growth):
        clear("the rate is not this indicator's growth in its quote; cleared")
        growth = None
    unit_text, qualifier = read_unit_and_qualifier(quote, value, growth)
    value, unit_text, growth = percent_as_growth(quote, value, unit_text, growth)
    if figures is not None and _agrees(value, figures[0]) and _agrees(growth, figures[1]) \
            and (value, growth) != figures:
        # Complete what the model left out (170亿元 without its 增长8%, 城镇化率 without 60%)
        # from the clause, which states exactly one amount and one rate.
        value, growth = value or figures[0], growth or figures[1]
        unit_text, qualifier = read_unit_and_qualifier(quote, value, growth)
    if unit_text is None and value:
        unit_text, _ = read_unit_and_qualifier(quote, value, None)
    name, year, source = clean_name(item.name, value, growth), unit_year(unit, kind, meta), \
        Source(chunk_id=unit.chunk.id, quote=quote)
    if value and growth and unit_text == "%" and reads_as_rate(quote, value):
        # Two rates of a 分别 list in one item (城乡人均可支配收入分别增长6.2%、8.8%): both are
        # growth rates, each its own row; the quote says whose is whose.
        return [(unit, Indicator(name=name, growth=signed_growth(quote, rate), qualifier=qualifier, year=year,
                                 source=source)) for rate in (f"{value}%", growth)]
    return [(unit, Indicator(name=name, value=value, unit=unit_text, growth=signed_growth(quote, growth),
                             qualifier=qualifier, year=year, source=source))]


def _agrees(mine: str | None, clause: str | None) -> bool:
    """True when a figure is missing or the same amount the clause states (8 and 8.0%)."""
    return mine is None or (clause is not None
                            and canonical_number(mine.strip("-%")) == canonical_number(clause.strip("-%")))


def _zero_as_null(item: MapIndicator, unit: Unit | None, dropped: list[DroppedItem]) -> MapIndicator:
    """Small models write 0 or 0% for "none"; a zero its sentence does not hold is cleared (and
    reported), so the rest of the item is judged on its own."""
    quote = normalize(unit.text) if unit else ""
    changes = {}
    if item.growth and canonical_number(item.growth.lstrip("-").rstrip("%")) == "0" \
            and not re.search(r"(?<![\d.])0%", quote):
        changes["growth"] = None
    if item.value and canonical_number(item.value) == "0" and not re.search(r"(?<![\d.])0(?![\d.])", quote):
        changes["value"] = None
    if changes:
        dropped.append(DroppedItem(section="zero", item=f"{item.name}: " + ", ".join(
            f"{k} {getattr(item, k)}" for k in changes), reason="a zero the sentence does not hold; cleared"))
    return item.model_copy(update=changes)


def resolve_citation(cited: int, name: str, figures: list[str | None], group: list[Unit]) -> Unit | None:
    """The unit an item cites, or, when that unit lacks the item's numbers, the one unit of the
    same prompt that holds them all and names the item (models often cite a neighbour).

    Whatever is returned is still checked by grounding; None when the citation is unusable.
    """
    numbers_wanted = set().union(*(number_set(f) for f in figures if f)) if any(figures) else set()
    by_n = {u.n: u for u in group}
    unit = by_n.get(cited)
    if unit is not None and numbers_wanted <= number_set(unit.text):
        return unit
    holders = [u for u in group if numbers_wanted and numbers_wanted <= number_set(u.text)
               and bigram_coverage(name, u.text) >= 0.5]
    if len(holders) == 1:
        return holders[0]
    return unit


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
    projects: dict[str, tuple[Unit, Project]] = {}
    groups = slices(chosen, cfg.project_chars)  # one call: names are short, and few sentences qualify
    for i, group in enumerate(groups, 1):
        progress("projects", f"{i}/{len(groups)} {_section_label(group[0])}")
        messages = [
            {"role": "system", "content": render("brief_projects_system")},
            {"role": "user", "content": render("brief_projects_user", units="\n".join(u.render() for u in group))},
        ]
        reply = structured.ask(messages, ProjectExtraction, name="projects")
        for s, name in reply.projects:
            name = clean_project_name(name)
            unit = _unit_naming(name, s, group)
            if unit is None:
                dropped.append(DroppedItem(section="projects", item=f"[{s}] {name}",
                                           reason=f"cites sentence [{s}], which was not in the prompt"))
                continue
            if bigram_coverage(name, unit.text) < 0.8:
                dropped.append(DroppedItem(section="projects", item=name, reason="the name is not in its quote",
                                           chunk_id=unit.chunk.id, quote=unit.text))
                continue
            projects.setdefault(normalize(name), (unit, Project(name=name, source=Source(chunk_id=unit.chunk.id, quote=unit.text))))
    return _spread(list(projects.values()), cfg.max_projects)


def _unit_naming(name: str, cited: int, group: list[Unit]) -> Unit | None:
    """The cited unit, or, when the model numbered its answers instead of citing (it often
    does), the one unit of the same prompt that contains the name verbatim."""
    by_n = {u.n: u for u in group}
    unit = by_n.get(cited)
    if unit is not None and normalize(name) in normalize(unit.text):
        return unit
    holders = [u for u in group if normalize(name) in normalize(u.text)]
    return holders[0] if len(holders) == 1 else unit


def _spread(found: list[tuple[Unit, Project]], limit: int) -> list[Project]:
    """Up to ``limit`` projects taken in turn from each sentence, best sentences first, so one
    long list does not crowd out the rest; returned in document order."""
    by_unit: dict[int, list[tuple[Unit, Project]]] = {}
    for unit, project in found:
        by_unit.setdefault(unit.n, []).append((unit, project))
    queues = sorted(by_unit.values(), key=lambda q: (-project_score(q[0][0]), q[0][0].position))
    picked: list[tuple[Unit, Project]] = []
    while queues and len(picked) < limit:
        for queue in list(queues):
            if len(picked) >= limit:
                break
            picked.append(queue.pop(0))
            if not queue:
                queues.remove(queue)
    order = {id(p): i for i, (_, p) in enumerate(found)}
    return [p for _, p in sorted(picked, key=lambda up: order[id(up[1])])]


def _map_tasks(units, structured, settings, by_id, dropped, progress) -> list[Task]:
    """Tasks for documents without plan headings (a plenum communiqué, an article)."""
    cfg = settings.brief
    chosen = sorted(select(units, lambda u: float(len(TASK_CUE.findall(u.text))), cfg.task_chars),
                    key=lambda u: u.position)
    if not chosen:
        return []
    progress("tasks", "no plan headings: asking the model")
    by_n = {u.n: u for u in chosen}
    messages = [
        {"role": "system", "content": render("brief_tasks_system")},
        {"role": "user", "content": render("brief_tasks_user", units="\n".join(u.render() for u in chosen))},
    ]
    tasks: list[Task] = []
    for item in structured.ask(messages, TaskExtraction, name="tasks").tasks:
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
    """A headline composed in code, used when the model's fails its check: the report's own
    clauses for the top results and targets (verbatim, so every figure keeps its wording and
    hedge), then the first tasks; whole parts are left off to stay within the limit."""
    d = brief.document
    parts: list[tuple[str, list[Source]]] = []
    target_year = brief.targets[0].year if brief.targets else None  # a target may be for 2027, not the plan year
    groups = ((d.year_under_review, "", brief.indicators[:3]),
              (target_year, "目标：", [t for t in brief.targets if t.year == target_year][:2]))
    for year, label, items in groups:
        sources = _unique_sources(i.source for i in items)
        if sources:
            body = "，".join(_clause(x.quote) for x in sources)
            # The year once: not when the report's own clause already starts with it.
            prefix = f"{year}年" if year and not body.startswith(f"{year}年") else ""
            parts.append((prefix + label + body, sources))
    if brief.tasks:
        tasks = brief.tasks[:3]
        parts.append(("重点任务：" + "、".join(re.split(r"[,，]", t.text)[0] for t in tasks), [t.source for t in tasks]))
    if not parts and brief.risks:
        parts.append(("问题：" + _clause(brief.risks[0].text), [brief.risks[0].source]))
    if not parts:
        return None
    lead = f"{brief.county}{d.doc_type or ''}："
    while len(parts) > 1 and len(lead + "；".join(t for t, _ in parts) + "。") > HEADLINE_MAX_CHARS:
        parts.pop()
    text = lead + "；".join(t for t, _ in parts) + "。"
    if len(text) > HEADLINE_MAX_CHARS:
        return None  # one part alone is too long: no headline rather than a cut figure
    return Headline(text=text, sources=_unique_sources(x for _, sources in parts for x in sources))


def _clause(quote: str) -> str:
    return quote.strip().rstrip("，,;；。:：")


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
    text = structured.ask(messages, HeadlineDraft, name="headline", max_tokens=200).headline.strip()
    sources = [s for f, s in facts if number_set(f) & number_set(text)] or [facts[0][1]]
    allowed = " ".join(f for f, _ in facts) + " " + document_numbers(brief)
    missing = unsupported_numbers(text, allowed)
    fact_numbers = set().union(*(number_set(f) for f, _ in facts)) - number_set(document_numbers(brief))
    # A headline that states none of the figures (兴山2023年经济目标与重点任务) is a title, not a summary.
    vague = bool(fact_numbers) and not (number_set(text) & fact_numbers)
    hedged = unsupported_qualifiers(text, " ".join(s.quote for _, s in facts))
    if missing or vague or hedged or not text:
        reason = (f"number {', '.join(missing)} is not in its facts" if missing
                  else "states none of the facts' figures" if vague
                  else f"{', '.join(hedged)} is not hedged so in its facts" if hedged else "empty headline")
        brief.dropped.append(DroppedItem(section="headline", item=text,
                                         reason=reason + "; headline composed from the facts instead"))
        return code_headline(brief)
    # The facts' numbers all sit in their quotes, so the headline's numbers do too.
    cited = _unique_sources(sources)
    if unsupported_numbers(text, " ".join(s.quote for s in cited) + " " + document_numbers(brief)):
        cited = _unique_sources(s for _, s in facts)
    return Headline(text=text, sources=cited)


def brief_document(store: ChunkStore, doc: dict, llm: ChatClient, settings: Settings, *,
                   on_progress: ProgressFn | None = None) -> CountyBrief:
    """Read one indexed document (a ``ChunkStore.documents()`` entry) and brief it."""
    chunks = store.all_chunks(where={"source": doc["source"]})
    current = settings.brief.ledger_figures and store.ledger.is_current(doc["source"], doc.get("doc_hash") or "")
    facts = store.ledger.facts_of(doc["source"]) if current else []
    return generate_brief(chunks, llm, settings, on_progress=on_progress, facts=facts)


__all__ = [
    "BRIEF_VERSION", "CountyBrief", "HeadlineDraft", "IndicatorExtraction", "ProjectExtraction", "TaskExtraction",
    "brief_document", "brief_schema", "brief_settings_hash", "code_headline", "find_documents", "generate_brief", "indicator_text",
    "pick_document", "verify_brief",
]
