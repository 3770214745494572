"""The ledger: every figure a report states, as a typed row with the quote it stands in.

A row says which place, document, section and year a figure belongs to, whether it is a target
(预期目标), a stretch target (力争), an estimate (预计) or an outcome, which indicator it measures
(canonical name and the name as written), its value and unit, its growth (signed; 个百分点 kept
apart from %), the qualifier that bounds it (左右, 以上, 不低于, 突破), and the quote with its
character offsets in the chunk. Rows come from rules (``extract_facts``); a row exists only if
its value stands verbatim in its quote.

Binding follows how the reports write figures: an indicator name, then its level and growth
(``地区生产总值170亿元,增长8%``), then the next indicator. A figure binds to the nearest
indicator before it in the same clause, and only when nothing but connecting words (增长, 达到,
总量突破, 分别) stands between them; anything else (``税收收入8.4亿元,税占比83.6%``) belongs to a
noun the table does not know, and gives no row. ``分别`` lists are spread over a joint name's
parts (城乡居民人均可支配收入分别增长5%、6.2%: 城镇 5%, 农村 6.2%) or over the indicators just
listed (接待游客…,综合收入…,分别增长31.8%、38.2%); when the count does not fit, no row.

The rows are kept in SQLite (``Ledger``), replaced per document by content hash like the chunks.
"""

from __future__ import annotations

import json
import re
import sqlite3
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from pathlib import Path

from rag.figures import _UNIT_FAMILY, ACTUAL, ESTIMATE, STRETCH, TARGET, clause_kind
from rag.identity import BUDGET, GWR, STATS
from rag.injection import is_instruction
from rag.text import subject_years

RULE, LLM = "rule", "llm"
KINDS = (TARGET, STRETCH, ESTIMATE, ACTUAL)
LEVEL, GROWTH, LEVEL_GROWTH = "level", "growth", "level+growth"


@dataclass(frozen=True)
class Fact:
    """One figure a report states, with where it stands and what it measures.

    ``value``/``unit`` are the level when the text gives one, else the growth figure as written
    (``measure`` says which); ``growth`` is signed and in ``growth_unit`` (% or 个百分点).
    ``start``/``end`` are the quote's offsets in the chunk text and ``spans`` the offsets of each
    figure's digits, so ``chunk_text[start:end] == quote`` and ``value`` is in ``quote``.
    """

    adcode: str
    place: str
    doc: str
    source: str
    doc_hash: str
    chunk_id: str
    section: str
    year: int | None
    kind: str
    indicator: str
    indicator_text: str
    value: str
    unit: str
    value_num: float
    measure: str
    growth: float | None
    growth_unit: str
    qualifier: str
    comparator: str
    growth_qualifier: str
    quote: str
    start: int
    end: int
    spans: tuple[tuple[int, int], ...] = field(default=())
    origin: str = RULE

    def to_dict(self) -> dict:
        """Plain dict for JSON, CSV and table output."""
        out = asdict(self)
        out["spans"] = [list(s) for s in self.spans]
        return out


def check_verbatim(fact: Fact, chunk_text: str | None = None) -> None:
    """Raise AssertionError unless the fact's value stands in its quote (and the quote in the chunk)."""
    if not fact.value or fact.value not in fact.quote:
        raise AssertionError(f"ledger row {fact.indicator} {fact.value}{fact.unit}: value not in quote {fact.quote!r}")
    if chunk_text is not None and chunk_text[fact.start : fact.end] != fact.quote:
        raise AssertionError(f"ledger row {fact.indicator}: quote offsets {fact.start}:{fact.end} do not match")


# ---------------------------------------------------------------------------------------------
# The alias table


@dataclass(frozen=True)
class Indicator:
    """A canonical indicator, its level's unit family, and for a joint name its parts."""

    name: str
    family: str
    parts: tuple[str, ...] = ()
    lower_is_better: bool = False  # a target is a ceiling (prices, unemployment, energy intensity)
    price_index: bool = False  # its level may be written as an index, last year = 100 (总指数为100.8%)


@dataclass(frozen=True)
class _Alias:
    text: str
    indicator: Indicator
    context: tuple[str, ...] = ()


@cache
def _table() -> tuple[dict[str, Indicator], tuple[_Alias, ...]]:
    path = Path(__file__).parent / "data" / "indicator_aliases.toml"
    data = tomllib.loads(path.read_text("utf-8"))
    canon: dict[str, Indicator] = {}
    aliases: dict[str, _Alias] = {}
    for entry in data["indicator"]:
        ind = canon.setdefault(entry["name"], Indicator(entry["name"], entry["unit"], tuple(entry.get("parts", ())),
                                                    entry.get("lower_is_better", False), entry.get("price_index", False)))
        for text in [entry["name"], *entry.get("aliases", [])]:
            if text in aliases:
                continue
            aliases[text] = _Alias(text, ind, tuple(entry.get("context", ())))
    return canon, tuple(sorted(aliases.values(), key=lambda a: -len(a.text)))


@cache
def _alias_pattern() -> re.Pattern:
    return re.compile("|".join(re.escape(a.text) for a in _table()[1]))


@cache
def _alias_of() -> dict[str, _Alias]:
    return {a.text: a for a in _table()[1]}


def canonical(name: str) -> str:
    """The canonical indicator for a name as written ('' when the table does not know it)."""
    alias = _alias_of().get(_shadow(name.strip()))
    return alias.indicator.name if alias else ""


def without_indicator_names(text: str) -> str:
    """``text`` with every indicator name it writes (any alias: 全社会固定资产投资) blanked out."""
    return _alias_pattern().sub(" ", _shadow(text))


def indicators_in(text: str) -> list[Indicator]:
    """The indicators ``text`` names (a question), in order, longest name first where they overlap.

    A joint name (城乡居民人均可支配收入) stands for its parts; a count after 新增/新培育 is the
    flow indicator (新增规模以上工业企业), as the rows name it.
    """
    canon = _table()[0]
    found: list[Indicator] = []
    shadow = _shadow(text)
    for m in _alias_pattern().finditer(shadow):
        alias = _alias_of()[m.group()]
        if alias.indicator.family == "count" and not alias.indicator.name.startswith(("新", "净")):
            alias = _flow(alias, shadow, 0, m.start())[0]  # 新培育规上工业企业: the flow, as rows name it
        ind = alias.indicator
        for item in [canon[p] for p in ind.parts if p in canon] or [ind]:
            if item not in found:
                found.append(item)
    return found


def indicator_table() -> dict[str, Indicator]:
    """Canonical name -> Indicator, from ``rag/data/indicator_aliases.toml``."""
    return dict(_table()[0])


# ---------------------------------------------------------------------------------------------
# Figures, positions kept


def _shadow(text: str) -> str:
    """NFKC and simplified script where they keep the length, so offsets stay offsets into ``text``."""
    from rag.places import normalize as to_simplified

    out = "".join(n if len(n := unicodedata.normalize("NFKC", ch)) == 1 else ch for ch in text)
    # Some reposts type ℅ (care of) for the percent sign: 增长15℅.
    return to_simplified(out.replace("℅", "%"))


def _units() -> dict[str, str]:
    units = dict(_UNIT_FAMILY)
    # 1万个, 2亿立方米: a multiplier before a unit the table lists without one.
    for unit, family in _UNIT_FAMILY.items():
        if family not in ("percent", "points", "permille") and unit[0] not in "万亿千":
            units.setdefault("万" + unit, family)
            units.setdefault("亿" + unit, family)
    return units


_UNIT_OF = _units()
# A count indicator after one of these is a flow, not the stock: 新培育规上工业企业3家 are new ones.
_NEW_PREFIX = re.compile(r"(新增|新培育|新认定|新引进|净增|新申报|新登记)$")
_NEW_WORD = re.compile(r"新增|新培育|新认定|新引进|净增|新申报|新登记")
_STOCK_WORD = re.compile(r"累计|总数|总量|达到|共有|现有")
_NEW_CANON = {"新培育": "新增", "新认定": "新增", "新引进": "新增", "新登记": "新增"}

# 28,583万元: thousands separated by commas (budget and statistics tables write them), or plain digits.
_FIGURE = re.compile(
    r"(?<![\d.A-Za-z])(?<!\d,)(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?:("
    + "|".join(re.escape(u) for u in sorted(_UNIT_OF, key=len, reverse=True))
    + r")|([∶:]\s*1)(?![\d.]))"
)
_PERCENT = {"percent", "points", "permille"}


@dataclass(frozen=True)
class _Fig:
    value: str  # verbatim from the chunk
    unit: str  # normalised
    family: str
    start: int
    end: int  # end of the unit


def figure_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of every number that carries a unit (or is an X∶1 ratio): what the ledger could type."""
    return [(m.start(1), m.end(1)) for m in _FIGURE.finditer(_shadow(text))]


def _figures(raw: str, shadow: str) -> list[_Fig]:
    out = []
    for m in _FIGURE.finditer(shadow):
        unit = m.group(2) or ":1"
        family = _UNIT_OF[unit] if m.group(2) else "ratio"
        out.append(_Fig(raw[m.start(1) : m.end(1)], unit, family, m.start(1), m.end()))
    return out


# ---------------------------------------------------------------------------------------------
# Connecting words: what may stand between an indicator and its figure

_GROWTH_UP = ("增长", "增速", "增幅", "涨幅", "提高", "提升", "上涨", "增加", "比增长", "比增")  # 比增: 比上年增长, shortened
_GROWTH_DOWN = ("下降", "降低", "减少", "下滑", "回落", "降幅", "比降")
# Words that bound a figure; the comparator is what a tracker tests an outcome against.
_BEFORE = {
    "不低于": ">=",
    "不少于": ">=",
    "突破": ">",
    "超过": ">",
    "高于": ">",
    "控制在": "<=",
    "不超过": "<=",
    "低于": "<",
    "约": "~",
    "近": "~",
    "力争": "",
    "争取": "",
    "确保": "",
    "达到": "",
    "保持在": "",
    "稳定在": "",
    # 年均增长7.2%: an average over a span of years, not the year's growth.
    "年均": "",
}
_AFTER = {"左右": "~", "上下": "~", "以上": ">=", "以内": "<=", "以下": "<=", "多": ">", "余": ">"}
_FILLERS = sorted(
    {
        *_GROWTH_UP,
        *_GROWTH_DOWN,
        *_BEFORE,
        "分别",
        "预计",  # 地区生产总值预计完成170亿元: the kind word stands between (the kind is read from it)
        "预期",
        "安排",  # a budget's draft: 一般公共预算收入安排60亿元
        "现价",  # 生产总值现价总量为972846万元: at current prices, the level itself
        "预算数",
        "达",
        "为",
        "是",
        "实现",
        "完成",
        "总量",
        "同比",
        "比上年",
        "较上年",
        "同口径",
        "到",
        "至",
        "增至",
        "增到",
        "翻倍",
        "翻番",
        "翻一番",
        "按可比价格计算",
        "按可比价计算",
        "按可比口径",
        "可比口径",
        "可比价",
        "年均",
        "全年",
        "累计",
        "了",
        "的",
        "在",
        "和",
        "及",
        "与",
    },
    key=len,
    reverse=True,
)
# A comparison base (比2020年, 较上年同期) stands between a name and its growth too.
_BASE = r"(?:比|较|与|同)\s*(?:20\d{2}\s*年|上年|去年)(?:末|底|同期)?(?:相比)?"
# A budget report puts the share of the budget reached between a figure and its growth:
# 完成28,583万元(自然口径),占调整预算105.47%,同比增长10.85%.
_OF_BUDGET = r"(?:占|为|完成)(?:调整|年初|全年)?预算(?:数|任务)?的?\s*\d+(?:\.\d+)?\s*[%％]|自然口径"
_FILLER = re.compile(_BASE + "|" + _OF_BUDGET + "|" + "|".join(re.escape(w) for w in _FILLERS) + r"|[\s,，、:：()（）]")
_TRAILING = re.compile("|".join(_AFTER))
_LIST_SEP = re.compile(r"^[\s、,，和及与]*$")


def _clean_gap(gap: str) -> bool:
    return not _FILLER.sub("", gap)


# 社零从6.8亿元增加到25.3亿元 / 比重由2020年的20%提高到25%: the figure after 从/由 is where a change
# started (an earlier year's); the row is the figure it reached.
_FROM_GAP = re.compile(r"(?:从|由)\s*(?:(?:19|20)\d{2}\s*年(?:末|底)?的?)?\s*$")
# 增加到2011年的95.2亿元: 到 + a year after a verb of change reads as a goal's deadline to the kind rules.
_CHANGE_TO_YEAR = re.compile(r"(增加|提高|增长|上升|下降|减少|增|降)(?:到|至)(\s*(?:19|20)\d{2}\s*年)")
# The year the change reached, between its verb and its figure (增加到2011年的95.2亿元): the row's year.
_REACHED_YEAR = re.compile(r"(?<=[到至])\s*(?:19|20)\d{2}\s*年(?:末|底)?的?")


# 2018年突破百亿元大关, / 迈上千亿台阶,: a round milestone (its figure in words) on the way to a figure.
_MILESTONE = re.compile(r"(?:(?:19|20)\d{2}\s*年)?(?:首次)?(?:突破|跨越|迈上|跃上|站上|跨上|跨入)[^,，;；。\d]{1,10}(?:大关|台阶|关口)[,，]")
_GAP_TIME = re.compile(r"(?:预计|力争|争取)?\s*(?:19|20)\d{2}\s*年(?:底|末)?")
_TO_LEVEL = re.compile(r"(?:增长|增加|提高|提升|上升|下降|降低|减少|增|降)(?:到|至)")


def _growth_sign(gap: str) -> int:
    """+1/-1 for the last growth word in ``gap``, 0 when there is none (提高到60% states a level)."""
    if _TO_LEVEL.search(gap):
        return 0
    best, sign = -1, 0
    for words, s in ((_GROWTH_UP, 1), (_GROWTH_DOWN, -1)):
        for w in words:
            i = gap.rfind(w)
            if i > best:
                best, sign = i, s
    return sign


def _qualifier_words(gap: str, trailing: str) -> list[str]:
    words = [w for w in sorted(_BEFORE, key=len, reverse=True) if w in gap]
    # 不低于 contains 低于: keep the longest reading only.
    words = [w for w in words if not any(w != o and w in o for o in words)]
    words.sort(key=gap.rfind)
    return words + ([trailing] if trailing else [])


def comparator_of(qualifier: str) -> str:
    """>=, >, <=, <, ~ or '=' for a qualifier string (e.g. '力争 以上' -> '>=')."""
    for word in reversed(qualifier.split()):
        symbol = _AFTER.get(word) or _BEFORE.get(word)
        if symbol:
            return symbol
    return "="


# ---------------------------------------------------------------------------------------------
# Kind and year

_FUTURE_YEAR = re.compile(r"到\s*(20\d{2})\s*年")
_SCOPED = (
    (re.compile(r"预计"), ESTIMATE),
    (re.compile(r"力争"), STRETCH),
    (re.compile(r"争取"), STRETCH),
    (re.compile(r"确保"), TARGET),
)
# How statistics are reported, in any section or document: 初步核算, 全县… is an outcome.
_OUTCOME_WORDS = re.compile(r"初步核算|初步统计|据统计|统计测算|经核算")
# Headings that look back: a plan-execution report's 计划执行情况, a term's 过去五年.
_LOOKBACK_HEADING = re.compile(r"执行情况|完成情况|过去[两二三四五]年|[两二三四五]年来")
# A part of a year (上半年, 一季度, 前三季度, 1-6月): its figures are not the year's.
_PART_OF_YEAR = re.compile(
    r"[上下]半年|前?[一二三四两1-4]季度|(?<![\d.])1?\d\s*[-—–~至到]\s*1?\d\s*月|[一二三四五六七八九十]{1,2}至[一二三四五六七八九十]{1,3}月"
)
# A stretch of years (五年来, 过去五年, “十三五”期间): its figures are totals or averages over it.
_SPAN_OF_YEARS = re.compile(
    r"[两二三四五六七八九十]年(?:来|以来|间)|(?:过去|近|以来的)[两二三四五六七八九十]年|十[一二三四五]五\W{0,2}(?:期间|时期|以来)"
)
# The end of a five-year plan (“十三五”末) is a year: 十一五 ends in 2010, 十三五 in 2020.
_PLAN_END = re.compile(r"十([一二三四五])五\W{0,2}(?:期)?末")
# 由2007年的90.3亿元跃升到…: the year a change starts from, not the figure's.
_FROM_YEAR = re.compile(r"(?:由|从)\s*20\d{2}\s*年(?:末|底)?的?")
# A standalone line that opens a review or a plan (2024年工作回顾) where the chunker saw no heading.
_OUTLINE_LINE = re.compile(
    r"^\s*(?:20\d{2}\s*年|过去一年|今年)?[^。；;，,:：]{0,12}(?:工作回顾|工作安排|工作思路|工作打算|目标任务)\s*$"
)
PART, SPAN = "part", "span"


def _anchor(opening: str) -> int | str | None:
    """What time a sentence's opening (its words before the first figure) sets for its figures.

    PART for a part of a year (2023年上半年), SPAN for a stretch of years (五年来), else the last
    subject year it names, else None.
    """
    if _PART_OF_YEAR.search(opening):
        return PART
    end = _PLAN_END.search(opening)
    if end:
        return 2005 + 5 * "一二三四五".index(end.group(1)) + 5
    found = subject_years(_FROM_YEAR.sub("", opening))
    if found:
        return found[-1]
    if _SPAN_OF_YEARS.search(opening):
        return SPAN
    return None


def _section_kind(heading: str, outline: str, doc_type: str, before_plan: bool = False) -> str:
    """The kind a section gives its figures: its heading, else the document's outline, else its type
    (a 政府工作报告 reviews the year before it plans: ``before_plan`` is a chunk ahead of its plan part)."""
    section = clause_kind("", heading)
    if section:
        return section
    top = heading.split(" > ")[0] if heading else ""
    if _LOOKBACK_HEADING.search(top):
        return ACTUAL
    if outline:
        section = clause_kind("", outline)
        if section:
            return section
    # A statistical communiqué reports the year's outcomes and nothing else.
    return ACTUAL if doc_type == STATS or (before_plan and doc_type in (GWR, BUDGET)) else ""


def _kind(
    prefix: str,
    heading: str,
    review_year: int | None,
    *,
    section: str | None = None,
    paragraph: int | str | None = None,
    plan_year: int | None = None,
) -> str:
    """The kind of a figure from the sentence up to it and its section.

    预计, 力争 and 确保 reach to the end of their sentence (预计全县…,固定资产投资增长8%), the nearest
    one deciding; 到2027年 sets a goal; then the section (``_section_kind``), words that report
    statistics (初步核算), ``rag.figures.clause_kind``'s words, and last the year the figure is
    about (the sentence's, else its paragraph's): the year under review or before is an outcome,
    the plan year or after a goal.
    """
    if section is None:
        section = clause_kind("", heading)
    best, kind = -1, ""
    for pattern, k in _SCOPED:
        if section == ACTUAL and pattern.pattern in ("争取", "确保"):
            # In a review 争取 is what was secured (争取各级转移支付资金16.2亿元), not a goal.
            continue
        for m in pattern.finditer(prefix):
            if m.start() > best:
                best, kind = m.start(), k
    if kind:
        return kind
    future = _FUTURE_YEAR.search(prefix)
    if future and (review_year is None or int(future.group(1)) > review_year):
        return TARGET
    if section:
        return section
    if _OUTCOME_WORDS.search(prefix):
        return ACTUAL
    kind = clause_kind(prefix, heading)
    if kind:
        return kind
    own = subject_years(_FROM_YEAR.sub("", prefix))
    year = own[-1] if own else paragraph
    if paragraph == SPAN and not own:
        return ACTUAL  # 五年来… looks back
    if isinstance(year, int):
        if plan_year and year >= plan_year:
            return TARGET
        if (review_year and year <= review_year) or (plan_year and year < plan_year):
            return ACTUAL
    return ""


def _year(
    prefix: str,
    heading: str,
    kind: str,
    meta: dict,
    *,
    opening: int | str | None = None,
    paragraph: int | str | None = None,
) -> int | None:
    """The year a figure is about: the sentence's, else its paragraph's, else the section's, else
    the document's by kind.

    None for a part of a year (2023年上半年, in the sentence's opening or the section's heading)
    and for a stretch of years (五年来 opening the sentence, or its paragraph, with no year of
    its own): those figures are not one year's. A goal does not take its paragraph's year (a
    review's year can open the paragraph that then sets next year's goals).
    """
    if opening == PART or any(_PART_OF_YEAR.search(level) for level in heading.split(" > ") if heading):
        return None
    found = subject_years(_FROM_YEAR.sub("", prefix))
    if found:
        return found[-1]
    if isinstance(opening, int):
        return opening  # “十三五”末
    if opening == SPAN:
        return None
    if kind not in (TARGET, STRETCH) and paragraph is not None:
        review = meta.get("year_under_review") or None
        if paragraph in (PART, SPAN):
            return None
        if review is None or paragraph <= review:
            return paragraph
    for level in reversed(heading.split(" > ") if heading else []):
        found = subject_years(level)
        if found:
            return found[-1]
    if kind in (TARGET, STRETCH):
        return meta.get("plan_year") or None
    if kind in (ACTUAL, ESTIMATE):
        return meta.get("year_under_review") or None
    return None


# ---------------------------------------------------------------------------------------------
# Extraction

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_SEGMENT = re.compile(r"[^；;]+[；;]?")
_CLAUSE_SEP = re.compile(r"[，,、](?!\d)")


@dataclass
class _Row:
    indicator: str
    text: str
    family: str
    clause_start: int
    level: _Fig | None = None
    growth: _Fig | None = None
    sign: int = 0
    level_words: list[str] = field(default_factory=list)
    growth_words: list[str] = field(default_factory=list)
    end: int = 0


def _figure_role(gap: str, fig: _Fig, family: str) -> str:
    """'growth', 'level' or '' (no row) for a figure after ``gap`` under an indicator of ``family``."""
    sign = _growth_sign(gap)
    if sign:
        return GROWTH if fig.family in _PERCENT else ""
    if family == "percent":
        return LEVEL if fig.family in ("percent", "permille") else ""
    if family == fig.family:
        return LEVEL
    # 市场主体 come in 家 or 户, visitors in 人次 or 人.
    near = {frozenset({"count", "households"}), frozenset({"visits", "people"})}
    return LEVEL if frozenset({family, fig.family}) in near else ""


def _flow(alias: _Alias, shadow: str, seg_start: int, start: int) -> tuple[_Alias, int, int]:
    """新增高新技术企业 for a count after 新增 (or 新培育, 新申报…), written before it or heading its list.

    ``新增“四上”企业24家,国家高新技术企业7家`` counts new firms in both items: 新增 reaches over the
    clause's list unless 累计 or 总数 says a stock follows. Returns the alias, where its name starts
    and where its quote must start (at the 新增 that makes it a flow).
    """
    right_before = _NEW_PREFIX.search(shadow[max(seg_start, start - 3) : start])
    if right_before:
        word = right_before.group(1)
        text = word + alias.text
        start -= len(word)
        quote_from = start
    else:
        earlier = list(_NEW_WORD.finditer(shadow, seg_start, start))
        if not earlier or _STOCK_WORD.search(shadow, earlier[-1].end(), start):
            return alias, start, start
        word, text, quote_from = earlier[-1].group(), alias.text, earlier[-1].start()
    name = _NEW_CANON.get(word, word) + alias.indicator.name
    return _Alias(text, _table()[0].get(name) or Indicator(name, "count")), start, quote_from


# A name right after these is not what the figure measures: 拉动GDP增长4个百分点 is a part's
# contribution to GDP's growth, 招商引资到位固定资产投资15亿元 investment brought in, and
# 企业类市场主体 one category of them (各类市场主体 are all of them).
_NOT_SUBJECT = re.compile(r"(?:拉动|带动|招商引资到位|[^各此该这同\s]类)\s*$")


def _segment_rows(shadow: str, raw: str, seg_start: int, seg_end: int, sent_start: int) -> list[_Row]:
    """Bind the figures of one clause (a sentence up to ；) to its indicators."""
    seg = shadow[seg_start:seg_end]
    clause_starts = [seg_start] + [seg_start + m.end() for m in _CLAUSE_SEP.finditer(seg)]
    tokens: list[tuple[int, str, object]] = []
    for m in _alias_pattern().finditer(seg):
        alias = _alias_of()[m.group()]
        before = shadow[sent_start : seg_start + m.start()]
        if alias.context and not any(w in before for w in alias.context):
            continue
        start = quote_from = seg_start + m.start()
        if _NOT_SUBJECT.search(shadow, max(seg_start, start - 6), start):
            # What follows belongs neither to this name nor to the indicator before it.
            tokens.append((start, "stop", None))
            continue
        if alias.indicator.family == "count" and not alias.indicator.name.startswith(("新", "净")):
            alias, start, quote_from = _flow(alias, shadow, seg_start, start)
        tokens.append((start, "ind", (alias, seg_start + m.end(), quote_from)))
    of_budget = [m.span() for m in re.finditer(_OF_BUDGET, seg)]
    for fig in _figures(raw[seg_start:seg_end], seg):
        if any(a <= fig.start < b for a, b in of_budget):
            continue  # 占调整预算105.47%: how much of the budget, not the indicator's own figure
        tokens.append(
            (
                seg_start + fig.start,
                "fig",
                _Fig(fig.value, fig.unit, fig.family, seg_start + fig.start, seg_start + fig.end),
            )
        )
    tokens.sort(key=lambda t: t[0])

    rows: list[_Row] = []
    current: _Alias | None = None
    row: _Row | None = None
    ind_start = anchor = 0
    started = False  # the last figure was a change's start value (从6.8亿元)
    # 财政总收入、公共预算收入分别完成6.1亿元、3.6亿元: names listed before one 分别 list of figures,
    # each (alias, where its name starts) still waiting for its figure.
    listed: list[tuple[_Alias, int]] = []
    spread: list[_Row] = []  # the rows of such a fill, for the figures of their other measure after it
    i = 0
    while i < len(tokens):
        pos, what, obj = tokens[i]
        i += 1
        if what == "stop":
            current = row = None
            listed, spread = [], []
            continue
        if what == "ind":
            waiting = current is not None and row is None and _LIST_SEP.match(shadow[anchor : obj[2]])
            listed = [*listed, (current, ind_start)] if waiting else []
            spread = []
            current, anchor, ind_start = obj
            row = None
            continue
        fig: _Fig = obj
        if current is None:
            continue
        gap = shadow[anchor : fig.start]
        start_value = _FROM_GAP.search(gap)
        if start_value and _clean_gap(gap[: start_value.start()]):  # 实现翻倍增长,从2006年的8.8亿元
            anchor, started = fig.end, True  # the start value: no row; the indicator goes on
            continue
        if started:
            gap, started = _REACHED_YEAR.sub("", gap), False
        if not _clean_gap(gap) and _MILESTONE.search(gap):
            # 地区生产总值2018年突破百亿元大关,预计2020年实现144亿元: a milestone passed on the way and
            # the figure's own time stand between the name and its figure.
            gap = _GAP_TIME.sub("", _MILESTONE.sub("", gap))
        if not _clean_gap(gap):
            current = row = None
            continue
        # A figure's trailing qualifier (左右, 以上) belongs to it.
        figs, trails = [fig], []
        trail = _TRAILING.match(shadow, fig.end)
        trails.append(trail.group() if trail else "")
        after = fig.end + len(trails[0])
        if _FIGURE.match(shadow, after) or shadow.startswith("的", after):
            # 村集体经济收入100万元以上5个, 100万元以上的村: a threshold, and the count is of villages.
            current = row = None
            continue
        if "分别" in gap or current.indicator.parts or spread:
            while i < len(tokens) and tokens[i][1] == "fig":
                nxt: _Fig = tokens[i][2]
                tail = figs[-1].end + len(trails[-1])
                if not _LIST_SEP.match(shadow[tail : nxt.start]) or nxt.family != fig.family:
                    break
                figs.append(nxt)
                t = _TRAILING.match(shadow, nxt.end)
                trails.append(t.group() if t else "")
                i += 1
        anchor = figs[-1].end + len(trails[-1])
        ind = current.indicator
        role = _figure_role(gap, fig, ind.family)
        sign = _growth_sign(gap)
        # Words before a 分别 list (年均, 控制在) bound every figure in it; 左右 and 以上 their own.
        before = _qualifier_words(gap, "")
        words = [before + ([t] if t else []) for t in trails]
        if spread:
            # The figures after a listed fill (…分别达到14101元、4862元,同比增长15.4%、17.8%): the other
            # measure of those rows, one each, or nothing (a lone 15.4% is not the last name's).
            open_rows = [r for r in spread if (r.growth if role == GROWTH else r.level) is None]
            if role and len(figs) == len(spread) == len(open_rows):
                for r, f, w in zip(open_rows, figs, words):
                    _fill(r, role, f, sign, w)
            spread = []
            current = row = None
            continue
        if len(figs) > 1:
            targets: list[_Row] = []
            previous = rows[-len(figs) :]
            if ind.parts and len(ind.parts) == len(figs) and [r.indicator for r in previous] == list(ind.parts) and all(
                    (r.growth if role == GROWTH else r.level) is None for r in previous) and not before:
                # 收入和支出分别达4.78亿元、20.2亿元,分别增长6.9%、0.8%: the same two rows (a 年均 rate
                # stays a row of its own: it is no one year's growth).
                targets = previous
            elif ind.parts and len(ind.parts) == len(figs):
                canon = _table()[0]
                for part in ind.parts:
                    p = canon[part]
                    targets.append(_Row(p.name, current.text, p.family, _clause_start(clause_starts, ind_start)))
                rows.extend(targets)
            elif listed and len(listed) + 1 == len(figs) and "分别" in gap:
                for alias, at in [*listed, (current, ind_start)]:  # one row per name listed, in order
                    p = alias.indicator
                    targets.append(_Row(p.name, alias.text, p.family, _clause_start(clause_starts, at)))
                rows.extend(targets)
                listed, spread = [], targets
            else:
                open_rows = [r for r in rows[-len(figs) :] if (r.growth if role == GROWTH else r.level) is None]
                if len(open_rows) == len(figs) and row is not None and row is rows[-1]:
                    targets = open_rows
            if not targets or not role:
                current = row = None
                continue
            for r, f, w in zip(targets, figs, words):
                if _figure_role(gap, f, r.family) != role:
                    break
                _fill(r, role, f, sign, w)
            row = None
            continue
        if not role:
            current = row = None
            continue
        if row is None or (row.growth if role == GROWTH else row.level) is not None:
            row = _Row(ind.name, current.text, ind.family, _clause_start(clause_starts, ind_start))
            rows.append(row)
        _fill(row, role, fig, sign, words[0])
    return [r for r in rows if r.level or r.growth]


def _clause_start(starts: list[int], pos: int) -> int:
    return max(s for s in starts if s <= pos)


def _fill(row: _Row, role: str, fig: _Fig, sign: int, words: list[str]) -> None:
    if role == GROWTH:
        row.growth, row.sign, row.growth_words = fig, sign, words
    else:
        row.level, row.level_words = fig, words
    trailing = words[-1] if words and words[-1] in _AFTER else ""
    row.end = max(row.end, fig.end + len(trailing))


def _num(value: str) -> float:
    return float(unicodedata.normalize("NFKC", value).replace(",", ""))


# 其中:县属… gives the part of a total the county itself administers: not the county's figure.
_SUBSET_SENTENCE = re.compile(r"^\s*其中\s*[:：,，]?\s*(?:县|区|市|州|旗)(?:属|本级)")


def extract_facts(chunk_text: str, heading: str, doc_meta: dict, chunk_id: str, outline: str = "",
                  before_plan: bool = False) -> list[Fact]:
    """Rows for every figure in ``chunk_text`` that binds to a known indicator, by rules.

    ``doc_meta`` is the chunk's document metadata as ``rag.indexer.chunk_metadata`` writes it
    (``county``, ``adcode``, ``file``, ``source``, ``doc_hash``, ``year_under_review``,
    ``plan_year``, ``doc_type``); missing keys stay empty. ``heading`` is the chunk's heading path
    (``A > B``); ``outline`` the last standalone review or plan line before the chunk in its
    document (``document_outline``), which decides the kind where the heading does not;
    ``before_plan`` says the chunk comes before a report's plan part (``plan_start``).
    """
    shadow = _shadow(chunk_text)
    review_year = doc_meta.get("year_under_review") or None
    plan_year = doc_meta.get("plan_year") or None
    section = _section_kind(heading, outline, doc_meta.get("doc_type", "") or "", before_plan)
    facts: list[Fact] = []
    paragraph: int | str | None = None
    for sent in _SENTENCE.finditer(shadow):
        if sent.start() == 0 or shadow[sent.start() - 1] == "\n":
            paragraph = None
        first_figure = _FIGURE.search(sent.group())
        opening = _anchor(sent.group()[: first_figure.start() if first_figure else None])
        carried = paragraph
        if opening is not None:
            # The next sentences of the paragraph without a time of their own are about this one's.
            paragraph = opening
        if _SUBSET_SENTENCE.match(sent.group()) or is_instruction(sent.group()):
            continue  # an instruction to the model states no figure (rag/injection.py)
        for seg in _SEGMENT.finditer(sent.group()):
            seg_start, seg_end = sent.start() + seg.start(), sent.start() + seg.end()
            for row in _segment_rows(shadow, chunk_text, seg_start, seg_end, sent.start()):
                first = min(f.start for f in (row.level, row.growth) if f)
                prefix = shadow[sent.start() : first]
                kind = _kind(
                    _CHANGE_TO_YEAR.sub(r"\1\2", prefix),  # 增加到2011年的: the year a change reached, no goal
                    heading,
                    review_year,
                    section=section,
                    paragraph=opening if opening is not None else carried,
                    plan_year=plan_year,
                )
                main = row.level or row.growth
                words = row.level_words if row.level else row.growth_words
                start = row.clause_start
                while start < row.end and chunk_text[start].isspace():
                    start += 1
                quote = chunk_text[start : row.end]
                fact = Fact(
                    adcode=doc_meta.get("adcode", "") or "",
                    place=doc_meta.get("county", "") or doc_meta.get("place", "") or "",
                    doc=doc_meta.get("file", "") or doc_meta.get("doc", "") or "",
                    source=doc_meta.get("source", "") or "",
                    doc_hash=doc_meta.get("doc_hash", "") or "",
                    chunk_id=chunk_id,
                    section=heading,
                    year=_year(prefix, heading, kind, doc_meta, opening=opening, paragraph=carried),
                    kind=kind,
                    indicator=row.indicator,
                    indicator_text=row.text,
                    value=main.value,
                    unit=main.unit,
                    value_num=_num(main.value),
                    measure=LEVEL_GROWTH if row.level and row.growth else (LEVEL if row.level else GROWTH),
                    growth=row.sign * _num(row.growth.value) if row.growth else None,
                    growth_unit=("个百分点" if row.growth.family == "points" else row.growth.unit)
                    if row.growth
                    else "",
                    qualifier=" ".join(words),
                    comparator=comparator_of(" ".join(words)),
                    growth_qualifier=" ".join(row.growth_words) if row.level and row.growth else "",
                    quote=quote,
                    start=start,
                    end=row.end,
                    spans=tuple((f.start, f.start + len(f.value)) for f in (row.level, row.growth) if f),
                )
                check_verbatim(fact, chunk_text)
                facts.append(fact)
    return facts


def _fact_key(f: Fact) -> tuple:
    return (f.indicator, f.value, f.unit, f.growth, f.growth_unit, f.kind, f.year, f.quote)


def document_row(doc) -> dict:
    """The ``put_document`` keywords for a loaded document: its file name, place and adcode."""
    return {"doc": doc.name, "place": doc.meta.county or "", "adcode": doc.meta.adcode or ""}


def document_outline(text: str, chunks) -> dict[str, str]:
    """Chunk id -> the last standalone review or plan line (2024年工作回顾) before the chunk.

    Reposted reports often lose the numbering that makes such a line a heading to the chunker;
    the line still tells where the review ends and the plan begins.
    """
    lines = []
    at = 0
    for line in text.split("\n"):
        if _OUTLINE_LINE.match(_shadow(line)):
            lines.append((at, line.strip()))
        at += len(line) + 1
    if not lines:
        return {}
    out: dict[str, str] = {}
    cursor = 0
    for chunk in chunks:
        pos = text.find(chunk.text, max(0, cursor - len(chunk.text)))
        if pos < 0:
            pos = text.find(chunk.text)
        if pos < 0:
            continue
        cursor = pos + len(chunk.text)
        before = [line for start, line in lines if start <= pos]
        if before:
            out[chunk.id] = before[-1]
    return out


# Where a report's plan part starts: a plan heading or outline line (the brief's PLAN_HEADING), or a
# sentence that opens the year's targets (总体要求是: / 主要预期目标为).
_PLAN_INTRO_TEXT = re.compile(r"(?:总体思路|总体要求|预期目标|主要目标|工作思路|重点任务)(?:是|为|[:：,，])")


def plan_start(chunks, outlines: dict[str, str]) -> int:
    """The index of the first chunk of a report's plan part (len(chunks) when none is found): the
    first whose heading path or outline line names the plan, or whose text announces its targets."""
    from rag.brief_read import PLAN_HEADING  # the same words that start a brief's plan part

    for k, chunk in enumerate(chunks):
        if PLAN_HEADING.search(chunk.heading or "") or PLAN_HEADING.search(outlines.get(chunk.id, "")):
            return k
        if _PLAN_INTRO_TEXT.search(chunk.text):
            return k
    return len(chunks)


def facts_for_document(doc, chunks, source: str | None = None) -> list[Fact]:
    """Rows for a loaded ``rag.ingest.Document`` and its chunks; a figure that two overlapping
    chunks both hold is kept once, from the first."""
    meta = {
        **doc.meta.to_dict(),
        "file": doc.name,
        "source": source or str(Path(doc.path).resolve()),
        "doc_hash": doc.content_hash,
    }
    out: dict[tuple, list[Fact]] = {}
    outlines = document_outline(doc.text, chunks)
    plan_at = plan_start(chunks, outlines)
    for k, chunk in enumerate(chunks):
        for fact in extract_facts(chunk.text, chunk.heading, meta, chunk.id, outlines.get(chunk.id, ""), k < plan_at):
            same = out.setdefault(_fact_key(fact)[:-1], [])
            # An overlap may cut the clause: the same statement with a shorter quote is the same row.
            if any(fact.quote in f.quote for f in same):
                continue
            same[:] = [f for f in same if f.quote not in fact.quote] + [fact]
    return sorted((f for fs in out.values() for f in fs), key=lambda f: (f.chunk_id, f.start))


# ---------------------------------------------------------------------------------------------
# The store

# Bump when the layout or the extraction rules change: the ledger is then rebuilt by the next `index`.
# 3: sentences addressed to the model (rag.injection) are never rows; the llm_typing table.
# 4: figures with thousands separators (28,583万元); 财政总收入, 农民人均纯收入; 粮食总产, 社零, 社消, 固投.
# 5: a change from one figure to another (从6.8亿元增加到25.3亿元) gives the figure reached; 粮食…总产; 一般预算收入;
#    a report's figures of no stated kind before its plan part are outcomes.
# 6: 比增 / 比降 (比上年增长, shortened) bind a growth to its figure; 预计/预期 between a name and its
#    figure; a milestone on the way (2018年突破百亿元大关,预计2020年实现144亿元); the spending names
#    parallel to the revenue ones (地方公共财政支出), 公共预算收入, 地方生产总值.
# 7: the verb inside an industry's name (第一产业实现增加值), 大口径财政收入 (财政总收入), 地方财政收入;
#    占调整预算105.47% between a figure and its growth is no figure of the indicator's; budget reports
#    (预算报告: 预算执行情况 outcomes, 预算草案 plans) and their names (地方级财政收入); 现价总量为;
#    names listed before one 分别 list of figures (财政总收入、公共预算收入分别完成6.1亿元、3.6亿元); 旅游业总收入;
#    居民消费价格总指数; 亿斤 a unit of weight.
SCHEMA_VERSION = 7


def _quoted(column: str) -> str:
    # "end" is an SQL keyword.
    return f'"{column}"'


_COLUMNS = [f.name for f in fields(Fact)]
_SQL_TYPES = {"year": "INTEGER", "start": "INTEGER", "end": "INTEGER", "value_num": "REAL", "growth": "REAL"}
_COLUMN_DEFS = ", ".join(f"{_quoted(c)} {_SQL_TYPES.get(c, 'TEXT')}" for c in _COLUMNS)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS documents (
    source TEXT PRIMARY KEY,
    doc_hash TEXT NOT NULL,
    doc TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    adcode TEXT NOT NULL DEFAULT '',
    n_facts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS facts (
    id INTEGER PRIMARY KEY,
    {_COLUMN_DEFS},
    FOREIGN KEY (source) REFERENCES documents(source) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS facts_source ON facts(source);
CREATE INDEX IF NOT EXISTS facts_lookup ON facts(indicator, year, kind);
CREATE INDEX IF NOT EXISTS facts_place ON facts(adcode, place);
"""
# Which documents the LLM pass has typed, at which content and model (``rag.ledger_llm``). Created
# on every open: a ledger from before the pass gains the table without a rebuild.
_LLM_SCHEMA = """
CREATE TABLE IF NOT EXISTS llm_typing (
    source TEXT PRIMARY KEY REFERENCES documents(source) ON DELETE CASCADE,
    key TEXT NOT NULL,
    n_facts INTEGER NOT NULL DEFAULT 0
);
"""


def default_path(settings) -> Path:
    """Where the ledger lives for ``settings``: beside the Chroma store."""
    return Path(settings.store.path) / "ledger.sqlite"


class Ledger:
    """The facts of every indexed document in one SQLite file (WAL, one transaction per document)."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        version = self._conn.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            # The ledger is derived from the documents: an old layout is rebuilt, not migrated.
            self._conn.executescript("DROP TABLE IF EXISTS llm_typing; DROP TABLE IF EXISTS facts; "
                                     "DROP TABLE IF EXISTS documents;")
            self._conn.executescript(_SCHEMA)
            self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self._conn.executescript(_LLM_SCHEMA)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def is_current(self, source: str, doc_hash: str) -> bool:
        """True when ``source`` is stored with this content hash (its rows need no rebuild)."""
        row = self._conn.execute("SELECT doc_hash FROM documents WHERE source = ?", (source,)).fetchone()
        return bool(row) and row[0] == doc_hash

    def put_document(self, source: str, doc_hash: str, facts: Iterable[Fact], *, doc: str = "", place: str = "",
                     adcode: str = "") -> int:
        """Replace ``source``'s rows with ``facts`` in one transaction; returns how many were stored.

        Every fact is checked: its value must stand in its quote. Duplicates are stored once.
        """
        rows, seen = [], set()
        first: Fact | None = None
        for fact in facts:
            check_verbatim(fact)
            key = (fact.chunk_id, fact.start, fact.end, *_fact_key(fact))
            if key in seen:
                continue
            seen.add(key)
            first = first or fact
            d = asdict(fact)
            d["source"] = source
            d["doc_hash"] = doc_hash
            d["spans"] = json.dumps([list(s) for s in fact.spans])
            rows.append(tuple(d[c] for c in _COLUMNS))
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM facts WHERE source = ?", (source,))
            conn.execute("DELETE FROM llm_typing WHERE source = ?", (source,))  # its LLM rows went too
            conn.execute(
                "INSERT INTO documents(source, doc_hash, doc, place, adcode, n_facts) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(source) DO UPDATE SET doc_hash=excluded.doc_hash, doc=excluded.doc, "
                "place=excluded.place, adcode=excluded.adcode, n_facts=excluded.n_facts",
                (
                    source,
                    doc_hash,
                    # A document without figures is still listed with its place (compare shows 未提及).
                    doc or (first.doc if first else ""),
                    place or (first.place if first else ""),
                    adcode or (first.adcode if first else ""),
                    len(rows),
                ),
            )
            conn.executemany(
                f"INSERT INTO facts({', '.join(_quoted(c) for c in _COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                rows,
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return len(rows)

    def llm_key(self, source: str) -> str:
        """The key (content hash, model, prompts) the LLM pass last typed ``source`` with; '' if never."""
        row = self._conn.execute("SELECT key FROM llm_typing WHERE source = ?", (source,)).fetchone()
        return row[0] if row else ""

    def put_llm_facts(self, source: str, key: str, facts: Iterable[Fact]) -> int:
        """Replace ``source``'s LLM rows (``origin == "llm"``) with ``facts`` and record ``key``.

        The rule rows are left as they are; the document must be stored (``put_document``) first.
        """
        rows = []
        for fact in facts:
            check_verbatim(fact)
            if fact.origin != LLM:
                raise ValueError(f"put_llm_facts takes LLM rows only, got origin {fact.origin!r}")
            d = asdict(fact)
            d["source"] = source
            d["spans"] = json.dumps([list(s) for s in fact.spans])
            rows.append(tuple(d[c] for c in _COLUMNS))
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM facts WHERE source = ? AND origin = ?", (source, LLM))
            conn.executemany(
                f"INSERT INTO facts({', '.join(_quoted(c) for c in _COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                rows,
            )
            conn.execute(
                "INSERT INTO llm_typing(source, key, n_facts) VALUES (?, ?, ?) "
                "ON CONFLICT(source) DO UPDATE SET key=excluded.key, n_facts=excluded.n_facts",
                (source, key, len(rows)),
            )
            conn.execute("UPDATE documents SET n_facts = (SELECT COUNT(*) FROM facts WHERE source = ?) WHERE source = ?",
                         (source, source))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return len(rows)

    def remove(self, source: str) -> int:
        """Drop a document and its rows; returns how many rows went."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            n = conn.execute("DELETE FROM facts WHERE source = ?", (source,)).rowcount
            conn.execute("DELETE FROM documents WHERE source = ?", (source,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return n

    def prune(self, keep_sources: Iterable[str]) -> list[str]:
        """Remove every document not in ``keep_sources``; returns the sources removed."""
        keep = set(keep_sources)
        gone = [s for s in self.sources() if s not in keep]
        for source in gone:
            self.remove(source)
        return gone

    def sources(self) -> list[str]:
        """Every stored document's source path."""
        return [r[0] for r in self._conn.execute("SELECT source FROM documents ORDER BY source")]

    def documents(self) -> list[dict]:
        """One dict per stored document: source, doc_hash, doc, place, adcode, n_facts."""
        cur = self._conn.execute("SELECT source, doc_hash, doc, place, adcode, n_facts FROM documents ORDER BY source")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur]

    def query(
        self,
        place: str | None = None,
        year: int | None = None,
        indicator: str | None = None,
        kind: str | Iterable[str] | None = None,
        origin: str | None = None,
    ) -> list[Fact]:
        """Rows matching every filter given, in document and text order.

        ``place`` is an adcode, a full name (兴山县) or its start (兴山); ``indicator`` a canonical
        name or any alias the table knows; ``kind`` one kind or several; ``origin`` rule or llm.
        """
        where, args = [], []
        if place:
            where.append("(adcode = ? OR place = ? OR place LIKE ?)")
            args += [place, place, place.replace("%", "") + "%"]
        if year is not None:
            where.append("year = ?")
            args.append(int(year))
        if indicator:
            names = {indicator, canonical(indicator) or indicator}
            where.append(f"indicator IN ({', '.join('?' * len(names))})")
            args += sorted(names)
        if kind:
            kinds = [kind] if isinstance(kind, str) else list(kind)
            where.append(f"kind IN ({', '.join('?' * len(kinds))})")
            args += kinds
        if origin:
            where.append("origin = ?")
            args.append(origin)
        sql = f"SELECT {', '.join(_quoted(c) for c in _COLUMNS)} FROM facts"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY source, chunk_id, start, id"
        return [_fact_from_row(r) for r in self._conn.execute(sql, args)]

    def facts_of(self, source: str) -> list[Fact]:
        """Every row of one document, in text order."""
        sql = f"SELECT {', '.join(_quoted(c) for c in _COLUMNS)} FROM facts WHERE source = ? ORDER BY chunk_id, start, id"
        return [_fact_from_row(r) for r in self._conn.execute(sql, (source,))]

    def indicators(self) -> list[tuple[str, int]]:
        """(canonical indicator, number of rows), most rows first."""
        cur = self._conn.execute("SELECT indicator, COUNT(*) FROM facts GROUP BY indicator ORDER BY 2 DESC, 1")
        return [(r[0], r[1]) for r in cur]

    def count(self) -> int:
        """Number of rows in the ledger."""
        return self._conn.execute("SELECT COUNT(*) FROM facts").fetchone()[0]


def _fact_from_row(row: tuple) -> Fact:
    d = dict(zip(_COLUMNS, row))
    d["spans"] = tuple(tuple(s) for s in json.loads(d["spans"] or "[]"))
    return Fact(**d)
