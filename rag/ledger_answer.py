"""Number answers made from ledger rows, with arithmetic and comparisons done in code.

A quantity question (多少, 哪个更高, 相差多少, 哪个县最高) whose place, year, kind and indicator
match ledger rows is answered from those rows: each figure is the row's own value, each citation
the row's quote. Differences, rankings and "which is higher" are computed here; no model runs.

When any place asked about has no matching row, or the question asks something the rows do not
pin down (a year among several, a qualifier the quote lacks), this returns None and the answer
falls back to retrieval and the model, checked as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from rag.compare import KIND_GROUPS, MET, Reading, averaged, bounds, judge, reading
from rag.evidence import content_terms, term_coverage
from rag.figures import ACTUAL, ASK_RATE, TARGET, asked_families, asked_kind, unit_family
from rag.ledger import GROWTH, LEVEL, Fact, Indicator, Ledger, indicator_table, indicators_in, without_indicator_names
from rag.places import find_mentions, resolve
from rag.question import Question

SUPERLATIVE = re.compile(r"最(高|低|快|慢|大|小|多|少)|从(高|低|大|小|多|少)到[高低大小多少]|(第一|垫底)")
# 番禺区的GDP是昌乐县的多少倍: the first place's figure over the second's.
RATIO = re.compile(r"(?:多少|几)倍")
DIFFERENCE = re.compile(r"相差|差距|差多少|差了多少|差几|(?:高|低|多|少|快|慢)(?:出|了)?(?:多少|几)")
_MORE = {"高", "快", "大", "多"}
_RATES = {"percent", "points", "permille"}
QUANTITY_WORDS = re.compile(r"多少|几|百分之|哪个|最|更")
KIND_WORD = {"target": "预期目标", "stretch": "力争", "estimate": "预计", "actual": ""}
# A part of a question that only asks for the verdict: 哪个更高, 哪个县最快, 谁更多.
_VERDICT_ONLY = re.compile(r"(?:哪个|哪一个|谁|哪个县|哪个地区)[县市区]?(?:的)?(?:增速|增幅)?(?:更|较|最)?[高低快慢大小多少]")
# The words of comparing and ranking, blanked before the coverage check (they ask, they are not asked
# about): 之间差了多少, 相比哪个多, 从高到低排一下.
_COMPARING = re.compile(r"之间|差了|相差|差距|相比|对比|比较|从[高低大小多少快慢]到[高低大小多少快慢]|排一下|排序|排名|排列|"
                        r"(?:高|低|多|少)出|\b[vV][sS]\b|[高低]于还是[高低]于|[高低]于|还是|这个|这一"
                        # the document the figure is asked from (芦山县2024年政府工作报告提出的…目标)
                        r"|政府工作报告|工作报告|统计公报|公报"
                        # the meeting that set the figures (芦山县委十五届六次全会给2027年定的…)
                        r"|[县市区州旗]?委?[一二三四五六七八九十\d]+届[一二三四五六七八九十\d]+次(?:全体会议|全会|会议)|全会|人代会|党代会")
# What asks (几家, 多少万元, 增长, 目标, 哪个更高, 哪家) is not what is asked about: a question's
# words of asking, as jieba cuts them, left out of the coverage check.
_ASKING_TOKEN = re.compile(
    r"几\w?|多少\w*|增长了?|增速|增幅|涨幅|上涨|目标|预期|总量|更[高低快慢大小多少]|哪个|哪家|哪一家|相差|差距|县|市|区|个|个?百分点"
    r"|[两三四五六几多各]地中?|[高低多少快慢](?:出|了)?(?:多少)?|分别|各自|第一|垫底"
    # The kind asked of each place (kinds_by_place reads it): 实际增速, 要达到的目标值, 几个点.
    r"|实际|目标值|要|预计|点|额|大约|大概|大致|约|同年|倍"
    # A yes or no on reaching the other's figure (有没有超过, 达没达到), and 同比 (the growth asked).
    r"|同比|超过|超出|达到|达|没|没有|有没有|是否|到没到|据此|倒推|推算|反推|基数"
    # 两县当年增速各是多少 / 芦山县设定的目标: who and when, already read from places and years.
    r"|[两三四五六几多各](?:县|地|区|市|旗|州)|当年|各是|各为|设定|确定|提出|定下"
    # 同一年…又是多少?两边对比一下: the same year, the other side, asked again.
    r"|同一|又|两边|双方|一下|拿|跟|现状|现有|情况|比一比|比比|算算|算一下|计算"
    # what is left of 报告里定的 / 报告中提出的 once the document's name is blanked
    r"|里定|中定|里|中"
    # the place named again: 兴山的目标比它2023年…
    r"|它|其|该县|本县|比其|比它|[县区市旗州]定"
    # a unit the answer is to be given in: 统一换算成万吨后
    r"|统一|换算成?|折合|折算|后"
    r"|[更较最谁比差各给定钱同]")  # single characters jieba leaves of 谁更高, 比…少多少钱, 给2024年定的
# The verdict of a question asking amounts and growth compares growth when it says so.
_COMPARES_GROWTH = re.compile(r"(?:哪个|哪一个|谁)[^?？,，]{0,6}(?:增长|增速|增幅|降幅|跌幅)|(?:更|较)(?:快|慢)|"
                              r"(?:增长|增速|增幅)(?:谁|哪个|哪一个|哪边|哪家)(?:更|较)?[快慢高低]")  # 增速谁快
# 哪个降幅更大: a decline compared by its size (下降18.7% is the larger fall than 下降4.3%).
_DECLINE = re.compile(r"降幅|跌幅|降得|下降得|降了?(?:更|较)")
_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")


@dataclass
class FromLedger:
    """An answer built from rows: its text cites ``facts`` as [1], [2], … in order; ``computed``
    holds the numbers code derived from them (a difference, a count of places), cited by none."""

    text: str
    facts: list[Fact]
    computed: list[str] = field(default_factory=list)


def _measures(question: str) -> set[str]:
    """What each part of the question asks: growth (a rate), level (an amount), or both.

    兴山县2023年地区生产总值完成多少?增长多少? asks both: only a row with level and growth answers it.
    """
    named = indicators_in(question)
    if named and all(i.family == "percent" for i in named) and not _GROWTH_WORDS.search(without_indicator_names(question)):
        return {LEVEL}  # 城镇化率有没有超过…目标?超出多少个百分点: rates whose level is asked, in points
    wanted = set()
    for part in re.split(r"[?？,，;；、]|以及|还有", question):  # 分别完成多少、各增长多少: two parts
        if not QUANTITY_WORDS.search(part) or (_VERDICT_ONLY.fullmatch(part.strip()) and not indicators_in(part)):
            continue  # 哪个更高 compares what the other parts ask; it asks no measure of its own
        if re.search(r"总量|总额|规模", without_indicator_names(part)) and re.search(r"增速|增幅|增长", part):
            wanted |= {LEVEL, GROWTH}  # 目标(增速和总量)是多少: both in one part
            continue
        if re.search(r"百分点|百分之", part):  # 相差几个百分点: a rate, though 几个 reads as a count
            wanted.add(GROWTH)
            continue
        if re.search(r"(?:下降|降低|减少|降)了?(?:多少|几)|降幅|跌幅", part):  # 降了多少: a rate of decline
            wanted.add(GROWTH)
            continue
        if RATIO.search(part) and not re.search(r"增速|增长|增幅|速度", part):  # 是…的多少倍: of amounts
            wanted.add(LEVEL)
            continue
        families = asked_families(part)
        if not families and not indicators_in(part) and DIFFERENCE.search(part):
            # 差多少 after …的预期增速,和…增速相比: a part that names nothing asks what the others name.
            families = asked_families(question)
        if families and families <= _RATES and indicators_in(part) and not ASK_RATE.search(without_indicator_names(part)):
            families = None  # 城镇化率和GDP目标分别是多少: the 率 is the indicator's own; its level is asked
        # A part naming neither a rate nor an indicator (总量要达到多少) asks the amount of the one named.
        wanted.add(GROWTH if families and families <= _RATES else LEVEL)
    if not wanted and (families := asked_families(question)):
        wanted.add(GROWTH if families <= _RATES else LEVEL)
    return wanted


_GROWTH_WORDS = re.compile(r"增长|增速|增幅|提高|提升|上升|下降|降低|降幅|涨幅|变化")


def _differs_in_growth(question: str) -> bool:
    """Whether the part of the question that asks a difference asks it of growth (增速比…低几个百分点)."""
    return any(DIFFERENCE.search(part) and re.search(r"增速|增幅|增长|百分点|降幅", part)
               for part in re.split(r"[?？,，;；]", question))


def _kind_group(rows: list[Fact], asked: str | None) -> tuple[str, ...]:
    """The kinds that answer: those asked, or outcomes when the rows have any, else targets, else
    (no kind asked) rows whose kind the text leaves unsaid."""
    if asked == TARGET:
        return KIND_GROUPS["target"]
    if asked is not None or any(f.kind in KIND_GROUPS["actual"] for f in rows):
        return KIND_GROUPS["actual"]
    if not any(f.kind for f in rows):
        return ("",)  # no kind asked, and the text says none: the figures as they stand
    return KIND_GROUPS["target"]


def _forms(place: str) -> list[str]:
    """The forms a question writes ``place`` in: 兴山县, 兴山, 果洛 for 果洛藏族自治州."""
    forms = [place] + ([place[:-1]] if len(place) > 2 and place[-1] in "县市区旗" else [])
    return forms + [a for d in resolve(place) if d.name == place for a in d.aliases]


def place_segments(question: Question) -> list[tuple[str, str]]:
    """Each place the question names, with the words from it to the next place named."""
    spots = []
    for place in question.places:
        at = min((i for i in (question.text.find(f) for f in _forms(place)) if i >= 0), default=-1)
        if at >= 0:
            spots.append((at, place))
    spots.sort()
    return [(place, question.text[at:nxt]) for (at, place), (nxt, _) in zip(spots, spots[1:] + [(len(question.text), "")])]


def years_by_place(question: Question) -> dict[str, int]:
    """The year the question binds to each place it names: 尉犁县2024年和兴山县2023年 gives
    尉犁县 2024 and 兴山县 2023. A place followed by no year of its own, before the next place, is
    left out (the question's years then apply to it as a whole)."""
    # 据双柏县2020年和兴山县2024年的政府工作报告,双柏2019年、兴山2023年…: the years of the reports cited
    # are not the figures' years; the places are read again where the figures are asked.
    cited = _CITED.sub("", question.text)
    segments = place_segments(replace(question, text=cited)) if cited != question.text else place_segments(question)
    bound = {place: int(m.group(1)) for place, words in segments if (m := _YEAR.search(words))}
    return bound if len(set(bound.values())) > 1 else {}  # one shared year: the question's years already say it


# 据兴山县2024年政府工作报告, / (2012年州十二届人大一次会议政府工作报告所述): the documents a question cites.
_CITED = re.compile(r"^(?:据|根据|按照?)[^,，?？]{2,60}?(?:报告|公报|文件)(?:所述|显示|中)?[,，]|"
                    r"[(（][^()（）]{2,40}?(?:报告|公报)(?:所述|中|里)?[)）]")


_SAYS_ACTUAL = re.compile(r"预计|实际|完成|实现")
_BACK_REFERENCE = re.compile(r"(?:这个|这一|该|此|上述)(?:目标|水平)")
# What a place's words say beyond joining it to the next place (兴山县和 / 芦山、): a year, an
# indicator or a question of its own.
_JOINER = re.compile(r"[和与及、,，\s]*(?:县|市|区|旗|州)?[和与及、,，\s]*")


def only_joins(place: str, words: str) -> bool:
    """Whether a place's words (``place_segments``) only join it to the next place (兴山县和 / 芦山、)."""
    rest = words[len(place):] if words.startswith(place) else words[len(place) - 1 :]
    return bool(_JOINER.fullmatch(rest))


def kinds_by_place(question: Question) -> dict[str, str | None]:
    """The kind the question binds to each place when it asks different kinds of them: 兴山县2024年
    的预期目标与牟定县2023年的实际增速 gives 兴山县 target and 牟定县 actual; a place with words of
    its own but no kind word (尉犁24年固投增速 对比兴山24年目标) is asked either (None). A place that
    only joins the next (兴山县和芦山县2024年…目标) shares its kind. Empty when every place is asked
    the same kind (the question's kind then applies to all)."""
    # A place's kind is read from its own sentence: 云和县2022年的…实际是多少?拿芦山的目标跟云和现状比一比
    # asks 云和's outcome; the next sentence's 目标 is 芦山's, named again.
    segments = [(place, re.split(r"(?<=[?？。!！])", words, maxsplit=1)[0]) for place, words in place_segments(question)]
    own: dict[str, str | None] = {}
    for place, words in reversed(segments):
        joins = only_joins(place, words)
        words = _BACK_REFERENCE.sub("", words)  # 高于还是低于这个目标: the other place's target, named again
        kind = asked_kind(words) or (ACTUAL if _SAYS_ACTUAL.search(words) else None)
        if kind is None and joins and own:
            kind = own[next(reversed(own))]  # the kind of the place after it
        own[place] = kind
    kinds = set(own.values())
    if len(kinds) < 2 or kinds == {None}:
        return {}
    return own


def _readings(ledger: Ledger, question: Question, place: str | None, indicator: Indicator,
              measure: str) -> list[Reading]:
    """The readings of ``indicator`` for ``place`` (None: every place) of the year and kind asked."""
    rows = [f for f in ledger.query(place=place, indicator=indicator.name) if f.year]
    own_year = years_by_place(question).get(place) if place else None
    if own_year:
        rows = [f for f in rows if f.year == own_year]
    elif question.years:
        rows = [f for f in rows if f.year in question.years]
    bound = kinds_by_place(question) if place else {}
    kinds = _kind_group(rows, bound.get(place, question.kind))
    found = [r for f in rows if f.kind in kinds and (r := reading(f, measure))]
    if measure == GROWTH and "年均" not in question.text:  # 年均增长8.7% is no one year's growth
        found = [r for r in found if not averaged(r.fact)]
    wanted = (question.families or frozenset()) - _RATES
    if measure == LEVEL and wanted:
        # 多少万吨 is not answered by an amount in 亿元, whatever the indicator's name.
        found = [r for r in found if unit_family(r.fact.unit) in wanted]
    if not question.years and len({r.fact.year for r in found}) > 1 and place is not None:
        return []  # several years and none asked: not for code to choose
    return found


def _covers(question: Question, readings: list[Reading], indicators: list[Indicator], min_coverage: float) -> bool:
    """The question's words other than its place, year and indicator stand in the quotes.

    The gate of the retrieval path, applied to rows: 规上工业增加值占比 is not answered by a row
    of 规上工业增加值 whose quote says nothing of 占比.
    """
    # Years go before jieba cuts (2024年定的 would give 年定), and the asking words with them.
    # 据…报告, and (…报告所述) cite the document, (注意单位) speaks to the reader: neither is content.
    text = re.sub(r"[(（][^()（）]{1,12}[)）]", " ", _CITED.sub(" ", question.text))
    text = _COMPARING.sub(" ", re.sub(r"(?:19|20)?\d\d\s*年", " ", without_indicator_names(text)))
    for m in find_mentions(text):  # every place named, provinces too (内蒙古正蓝旗): the scope, not the content
        text = text[: m.start] + " " * len(m.surface) + text[m.end :]
    for ind in indicators:
        text = text.replace(ind.name, " ")
    for r in readings:
        text = text.replace(r.fact.indicator_text, " ")
    terms = [t for t in content_terms(text, question.places) if not SUPERLATIVE.fullmatch(t)]
    terms = [t for t in terms if not _ASKING_TOKEN.fullmatch(t)]
    evidence = " ".join(r.fact.section + " " + r.fact.quote for r in readings)
    return term_coverage(terms, evidence) >= min_coverage


def _phrase(r: Reading, n: int, with_place: bool = True) -> str:
    f = r.fact
    shown = r.shown
    if r.measure == LEVEL and f.growth is not None:
        shown += f"，{'年均' if averaged(f) else ''}{'下降' if f.growth < 0 else '增长'}{abs(f.growth):g}{f.growth_unit}"
    before, after = bounds(r)
    where = f"{f.place}{f.year}年" if with_place else f"{f.year}年"
    return f"{where}{f.indicator}{KIND_WORD.get(f.kind, '')}{before}{shown}{after}[{n}]"


_BASIS = re.compile(r"(自然|同|可比|全|大)口径")


def _basis(fact: Fact) -> str:
    """The basis a quote states for its figure (自然口径, 同口径), or ''."""
    m = _BASIS.search(fact.quote)
    return m.group() if m else ""


def _one_each(readings: list[Reading]) -> tuple[Reading, list[Reading]]:
    """The first reading, and those that state another number for the same thing."""
    first = readings[0]
    return first, [r for r in readings[1:] if abs(r.number - first.number) > 1e-9 and r.unit == first.unit]


def answer_from_ledger(question: Question, ledger: Ledger, min_coverage: float) -> FromLedger | None:
    """The answer from ledger rows, or None to fall back to retrieval."""
    superlative = SUPERLATIVE.search(question.text)
    direction = ({"第一": "高", "垫底": "低"}.get(superlative.group(3)) or superlative.group(1) or superlative.group(2)
                 if superlative else "")
    # 23年GDP增速 兴山 牟定 / 尉犁24年固投增速 对比兴山24年目标: places and an indicator typed with
    # no question word ask each place's figure, compared.
    bare = len(question.places) >= 2 and not QUANTITY_WORDS.search(question.text) and (
        _COMPARING.search(question.text) or not re.search(r"[?？吗呢]", question.text))
    # 有没有超过这个目标 / 达没达到: a yes or no that a comparison of two figures answers.
    reached = len(question.places) == 2 and _REACHED.search(question.text)
    if not (question.is_quantity or question.compare or superlative or bare or reached) or question.is_list \
            or question.is_yes_no and not reached:
        return None
    indicators = indicators_in(question.text)
    if question.places and (share := _SHARE.search(question.text)):
        return _shares(question, ledger, share, min_coverage)
    measures = _measures(question.text)
    if not indicators or not measures:
        return None
    measure = LEVEL if LEVEL in measures else GROWTH
    both = measures == {LEVEL, GROWTH}
    if superlative and not question.places:
        return _ranking(question, ledger, indicators, measure, direction, min_coverage)
    if not question.places:
        return None
    if len(question.places) == 1 and len(question.years) == 2 and len(indicators) == 1 and not superlative:
        # Both years are asked: a year without its row leaves the answer to retrieval, not to one year.
        return _two_years(question, ledger, indicators[0], measures, min_coverage)
    if superlative and len(question.places) >= 2 and len(indicators) == 1:
        return _ranking(question, ledger, indicators, measure, direction, min_coverage, question.places)
    facts: list[Fact] = []
    sentences: list[str] = []
    chosen: dict[tuple[str, str], Reading] = {}
    for place in question.places:
        for ind in indicators:
            every = _readings(ledger, question, place, ind, measure)
            # An amount and its growth were asked: a row must give both; an amount stated elsewhere
            # without its growth (自然口径 beside 同口径) still shows, as a figure that disagrees.
            found = [r for r in every if r.fact.growth is not None] if both else every
            if not found or not _covers(question, found, indicators, min_coverage):
                return None
            first, conflicts = _one_each(found + [r for r in every if r not in found])
            chosen[(place, ind.name)] = first
            facts.append(first.fact)
            text = _phrase(first, len(facts))
            for other in conflicts:
                facts.append(other.fact)
                if _basis(first.fact) and _basis(other.fact) and _basis(first.fact) != _basis(other.fact):
                    # 自然口径 and 同口径: one figure on two bases, each said, not a disagreement
                    text += f"（{_basis(first.fact)}）；{_basis(other.fact)}为{_phrase(other, len(facts), with_place=False)}"
                else:
                    text += f"；另一处为{other.shown}[{len(facts)}]，两处数字不一致"
            sentences.append(text + "。")
    ratio, ratio_computed = _ratio(question, chosen, indicators)  # of amounts, when asked (是…的几倍)
    amount_gap, amount_computed = "", []
    if both and (_COMPARES_GROWTH.search(question.text) or _differs_in_growth(question.text)):
        # 分别是多少?哪个增长更快 / 增速比…低几个百分点?总量是…的几倍: the verdict is on growth
        if not _differs_in_growth(question.text) and DIFFERENCE.search(question.text):
            # 分别是多少,差多少?增速谁快: the amounts' difference too
            amount_gap, amount_computed = _verdict(replace(question, compare=None), chosen, indicators)
        chosen = {key: reading(r.fact, GROWTH) for key, r in chosen.items()}
    decline = _DECLINE.search(question.text) and all(r.measure == GROWTH and r.number < 0 for r in chosen.values())
    if decline:
        chosen = {key: replace(r, number=-r.number) for key, r in chosen.items()}  # the size of each fall
    if reached:
        verdict, computed = _reached(question, chosen, indicators)
    elif not question.compare and not DIFFERENCE.search(question.text) and not ratio and _CONTRAST.search(question.text):
        verdict, computed = _contrast(question, chosen, indicators, measures)
    else:
        verdict, computed = ("", []) if ratio and not (both or DIFFERENCE.search(question.text)) else \
            _verdict(question, chosen, indicators, decline=bool(decline))
    return FromLedger("".join(sentences) + amount_gap + verdict + ratio, facts,
                      amount_computed + computed + ratio_computed)


# 税收收入占一般公共预算收入的比重 / 各占财政总收入的百分之多少 / (一般公共预算收入/一般公共预算支出):
# one figure of a place over another of the same place, computed.
_SHARE = re.compile(r"([^,，?？;；]{2,40}?)(?:各|分别)?占([^,，?？;；]{2,30}?)的?(?:比重|比例|百分之多少|多少比例|份额|比)|"
                    r"([^,，?？;；:：()（）/÷]{2,30}?)\s*[/÷]\s*([^,，?？;；:：()（）/÷]{2,30})")


def _counterpart(tops: list[Indicator], named: str) -> list[Indicator]:
    """The indicator a bare 支出 or 收入 stands for after its pair (一般公共预算收入占支出的比重: 一般公共预算支出)."""
    word = re.sub(r"[的\s]", "", named)
    swap = {"支出": "收入", "收入": "支出"}
    if not tops or word not in swap or not tops[-1].name.endswith(swap[word]):
        return []
    table = indicator_table()
    pair = table.get(tops[-1].name[: -len(word)] + word)
    return [pair] if pair else []


_SHARE_WORDS = re.compile(r"财政自给率|自给率|百分之多少|百分之几|比重|比例|份额|占")


def _shares(question: Question, ledger: Ledger, m: re.Match, min_coverage: float) -> FromLedger | None:
    """Each place's share of one figure in another (税收收入 / 一般公共预算收入), from its rows of the
    year asked, in percent; the higher named when two places are asked."""
    tops = indicators_in(m.group(1) or m.group(3))
    bottoms = indicators_in(m.group(2) or m.group(4)) or _counterpart(tops, m.group(2) or m.group(4))
    if not tops or not bottoms or tops[-1] == bottoms[0]:
        return None
    top, bottom = tops[-1], bottoms[0]
    # The words of the share (占…的比重, 财政自给率) are what _shares computes, not content to cover.
    asked = replace(question, text=_SHARE_WORDS.sub(" ", question.text.replace(m.group(2) or m.group(4), " ")))
    facts: list[Fact] = []
    sentences, shares = [], {}
    for place in question.places:
        pair = []
        for ind in (top, bottom):
            found = [r for r in _readings(ledger, question, place, ind, LEVEL) if r.fact.kind in KIND_GROUPS["actual"]]
            if not found:
                return None
            pair.append(found[0])
        a, b = pair
        if a.unit != b.unit or not b.number or not _covers(asked, pair, [top, bottom], min_coverage):
            return None
        facts += [a.fact, b.fact]
        share = f"{round(100 * a.number / b.number, 2):g}"
        shares[place] = float(share)
        sentences.append(f"{_phrase(a, len(facts) - 1)}，{_phrase(b, len(facts), with_place=False)}，"
                         f"{top.name}占{bottom.name}的{share}%（计算所得）。")
    verdict = ""
    if len(shares) == 2:
        (p1, s1), (p2, s2) = shares.items()
        if s1 != s2:
            high, low = (p1, p2) if s1 > s2 else (p2, p1)
            verdict = f"{high}的比重更高，高出{round(abs(s1 - s2), 2):g}个百分点。"
    elif len(shares) > 2:  # 谁最高谁最低 / 排个序: the shares ranked
        ranked = sorted(shares.items(), key=lambda kv: kv[1], reverse=True)
        verdict = (f"从高到低：{'、'.join(f'{p}{v:g}%' for p, v in ranked)}；"
                   f"最高的是{ranked[0][0]}，最低的是{ranked[-1][0]}。")
    return FromLedger("".join(sentences) + verdict, facts, [f"{v:g}" for v in shares.values()])


def year_kinds(question: Question) -> list[tuple[int, str | None]]:
    """Each year the question names, in order, with the kind its own first clause asks: 2024年定的
    GDP目标总量是多少?比2023年的实际总量… gives 2024 target, 2023 actual (None: not said)."""
    out: dict[int, str | None] = {}
    for m in _YEAR.finditer(question.text):
        clause = re.split(r"[?？,，;；。]", question.text[m.start() :], maxsplit=1)[0]
        out.setdefault(int(m.group(1)), asked_kind(clause) or (ACTUAL if _SAYS_ACTUAL.search(clause) else None))
    return list(out.items())


def _two_years(question: Question, ledger: Ledger, indicator: Indicator, measures: set[str],
               min_coverage: float) -> FromLedger | None:
    """One place in two years (a target against the year before's outcome): each year's row of the
    kind its words ask, and the later minus the earlier, of amounts and of growth, computed."""
    place = question.places[0]
    rows = [f for f in ledger.query(place=place, indicator=indicator.name) if f.year]
    chosen: list[Fact] = []
    missing: list[int] = []
    for year, kind in year_kinds(question):
        own = [f for f in rows if f.year == year]
        kinds = _kind_group(own, kind)
        own = [f for f in own if f.kind in kinds]
        # A row that gives what the question asks: both the amount and its growth when both are asked.
        own = [f for f in own if all(reading(f, m) for m in measures)] or own
        if own:
            chosen.append(own[0])
        else:
            missing.append(year)
    if len(chosen) == 1 and missing == [chosen[0].year - 1] and _BACK_OUT.search(question.text):
        return _year_before(question, chosen[0], indicator, min_coverage)
    if missing:
        return None
    readings = [r for f in chosen for m in measures if (r := reading(f, m))]
    if not _covers(question, readings, [indicator], min_coverage):
        return None
    sentences = [_phrase(reading(f, LEVEL if LEVEL in measures and reading(f, LEVEL) else GROWTH), n) + "。"
                 for n, f in enumerate(chosen, 1)]
    (later, earlier) = sorted(chosen, key=lambda f: f.year, reverse=True)
    computed, verdicts = [], []
    for measure in (LEVEL, GROWTH):
        a, b = reading(later, measure), reading(earlier, measure)
        if measure in measures and a and b and a.unit == b.unit:
            diff, unit = _amount(abs(a.number - b.number), "个百分点" if a.unit == "%" else a.unit)
            what = "增速" if measure == GROWTH else ""
            verdicts.append(f"{later.year}年{what}比{earlier.year}年{'高' if a.number >= b.number else '低'}出{diff}{unit}")
            computed.append(diff)
    return FromLedger("".join(sentences) + ("，".join(verdicts) + "。" if verdicts else ""), chosen, computed)


# 据此倒推2023年大概是多少 / 上年基数是多少: the year before, from a figure and its growth.
_BACK_OUT = re.compile(r"倒推|推算|反推|推出|基数")


def _year_before(question: Question, fact: Fact, indicator: Indicator, min_coverage: float) -> FromLedger | None:
    """The year before's amount computed from a row's amount and growth (2.82亿元, 增长20.1%: about
    2.35亿元 in the year before), said to be computed, not stated."""
    level, growth = reading(fact, LEVEL), reading(fact, GROWTH)
    if not (level and growth and growth.unit == "%" and fact.growth is not None and fact.growth > -100) or \
            not _covers(question, [level], [indicator], min_coverage):
        return None
    before, unit = _amount(level.number / (1 + fact.growth / 100), level.unit)
    before = f"{float(before):.2f}".rstrip("0").rstrip(".")
    return FromLedger(f"{_phrase(level, 1)}。按{fact.growth:g}%的增长倒推，{fact.year - 1}年约为{before}{unit}"
                      f"（计算所得，原文未载）。", [fact], [before])


def _verdict(question: Question, chosen: dict[tuple[str, str], Reading],
             indicators: list[Indicator], decline: bool = False) -> tuple[str, list[str]]:
    """Which of two places is ahead, and by how much, computed from the chosen readings; and the
    difference as the number code computed."""
    if len(question.places) != 2 or len(indicators) != 1:
        return "", []
    a, b = (chosen[(p, indicators[0].name)] for p in question.places)
    if a.unit != b.unit:
        return "", []
    diff, unit = _amount(abs(a.number - b.number), "个百分点" if a.unit == "%" else a.unit)
    if question.compare:
        if a.number == b.number:
            return f"两者{'增速' if a.measure == GROWTH else ''}相同。", []
        ahead = a if (a.number > b.number) == (question.compare in _MORE) else b
        behind = b if ahead is a else a
        if decline:  # readings are the sizes of two falls
            return f"{ahead.fact.place}降幅更{question.compare}，{'多' if ahead.number > behind.number else '少'}降{diff}{unit}。", [diff]
        return f"{ahead.fact.place}更{question.compare}，{'高' if ahead.number > behind.number else '低'}出{diff}{unit}。", [diff]
    if DIFFERENCE.search(question.text):
        high, low = (a, b) if a.number >= b.number else (b, a)
        return f"{high.fact.place}比{low.fact.place}高{diff}{unit}。", [diff]
    return "", []


# 两边对比一下 / 比一比 / 比较一下: a comparison asked with no direction: the differences.
_CONTRAST = re.compile(r"对比|比较|比一比|比比|相比")


def _contrast(question: Question, chosen: dict[tuple[str, str], Reading], indicators: list[Indicator],
              measures: set[str]) -> tuple[str, list[str]]:
    """Each measure asked of two places, the higher named and by how much (兴山县比尉犁县高94.18亿元)."""
    if len(question.places) != 2:
        return "", []
    said, computed = [], []
    for indicator in indicators:
        pair = [chosen[(p, indicator.name)].fact for p in question.places]
        for measure in (LEVEL, GROWTH):
            a, b = (reading(f, measure) for f in pair)
            if measure not in measures or not a or not b or a.unit != b.unit:
                continue
            diff, unit = _amount(abs(a.number - b.number), "个百分点" if a.unit == "%" else a.unit)
            what = indicator.name + ("增速" if measure == GROWTH else "")
            if a.number == b.number:
                said.append(f"{what}两者相同")
                continue
            high, low = (a, b) if a.number > b.number else (b, a)
            said.append(f"{what}{high.fact.place}比{low.fact.place}高{diff}{unit}")
            computed.append(diff)
    return ("；".join(said) + "。" if said else ""), computed


# 有没有超过这个目标 / 达没达到 / 是否高于: whether one figure reached or passed the other.
_REACHED = re.compile(r"(?:有没有|是否|能否|有无|是不是)(?:超过|高于|超出|达到|完成|低于)|达没达到|超没超过|到没到|"
                      r"(?:超过|高于|达到|低于)了?(?:[^?？,，]{0,8})(?:吗|没有)[?？]?$")


def _reached(question: Question, chosen: dict[tuple[str, str], Reading],
             indicators: list[Indicator]) -> tuple[str, list[str]]:
    """Whether the place the yes/no is asked of (its words hold 有没有超过, 达没达到) reached or passed the
    other's figure, by how much, computed. Reaching another's target is judged as ``track`` judges it
    (``rag.compare.judge``: 左右 with its tolerance, 以内 as a ceiling), the rule applied written out;
    passing (超过, 高于) asks for a larger figure."""
    if len(indicators) != 1:
        return "", []
    segments = dict(place_segments(question))
    asked = next((p for p in question.places if _REACHED.search(segments.get(p, ""))), question.places[-1])
    other = next(p for p in question.places if p != asked)
    a, b = chosen[(asked, indicators[0].name)], chosen[(other, indicators[0].name)]
    if a.unit != b.unit:
        return "", []
    diff, unit = _amount(abs(a.number - b.number), "个百分点" if a.unit == "%" else a.unit)
    gap = "" if a.number == b.number else f"，{'高出' if a.number > b.number else '低'}{diff}{unit}"
    if re.search(r"超过|高于|超出", question.text):
        return f"{asked}{'超过了' if a.number > b.number else '没有超过'}{other}的这一数字{gap}。", [diff]
    if b.fact.kind in KIND_GROUPS["target"]:
        verdict, rule = judge(b, a)
        told = "达到了" if verdict == MET else "没有达到"
        return f"{asked}{told}{other}的这一目标（按{rule}判断）{gap}。", [diff]
    return f"{asked}{'达到了' if a.number >= b.number else '没有达到'}{other}的这一数字{gap}。", [diff]


def _ratio(question: Question, chosen: dict[tuple[str, str], Reading],
           indicators: list[Indicator]) -> tuple[str, list[str]]:
    """The first place's amount over the second's when the question asks 是…的几倍 (五莲县是三穗县的
    多少倍: the place before 是 over the one before 的…倍, whatever order they were named in)."""
    if not RATIO.search(question.text) or len(question.places) != 2 or len(indicators) != 1:
        return "", []
    a, b = (chosen[(p, indicators[0].name)] for p in question.places)
    if a.unit != b.unit or not b.number:
        return "", []
    if _ratio_of(question.text, b.fact.place, a.fact.place):
        a, b = b, a
    times = f"{round(a.number / b.number, 2):g}"
    return f"{a.fact.place}是{b.fact.place}的{times}倍。", [times]


def _ratio_of(text: str, numerator: str, denominator: str) -> bool:
    """Whether ``text`` asks how many times ``denominator`` the figure of ``numerator`` is
    (五莲县是三穗县的多少倍, 番禺区GDP相当于宜章县的几倍)."""
    m = re.search(r"([^,，?？;；]*?)(?:是|为|相当于|等于)([^,，?？;；]*?)的(?:多少|几)倍", text)
    if not m:
        return False
    def named(place: str, part: str) -> bool:
        return place in part or (len(place) > 2 and place[:-1] in part)
    return named(numerator, m.group(1)) and named(denominator, m.group(2))


# Readings of money are compared in 亿元; a difference is shown in the largest unit that keeps it
# at least 1 (9344元, not 9.344e-05亿元).
_SMALLER = {"亿元": (1e4, "万元"), "万元": (1e4, "元"), "万吨": (1e4, "吨"), "万人": (1e4, "人"),
            "万人次": (1e4, "人次"), "万亩": (1e4, "亩")}


def _amount(number: float, unit: str) -> tuple[str, str]:
    """``number`` in ``unit`` as the text would write it: 4730元, 18.3个百分点, 92.6亿元."""
    while abs(number) < 1 and number and unit in _SMALLER:
        factor, unit = _SMALLER[unit]
        number *= factor
    return f"{round(number, 4):g}", unit


def _ranking(question: Question, ledger: Ledger, indicators: list[Indicator], measure: str, direction: str,
             min_coverage: float, places: list[str] | None = None) -> FromLedger | None:
    """哪个县…最高: every place's reading of one indicator, ranked; with ``places``, only those,
    each of the year the question gives it, and every one of them must have a reading."""
    if len(indicators) != 1:
        return None
    if places:
        found = []
        for place in places:
            own = _readings(ledger, question, place, indicators[0], measure)
            if not own:
                return None  # a place without a figure may be the highest: not for code to guess
            found.append(own[0])
    else:
        found = _readings(ledger, question, None, indicators[0], measure)
        if not question.years and len({r.fact.year for r in found}) > 1:
            return None  # places of different years are not ranked against each other unasked
    by_place: dict[str, Reading] = {}
    for r in found:
        by_place.setdefault(r.fact.place, r)
    units = {r.unit for r in by_place.values()}
    if len(by_place) < 2 or len(units) != 1 or not _covers(question, list(by_place.values()), indicators, min_coverage):
        return None
    ranked = sorted(by_place.values(), key=lambda r: r.number, reverse=direction in _MORE)
    facts = [r.fact for r in ranked]
    top = ranked[0]
    ties = [r for r in ranked if r.number == top.number]
    leader = "、".join(r.fact.place for r in ties)
    # Figures written in different units are ranked in one (20.58亿斤, 124735吨: 万吨), said beside each.
    mixed = len({r.fact.unit for r in ranked}) > 1
    converted = {id(r): f"{round(r.number, 2):g}" for r in ranked if mixed and r.fact.unit != r.unit}

    def shown(r: Reading) -> str:
        return r.shown + (f"（合{converted[id(r)]}{r.unit}）" if id(r) in converted else "")

    order = "、".join(f"{r.fact.place}{shown(r)}[{n}]" for n, r in enumerate(ranked, 1))

    if places:  # the places named, each of its own year
        order = "、".join(f"{r.fact.place}{r.fact.year}年{KIND_WORD.get(r.fact.kind, '')}{shown(r)}[{n}]"
                         for n, r in enumerate(ranked, 1))
        text = f"所问的{len(ranked)}个地区中，{leader}的{indicators[0].name}最{direction}（{top.shown}）。依次为：{order}。"
    else:
        text = (f"在已索引的{len(ranked)}个地区中，{leader}的{top.fact.year}年{indicators[0].name}"
                f"{KIND_WORD.get(top.fact.kind, '')}最{direction}（{top.shown}）。依次为：{order}。")
    return FromLedger(text, facts, [str(len(ranked)), *converted.values()])


def _group_of(kind: str) -> str:
    return next((g for g, kinds in KIND_GROUPS.items() if kind in kinds), kind)


def figure_conflicts(text: str, question: Question, ledger: Ledger) -> list[tuple[Reading, Reading]]:
    """(the row stating a figure of ``text``, a row disagreeing with it) for each conflict in the ledger.

    The retrieval path's counterpart of the conflicts a ledger answer shows (issue 12, found 5):
    a figure the answer states for an indicator it names is looked up; another row of the same
    place, year, kind group (outcome or target), indicator and measure, from another chunk, with
    another value in the same unit, disagrees.
    """
    from rag.figures import figures_in
    from rag.numerals import read_numerals
    from rag.text import strip_markup

    plain = read_numerals(strip_markup(text))
    indicators = indicators_in(plain)
    if not indicators:
        return []
    found: dict[tuple, tuple[Reading, Reading]] = {}
    for fig in figures_in(plain):
        if not fig.unit or fig.value in question.numbers:
            continue
        measure = GROWTH if fig.family in ("percent", "points") else LEVEL
        for place in question.places or [None]:
            for ind in indicators:
                rows = [f for f in ledger.query(place=place, indicator=ind.name) if f.year]
                if question.years:
                    rows = [f for f in rows if f.year in question.years]
                readings = [r for f in rows if (r := reading(f, measure))]
                if measure == LEVEL:
                    stated = [r for r in readings if r.fact.value == fig.value and r.fact.unit == fig.unit]
                else:
                    stated = [r for r in readings if f"{abs(r.number):g}" == f"{float(fig.value):g}"]
                for s in stated:
                    for r in readings:
                        same_key = (r.fact.place, r.fact.year, _group_of(r.fact.kind), r.unit) == (
                            s.fact.place, s.fact.year, _group_of(s.fact.kind), s.unit)
                        if same_key and r.fact.chunk_id != s.fact.chunk_id and abs(r.number - s.number) > 1e-9:
                            found.setdefault((r.fact.chunk_id, r.fact.start), (s, r))
    return list(found.values())


# ---------------------------------------------------------------------------------------------
# Questions in several parts

_ASKS = re.compile(r"多少|几|哪个|哪一个|谁|是否|有没有|达没达到")


def question_parts(question: Question) -> list[Question]:
    """The parts of a question that asks in several sentences, each a question of its own with the
    places and the year it leaves unsaid taken from the part before it: 兴山县和芦山县2024年…目标各是
    多少?兴山的目标比它2023年实际增速高几个百分点? gives the two places' targets, and 兴山's 2024 target
    against its 2023 outcome. Empty unless there are two parts or more, each asking something."""
    from rag.question import read_question

    sentences = [s for s in re.split(r"(?<=[?？])", question.text) if s.strip()]
    if len(sentences) < 2 or not all(_ASKS.search(s) for s in sentences):
        return []
    parts: list[Question] = []
    places: list[str] = []
    years: list[int] = []
    named: list[Indicator] = []
    before: Question | None = None
    for sentence in sentences:
        own_places = [p for p in question.places if any(f in sentence for f in _forms(p))]
        own_years = [int(y) for y in _YEAR.findall(sentence)]
        # The year of the part before, this part's place's own where that part bound one (五莲县2013年和
        # 兴山县2024年…目标?兴山的目标比其2023年…: 兴山's 2024).
        bound = years_by_place(before) if before else {}
        year = next((bound[p] for p in own_places if p in bound), years[0] if years else None)
        when = ""
        if year and not own_years:
            when = f"{year}年"  # 芦山县同年的…目标: the year of the part before
        elif year and asked_kind(sentence) == TARGET and not any(
                kind == TARGET for _, kind in year_kinds(replace(question, text=sentence))):
            when = f"{year}年"  # 兴山的目标比它2023年实际…: the target set in the part before
        what = named[0].name if not indicators_in(sentence) and named else ""  # the indicator before
        who = ""
        if not own_places:
            own_places = places
            if not own_years and len(own_places) > 1 and all(p in bound for p in own_places):
                # 两地…各是多少? after 盐田区2011年…和兴山县2023年…: each place in its own year
                who, when = "和".join(f"{p}{bound[p]}年" for p in own_places), ""
            else:
                who = "、".join(own_places)
        part = read_question(who + when + what + sentence)  # one clause: the year takes the sentence's kind
        part.places.extend(own_places)
        parts.append(part)
        places, years, before = own_places or places, own_years or years, part
        named = indicators_in(sentence) or named
    return parts


def answer_in_parts(question: Question, ledger: Ledger, min_coverage: float) -> FromLedger | None:
    """The answer to each part from the rows, joined, citations numbered across the parts (a row
    cited in two parts keeps one number); None unless every part is answered."""
    parts = question_parts(question)
    if not parts:
        return None
    answers = [answer_from_ledger(p, ledger, min_coverage) for p in parts]
    if not all(answers):
        return None
    facts: list[Fact] = []
    numbers: dict[tuple, int] = {}
    texts, computed = [], []
    for got in answers:
        local = {}
        for n, f in enumerate(got.facts, 1):
            key = (f.chunk_id, f.start, f.end, f.indicator)
            if key not in numbers:
                facts.append(f)
                numbers[key] = len(facts)
            local[n] = numbers[key]
        text = re.sub(r"\[(\d+)\]", lambda m, local=local: f"[{local.get(int(m.group(1)), m.group(1))}]", got.text)
        # A row an earlier part already stated is not stated again (兴山's target, asked twice).
        texts += [s for s in re.findall(r"[^。]+。?", text) if s not in texts]
        computed += got.computed
    return FromLedger("".join(texts), facts, computed)
