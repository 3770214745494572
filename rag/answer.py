"""Answer a question in named stages, each its own function with its own tests:

scope     what the question asks and which indexed places it names (``rag.question``, routing);
documents a question about the documents themselves (哪些文档, 几份, 相差几天) from the document
          table (``rag.corpus_answer``);
ledger    a quantity question whose place, year, kind and indicator match ledger rows is answered
          from the rows, arithmetic and comparisons in code (``rag.ledger_answer``); else:
retrieve  hybrid top-k chunks within that scope (``rag.retrieval``);
select    the evidence sentences, labelled, as numbered passages (``rag.evidence``);
gate      refuse in code when the evidence lacks the question's key terms or year;
generate  the LLM answers from the passages only;
verify    the answer parsed once into claims, each figure checked against the evidence in year,
          kind and unit; comparisons and yes/no verdicts settled in code (``rag.verify``).

A stage that refuses says why (``Answer.reason``) and which stage it was (``Answer.stage``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from rag.corpus_answer import answer_from_corpus, asks_about_documents, describe, written_date
from rag.evidence import Passage, evidence_text, gate, select_passages
from rag.ledger_answer import answer_from_ledger, answer_in_parts, figure_conflicts
from rag.llm import ChatClient
from rag.prompts import CANNOT_ANSWER, render
from rag.question import Question, read_question, years_after_places
from rag.question import validate_question as _validate
from rag.retrieval import Retrieval, Retriever
from rag.roll_answer import roll_answers
from rag.settings import Settings
from rag.store import StoredChunk
from rag.verify import verify

STAGES = ("scope", "documents", "ledger", "retrieve", "select", "gate", "generate", "verify")


@dataclass
class Citation:
    """A cited passage: where it comes from and the quoted sentences."""

    n: int
    chunk_id: str
    file: str
    county: str
    heading: str
    text: str
    derived: bool = False  # compiled from metadata, not a verbatim quote


@dataclass
class Answer:
    """The result of ``answer_question``; ``to_dict`` is the ``ask --json`` shape."""

    question: str
    answer: str
    refused: bool
    scope: list[str] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[StoredChunk] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # answer sentences removed for unsupported numbers
    reason: str = ""  # why the tool refused, when it did
    stage: str = ""  # the stage that refused: scope, retrieve, gate or verify
    answered_from: str = ""  # ledger (rows, in code), documents (the document table), rules (rag.roll_answer) or retrieval (the model)
    computed: list[str] = field(default_factory=list)  # numbers code derived from cited ones (a difference, a count)
    timings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready dict: answer, citations, ranked chunks with scores, timings."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "reason": self.reason,
            "stage": self.stage,
            "answered_from": self.answered_from,
            "computed": self.computed,
            "scope": self.scope,
            "citations": [asdict(c) for c in self.citations],
            "retrieved": [
                {"rank": i + 1, "chunk_id": c.id, "file": c.file, "county": c.county, "heading": c.heading,
                 "score": c.score, "text": c.text}
                for i, c in enumerate(self.retrieved)
            ],
            "dropped": self.dropped,
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
        }


def answer_messages(passages: list[Passage], question: Question) -> list[dict]:
    """The chat messages for an answer: fixed system prompt, then numbered labelled passages.

    A yes/no question gets a one-line hint; in the system prompt the same rule made the small
    model answer "是" to every question.
    """
    hint = "\n（是非题：先答“是”或“否”，再摘录原文依据。）" if question.is_yes_no else ""
    return [
        {"role": "system", "content": render("answer_system")},
        {"role": "user", "content": render("answer_user", passages="\n".join(p.render() for p in passages),
                                           question=question.text, hint=hint)},
    ]


def validate_question(question: str, settings: Settings) -> str:
    """Collapse whitespace; refuse empty and overlong questions before any model is started."""
    return _validate(question, settings.max_question_chars)


def scope(question: str, retriever: Retriever, counties: list[str] | None = None) -> tuple[Question, Retrieval]:
    """Stage *scope*: the parsed question and the places it is about (none: the whole index).

    Returns the routing as an empty :class:`Retrieval` whose ``scope`` and ``unknown_places``
    the retrieve stage fills with hits.
    """
    routed, unknown = retriever.route(question)
    aliases = retriever.counties()
    parsed = read_question(years_after_places(question, [a for a in aliases if a in question]))
    places = [aliases.get(c, c) for c in counties] if counties else routed  # 兴山 -> 兴山县
    parsed.places.extend(places)
    return parsed, Retrieval(hits=[], scope=places, unknown_places=unknown)


def places_within(regions: list[str], corpus) -> list[str]:
    """The indexed places whose province or prefecture (as their documents' identity reads it) is one
    of ``regions``, in name order."""
    wanted = set(regions)
    return sorted({c.county for c in corpus if c.county and {c.meta.get("province"), c.meta.get("prefecture")} & wanted})


def unknown_place_refusal(routing: Retrieval, retriever: Retriever) -> tuple[str, str] | None:
    """(reason, what) when the question names only places that are not indexed."""
    if not routing.unknown_places or routing.scope:
        return None
    places = "、".join(routing.unknown_places)
    indexed = "、".join(sorted(set(retriever.counties().values()))) or "无"
    return f"no document about {places} is indexed", f"{places}的相关内容（已索引：{indexed}）"


def generate(passages: list[Passage], question: Question, llm: ChatClient, timings: dict[str, float],
             on_token: Callable[[str], None] | None = None) -> str:
    """Stage *generate*: the model's raw answer; records first-token and generation time."""
    t1 = time.perf_counter()
    first: list[float] = []

    def tap(piece: str) -> None:
        if not first:
            first.append(time.perf_counter() - t1)
        if on_token:
            on_token(piece)

    raw = llm.complete(answer_messages(passages, question), on_token=tap)
    timings["first_token"] = first[0] if first else time.perf_counter() - t1
    timings["generate"] = time.perf_counter() - t1
    return raw


def _roll_text(rolls) -> str:
    """One roll as its clause; several, each after the document it is from (迪庆藏族自治州2012年1月11日：…)."""
    if len(rolls) == 1:
        return rolls[0].text
    parts = []
    for n, roll in enumerate(rolls, 1):
        meta = roll.chunk.meta
        when = written_date(meta["date"]) if meta.get("date") else ""
        parts.append(f"{roll.chunk.county or meta.get('file', '')}{when}：{roll.quote}[{n}]。")
    return "".join(parts)


def answer_question(
    question: str,
    retriever: Retriever,
    llm: ChatClient,
    settings: Settings,
    *,
    counties: list[str] | None = None,
    k: int | None = None,
    on_token: Callable[[str], None] | None = None,
) -> Answer:
    """The one code path behind ``ask``, ``chat`` and ``eval``: the stages in order."""
    question = validate_question(question, settings)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    parsed, routing = scope(question, retriever, counties)
    result = Answer(question=question, answer="", refused=True, scope=routing.scope, timings=timings)

    def refuse(stage: str, reason: str, what: str = "") -> Answer:
        result.answer = f"{CANNOT_ANSWER}{what}。"
        result.reason = reason
        result.stage = stage
        timings["total"] = time.perf_counter() - t0
        return result

    if routing.scope and routing.unknown_places:
        # 宣汉和兴文都是四川的县: a province or prefecture the places asked lie in is their scope, not
        # a place of its own missing from the index.
        routing.unknown_places = [u for u in routing.unknown_places
                                  if not set(places_within([u], retriever.corpus)) & set(routing.scope)]
    documents = asks_about_documents(question)
    if documents and routing.unknown_places and not routing.scope:
        # 四川省的县有哪些报告: a province or prefecture not indexed itself scopes a question about the
        # documents to the indexed places within it (never a figure: 雅安市's GDP is not 芦山县's).
        within = places_within(routing.unknown_places, retriever.corpus)
        if within:
            parsed.places.extend(within)
            routing.scope, routing.unknown_places = within, []
    if absent := unknown_place_refusal(routing, retriever):
        return refuse("scope", *absent)
    if documents and (table := answer_from_corpus(parsed, retriever.corpus)):
        result.answer, result.refused, result.answered_from = table.text, False, "documents"
        result.computed = table.computed
        result.citations = [Citation(n, c.id, c.file, c.county, c.heading, describe(c), derived=True)
                            for n, c in enumerate(table.openings, 1)]
        timings["total"] = time.perf_counter() - t0
        return result
    ledger = retriever.store.ledger if settings.retrieval.ledger_answers else None
    # A question in several parts is answered part by part when the rows answer every part (the
    # whole question's rows would answer only its first).
    rows = answer_in_parts(parsed, ledger, settings.retrieval.min_coverage) if ledger is not None else None
    if ledger is not None and rows is None:
        rows = answer_from_ledger(parsed, ledger, settings.retrieval.min_coverage)
    if ledger is not None and rows is None and settings.retrieval.frame_comparisons:
        rows = _from_frame(parsed, ledger, llm, retriever, settings)
    if rows:
        result.answer, result.refused, result.answered_from = rows.text, False, "ledger"
        if routing.unknown_places:  # 黄平县和昌乐县…哪个更高 with no report of 黄平县: say so, compare nothing
            result.answer += f"已索引的文档中没有{'、'.join(routing.unknown_places)}的资料，无法与之比较。"
        result.computed = rows.computed
        result.citations = [Citation(n, f.chunk_id, f.doc, f.place, f.section, f.quote)
                            for n, f in enumerate(rows.facts, 1)]
        timings["total"] = time.perf_counter() - t0
        return result
    found = retriever.retrieve(question, k=k, counties=routing.scope or None)
    timings["retrieve"] = time.perf_counter() - t0
    result.retrieved = found.hits
    if not found.hits:
        return refuse("retrieve", "nothing retrieved")
    # A roll asked of two sessions (2012年…、2016年…应到和实到代表各多少人): one per document.
    sessions = max(len(parsed.years), len(routing.scope), 1)
    if rolls := roll_answers(question, [h for h in found.hits if not routing.scope or h.county in routing.scope], sessions):
        rolls = sorted(rolls, key=lambda r: r.chunk.meta.get("date") or "") if len(rolls) > 1 else rolls
        result.answer, result.refused, result.answered_from = _roll_text(rolls), False, "rules"
        result.citations = [Citation(n, r.chunk.id, r.chunk.file, r.chunk.county, r.chunk.heading, r.quote)
                            for n, r in enumerate(rolls, 1)]
        timings["total"] = time.perf_counter() - t0
        return result
    passages = select_passages(parsed, found, retriever.corpus, settings)
    result.passages = passages
    if reason := gate(parsed, passages, settings.retrieval.min_coverage):
        return refuse("gate", reason)
    raw = generate(passages, parsed, llm, timings, on_token)
    checked = verify(raw, parsed, passages, evidence_text(passages))
    timings["total"] = time.perf_counter() - t0
    result.dropped = checked.dropped
    if checked.reason:
        return refuse("verify", checked.reason)
    result.answer, result.refused, result.answered_from = checked.text, False, "retrieval"
    result.citations = [
        Citation(p.n, p.chunk.id, p.chunk.file, p.chunk.county, p.chunk.heading, p.text, p.derived)
        for p in checked.cited
    ]
    note_conflicts(result, parsed, retriever.store.ledger)
    return result


def _from_frame(parsed: Question, ledger, llm: ChatClient, retriever: Retriever, settings: Settings):
    """Rows for a comparison the rules could not read, through the model's frame (rag.comparison_frame)."""
    if len(parsed.places) < 2:
        return None  # one place: nothing to compare, no ledger lookups
    from rag.comparison_frame import frame_comparison
    from rag.ledger import indicators_in
    from rag.structured import StructuredLLM, pick_mode

    named = indicators_in(parsed.text)
    if not all(any(ledger.query(place=p, indicator=i.name) for i in named) for p in parsed.places):
        return None  # a place without any row of the indicator: no frame can make the ledger answer
    structured = StructuredLLM(llm, mode=pick_mode(settings.brief.output_mode, settings.llm.is_local), max_retries=1)
    restated = frame_comparison(parsed, structured, retriever.counties())
    return answer_from_ledger(restated, ledger, settings.retrieval.min_coverage) if restated else None


def note_conflicts(result: Answer, question: Question, ledger) -> None:
    """A figure of the answer that another passage gives differently for the same place, year, kind
    and indicator (a ledger row) gets a one-line note citing both: the answer does not pick one
    silently (issue 12, found 5)."""
    if ledger is None:
        return
    notes = []
    for stated, other in figure_conflicts(result.answer, question, ledger):
        n = {c.chunk_id: c.n for c in result.citations}.get(stated.fact.chunk_id)
        if n is None:
            n = len(result.citations) + 1
            result.citations.append(Citation(n, stated.fact.chunk_id, stated.fact.doc, stated.fact.place,
                                             stated.fact.section, stated.fact.quote))
        m = len(result.citations) + 1
        result.citations.append(Citation(m, other.fact.chunk_id, other.fact.doc, other.fact.place,
                                         other.fact.section, other.fact.quote))
        notes.append(f"{stated.shown}[{n}]与另一处的{other.shown}[{m}]")
    if notes:
        result.answer = result.answer.rstrip() + f"\n注意：文档中的数字不一致：{'；'.join(notes)}。"
