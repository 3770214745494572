"""Questions about the indexed documents themselves, answered from the document table in code.

这些文档里哪些是关于芦山县的, 一共有几份统计公报, 两份文件的日期相差几天: no passage answers
these, the index's own metadata does. Each document named is cited to its opening chunk, as a
derived citation (metadata, not a quote).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from rag.identity import DOC_TYPES
from rag.question import Question
from rag.store import StoredChunk

# A question about documents as such: which, how many.
DOCUMENTS_QUESTION = re.compile(
    r"(?:哪些|哪几[份篇]|几[份篇]|多少[份篇]|哪[份篇])(?:是)?(?:(?:关于|讲)[^，,。？?]{1,16}?的)?(?:[^，,。？?]{0,24}?)(?:文档|文件|报告|公报|材料|文章)"
    r"|(?:文档|文件|报告|公报|材料|文章|报道)(?:里|中)?(?:有|共有|一共有|一共|总共|共)?(?:哪些|几[份篇]|多少[份篇])"
    # 资料库里有哪几篇是讲…的: the measure word alone stands for the documents.
    r"|(?:哪几|几|多少)[份篇](?:是|在)?(?:关于|讲|写|有关)")
# ...and about the indexed collection, not what a document says (审议通过了哪些文件 is content).
COLLECTION_WORDS = re.compile(r"这些|这批|这几份|已索引|索引|库里|库中|一共|总共|共有|关于.{1,12}的")
# 哪些文件是2022年的统计公报 / 有几份报告是关于…: the documents are the question's subject.
DOCUMENTS_SUBJECT = re.compile(r"^(?:有)?(?:哪些|哪几份|几份|多少份)(?:文档|文件|报告|公报|材料)(?:是|属于)|"
                               # 哪些地方的材料是县委全会的报道: which places' documents are of a type.
                               r"^(?:有)?哪些(?:地方|县|县区|区县|地区)的[^，,。？?]{0,12}?(?:文档|文件|报告|公报|材料|报道)"
                               r"(?:[(（][^()（）]{0,12}[)）])?(?:是|属于|回顾)")
DATE_GAP_QUESTION = re.compile(r"(?:相差|间隔|相隔|隔了|差|早|晚)(?:了)?(?:几|多少)天|"
                               # 按作报告日期先后排一下 / 哪个最早开: the order of documents by date.
                               r"按[^?？,，]{0,8}(?:日期|时间)[^?？,，]{0,4}(?:先后|排)|(?:日期|时间)(?:的)?先后|"
                               r"哪(?:个|份|次|一个)(?:最)?(?:早|先)(?:作|开|召开|举行|发布)")
# How a question names a type of document when it asks the gap between two (县委十五届六次全会 and
# 2024年政府工作报告: a plenum's communiqué and a report, of one place).
_TYPE_NAMED = {"政府工作报告": re.compile(r"政府工作报告|人大|人民代表大会|人代会"), "全会公报": re.compile(r"全会|全体(?:\(扩大\))?会议"),
               "统计公报": re.compile(r"统计公报"), "党代会文件": re.compile(r"党代会|第[一二三四五六七八九十]+次代表大会"),
               "预算报告": re.compile(r"预算(?:执行|草案|报告)|决算")}


@dataclass
class FromCorpus:
    """An answer from the document table; ``openings`` are the cited documents' first chunks, and
    ``computed`` the numbers code derived from them (how many, how many days apart)."""

    text: str
    openings: list[StoredChunk]
    computed: list[str] = field(default_factory=list)


# 资料库里涉及哪几个少数民族自治州 / 库里有哪些区: the places of one kind the collection covers.
PLACE_KIND_QUESTION = re.compile(r"(?:哪几|哪些|几)(?:个)?(?:少数民族)?(自治州|自治县|自治旗|县级市|州|旗|区)(?![^?？,，]{0,2}的)")
# The collection named as such, for a question about its places (资料库里涉及哪几个自治州).
COLLECTION_WORDS_WIDE = re.compile(r"资料库|资料里|材料里|库里|库中|这些|这批|已索引|索引|文档|文件")
_KIND_ENDS = {"自治州": ("自治州",), "自治县": ("自治县",), "自治旗": ("自治旗",), "州": ("州",), "旗": ("旗",),
              "区": ("区",), "县级市": ("市",)}


def asks_about_documents(text: str) -> bool:
    """Cheap test before the corpus is read: does the question ask about documents as such?"""
    return bool(DOCUMENTS_QUESTION.search(text) and COLLECTION_WORDS.search(text) or DOCUMENTS_SUBJECT.search(text)
                or DATE_GAP_QUESTION.search(text) or PLACE_KIND_QUESTION.search(text) and COLLECTION_WORDS_WIDE.search(text))



def _openings(corpus: list[StoredChunk]) -> list[StoredChunk]:
    """Each document's opening chunk, in file order."""
    first: dict[str, StoredChunk] = {}
    for chunk in corpus:
        source = chunk.meta.get("source", "")
        if source not in first or chunk.meta.get("index", 0) < first[source].meta.get("index", 0):
            first[source] = chunk
    return sorted(first.values(), key=lambda c: c.meta.get("file", ""))


def written_date(iso: str) -> str:
    """An ISO date as a report writes it: 2024-01-05 -> 2024年1月5日."""
    y, mo, d = (int(x) for x in iso.split("-"))
    return f"{y}年{mo}月{d}日"


def describe(chunk: StoredChunk) -> str:
    """One document as a line of metadata: place, type, title, date."""
    m = chunk.meta
    parts = [m.get("county") or "地点未知", m.get("doc_type") or "类型未知"]
    if m.get("title"):
        parts.append(f"《{m['title']}》")
    if m.get("date"):
        parts.append(written_date(m["date"]))
    if m.get("speaker"):
        parts.append(f"报告人{m['speaker']}")
    return "，".join(parts) + f"（{m.get('file', '')}）"


def _listed(docs: list[StoredChunk]) -> str:
    """The documents as one line each, cited [1], [2], … in order."""
    return "；".join(f"{describe(d)}[{n}]" for n, d in enumerate(docs, 1))


def _years_of(chunk: StoredChunk) -> set[int]:
    m = chunk.meta
    years = {m.get("year_under_review"), m.get("plan_year")} | ({int(m["date"][:4])} if m.get("date") else set())
    return {y for y in years if y}


def _date(chunk: StoredChunk) -> date | None:
    value = chunk.meta.get("date")
    return date(*(int(x) for x in value.split("-"))) if value else None


def _wanted_types(text: str) -> tuple[str | None, set[str]]:
    """(the type the text writes out, the types its words name: 人代会 for the report or news of it)."""
    wanted_type = next((t for t in DOC_TYPES if t in text), None)
    wanted = {wanted_type} if wanted_type else {t for t, pattern in _TYPE_NAMED.items() if pattern.search(text)}
    if "政府工作报告" in wanted and not wanted_type:  # 人代会: the session's report, or a news story of it
        wanted.add("关于政府工作报告的文章")
    return wanted_type, wanted


# 2021年的那几次里最早和最晚的隔了多少天: a later sentence's year picks out some of the documents
# listed, it does not filter the list.
_SUBSET = re.compile(r"(?:那|这)(?:几|些)(?:次|份|个|篇)?(?:里|中|当中)?|其中")


def _subset_years(question: Question) -> frozenset[int]:
    """The years only a later sentence that refers back to the documents names (其中2021年的…)."""
    first, *later = re.split(r"(?<=[?？。])", question.text)
    if re.search(r"(?:19|20)\d\d\s*年", first):
        return frozenset()
    return frozenset(y for part in later if _SUBSET.search(part) for y in question.years if f"{y}" in part)


def answer_from_corpus(question: Question, corpus: list[StoredChunk]) -> FromCorpus | None:
    """The answer from document metadata, or None when the question is not about documents."""
    docs = _openings(corpus)
    if question.places:
        docs = [d for d in docs if d.county in question.places]
    if (subset := _subset_years(question)) and DATE_GAP_QUESTION.search(question.text):
        return _listed_then_gap(question, docs, subset)
    if DATE_GAP_QUESTION.search(question.text):
        return _date_gap(question, _named_documents(question, docs))
    if not question.places and (kind_asked := PLACE_KIND_QUESTION.search(question.text)):
        return _places_of_kind(docs, kind_asked.group(1))
    wanted_type, wanted = _wanted_types(question.text)
    if question.years and re.search(r"回顾", question.text):  # 回顾的是2007年的工作: the year it reviews
        docs = [d for d in docs if d.meta.get("year_under_review") in question.years]
    elif question.years:  # 2022年的统计公报: a document of the year it reviews, plans or is dated
        docs = [d for d in docs if _years_of(d) & question.years]
    if not asks_about_documents(question.text) or question.is_quantity and not re.search(r"几[份篇]|多少[份篇]", question.text):
        return None
    typed = [d for d in docs if d.meta.get("doc_type") in wanted] if wanted else docs
    what = "、".join(question.places) if question.places else "全部"
    kind = wanted_type or (next(iter(wanted)) if len(wanted) == 1 else "文档")
    scope = f"关于{what}的" if question.places else "已索引的"
    if question.years:
        scope += "、".join(str(y) for y in sorted(question.years)) + "年的"
    if not typed and docs and (question.places or question.years):
        # None of the type named (a type word may be the question's content: 谁作的政府工作报告), but
        # documents of the place and year: say so, and list those.
        return FromCorpus(f"已索引的文档中没有{scope.removeprefix('已索引的')}{kind}；{scope}文档共{len(docs)}份：{_listed(docs)}。",
                          docs, [str(len(docs))])
    if not typed:
        return FromCorpus(f"已索引的文档中没有{scope.removeprefix('已索引的')}{kind}。", [])
    return FromCorpus(f"{scope}{kind}共{len(typed)}份：{_listed(typed)}。", typed, [str(len(typed))])


def _listed_then_gap(question: Question, docs: list[StoredChunk], subset: frozenset[int]) -> FromCorpus | None:
    """Every document of the type named, in date order, and the days between the first and the last
    of those of the ``subset`` years (库里有几份全会公报?…2021年的那几次里最早和最晚的隔了多少天)."""
    _, wanted = _wanted_types(question.text)
    typed = [d for d in docs if d.meta.get("doc_type") in wanted] if wanted else docs
    if not typed:
        return None
    ordered = sorted(typed, key=lambda d: (_date(d) is None, _date(d) or date.min))
    within = [d for d in ordered if _date(d) and _date(d).year in subset]
    kind = next(iter(wanted)) if len(wanted) == 1 else "文档"
    text = f"已索引的{kind}共{len(ordered)}份，按日期先后：{_listed(ordered)}。"
    computed = [str(len(ordered))]
    years = "、".join(str(y) for y in sorted(subset))
    if len(within) >= 2:
        days = (_date(within[-1]) - _date(within[0])).days
        text += f"其中{years}年的{len(within)}份，最早（{within[0].county}）与最晚（{within[-1].county}）相差{days}天。"
        computed += [str(len(within)), str(days)]
    else:
        text += f"其中{years}年的只有{len(within)}份，算不出相隔天数。"
    return FromCorpus(text, ordered, computed)


def _county_level(name: str) -> bool:
    """Whether a 市 is county-level (利川市), not a prefecture (漯河市), by the division table."""
    from rag.places import resolve

    return any(d.level == "county" for d in resolve(name) if d.name == name)


def _places_of_kind(docs: list[StoredChunk], kind: str) -> FromCorpus:
    """The places of one kind (自治州, 旗) the collection has documents of, each with its documents' types."""
    ends = _KIND_ENDS[kind]
    own = [d for d in docs if d.county and d.county.endswith(ends) and (kind != "县级市" or _county_level(d.county))]
    if not own:
        return FromCorpus(f"已索引的文档中没有{kind}的文档。", [])
    places: dict[str, list[int]] = {}
    for n, d in enumerate(own, 1):
        places.setdefault(d.county, []).append(n)
    lines = [f"{place}（" + "、".join(f"{own[n - 1].meta.get('doc_type') or '类型未知'}[{n}]" for n in ns) + "）"
             for place, ns in places.items()]
    return FromCorpus(f"已索引的文档涉及{len(places)}个{kind}：{'；'.join(lines)}。", own, [str(len(places))])


def _named_documents(question: Question, docs: list[StoredChunk]) -> list[StoredChunk]:
    """The documents a date question names: each place's by the type its own words name (芦山县委
    全会 and 兴山县人大四次会议: the plenum of one, the report of the other), all of it when they name
    none; and of the years asked."""
    from rag.ledger_answer import only_joins, place_segments

    words = dict(place_segments(question)) if question.places else {"": question.text}
    by_place = {place: {t for t, pattern in _TYPE_NAMED.items() if pattern.search(text)} for place, text in words.items()}
    kept, after = [], set()
    for place in reversed(list(words)):  # 兴山、芦山、牟定…的政府工作报告: a place that only joins the next shares its type
        if not by_place[place] and place and only_joins(place, words[place]):
            by_place[place] = after
        after = by_place[place]
    for place in words:
        own = [d for d in docs if not place or d.county == place]
        named = by_place[place]
        if named:
            own = [d for d in own if d.meta.get("doc_type") in named]
        kept += [d for d in own if d not in kept]
    if question.years:
        kept = [d for d in kept if _years_of(d) & question.years]
    return kept


def _date_gap(question: Question, docs: list[StoredChunk]) -> FromCorpus | None:
    """两份文件的日期相差几天 / 三个会哪个最早开: every document in scope dated, in date order, and the
    days between the first and the last."""
    if len(docs) < 2 or not all(_date(d) for d in docs):
        return None
    ordered = sorted(docs, key=_date)
    days = (_date(ordered[-1]) - _date(ordered[0])).days
    if len(ordered) == 2:
        # Which came first, by place when the two are of two places (兴文县的在前).
        first = f"，{ordered[0].county}的在前" if ordered[0].county and ordered[0].county != ordered[1].county else ""
        return FromCorpus(f"{describe(ordered[0])}[1]与{describe(ordered[1])}[2]相差{days}天{first}。", ordered, [str(days)])
    return FromCorpus(f"按日期先后：{_listed(ordered)}。最早与最晚相差{days}天。", ordered, [str(days)])
