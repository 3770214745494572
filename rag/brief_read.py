"""Reading a report in code: sentence units and the part of the report they sit in, what a
careful reader looks for first, and the parts of a brief that need no model (tasks from the
plan's headings, admitted risks, policy terms), plus reading a figure's unit, qualifier and
sign from its own sentence.

The rules are about how Chinese government work reports are written (工作回顾, 预期目标,
问题/不足 paragraphs, 名词解释), never about particular files.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from rag.brief_check import bigram_coverage, canonical_number
from rag.brief_schema import MAX_TASKS, PolicyTerm, Risk, Source, Task
from rag.evidence import evidence_units
from rag.store import StoredChunk
from rag.text import normalize, numbers, split_sentences

# ---------------------------------------------------------------------------------------------
# Reading a document: units, parts, years

# The heading of a report's review part, and of its plan part.
REVIEW_HEADING = re.compile(r"回顾|过去一年|过去五年|工作总结|主要成绩|取得的成绩")
PLAN_HEADING = re.compile(r"工作思路|重点任务|主要任务|工作安排|总体要求|目标任务|预期目标|重点工作|工作部署")
# A plan heading that ended up inside a chunk's text (a heading glued to the previous line).
PLAN_LINE = re.compile(r"[一二三四五六七八九十]+、[^。；\n]{0,24}(?:工作思路|重点任务|主要任务|工作安排)")
# An opening that announces the plan without a heading of its own (总体思路, 预期目标为).
# Only where it introduces them (总体要求是: / 预期目标为): an article listing the report's parts
# (三是2016年总体要求和重点工作) does not start the plan there.
PLAN_INTRO = re.compile(r"(?:总体思路|总体要求|预期目标|主要目标)(?:是|为|[:：,，])")
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
    from rag.places import normalize as simplified  # 工作安排 also in a traditional-script report

    headed = any(PLAN_HEADING.search(simplified(c.heading)) or REVIEW_HEADING.search(simplified(c.heading.split(" > ")[0]))
                 or PLAN_LINE.search(simplified(c.text)) for c in chunks)
    units: list[Unit] = []
    part = "other"
    stale_top = None  # a review heading that a glued plan heading ended
    intro_seen = False
    previous: set[str] = set()
    for chunk in chunks:
        path = chunk.heading.split(" > ") if chunk.heading else []
        top = path[0] if path else ""
        depth = next((i for i, h in enumerate(path) if PLAN_HEADING.search(simplified(h))), None)
        plan_path: list[str] | None = None
        if depth is not None:
            part, plan_path = "plan", path[depth + 1 :]
        elif top and top == stale_top:
            part, plan_path = "plan", path[1:]
        elif top and REVIEW_HEADING.search(simplified(top)):
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
                if not headed and not path and not intro_seen and PLAN_INTRO.search(simplified(clause)):
                    intro_seen = True
                    part, plan_path = "plan", []
                units.append(Unit(len(units) + 1, chunk, clause, sentence, part, len(units), plan_path))
                if PLAN_LINE.search(simplified(clause)):
                    # What follows the glued heading is plan, though its chunks still carry the review heading.
                    part, stale_top, plan_path = "plan", top, None
        previous = seen
    return units


_NO_SUBJECT = re.compile(r"^(?:增长|增速|增幅|下降|降低|提高|同比|比上年|较上年|分别|其中|均|总量|占)")


def figure_units(units: list[Unit]) -> list[Unit]:
    """Units for figure extraction, renumbered from 1: each unit cut into the clauses that hold
    figures (固定资产投资增长12%, | 规上工业增加值增长10%, | …), because a small model reads
    one figure per numbered line and names it after the nearest clause. A clause without its
    own subject (增长8%) stays with the one before it; clauses without figures are left out;
    a 分别 list is never cut. Every piece is
    verbatim document text.
    """
    out: list[Unit] = []
    for unit in units:
        pieces = [unit.text]
        if "分别" not in unit.text:
            pieces = []
            for clause in re.findall(r"[^,，;；]+[,，;；]?", unit.text):
                # A clause with its own subject starts a piece even after a figureless one
                # (完成粮油产量任务, | 单位GDP能耗降低3.2%): glued, the rate took the wrong name.
                if pieces and _NO_SUBJECT.match(clause):
                    pieces[-1] += clause
                else:
                    pieces.append(clause)
            pieces = [p for p in pieces if has_figure(p)] or [unit.text]
        for k, piece in enumerate(pieces):
            out.append(Unit(len(out) + 1, unit.chunk, piece, unit.sentence, unit.part, unit.position * 100 + k,
                            unit.plan_path))
    return out


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
_NAMED_PROJECT = re.compile(r"([\u4e00-\u9fffA-Za-z0-9]{2,16}?)(项目|工程|水库|高铁|高速|联络线|产业园|物流园|综合体|大桥|电站|水厂|公路|[一二三]期)")
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


TASK_CUE = re.compile(r"要坚持|要着力|要深入|要加快|全力|加快|着力|推动|推进|打造|建设|争创")


def select(units: list[Unit], score: Callable[[Unit], float], budget: int) -> list[Unit]:
    """The best-scoring units that fit ``budget`` characters, best first."""
    ranked = sorted((u for u in units if score(u) > 0), key=lambda u: (-score(u), u.position))
    chosen, used = [], 0
    for unit in ranked:
        if used + len(unit.text) > budget:
            continue
        chosen.append(unit)
        used += len(unit.text)
    return chosen


def slices(units: list[Unit], limit: int) -> list[list[Unit]]:
    """Units grouped, in the order given, into slices of at most ``limit`` characters; each
    slice in document order.

    Given best-first units, the first slice holds the report's key figures, so a slice that
    fills its item limit on minor figures never crowds out the headline ones.
    """
    out: list[list[Unit]] = []
    size = 0
    for unit in units:
        if not out or size + len(unit.text) > limit:
            out.append([])
            size = 0
        out[-1].append(unit)
        size += len(unit.text)
    return [sorted(group, key=lambda u: u.position) for group in out]


# ---------------------------------------------------------------------------------------------
# Parts read in code: tasks, risks, policy terms


def strip_ordinal(text: str) -> str:
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
        text = strip_ordinal(re.split(r"[:：]", heading, maxsplit=1)[0]) or heading
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
            term = strip_ordinal(re.split(r"[:：]", head, maxsplit=1)[0])
            if re.fullmatch(r"“[^“”]+”", term):
                term = term[1:-1]  # a fully quoted term loses its marks; “四上”企业 keeps them
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
# Reading a figure's unit, qualifier and sign from its quote

UNITS = ("亿美元|万美元|亿元|万元|元|万人次|人次|万人|人|万户|户|万亩|亩|万吨|吨|万平方米|平方米|公里|千米|"
         "个百分点|%|家|个|座|件|部|所|套|处|起|支|项|辆|台|批|次|倍|张|条|名|场|栋|间|床|万千瓦|千瓦|"
         "兆瓦|天|小时|岁|册|只|头|株|棵|宗|篇|匹|艘|架|门|口|盏|根|块|米|年")
_UNIT_AFTER = re.compile(rf"^(?:{UNITS})")
QUALIFIERS_AFTER = ("左右", "以上", "以内", "以下")
QUALIFIERS_TOUCHING = ("不低于", "不少于", "不超过", "控制在", "超过", "突破", "约", "近")  # right before the number
QUALIFIERS_IN_CLAUSE = ("力争", "确保", "争取")  # anywhere before it in its clause
_FALL = re.compile(r"(?:下降|降低|减少|下滑|回落|缩减)\s*$")


def occurrence(text: str, number: str) -> re.Match | None:
    """The first place ``number`` stands in ``text`` as a whole number (not inside 1170 or 17.05)."""
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d]|\.\d)", text)


def as_written(number: str | None, quote: str) -> str | None:
    """``number`` spelled as the quote spells the same amount (a model's 8.0 for the report's 8),
    or unchanged when the quote does not hold it (grounding then drops the item)."""
    if not number:
        return number
    want = canonical_number(number)
    return next((n for n in numbers(quote) if canonical_number(n) == want), number)


def read_unit_and_qualifier(quote: str, value: str | None, growth: str | None) -> tuple[str | None, str | None]:
    """The unit written right after ``value`` in the quote, and a hedge word around the figure.

    Qualifiers come from a closed list (左右, 以上, 不低于, 力争, ...), read from the clause the
    figure stands in, so a qualifier is always the report's own word.
    """
    text = unicodedata.normalize("NFKC", quote)
    unit = qualifier = None
    for number, is_growth in ((value, False), (growth.lstrip("-").rstrip("%") if growth else None, True)):
        if not number:
            continue
        m = occurrence(text, number)
        if not m:
            continue
        after = text[m.end():]
        if not is_growth and unit is None:
            u = _UNIT_AFTER.match(after)
            unit = u.group(0) if u else None
            after = after[u.end():] if u else after
        elif is_growth and after.startswith("%"):
            after = after[1:]
        if qualifier is None:
            clause = re.split(r"[,，;；:：。]", text[: m.start()])[-1].rstrip()
            qualifier = (next((q for q in QUALIFIERS_AFTER if after.startswith(q)), None)
                         or next((q for q in QUALIFIERS_TOUCHING if clause.endswith(q)), None)
                         or next((q for q in QUALIFIERS_IN_CLAUSE if q in clause), None))
    return unit, qualifier


GROWTH_WORD = re.compile(r"增长|增速|增幅|下降|降低|提高|上涨|涨幅|回落|减少|降幅|增加|分别")
_CLAUSE_SPLIT = re.compile(r"[,，;；:：。]")


def growth_belongs(quote: str, name: str, value: str | None, growth: str) -> bool:
    """True when ``growth`` reads as this indicator's growth rate in the quote.

    Its clause must say growth (增长, 下降, 分别…) and either name the indicator, directly
    follow the clause holding the value (170亿元,增长8%), or be a 分别 list. This rejects a
    share read as growth (税占比83.6%) and a rate borrowed from another clause.
    """
    text = unicodedata.normalize("NFKC", quote)
    clauses = _CLAUSE_SPLIT.split(text)
    number = growth.lstrip("-").rstrip("%")
    at = next((i for i, c in enumerate(clauses) if occurrence(c, number) and f"{number}%" in c), None)
    if at is None or not GROWTH_WORD.search(clauses[at]):
        return False
    if "分别" in clauses[at] or bigram_coverage(name, clauses[at]) >= 0.5:
        return True
    if value:
        held = next((i for i, c in enumerate(clauses) if occurrence(c, value)), None)
        return held is not None and at - held == 1
    return False


_RATE_BEFORE = re.compile(r"(?:增长|增速|增幅|下降|降低|提高|上涨|涨幅|回落|减少|降幅|增加)\s*$")


def clause_figures(clause: str) -> tuple[str | None, str | None] | None:
    """The one amount and the one growth rate a clause states, as written (``("71.6", "10%")``
    for 固定资产投资71.6亿元,增长10%), or None when it states several of either or none.

    A rate is a percentage right after a growth word; years, dates and codes are not figures.
    """
    text = unicodedata.normalize("NFKC", clause)
    masked = _NOT_A_FIGURE.sub(lambda m: " " * len(m.group(0)), text)  # same positions, no non-figures
    values, rates = [], []
    for m in re.finditer(r"\d+(?:\.\d+)?", masked):
        is_rate = masked[m.end():m.end() + 1] == "%" and _RATE_BEFORE.search(masked[: m.start()])
        (rates if is_rate else values).append(m.group(0))
    if len(values) > 1 or len(rates) > 1 or not (values or rates):
        return None
    return (values[0] if values else None), (f"{rates[0]}%" if rates else None)


def reads_as_rate(quote: str, number: str) -> bool:
    """True when ``number`` stands in the quote as a growth rate (增速11%, 分别增长6.2%、8.8%)."""
    text = unicodedata.normalize("NFKC", quote)
    m = occurrence(text, number)
    if not m or text[m.end():m.end() + 1] != "%":
        return False
    before = text[: m.start()]
    return bool(re.search(r"(?:增长|增速|增幅|下降|降低|提高|上涨|涨幅|分别增长)\s*$", before)
                or re.search(r"分别(?:增长|下降|提高)[\d.%、]*$", before))


def percent_as_growth(quote: str, value: str | None, unit: str | None,
                      growth: str | None) -> tuple[str | None, str | None, str | None]:
    """A percentage read as a value is a growth rate when the report says so (增速11%), and the
    same rate given as both value and growth is kept once, as the growth."""
    if unit != "%" or not value:
        return value, unit, growth
    if growth and growth.lstrip("-").rstrip("%") == value:
        return None, None, growth
    if not growth and reads_as_rate(quote, value):
        return None, None, f"{value}%"
    return value, unit, growth


def signed_growth(quote: str, growth: str | None) -> str | None:
    """A growth rate with the sign the report's wording gives it (降低3.2% -> -3.2%)."""
    if not growth:
        return None
    number = growth.lstrip("-").rstrip("%")
    text = unicodedata.normalize("NFKC", quote)
    m = occurrence(text, number)
    falls = bool(m and _FALL.search(text[: m.start()]))
    return f"-{number}%" if falls else f"{number}%"


_LEADING_WORDS = re.compile(r"^(?:预计完成|预计|完成|实现|力争|确保|争取|全年|其中|全县|全市)+")
_TRAILING_WORDS = re.compile(r"(?:增长|增速|增幅|下降|降低|提高|控制在|达到|突破|完成|实现|为|约|超过|不低于|不少于)+$")


def clean_name(name: str, value: str | None, growth: str | None) -> str:
    """An indicator's name without the figure a model sometimes copies into it
    (接待游客1100万人次 -> 接待游客, 居民消费价格涨幅控制在3%左右 -> 居民消费价格涨幅)."""
    name = unicodedata.normalize("NFKC", name).strip(" ,，;；。:：")
    for number in (value, growth.lstrip("-").rstrip("%") if growth else None):
        if number and (m := occurrence(name, number)) and m.start() > 1:
            name = name[: m.start()]
    cleaned = _TRAILING_WORDS.sub("", _LEADING_WORDS.sub("", name)).strip(" ,，")
    return cleaned if len(cleaned) >= 2 else name


_PROJECT_LEAD = re.compile(r"^(?:全力|加快|加速|提速|深入|统筹|稳步|扎实|积极|谋划|围绕|持续|力争)*"
                           r"(?:推进|推动|实施|启动|建设|新建|开工建设|开工|完成|打造|建成)+")
_PROJECT_TAIL = re.compile(r"(?:建设|项目建设)?(?:并网发电|建成投用|建成投产|投产下线|投产|主体完工|竣工验收|竣工|完工|"
                           r"开工建设|开工|顺利推进|加快推进|完成.*|落户.*)$")


def clean_project_name(name: str) -> str:
    """A project's name without the verbs around it (全力推进…, …并网发电)."""
    cleaned = _PROJECT_TAIL.sub("", _PROJECT_LEAD.sub("", name.strip())).strip()
    return cleaned if len(cleaned) >= 2 else name.strip()
