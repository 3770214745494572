"""The evidence stages of an answer: select the sentences that carry it, then gate in code.

select: from the retrieved chunks, the clauses that match the question's words, kept in document
order per chunk, each passage labelled with its place, document type and heading; plus, when a
question asks for them, a document's own facts or a section outline (derived, never quoted).

gate: the decision, made before any model runs, that the evidence does not answer: the question's
key terms are missing, or no passage is about the year asked.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from rag.injection import is_instruction
from rag.question import Question
from rag.retrieval import Retrieval
from rag.settings import Settings
from rag.store import StoredChunk
from rag.text import STOPWORDS, _jieba, keyword_tokens, normalize, numbers, split_sentences, years

# 城乡居民收入分别增长6.2%、8.8%: reports list the urban figure first, then the rural one.
URBAN_RURAL_PAIR = re.compile(r"城乡([^。；;、，,]{0,16}?)分别([^。；;\d]{0,6})(\d+(?:\.\d+)?%?)、(\d+(?:\.\d+)?%?)")


@dataclass
class Passage:
    """A numbered piece of evidence sent to the LLM: selected sentences of one chunk."""

    n: int
    chunk: StoredChunk
    text: str
    # Built by code from index metadata or headings (document facts, a section outline), not a
    # span of the source: shown without quotation marks.
    derived: bool = False

    def render(self) -> str:
        """``[n]〔county｜document｜heading〕text`` as the prompt shows it.

        A 城乡…分别 pair is spelled out as two clauses (城镇…a，农村…b) for the model, which
        otherwise takes the first figure for either; prompt-only: quotes and checks use ``text``.
        """
        text = URBAN_RURAL_PAIR.sub(r"城镇\1\2\3，农村\1\2\4", self.text)
        return f"[{self.n}]{label(self.chunk)}{text}"


def label(chunk: StoredChunk) -> str:
    """〔county｜document type｜heading〕: the model needs to know where a sentence sits."""
    heading_parts = [_first_clause(h) for h in chunk.heading.split(" > ")] if chunk.heading else []
    # The top heading carries the year context (一、2023年工作回顾); the leaf says the topic.
    heading = " > ".join(dict.fromkeys([heading_parts[0], heading_parts[-1]])) if heading_parts else chunk.meta.get("title", "")
    parts = [chunk.county or "?", chunk.meta.get("doc_type", ""), heading]
    return "〔" + "｜".join(p for p in parts if p) + "〕"


def _first_clause(heading: str, limit: int = 20) -> str:
    """A heading cut to its first clause: labels cost prompt tokens on every passage."""
    clause = re.split(r"[,，;；]", heading, maxsplit=1)[0]
    return clause if len(clause) <= limit else clause[:limit] + "…"


# ---------------------------------------------------------------------------------------------
# Evidence selection and the in-code answerability check


def content_terms(question: str, counties: list[str]) -> list[str]:
    """The words that say *what* is asked: no county names, years, question words."""
    names = set(counties) | {c[:-1] for c in counties if len(c) > 2}
    terms = []
    for tok in _jieba().cut(question):
        tok = tok.strip()
        if not tok or tok in STOPWORDS or tok in names or re.fullmatch(r"[\d.]+|20\d{2}年?|[^\w]+", tok):
            continue
        if any(tok in n or n in tok for n in names):
            continue
        terms.append(tok)
    return terms


def term_coverage(terms: list[str], text: str) -> float:
    """Share of the terms found in ``text``; a long term missing whole counts half if its parts occur."""
    if not terms:
        return 1.0
    flat = normalize(text)
    score = 0.0
    for term in terms:
        t = normalize(term)
        if t in flat:
            score += 1
        elif len(t) >= 3:
            pairs = [t[i : i + 2] for i in range(len(t) - 1)]
            score += 0.5 * sum(p in flat for p in pairs) / len(pairs)
    return score / len(terms)


RELATIVE_SCORE_FLOOR = 0.5
UNIT_MAX_CHARS = 90


def evidence_units(text: str) -> list[str]:
    """Sentences, with long ones cut at clause commas into pieces of at most ~90 characters;
    sentences addressed to the model (``rag.injection``) are left out."""
    units = []
    for sentence in split_sentences(text):
        if is_instruction(sentence):
            continue  # documents are data: a sentence addressed to the model is never evidence
        if len(sentence) <= UNIT_MAX_CHARS:
            units.append(sentence)
            continue
        piece = ""
        for clause in re.split(r"(?<=[,，、])(?!\d)", sentence):
            if piece and len(piece) + len(clause) > UNIT_MAX_CHARS:
                units.append(piece)
                piece = ""
            piece += clause
        if piece:
            units.append(piece)
    return units


def select_evidence(question: str, hits: list[StoredChunk], budget: int, counties: list[str] = (),
                    expand: bool = False) -> list[Passage]:
    """Pick the sentences that carry the answer, keep them in document order per chunk.

    With ``expand`` (list questions) the best sentence is followed by the rest of its chunk,
    because the items of a list rarely repeat the words of the question.

    County names and years are left out of the scoring: within a scoped retrieval every
    sentence shares them, and they would favour title lines over facts.
    """
    names = set(counties) | {c[:-1] for c in counties} | {c[1:] for c in counties}
    query = {t for t in keyword_tokens(question) if t not in names and not re.fullmatch(r"20\d{2}", t)}
    if not hits or not query:
        return [Passage(i + 1, c, "".join(evidence_units(c.text))[:budget]) for i, c in enumerate(hits[:1])]
    units: list[tuple[float, int, int, str]] = []  # (score, hit rank, position, sentence)
    doc_freq: dict[str, int] = {}
    split = [evidence_units(h.text) for h in hits]
    for sentences in split:
        for s in sentences:
            for tok in set(keyword_tokens(s)) & query:
                doc_freq[tok] = doc_freq.get(tok, 0) + 1
    total = sum(len(s) for s in split) or 1
    for rank, sentences in enumerate(split):
        heading_tokens = set(keyword_tokens(hits[rank].heading))
        for pos, sentence in enumerate(sentences):
            tokens = set(keyword_tokens(sentence))
            matched = (tokens | heading_tokens) & query
            # Rarer query words weigh more; higher-ranked chunks break ties.
            score = sum(math.log(1 + total / doc_freq.get(t, 1)) for t in matched)
            if numbers(sentence):
                score *= 1.15
            units.append((score - 0.01 * rank, rank, pos, sentence))
    chosen: dict[int, list[tuple[int, str]]] = {}
    used = 0
    best = max((u[0] for u in units), default=0)
    if expand and best > 0:
        _, rank, pos, _ = max(units, key=lambda u: u[0])
        for offset, sentence in enumerate(split[rank][pos:]):
            if used and used + len(sentence) > budget:
                break
            chosen.setdefault(rank, []).append((pos + offset, sentence))
            used += len(sentence)
        units = [u for u in units if u[1] != rank]
    for score, rank, pos, sentence in sorted(units, key=lambda u: -u[0]):
        # Weak matches only lengthen the prompt (and prefill time) and distract a small model.
        if score <= 0 or score < RELATIVE_SCORE_FLOOR * best or (used and used + len(sentence) > budget):
            continue
        chosen.setdefault(rank, []).append((pos, sentence))
        used += len(sentence)
    passages = []
    for rank in sorted(chosen):
        sentences = [s for _, s in sorted(chosen[rank])]
        passages.append(Passage(len(passages) + 1, hits[rank], "".join(sentences)))
    return passages


def document_info(hits: list[StoredChunk], corpus: list[StoredChunk]) -> Passage | None:
    """A passage stating a document's title, meeting, date and speaker, cited to its opening chunk.

    Every value was read from the document's own opening lines when it was indexed.
    """
    if not hits:
        return None
    source = hits[0].meta.get("source")
    opening = next((c for c in corpus if c.meta.get("source") == source and c.meta.get("index") == 0), hits[0])
    meta = opening.meta
    facts = [("标题", meta.get("title")), ("会议", meta.get("meeting")), ("报告人", meta.get("speaker"))]
    if meta.get("date"):
        year, month, day = (int(x) for x in meta["date"].split("-"))
        facts.append(("日期", f"{year}年{month}月{day}日"))
    text = "；".join(f"{k}：{v}" for k, v in facts if v)
    return Passage(0, opening, text + "。", derived=True) if text else None


def section_outline(hits: list[StoredChunk], corpus: list[StoredChunk]) -> str:
    """For list questions: the sub-headings of the top hit's section, in document order."""
    for hit in hits:
        parts = hit.heading.split(" > ") if hit.heading else []
        if not parts:
            continue
        top = parts[0]
        children = []
        for c in corpus:
            if c.meta.get("source") != hit.meta.get("source"):
                continue
            cparts = c.heading.split(" > ") if c.heading else []
            if len(cparts) > 1 and cparts[0] == top and cparts[1] not in children:
                children.append(cparts[1])
        if len(children) >= 2:
            return f"{top}下设：" + "；".join(children)
    return ""


# ---------------------------------------------------------------------------------------------
# The two stages


def select_passages(question: Question, found: Retrieval, corpus: list[StoredChunk], settings: Settings) -> list[Passage]:
    """Stage *select*: the numbered passages the model will see, from the retrieved chunks.

    In a cross-place question each place gets its own share of the budget, so one place's
    stronger matches cannot crowd out the other's.
    """
    budget = settings.retrieval.context_chars * (2 if len(found.scope) > 1 else 1)
    if len(found.scope) > 1:
        passages = []
        for place in found.scope:
            hits = [h for h in found.hits if h.county == place]
            passages += select_evidence(question.text, hits, budget // len(found.scope), found.scope,
                                        expand=question.is_list)
    else:
        passages = select_evidence(question.text, found.hits, budget, found.scope, expand=question.is_list)
    if question.is_list:
        outline = section_outline(found.hits, corpus)
        if outline:
            passages.insert(0, Passage(0, found.hits[0], outline, derived=True))
    if question.is_doc_info:
        info = document_info(found.hits, corpus)
        if info:
            passages.insert(0, info)
    for i, p in enumerate(passages):
        p.n = i + 1
    return passages


def evidence_text(passages: list[Passage]) -> str:
    """The whole chunks (heading and text) the passages come from, each once.

    The gate and the final checks judge against these rather than the selected sentences: the
    sentences are cut tight for the prompt, and a question's word may sit in a neighbouring clause.
    """
    return " ".join(dict.fromkeys(p.chunk.heading + " " + p.chunk.text for p in passages))


def gate(question: Question, passages: list[Passage], min_coverage: float) -> str | None:
    """Stage *gate*: why the evidence cannot answer (the refusal reason), or None to go on."""
    evidence = evidence_text(passages)
    coverage = term_coverage(content_terms(question.text, question.places), evidence)
    if coverage < min_coverage:
        return f"evidence covers {coverage:.0%} of the question's key terms"
    known_years = set(years(evidence))
    for p in passages:
        known_years |= {p.chunk.meta.get("year_under_review"), p.chunk.meta.get("plan_year")}
    missing = sorted(y for y in question.years if y not in known_years)
    if missing:
        return f"no passage covers the year(s) {missing}"
    return None
