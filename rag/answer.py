"""Answer a question: retrieve, pick the evidence sentences, decide in code whether the
documents answer at all, prompt the LLM with labelled passages, and check its citations.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from rag.errors import InputError
from rag.figures import asked_families, asked_kind, clause_kind, family_of, figures_in, kind_matches
from rag.llm import ChatClient
from rag.prompts import CANNOT_ANSWER, render
from rag.retrieval import Retriever
from rag.settings import Settings
from rag.store import StoredChunk
from rag.text import (
    CITATION,
    STOPWORDS,
    _jieba,
    keyword_tokens,
    normalize,
    numbers,
    split_sentences,
    strip_markup,
    subject_years,
    years,
)

LIST_QUESTION = re.compile(r"哪些|哪几|几项|几个方面|几大|主要任务|重点任务|重点工作|列举|包括什么|有什么举措")
# Who delivered a report, when, at which meeting: facts that sit in a document's opening lines.
DOC_INFO_QUESTION = re.compile(r"谁|哪位|何人|何时|什么时间|什么时候|哪天|哪一天|日期|哪次会议|什么会议|哪个会议|会议上|召开|主持")
# 城乡居民收入分别增长6.2%、8.8%: reports list the urban figure first, then the rural one.
URBAN_RURAL_PAIR = re.compile(r"城乡([^。；;、，,]{0,16}?)分别([^。；;\d]{0,6})(\d+(?:\.\d+)?%?)、(\d+(?:\.\d+)?%?)")
YES_NO_QUESTION = re.compile(r"是否|有没有|是不是|能否|吗[？?]?$")
# Which of two places is ahead (哪个更快, 哪个县更高): the verdict is computed, not generated.
COMPARE_QUESTION = re.compile(r"(?:哪个|哪一个|谁)[县市区]?(?:的)?[^，,。？?]{0,6}?(?:更|较)(快|高|多|大|低|少|慢|小)")
# Questions that ask for a quantity; an answer without any number does not answer them.
QUANTITY_QUESTION = re.compile(r"多少|几[个家项件所万亿]|百分之|比重|占比|比例是")


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
    timings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """JSON-ready dict: answer, citations, ranked chunks with scores, timings."""
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "reason": self.reason,
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
    """Sentences, with long ones cut at clause commas into pieces of at most ~90 characters."""
    units = []
    for sentence in split_sentences(text):
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
        return [Passage(i + 1, c, c.text[:budget]) for i, c in enumerate(hits[:1])]
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
# Checking what the model said





def cited_numbers(text: str) -> list[int]:
    """Passage numbers cited as [1], [1,2] or 【1】."""
    return [int(n) for group in CITATION.findall(text) for n in re.split(r"[,，、\s]+", group) if n]


def check_answer(text: str, passages: list[Passage], question: str) -> tuple[str, list[Passage], list[str]]:
    """Keep sentences whose figures the evidence states; return (text, cited passages, dropped).

    A figure is supported by a clause that states the same number with a unit of the same
    family (110万吨 is not 110亿元), about the year asked, of the kind asked (a target question
    takes only target clauses). Numbers the question itself contains need no support. Cited
    ids that do not exist are ignored; a passage holding a figure the answer uses is cited
    even if the model forgot to say so.
    """
    by_n = {p.n: p for p in passages}
    question_numbers = set(numbers(question))
    asked_years = set(years(question))
    kind = asked_kind(question)

    def holds(passage: Passage, num: str, families: set[str]) -> bool:
        """The passage states ``num`` in a clause of the year, kind and unit family asked."""
        for unit in split_sentences(passage.text):
            if num not in numbers(unit):
                continue
            # A figure in a clause that names only other years (a 2024 target, when 2023 is
            # asked) does not answer the question, however well it matches otherwise.
            stated = set(subject_years(unit)) or set(years(passage.chunk.heading))
            if asked_years and stated and not stated & asked_years:
                continue
            written = family_of(num, unit) - {""}
            if families and written and not families & written:
                continue
            if not kind_matches(kind, clause_kind(unit, passage.chunk.heading)):
                continue
            return True
        return False

    kept, dropped, cited = [], [], []
    for sentence in re.split(r"(?<=[。！？；\n])", text):
        if not sentence.strip():
            continue
        # List markers ("1. …", "2、…") are the model's layout, not claims.
        bare = strip_markup(sentence)
        claimed = [n for n in cited_numbers(sentence) if n in by_n]
        supported = True
        for num in numbers(bare):
            if num in question_numbers:
                continue
            families = family_of(num, bare) - {""}
            holders = [p.n for p in passages if holds(p, num, families)]
            if not holders:
                supported = False
                break
            if not set(holders) & set(claimed):
                claimed.append(holders[0])
        if supported:
            kept.append(sentence)
            cited.extend(claimed)
        else:
            dropped.append(bare.strip())
    answer = "".join(kept).strip()
    order = list(dict.fromkeys(cited))
    return answer, [by_n[n] for n in order], dropped


def adds_information(answer: str, question: str, evidence: str) -> bool:
    """True when the answer shares with the evidence some character pair the question lacks.

    Catches answers like "利川市政府工作报告是由市长作的" to "由哪位市长作的", which assert
    nothing the documents said; pairs rather than words, because jieba splits names and
    numbers ("兴山化工园", "3家") into pieces the question already has.
    """
    if re.match(r"^(是|否|不是|没有|有)[，,。\s\[]", answer):
        return True  # a yes/no answer

    def flat(text: str) -> str:
        return re.sub(r"[^\w%]", "", normalize(CITATION.sub("", text)))

    def pairs(text: str) -> set[str]:
        return {flat(text)[i : i + 2] for i in range(len(flat(text)) - 1)}

    source = flat(evidence)  # compared in the same punctuation-free form ("2.1∶1" -> "211")
    return any(pair in source for pair in pairs(answer) - pairs(question))


_VERDICT = re.compile(r"^\s*(是|否|不是|没有|有|对|不对)(?=$|[，,。.；;\s\[])")


def _bigrams(text: str) -> set[str]:
    flat = normalize(text)
    return {flat[i : i + 2] for i in range(len(flat) - 1)}


def ground_yes_no(text: str, question: str, passages: list[Passage]) -> tuple[str, Passage | None]:
    """A bare 是/否 gets its basis: the evidence clause closest to the question, quoted and cited.

    When that clause negates what the question asks (是否低于 against 不低于), the verdict is 否
    whatever the model said: small models answer 是 to most yes/no questions.
    Returns the answer and the passage quoted (None when the answer is left as it was).
    """
    verdict = _VERDICT.match(CITATION.sub("", text))
    if not verdict or not passages:
        return text, None
    rest = re.sub(r"[^\w]", "", CITATION.sub("", text)[verdict.end():])
    asked = _bigrams(question)
    clauses = [(p, c) for p in passages for c in evidence_units(p.text)]
    passage, clause = max(clauses, key=lambda pc: len(asked & _bigrams(pc[1])))
    word = verdict.group(1)
    predicate = re.search(r"是否([\u4e00-\u9fff]{2})", question)
    if predicate and re.search(rf"[不未没无]{predicate.group(1)}", normalize(clause)) and word in ("是", "有", "对"):
        word, rest = "否", ""  # the model's reason argued for the wrong verdict
    if len(rest) >= 8:
        return (f"{word}{text[verdict.end():]}" if word != verdict.group(1) else text), None
    return f"{word}。原文：“{clause.strip()}”[{passage.n}]", passage


_FIGURE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(%|[亿万千百]?[元人户家个亩吨]|万人次|人次)(?!\d)")
_MORE = {"快", "高", "多", "大"}


def settle_comparison(text: str, question: str, scope: list[str]) -> str:
    """The verdict of 哪个更快/更高 computed from the figures the answer gives each place.

    Applies only when the answer states exactly one figure (same unit) for each of two places;
    the model's own verdict (a figureless fragment naming a place and 更/较…), right or wrong,
    is replaced by the computed one.
    """
    asked = COMPARE_QUESTION.search(question)
    if not asked or len(scope) != 2:
        return text
    plain = CITATION.sub("", text)
    starts = sorted((plain.find(place), place) for place in scope)
    if any(at < 0 for at, _ in starts):
        return text
    figures = {}
    for i, (at, place) in enumerate(starts):  # each place's stretch runs to the next place's name
        stretch = plain[at: starts[i + 1][0] if i + 1 < len(starts) else len(plain)]
        found = list(_FIGURE.finditer(stretch))
        if len(found) != 1:
            return text
        figures[place] = (float(found[0].group(1)), found[0].group(2))
    (a, (va, ua)), (b, (vb, ub)) = figures.items()
    if ua != ub or va == vb:
        return text
    ahead = a if (va > vb) == (asked.group(1) in _MORE) else b
    pieces = re.split(r"(?<=[，,。；;\s])", text)
    kept = [x for x in pieces if not (re.search(r"(?:更|较)[快高多大低少慢小]", x) and not re.search(r"\d", x)
                                      and any(place in x for place in scope))]
    body = "".join(kept).rstrip(" ，,；;\n")
    return body + ("" if body.endswith("。") else "。") + f"{ahead}更{asked.group(1)}。"


def is_refusal(text: str) -> bool:
    """The model (or we) said the documents do not answer."""
    return CANNOT_ANSWER in text or "未提及" in text or "没有提到" in text or "无法回答" in text


# ---------------------------------------------------------------------------------------------


def answer_messages(passages: list[Passage], question: str) -> list[dict]:
    """The chat messages for an answer: fixed system prompt, then numbered labelled passages.

    A yes/no question gets a one-line hint; in the system prompt the same rule made the small
    model answer "是" to every question.
    """
    hint = "\n（是非题：先答“是”或“否”，再摘录原文依据。）" if YES_NO_QUESTION.search(question) else ""
    return [
        {"role": "system", "content": render("answer_system")},
        {"role": "user", "content": render("answer_user", passages="\n".join(p.render() for p in passages),
                                           question=question, hint=hint)},
    ]


def validate_question(question: str, settings: Settings) -> str:
    """Collapse whitespace; refuse empty and overlong questions before any model is started."""
    question = " ".join(question.split())
    if not question:
        raise InputError("the question is empty.")
    if len(question) > settings.max_question_chars:
        raise InputError(
            f"the question is {len(question)} characters long; the limit is {settings.max_question_chars}. "
            "Ask one concise question."
        )
    return question


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
    """The one code path behind ``ask``, ``chat`` and ``eval``."""
    question = validate_question(question, settings)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    found = retriever.retrieve(question, k=k, counties=counties)
    timings["retrieve"] = time.perf_counter() - t0
    result = Answer(question=question, answer="", refused=True, scope=found.scope, retrieved=found.hits, timings=timings)

    def refuse(reason: str, what: str = "") -> Answer:
        result.answer = f"{CANNOT_ANSWER}{what}。"
        result.reason = reason
        return result

    if found.unknown_places and not found.scope:
        places = "、".join(found.unknown_places)
        indexed = "、".join(sorted(set(retriever.counties().values()))) or "无"
        return refuse(f"no document about {places} is indexed", f"{places}的相关内容（已索引：{indexed}）")
    if not found.hits:
        return refuse("nothing retrieved")

    is_list = bool(LIST_QUESTION.search(question))
    budget = settings.retrieval.context_chars * (2 if len(found.scope) > 1 else 1)
    if len(found.scope) > 1:
        # Each county gets its own share, so one county's stronger matches cannot crowd out the other's.
        passages = []
        for county in found.scope:
            hits = [h for h in found.hits if h.county == county]
            passages += select_evidence(question, hits, budget // len(found.scope), found.scope, expand=is_list)
    else:
        passages = select_evidence(question, found.hits, budget, found.scope, expand=is_list)
    if is_list:
        outline = section_outline(found.hits, retriever.corpus)
        if outline:
            passages.insert(0, Passage(0, found.hits[0], outline, derived=True))
    if DOC_INFO_QUESTION.search(question):
        info = document_info(found.hits, retriever.corpus)
        if info:
            passages.insert(0, info)
    for i, p in enumerate(passages):
        p.n = i + 1
    result.passages = passages

    # Coverage is judged on the whole chunks the evidence came from: the selected sentences are
    # cut tight for the prompt, the question's words may sit in a neighbouring clause.
    evidence = " ".join(dict.fromkeys(p.chunk.heading + " " + p.chunk.text for p in passages))
    coverage = term_coverage(content_terms(question, found.scope), evidence)
    asked_years = set(years(question))
    known_years = set(years(evidence))
    for p in passages:
        known_years |= {p.chunk.meta.get("year_under_review"), p.chunk.meta.get("plan_year")}
    missing_years = sorted(y for y in asked_years if y not in known_years)
    if coverage < settings.retrieval.min_coverage:
        return refuse(f"evidence covers {coverage:.0%} of the question's key terms")
    if missing_years:
        return refuse(f"no passage covers the year(s) {missing_years}")

    messages = answer_messages(passages, question)
    t1 = time.perf_counter()
    first: list[float] = []

    def tap(piece: str) -> None:
        if not first:
            first.append(time.perf_counter() - t1)
        if on_token:
            on_token(piece)

    raw = llm.complete(messages, on_token=tap)
    timings["first_token"] = first[0] if first else time.perf_counter() - t1
    timings["generate"] = time.perf_counter() - t1
    timings["total"] = time.perf_counter() - t0

    if not raw.strip():
        return refuse("the model returned an empty answer")
    if is_refusal(raw) and not any(n not in numbers(question) for n in numbers(CITATION.sub("", raw))):
        return refuse("the model found no answer in the evidence")
    text, cited, dropped = check_answer(raw.strip(), passages, question)
    result.dropped = dropped
    if not text or is_refusal(text) and not cited:
        return refuse("every claim in the answer lacked support in the evidence")
    if QUANTITY_QUESTION.search(question) and not set(numbers(CITATION.sub("", text))) - set(numbers(question)):
        return refuse("the question asks for a quantity and the answer gives none")
    wanted = asked_families(question) if QUANTITY_QUESTION.search(question) else None
    given = {f.family for f in figures_in(CITATION.sub("", text)) if f.value not in numbers(question)}
    if wanted and given - {""} and not wanted & given:
        # 增长目标是多少 answered with an amount (91.1亿元): a neighbouring figure, not the answer.
        return refuse(f"the answer gives {'/'.join(sorted(given - {''}))}, the question asks for {'/'.join(sorted(wanted))}")
    if not adds_information(text, question, evidence):
        return refuse("the answer only restates the question")
    if not cited:
        cited = passages[:1]
    text = settle_comparison(text, question, found.scope)
    if YES_NO_QUESTION.search(question):
        text, basis = ground_yes_no(text, question, passages)
        if basis is not None and basis not in cited:
            cited = [*cited, basis]
    result.answer = text
    result.refused = False
    result.citations = [
        Citation(p.n, p.chunk.id, p.chunk.file, p.chunk.county, p.chunk.heading, p.text, p.derived) for p in cited
    ]
    return result
