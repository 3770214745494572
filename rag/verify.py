"""The verify stage: the model's answer parsed once into claims, each checked against the evidence.

A claim is one sentence of the answer with the passages it cites and the figures it states.
A figure stands only if a cited-or-not passage states the same number in a clause of the
year, kind and unit family asked (110万吨 is not 110亿元; a 2024 target is not the 2023
outcome), and, where the claim names an indicator, a clause the ledger's rules do not bind to
another indicator; a claim with a figure nothing states is dropped. Then the answer as a whole must
answer: a quantity question needs a figure, of the family asked; an answer must say something
the question did not. Finally code settles what code can: the verdict of 哪个更高 from the
figures, and a bare 是/否 gets its basis quoted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from rag.evidence import Passage, evidence_units
from rag.figures import Figure, clause_kind, family_of, figures_in, kind_matches
from rag.ledger import extract_facts, indicators_in
from rag.numerals import read_numerals
from rag.prompts import CANNOT_ANSWER
from rag.question import Question, read_question
from rag.text import (
    CITATION,
    normalize,
    numbers,
    split_sentences,
    strip_controls,
    strip_markup,
    subject_years,
    years,
)


@dataclass
class Claim:
    """One sentence of the answer."""

    text: str  # as the model wrote it, markers included
    bare: str  # without citation and list markers: what it asserts
    cited: list[int]  # passage numbers it cites
    figures: list[Figure]  # the figures it states that the question does not
    indicators: frozenset[str] = frozenset()  # ledger indicators it names (地区生产总值, …)


@dataclass
class Verified:
    """The verified answer, or the reason it cannot stand."""

    text: str = ""
    cited: list[Passage] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # claims removed for unsupported figures
    reason: str = ""  # non-empty: refuse, for this reason


def cited_numbers(text: str) -> list[int]:
    """Passage numbers cited as [1], [1,2] or 【1】."""
    return [int(n) for group in CITATION.findall(text) for n in re.split(r"[,，、\s]+", group) if n]


def parse_claims(text: str, question: Question) -> list[Claim]:
    """The answer's sentences, each with its citations and the figures it adds to the question."""
    claims = []
    for sentence in re.split(r"(?<=[。！？；\n])", text):
        if not sentence.strip():
            continue
        bare = strip_markup(sentence)  # list markers ("1. …", "2、…") are layout, not claims
        # 九百九十九亿元 is a figure as much as 999亿元 (issue 12, found 2): read in Arabic form.
        figures = [f for f in figures_in(read_numerals(bare)) if f.value not in question.numbers]
        named = frozenset(i.name for i in indicators_in(bare))
        claims.append(Claim(sentence, bare, cited_numbers(sentence), figures, named))
    return claims


def bound_to(figure: Figure, clause: str, heading: str = "") -> set[str]:
    """The indicators the ledger's rules bind ``figure``'s value to in ``clause`` (empty: none known)."""
    found = set()
    for fact in extract_facts(clause, heading, {}, ""):
        growth = f"{abs(fact.growth):g}" if fact.growth is not None else None
        if figure.value in (fact.value, growth) or f"{_num(figure.value):g}" in (fact.value, growth):
            found.add(fact.indicator)
    return found


def _num(value: str) -> float:
    return float(unicodedata.normalize("NFKC", value))


def states(passage: Passage, figure: Figure, question: Question, indicators: frozenset[str] = frozenset()) -> bool:
    """``passage`` states ``figure`` in a clause of the year, kind and unit family asked.

    When the claim names indicators, a clause whose rules bind the figure to another known
    indicator does not count: 固定资产投资增长8% is no support for 地区生产总值增长8%.
    """
    for unit in split_sentences(read_numerals(passage.text)):  # 一百七十亿元 states 170亿元
        if figure.value not in numbers(unit):
            continue
        # A figure in a clause that names only other years (a 2024 target, when 2023 is
        # asked) does not answer the question, however well it matches otherwise.
        stated = set(subject_years(unit)) or set(years(passage.chunk.heading))
        if question.years and stated and not stated & question.years:
            continue
        written = family_of(figure.value, unit) - {""}
        if figure.family and written and figure.family not in written:
            continue
        if not kind_matches(question.kind, clause_kind(unit, passage.chunk.heading)):
            continue
        if indicators and (bound := bound_to(figure, unit, passage.chunk.heading)) and not bound & indicators:
            continue
        return True
    return False


def check_claims(claims: list[Claim], passages: list[Passage], question: Question) -> tuple[list[Claim], list[Passage], list[str]]:
    """(claims kept, passages they rest on in citation order, bare text of claims dropped).

    Cited ids that do not exist are ignored; a passage holding a figure the answer uses is
    cited even if the model forgot to say so.
    """
    by_n = {p.n: p for p in passages}
    kept, dropped, cited = [], [], []
    for claim in claims:
        claimed = [n for n in claim.cited if n in by_n]
        supported = True
        for figure in claim.figures:
            holders = [p.n for p in passages if states(p, figure, question, claim.indicators)]
            if not holders:
                supported = False
                break
            if not set(holders) & set(claimed):
                claimed.append(holders[0])
        if supported:
            kept.append(claim)
            cited.extend(claimed)
        else:
            dropped.append(claim.bare.strip())
    return kept, [by_n[n] for n in dict.fromkeys(cited)], dropped


def check_answer(text: str, passages: list[Passage], question: str | Question) -> tuple[str, list[Passage], list[str]]:
    """``check_claims`` on raw text: (text kept, passages cited, claims dropped)."""
    q = question if isinstance(question, Question) else read_question(question)
    kept, cited, dropped = check_claims(parse_claims(text, q), passages, q)
    return "".join(c.text for c in kept).strip(), cited, dropped


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


_COMPARABLE = re.compile(r"(?<![\d.])(\d+(?:\.\d+)?)\s*(%|[亿万千百]?[元人户家个亩吨]|万人次|人次)(?!\d)")
_MORE = {"快", "高", "多", "大"}


def settle_comparison(text: str, direction: str | None, places: list[str]) -> str:
    """The verdict of 哪个更快/更高 computed from the figures the answer gives each place.

    ``direction`` is the question's 快/高/多…. Applies only when the answer states exactly one
    figure (same unit) for each of two places; the model's own verdict (a figureless fragment
    naming a place and 更/较…), right or wrong, is replaced by the computed one.
    """
    if not direction or len(places) != 2:
        return text
    plain = CITATION.sub("", text)
    starts = sorted((plain.find(place), place) for place in places)
    if any(at < 0 for at, _ in starts):
        return text
    figures = {}
    for i, (at, place) in enumerate(starts):  # each place's stretch runs to the next place's name
        stretch = plain[at: starts[i + 1][0] if i + 1 < len(starts) else len(plain)]
        found = list(_COMPARABLE.finditer(stretch))
        if len(found) != 1:
            return text
        figures[place] = (float(found[0].group(1)), found[0].group(2))
    (a, (va, ua)), (b, (vb, ub)) = figures.items()
    if ua != ub or va == vb:
        return text
    ahead = a if (va > vb) == (direction in _MORE) else b
    pieces = re.split(r"(?<=[，,。；;\s])", text)
    kept = [x for x in pieces if not (re.search(r"(?:更|较)[快高多大低少慢小]", x) and not re.search(r"\d", x)
                                      and any(place in x for place in places))]
    body = "".join(kept).rstrip(" ，,；;\n")
    return body + ("" if body.endswith("。") else "。") + f"{ahead}更{direction}。"


def is_refusal(text: str) -> bool:
    """The model (or we) said the documents do not answer."""
    return CANNOT_ANSWER in text or "未提及" in text or "没有提到" in text or "无法回答" in text


def verify(raw: str, question: Question, passages: list[Passage], evidence: str) -> Verified:
    """Stage *verify*: the model's raw answer checked claim by claim, then as a whole."""
    raw = strip_controls(raw).strip()  # an echoed \x1b]0;…\x07 holds digits that are no figures
    if not raw:
        return Verified(reason="the model returned an empty answer")
    claims = parse_claims(raw, question)
    if is_refusal(raw) and not any(c.figures for c in claims):
        return Verified(reason="the model found no answer in the evidence")
    kept, cited, dropped = check_claims(claims, passages, question)
    text = "".join(c.text for c in kept).strip()
    result = Verified(text=text, cited=cited, dropped=dropped)
    figures = [f for c in kept for f in c.figures]
    if not text or is_refusal(text) and not cited:
        result.reason = "every claim in the answer lacked support in the evidence"
    elif question.is_quantity and not figures:
        result.reason = "the question asks for a quantity and the answer gives none"
    elif question.families and (given := {f.family for f in figures} - {""}) and not question.families & given:
        # 增长目标是多少 answered with an amount (91.1亿元): a neighbouring figure, not the answer.
        result.reason = f"the answer gives {'/'.join(sorted(given))}, the question asks for {'/'.join(sorted(question.families))}"
    elif not adds_information(text := snap_place_forms(text, evidence, question.places), question.text, evidence):
        result.reason = "the answer only restates the question"
    if result.reason:
        return result
    result.cited = cited or passages[:1]
    result.text = settle_comparison(text, question.compare, question.places)
    result.text, source = complete_enumeration(result.text, question.text, passages)
    if source is not None and source not in result.cited:
        result.cited = [*result.cited, source]
    if question.is_yes_no:
        result.text, basis = ground_yes_no(result.text, question.text, passages)
        if basis is not None and basis not in result.cited:
            result.cited = [*result.cited, basis]
    return result


def snap_place_forms(text: str, evidence: str, places: list[str]) -> str:
    """A place written in another form than the evidence names a thing after it, put back.

    Small models expand names: the text's 泾阳化工园 comes back as 泾阳县化工园, which is not a
    span of the source and looks (to the novelty check) like the question's own 泾阳县 plus
    化工园. Where the place's form plus the next characters is no span of the evidence but
    another form of the same division (from the division table) is, the evidence's form wins.
    """
    from rag.places import resolve

    source = normalize(evidence)
    for place in places:
        forms = {place}
        for division in resolve(place):
            forms |= {division.name, division.short, *division.aliases}
        forms = sorted((f for f in forms if len(f) >= 2), key=len, reverse=True)
        for form in forms:
            start = text.find(form)
            while start >= 0:
                end = start + len(form)
                tail = re.match(r"[\u4e00-\u9fff\w]{2,4}", text[end:])
                if tail and normalize(form + tail.group()) not in source:
                    other = next((g for g in forms if g != form and normalize(g + tail.group()) in source), None)
                    if other:
                        text = text[:start] + other + text[end:]
                        end = start + len(other)
                start = text.find(form, end)
    return text


_COUNT_WORDS = {"两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# 两个百亿产业集群, 三项行动, 四大主题民宿集群: a count, its classifier, then what is counted.
_COUNTED = re.compile(r"([两二三四五六七八九十])(个|项|大|条|种|类|件|张|片|座|家)([\u4e00-\u9fff]{2,12}?)"
                      r"(?=是什么|是哪|分别|有哪|包括|指什么|[？?，,。]|$)")
_ITEM_SEP = re.compile(r"、|和|及|与|以及")
_CLAUSE_START = re.compile(r"[，,。；;：:\n]")


def _covered(item: str, answer: str) -> bool:
    """The answer names the item; a leading verb of the enumeration's first item (聚焦…) may be left out."""
    item = re.sub(r"[(（][^)）]*[)）]", "", item)  # 林西银耳(食用菌): the gloss may be left out
    if item in answer:
        return True
    import jieba.posseg as pseg

    words = list(pseg.cut(item))
    while words and words[0].flag.startswith("v"):
        words.pop(0)
    core = "".join(w.word for w in words)
    return len(core) >= 2 and core in answer


def complete_enumeration(text: str, question: str, passages: list[Passage]) -> tuple[str, Passage | None]:
    """A list the question counts (哪三项行动, 两个…集群) answered with fewer items, completed from the source.

    Applies only when a passage enumerates exactly that many items right before the same count
    phrase (A、B两个百亿产业集群) and the answer leaves some out: the answer becomes that span of
    the source, verbatim and cited. Returns the answer and the passage quoted (None: unchanged).
    """
    asked = _COUNTED.search(normalize(question))
    if not asked:
        return text, None
    import jieba.posseg as pseg

    count = _COUNT_WORDS[asked.group(1)]
    phrase = asked.group(1) + asked.group(2) + asked.group(3)[:2]
    answer = normalize(CITATION.sub("", text))
    for passage in passages:
        original = passage.text
        flat = normalize(original)
        if passage.derived or len(flat) != len(original):
            continue  # offsets in simplified script must hold in the source's script
        at = flat.find(phrase)
        if at < 0:
            continue
        begin = max((m.end() for m in _CLAUSE_START.finditer(flat, 0, at)), default=0)
        stop, quoted = at, flat[begin:at].endswith("”") and "“" in flat[begin:at]
        if quoted:  # “技改提能、数字赋能、扩产增能”三项行动
            begin, stop = flat.rfind("“", begin, at) + 1, at - 1
        items = [x for x in _ITEM_SEP.split(flat[begin:stop]) if x]
        if len(items) != count or all(_covered(x, answer) for x in items):
            continue
        words = [] if quoted else list(pseg.cut(flat[begin:stop]))
        lead = -1 if quoted else 0  # a quoted list keeps its opening quote
        while words and words[0].flag.startswith("v") and len(words) > 1:
            lead += len(words.pop(0).word)
        span = original[begin + lead: at + len(asked.group(1) + asked.group(2) + asked.group(3))]
        return f"{span}[{passage.n}]。", passage
    return text, None
