"""The LLM's share of a brief's qualitative sections: what the rules of ``rag.brief_qualitative`` cannot read.

The rules read the regular shapes (“…”新格局, 创建…示范县, 荣获…称号, 《…决定》, meeting
facts). Real documents also state frameworks, commitments, honours and figure-less outcomes in
wording no grammar foresaw. This step sends the model only the sentences that carry a
qualitative cue the rules left unexplained, numbered, within ``brief.qualitative_chars``; it
answers ``[sentence, kind, phrase]`` rows under a JSON schema (``QualitativeExtraction``).

Code keeps a row only if its phrase is drawn from a shown sentence (character-bigram coverage, as
for tasks; the cited one, or the shown one that holds it when a small model miscounts), it is
not one of the genre's openers (在…领导下, 深入贯彻…), an outcome or commitment carries no figure,
and it repeats no item already found; the quote is the sentence itself, copied by code, and the brief's grounding check then treats these items as
it treats the rules' (every number in an item must be in its quote). Rows that fail go to
``dropped`` with the reason. Decisions and meeting facts are left to the rules: a 《…》 title
and a 主持/出席 clause are regular, and the model adds errors there, not recall.

Off by default (``brief.llm_qualitative``): with the local 1.5B model, 5 of the 46 items it added
on the seeds and twelve real pages were right and 8 more useful under another kind
(``bench/brief_qualitative_llm_verdicts.json``), for +1 to +5 key facts a set.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace

from rag.brief_check import bigram_coverage
from rag.brief_qualitative import honour_level, iter_items
from rag.brief_read import Unit, select
from rag.brief_schema import Commitment, DroppedItem, Framework, Honour, Outcome, QualitativeExtraction, Source
from rag.prompts import render
from rag.text import normalize

# Words that mark a sentence as stating a framework, a commitment, an honour or an outcome
# without a figure. A cue inside text a rule already quoted does not count.
QUALITATIVE_CUE = re.compile(
    r"格局|布局|战略|定位|思路|理念|品牌|名片|口号|示范|先行|创建|争创|创成|同步|前列|前茅|领先|"
    r"荣获|获评|获得|被评为|被命名|授予|入选|称号|全国|国家级|首批|均实现|稳步|显著|明显|持续向好|走在|"
    r"精神|新常态|新局面|新突破|开创|清零|硕果|向好|提质|“"
)
# The sections the rules fill, as ``iter_items`` reads them off a brief.
SECTIONS = ("meeting", "decisions", "frameworks", "commitments", "honours", "outcomes")
KIND_TO_SECTION = {"格局": "frameworks", "承诺": "commitments", "荣誉": "honours", "成效": "outcomes"}
_YEAR = re.compile(r"到\s*(20\d\d)\s*年")
# Guidance every document of the genre repeats (the leadership, higher bodies' instructions, the
# verbs that introduce a sentence); never a point of the county's own brief.
BOILERPLATE = re.compile(r"(?:领导|监督|支持|帮助)下|习近平|重要(?:指示|讲话)精神|深入贯彻|全面贯彻|认真贯彻|"
                         r"深入学习贯彻|决策部署|高举[^。,;]{0,20}旗帜|^(?:全会|会议|大会|报告)(?:指出|强调|认为|要求|号召)")
PHRASE_COVERAGE = 0.6  # share of the phrase's character bigrams that must stand in its sentence


def _uncovered_cues(unit: Unit, quoted: list[str]) -> int:
    """Qualitative cues in the unit outside every text the rules already took from it."""
    spans = []
    for text in quoted:
        start = unit.text.find(text)
        while start >= 0:
            spans.append((start, start + len(text)))
            start = unit.text.find(text, start + 1)
    return sum(1 for m in QUALITATIVE_CUE.finditer(unit.text)
               if not any(a <= m.start() and m.end() <= b for a, b in spans))


def _repeats(text: str, known: list[str]) -> bool:
    """The phrase says what an item already found says (either contains most of the other)."""
    key = normalize(text)
    return any(bigram_coverage(key, normalize(k)) >= PHRASE_COVERAGE or bigram_coverage(normalize(k), key) >= 0.8
               for k in known)


def map_qualitative(units: list[Unit], found: dict[str, list], structured, settings, dropped: list[DroppedItem],
                    progress: Callable[[str, str], None], plan_year: int | None) -> dict[str, list]:
    """Items the model adds to ``found`` (the rules' sections by field name), by section.

    Returns only the additions; the caller appends them after the rules' items.
    """
    cfg = settings.brief
    rule_texts = [text for _, _, text in iter_items(SimpleNamespace(**{k: found.get(k, []) for k in SECTIONS}))]
    chosen = sorted(select(units, lambda u: float(_uncovered_cues(u, rule_texts)), cfg.qualitative_chars),
                    key=lambda u: u.position)
    added: dict[str, list] = {section: [] for section in KIND_TO_SECTION.values()}
    if not chosen:
        return added
    progress("qualitative", f"asking the model about {len(chosen)} sentences the rules left")
    # Numbered 1..k as shown: a small model continues a numbering it sees, not the document's.
    by_n = dict(enumerate(chosen, start=1))
    messages = [
        {"role": "system", "content": render("brief_qualitative_system")},
        {"role": "user", "content": render("brief_qualitative_user",
                                           units="\n".join(f"[{n}]{u.text}" for n, u in by_n.items()))},
    ]
    known = list(rule_texts)
    for s, kind, phrase in structured.ask(messages, QualitativeExtraction, name="qualitative").items:
        phrase = phrase.strip()
        section = KIND_TO_SECTION[kind]
        if len(normalize(phrase)) < 4 or BOILERPLATE.search(phrase):
            continue  # 在县委的坚强领导下 / 深入贯彻…精神: the genre's openers, in every report
        unit = _sentence_of(phrase, by_n.get(s), chosen)
        if unit is None:
            reason = (f"cites sentence [{s}], which was not in the prompt" if s not in by_n
                      else "the phrase is not drawn from its quote")
            dropped.append(DroppedItem(section=section, item=f"[{s}] {phrase}", reason=reason))
            continue
        if section in ("outcomes", "commitments") and re.search(r"\d", phrase):
            continue  # a result or target with a figure is the ledger's and the indicators' business
        if _repeats(phrase, known):
            continue  # the rules (or an earlier row) have it already
        known.append(phrase)
        source = Source(chunk_id=unit.chunk.id, quote=unit.text)
        if section == "frameworks":
            added[section].append(Framework(kind="提法", name=phrase, source=source))
        elif section == "commitments":
            year = _YEAR.search(unit.text)
            added[section].append(Commitment(text=phrase, source=source, year=int(year.group(1)) if year else
                                             (plan_year if unit.part != "review" else None)))
        elif section == "honours":
            added[section].append(Honour(text=phrase, level=honour_level(phrase), source=source))
        else:
            added[section].append(Outcome(text=phrase, source=source))
    return added


def _sentence_of(phrase: str, cited: Unit | None, shown: list[Unit]) -> Unit | None:
    """The shown sentence the phrase is drawn from: the cited one if it holds the phrase, else the
    one shown sentence that holds it best (a small model miscounts); None if none does."""
    if cited is not None and bigram_coverage(phrase, cited.text) >= PHRASE_COVERAGE:
        return cited
    best = max(shown, key=lambda u: bigram_coverage(phrase, u.text), default=None)
    return best if best is not None and bigram_coverage(phrase, best.text) >= PHRASE_COVERAGE else None
