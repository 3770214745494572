"""What a report is: its own place, its type, the years it reviews and plans, its date and meeting.

Every field carries where it came from ("title", "filename", "text", "division table") or
"unknown" with no value: a field the document does not settle stays unknown rather than
guessed. The rules are about how these documents are written (a speech opens with 各位代表,
a county's own organs are 县委 and 县人民政府, a 统计公报 is named after its year), never
about particular files.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePath
from typing import Generic, TypeVar

from rag.places import COUNTY, PREFECTURE, STEM, VARIANT, Division, Mention, find_mentions, normalize
from rag.text import strip_pinyin_glosses

T = TypeVar("T")

TITLE, FILENAME, TEXT, TABLE, UNKNOWN = "title", "filename", "text", "division table", "unknown"

GWR = "政府工作报告"
PLENUM = "全会公报"
# A party congress (中国共产党…县第十六次代表大会): its report, or news of its sessions.
CONGRESS = "党代会文件"
STATS = "统计公报"
# A finance bureau's report to the 人代会: 关于2022年预算执行情况和2023年预算草案的报告.
BUDGET = "预算报告"
_BUDGET = re.compile(r"预算执行情况|预算草案|预算调整方案|决算(?:草案|的报告)")
ARTICLE = "关于政府工作报告的文章"
DOC_TYPES = (GWR, PLENUM, CONGRESS, STATS, ARTICLE, BUDGET)

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = "一二三四五六七八九十"
_YEAR = r"((?:19|20)\d{2})"
_DATE = re.compile(
    rf"(?:{_YEAR}年(\d{{1,2}})月(\d{{1,2}})日)|(?:([〇○零一二三四五六七八九]{{4}})年([{_NUM}]{{1,3}})月([{_NUM}]{{1,3}})日)"
)

# A page's publication stamp: "发布时间:2012-01-11" or a bare ISO date in the chrome.
_PUBLISHED = re.compile(
    r"(?:(?:发布时间|发布日期|发表于|日期)[:：]?\s*(?P<y1>(?:19|20)\d{2})[-年/.](?P<m1>\d{1,2}))"
    r"|(?P<y2>(?:19|20)\d{2})-(?P<m2>\d{1,2})-\d{1,2}"
)
_MONTH_DAY = re.compile(r"(?<![\d年])(\d{1,2})月(\d{1,2})日?(?=[上下]午|晚|[,，]|在|\d{1,2}[:：])")

# A line is site chrome (breadcrumbs, "current position") rather than a title.
_CHROME = re.compile(r"[>＞»›→]|^(?:首页|当前位置|您的位置|位置[:：])")

# A report's own name, for a title glued to the chrome before it and the text after it (a page
# whose line breaks were lost): the shortest run up to the name, after any bracketed chrome.
_GLUED_TITLE = re.compile(
    r"(?:^|(?<=[\]】|]))([^\[\]【】|。！？:：]{2,50}?(?:政府工作报告|统计公报|全体(?:[(（]?扩大[)）]?)?会议公报|全会公报))"
)

# What follows a place name when the text speaks of that place's own organs or documents.
_ORGAN_AFTER = re.compile(
    rf"(?:[县市区州旗盟]?(?:人民政府|人民代表大会|人大|政协|委员会|委(?!员))|第[{_NUM}]+(?:届|次代表大会)|"
    rf"{_YEAR}?年?(?:国民经济和社会发展|政府工作报告)|国民经济和社会发展|政府工作报告|统计局|[{_NUM}]+届)"
)
_ORGAN_BEFORE = re.compile(r"(?:中国共产党|中共)$")

# The text's own organs and "the whole X": which level the document speaks for.
_SELF = {c: re.compile(rf"(?:全|我|本){c}|{c}(?:委|人民政府|政府|人大|政协|长)") for c in "县区市州旗盟省"}

# A year as reports write it; in quoted speech also two digits ("13年的工作回顾" for 2013).
_YEAR2 = r"((?:19|20)\d{2}|(?<![\d.年])\d{2}(?=年的?(?:政府)?工作))"
_REVIEW = re.compile(
    rf"{_YEAR2}年(?:和|及)?(?:过去五年|“十[{_NUM}]五”(?:时期)?)?的?(?:政府)?(?:主要)?工作(?:进行了?)?(?:全面|系统)?(?:回顾|总结)"
)
_PLAN = re.compile(
    rf"{_YEAR2}年(?:政府)?(?:工作(?:安排|思路|建议|重点|任务|总体安排|部署|目标)|重点工作|主要任务|形势与任务|"
    r"(?:经济社会发展|政府工作)的?(?:总体要求|主要预期目标|总体预期目标|预期目标|主要目标))"
)
_GWR_ADDRESS = re.compile(r"各位代表[:：]")
_GWR_OPENING = re.compile(r"(?:向大会|向各位代表)(?:作)?(?:政府)?(?:工作)?报告|报告(?:政府)?工作[,，]?请予审议")


@cache
def _markers() -> dict:
    """rag/data/doc_markers.toml: an outside writer's words and how articles state their years."""
    import tomllib

    return tomllib.loads((Path(__file__).parent / "data" / "doc_markers.toml").read_text("utf-8"))


@cache
def _article_markers() -> re.Pattern:
    return re.compile("|".join(p for group in _markers()["article"] for p in group["patterns"]))


@cache
def _article_title() -> re.Pattern:
    return re.compile("|".join(_markers()["article_title"]["patterns"]))


@cache
def _article_years() -> tuple[re.Pattern, re.Pattern]:
    """(review, plan): the year after a verb of reviewing or planning, as articles write it."""
    words = _markers()["years"]
    review = re.compile(rf"(?:{'|'.join(words['review_verbs'])})了?{_YEAR}年(?!以来|来|至|到|[—–-])")
    plan = re.compile(
        rf"(?:{'|'.join(words['plan_verbs'])})了?{_YEAR}年的?(?:政府)?(?:工作|经济社会发展)的?"
        r"(?:总体要求|主要|预期)?(?:目标|任务|安排|重点|思路|部署|要求)"
        rf"|对{_YEAR}年的?(?:政府)?工作(?:进行了?|作出了?|作了|做了)(?:全面|具体|详细|系统)?(?:安排|部署)"
    )
    return review, plan


_PLENUM_TITLE = re.compile(rf"全体(?:[(（]?扩大[)）]?)?会议公报|全会公报|委员会第[{_NUM}]+次全体(?:[(（]?扩大[)）]?)?会议|委[{_NUM}]+届[{_NUM}]+次全(?:体)?会")
# 中国共产党凤翔县第十六次代表大会 / 县第十五次党代会: a party congress, not a plenum of its committee
# and not a people's congress (人民代表大会).
_CONGRESS = re.compile(rf"(?:中国共产党|中共)[^。,，;；\n]{{0,16}}?第[{_NUM}]+次代表大会|第[{_NUM}]+次党代会")
_PLENUM_BODY = re.compile(r"全会(?:认为|指出|强调|要求|号召|审议|听取|决定|充分肯定|提出|一致认为)")
_MEETING = re.compile(
    # A dateline may wrap inside the name (在宜黄县第十八届人民代表大会 / 第三次会议上).
    rf"(?:中国共产党|中共)?[\u4e00-\u9fff]{{0,16}}?第[{_NUM}]+届[ \t　]*\n?[ \t　]*(?:人民代表大会|委员会)[ \t　]*\n?[ \t　]*第[{_NUM}]+次(?:全体(?:[(（]?扩大[)）]?)?)?会议"
)
# Who chaired the meeting: "会议由县人大主任龙义立主持", "县委书记娄海主持会议并讲话", "区委常委会主持会议".
# The chair is an office and a name or an organ (大会主席团常务主席… may name the session), never
# a clause about the meeting itself; in a
# headline whose spaces were lost it follows 开幕 ("…隆重开幕 马强主持会议").
_CHAIR_WHO = r"((?:(?!(?:会议|大会)(?!主席|执行主席)|开幕|召开|举行|主持)[^，,。；;：:！？、\s]|、){2,30}?)"
_CHAIR = re.compile(
    rf"(?:会议|大会|全会|全体会议|开幕会|开幕大会)由{_CHAIR_WHO}(?:同志)?主持"
    rf"|(?:^|(?<=[，,。；;：:！？\s])|(?<=开幕)){_CHAIR_WHO}(?:同志)?主持了?(?:召开|会议|大会|全会|开幕大会|开幕会)",
    re.M,
)
_MEETING_SHORT = re.compile(rf"[县市区州旗](?:委)?[{_NUM}]+届(?:人大)?[{_NUM}]+次(?:全会|全体(?:[(（]?扩大[)）]?)?会议|会议)")


@dataclass(frozen=True)
class Field(Generic[T]):
    """A value and where it came from; ``source == "unknown"`` means value is None."""

    value: T | None = None
    source: str = UNKNOWN

    @property
    def known(self) -> bool:
        return self.source != UNKNOWN


@dataclass(frozen=True)
class Identity:
    """The document's own place, type, years, date and meeting (and who chaired it), each with its source."""

    place: Field[Division] = Field()
    province: Field[str] = Field()
    prefecture: Field[str] = Field()
    doc_type: Field[str] = Field()
    review_year: Field[int] = Field()
    plan_year: Field[int] = Field()
    date: Field[str] = Field()
    meeting: Field[str] = Field()
    chair: Field[str] = Field()
    title: str = ""
    # The best-scoring places, for explaining a choice: (full name, adcode, score).
    candidates: tuple[tuple[str, str, float], ...] = field(default=(), repr=False)

    def to_dict(self) -> dict:
        """Plain values and sources, for JSON output."""
        out = {}
        for name in ("place", "province", "prefecture", "doc_type", "review_year", "plan_year", "date", "meeting",
                     "chair"):
            f: Field = getattr(self, name)
            value = f.value.name if isinstance(f.value, Division) else f.value
            out[name] = {"value": value, "source": f.source}
        out["title"] = self.title
        out["candidates"] = [list(c) for c in self.candidates]
        return out


# ---------------------------------------------------------------------------------------------
# Preparation


# Markup that copied pages keep: HTML tags and forum BBCode. Block tags end a line.
_BLOCK_TAG = re.compile(r"</?(?:p|div|h[1-6]|br|li|tr|table|section)\b[^>]*>|\[/?(?:align|center|left|right|p|quote|list|table|tr|td|hr)(?:=[^\]]*)?\]", re.I)
_INLINE_TAG = re.compile(r"</?[a-z][a-z0-9]*\b[^>]*>|\[/?(?:b|i|u|s|size|font|color|backcolor|url|img|sup|sub)(?:=[^\]]*)?\]", re.I)


def _prepare(text: str) -> list[str]:
    """Simplified-script, non-empty lines with the spaces PDF and web pages put between words removed."""
    lines = []
    text = _INLINE_TAG.sub("", _BLOCK_TAG.sub("\n", text))
    text = strip_pinyin_glosses(text)  # reposting sites gloss characters: 報(bào)告
    for line in normalize(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.replace("\u3000", " ").replace("\xa0", " ").replace("\u200b", "").replace("\ufeff", "").strip()
        line = re.sub(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+", "", line)
        if line:
            lines.append(line)
    return lines


def _find_title(lines: list[str]) -> str:
    """The first line near the top that names a report or bulletin, else the first short line."""
    # Below the first line, a line that ends its sentence (…召开十二届四次全会。) is prose, not a
    # title; the first may be a scraped title run into its opening sentence.
    top = [ln for i, ln in enumerate(lines[:15])
           if not _CHROME.search(ln) and len(ln) <= 80 and (i == 0 or ln[-1] not in "。！？")]
    for line in top:
        if re.search(r"报告|公报|全会|全体会议", line):
            return line
    for line in lines[:2]:
        if len(line) > 80 and (m := _GLUED_TITLE.search(line[:200])):
            return m.group(1)
    return next((ln for ln in top if 4 <= len(ln) <= 40), "")


def _filename_title(filename: str | None) -> str:
    if not filename:
        return ""
    stem = normalize(PurePath(filename).stem)
    return stem if re.search(r"[\u4e00-\u9fff]{2}", stem) else ""


# ---------------------------------------------------------------------------------------------
# Place


def _is_organ(text: str, m: Mention) -> bool:
    return bool(_ORGAN_AFTER.match(text, m.end) or _ORGAN_BEFORE.search(text[max(0, m.start - 5) : m.start]))


def _kind_weight(kind: str) -> float:
    return 0.5 if kind == STEM else 0.8 if kind == VARIANT else 1.0


def _score_places(title: str, fname: str, text: str, head_len: int) -> list[tuple[Division, float, str]]:
    """(division, score, source) for every place the document names, best first."""
    score: dict[str, float] = defaultdict(float)
    body: dict[str, float] = defaultdict(float)
    named_in: dict[str, str] = {}  # adcode -> "title" or "filename"
    divs: dict[str, Division] = {}
    anchored: set[str] = set()  # named in the title, the opening lines or next to its organs
    # The level words the text itself writes after the name: 綦江县 for the table's 綦江区.
    written_levels: dict[str, set[str]] = defaultdict(set)

    for source, weight in ((title, 10.0), (fname, 6.0)):
        for m in find_mentions(source):
            code = m.division.adcode
            divs[code] = m.division
            score[code] += weight * _kind_weight(m.kind) + (4.0 if _is_organ(source, m) else 0.0)
            anchored.add(code)
            named_in.setdefault(code, TITLE if source is title else FILENAME)

    mentions = find_mentions(text)
    for m in mentions:
        code = m.division.adcode
        divs[code] = m.division
        if m.kind != STEM:
            written_levels[code].add(m.surface[-1])
        organ = _is_organ(text, m)
        if m.start < head_len:
            score[code] += 4.0 * _kind_weight(m.kind) + (4.0 if organ else 0.0)
            anchored.add(code)
        elif organ:
            body[code] += 2.0
            anchored.add(code)
        else:
            body[code] += _kind_weight(m.kind)
    for code, value in body.items():
        # Frequency matters, but a neighbour named thirty times must not outweigh the title.
        score[code] += 3.0 * math.log1p(value)
        if value >= 3:
            anchored.add(code)

    # Which level the text speaks for: 县委/全县/我县 make it a county's document, 全州 a prefecture's.
    # Named organs (重庆市委) are other places' organs; count only the unnamed ones (县委, 全县).
    chars = list(text)
    for m in mentions:
        chars[m.start : m.end] = "□" * (m.end - m.start)
    masked = "".join(chars)
    self_counts = {c: len(rx.findall(masked)) for c, rx in _SELF.items()}
    total = sum(self_counts.values()) or 1
    mentioned = set(divs)
    siblings = Counter(d.prefecture_code for d in divs.values() if d.level == COUNTY and d.prefecture_code)
    if not anchored and self_counts:
        # Nothing names itself in the title or next to its organs: fall back on the one level
        # the text speaks for ("全市", "市委") and the places of that level it names at all.
        top = max(self_counts, key=self_counts.get)
        if self_counts[top] / total >= 0.5:
            anchored = {code for code, d in divs.items() if d.level_char == top}
    ranked = []
    for code in anchored:
        d = divs[code]
        levels = written_levels.get(code) or {d.level_char}
        s = score[code] + 15.0 * max(self_counts.get(c, 0) for c in levels) / total
        # Collisions (兴山县 in 湖北, 兴山区 in 黑龙江) are settled by the province and prefecture the text names.
        if d.province_code in mentioned:
            s += 2.0
        if d.prefecture_code in mentioned:
            s += 2.0
        if d.level == PREFECTURE:
            s += 0.3 * min(5, siblings.get(code, 0))
        elif d.prefecture_code:
            s += 0.3 * min(5, siblings.get(d.prefecture_code, 1) - 1)
        ranked.append((d, s, named_in.get(code, TEXT)))
    ranked.sort(key=lambda r: (-r[1], r[0].adcode))
    return ranked


def _pick_place(ranked: list[tuple[Division, float, str]]) -> tuple[Division | None, str]:
    if not ranked:
        return None, UNKNOWN
    best, s, source = ranked[0]
    if s < 3.0:
        return None, UNKNOWN
    if len(ranked) > 1:
        other, s2, _ = ranked[1]
        # Two divisions sharing a stem that the text cannot tell apart: do not pick one.
        if s - s2 < 0.5 and (set(best.aliases) & set(other.aliases)):
            return None, UNKNOWN
    return best, source


# ---------------------------------------------------------------------------------------------
# Type


def _doc_type(title: str, fname: str, head: str, text: str) -> Field[str]:
    for source, label in ((title, TITLE), (fname, FILENAME)):
        if not source:
            continue
        if "统计公报" in source:
            return Field(STATS, label)
        if _BUDGET.search(source) and "政府工作报告" not in source:
            return Field(BUDGET, label)
        if _PLENUM_TITLE.search(source):
            return Field(PLENUM, label)
        # Not a title that announces one (中共丰县第十六次代表大会定于7月召开: a plenum's news).
        if _CONGRESS.search(source) and not _MEETING.search(source) and not re.search(r"定于|将于|筹备|关于召开", source):
            return Field(CONGRESS, label)
        if "政府工作报告" in source and _article_title().search(source):
            return Field(ARTICLE, label)
        if "政府工作报告" in source and not re.search(r"关于.{0,20}政府工作报告的决议|征求意见", source):
            return Field(_gwr_or_article(text), label)
    if "国民经济和社会发展统计公报" in head:
        return Field(STATS, TEXT)
    if re.search(r"关于[^。\n]{0,40}(?:预算执行情况|预算草案)[^。\n]{0,30}的报告", head[:300]):
        return Field(BUDGET, TEXT)
    if _GWR_ADDRESS.search(text) and _GWR_OPENING.search(text[:3000]):
        return Field(GWR, TEXT)
    if (_MEETING.search(head) and "委员会" in head or _PLENUM_TITLE.search(head)) and len(_PLENUM_BODY.findall(text)) >= 2:
        return Field(PLENUM, TEXT)
    if _opens_on_plenum(text):
        return Field(PLENUM, TEXT)
    if _opens_on_congress(text):
        return Field(CONGRESS, TEXT)
    if re.search(r"政府工作报告|报告政府工作", text) and _article_markers().search(text) and not _GWR_ADDRESS.search(text):
        return Field(ARTICLE, TEXT)
    return Field()


def _opens_on_congress(text: str) -> bool:
    """News of a party congress names it, convening, in its first lines: "1月11日,中国共产党新昌县
    第十五次代表大会在…举行预备会议"."""
    head = text[:400]
    m = _CONGRESS.search(head)
    return bool(m and not _MEETING.search(head[: m.start()]) and re.search(r"召开|开幕|闭幕|举行|预备会议", head))


def _gwr_or_article(text: str) -> str:
    """A text titled as a 政府工作报告 is the speech unless it reports on it from outside."""
    if _GWR_ADDRESS.search(text):
        return GWR
    return ARTICLE if _article_markers().search(text) else GWR


# The short name of a committee's plenum: 县委十二届二次全体(扩大)会议, 县委十四届五次全会.
_PLENUM_SHORT = re.compile(rf"委[{_NUM}]+届[{_NUM}]+次全(?:体)?(?:[(（]扩大[)）])?(?:会议|会)")


def _opens_on_plenum(text: str) -> bool:
    """News of a plenum says so in its first sentence: "7月26日，中共…第四届委员会第十二次全体会议召开".

    The first sentence of each of the first three lines that are not a byline or a caption (记者
    王毅, 讨论会现场: under 15 characters) counts.
    """
    lines = [line.strip() for line in text[:800].splitlines() if len(line.strip()) >= 15][:3]
    for line in lines:
        first = re.split(r"[。！？]", line, maxsplit=1)[0]
        m = _MEETING.search(first)
        if (m and "委员会" in m.group(0) or _PLENUM_SHORT.search(first)) and re.search(r"召开|举行|开幕", first):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# Dates and years


def _cn_number(s: str) -> int:
    if all(ch in _CN_DIGITS for ch in s):
        return int("".join(str(_CN_DIGITS[ch]) for ch in s))
    tens, _, units = s.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(units, 0) if units else 0)


def _date_of(m: re.Match) -> tuple[int, int, int] | None:
    if m.group(1):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        y, mo, d = _cn_number(m.group(4)), _cn_number(m.group(5)), _cn_number(m.group(6))
    return (y, mo, d) if 1949 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31 else None


def _meeting_date(title: str, head: str) -> Field[tuple[int, int, int]]:
    """The date the report was delivered or the meeting held; not any date the text mentions."""
    for m in _DATE.finditer(head):
        after = head[m.end() : m.end() + 60]
        before = head[max(0, m.start() - 3) : m.start()]
        if _ANNOUNCED.search(head[max(0, m.start() - 4) : m.start()]):
            continue  # a meeting the text announces ("全会决定2021年7月28日至30日召开…"), not the one it reports
        if (_held_after(after) or before.endswith("于")) and (value := _date_of(m)):
            return Field(value, TEXT)
    for m in _DATE.finditer(title):
        if value := _date_of(m):
            return Field(value, TITLE)
    # News gives the day without the year ("1月11日，…开幕"); the page's publication date gives
    # the year, provided it is the same or a later month of that year.
    published = _PUBLISHED.search(head)
    if published:
        pub_year = int(published.group("y1") or published.group("y2"))
        pub_month = int(published.group("m1") or published.group("m2"))
        for m in _MONTH_DAY.finditer(head):
            month, day = int(m.group(1)), int(m.group(2))
            if month <= pub_month and 1 <= day <= 31 and _held_after(head[m.end() : m.end() + 60]):
                return Field((pub_year, month, day), TEXT)
    # Without a publication date, a meeting the text announces in full gives the year: an
    # announcement is of the weeks ahead, so of the same year unless it falls before the lead's day.
    announced = next((v for m in _DATE.finditer(head) if _ANNOUNCED.search(head[max(0, m.start() - 4) : m.start()])
                      and (v := _date_of(m))), None)
    if announced and not published:
        for m in _MONTH_DAY.finditer(head):
            month, day = int(m.group(1)), int(m.group(2))
            if 1 <= day <= 31 and _held_after(head[m.end() : m.end() + 60]):
                year = announced[0] if announced[1:] >= (month, day) else announced[0] - 1
                return Field((year, month, day), TEXT)
    # A signed document ends its heading block with a date on a line of its own, in a speech
    # often in brackets under the speaker's name: "(2025年1月6日)".
    for line in head.split("\n")[:8]:
        m = _DATE.fullmatch(line.strip("()（）[]【】"))
        if m and (value := _date_of(m)):
            return Field(value, TEXT)
    return Field()


# Words before a date that make it a meeting to come, not the one held.
_ANNOUNCED = re.compile(r"(?:决定|定于|将于|拟于|计划于)\s*$")


def _held_after(after: str) -> bool:
    """Whether the words after a date say a speech was given or a meeting held on that date."""
    if re.match(r"[^。\n]{0,60}?闭幕", after):
        return False  # the day a session closed, not the day the report was given
    return bool(
        re.match(r"[,，]?(?:上午|下午|晚上)?(?:\d{1,2}[:：]\d{2}|\d{1,2}时)?[,，]?(?:在|于)[^。]{2,50}?(?:会议|大会)", after)
        or re.match(r"[^。\n]{0,50}?(?:召开|举行|开幕|通过)", after)
    )


def _first_year(rx: re.Pattern, text: str, at_least: int | None = None, at_most: int | None = None) -> int | None:
    for m in rx.finditer(text):
        year = int(next(g for g in m.groups() if g))
        year += 2000 if year < 100 else 0  # "13年" in quoted speech
        if (at_least is None or year >= at_least) and (at_most is None or year <= at_most):
            return year
    return None


def _title_year(title: str) -> int | None:
    m = re.search(rf"{_YEAR}年?(?:度)?[^\d]{{0,20}}?(?:政府工作报告|统计公报|国民经济)", title) or re.search(
        rf"{_YEAR}年", title
    )
    return int(m.group(1)) if m else None


def _years(doc_type: str | None, title: str, fname: str, text: str, date: Field) -> tuple[Field[int], Field[int]]:
    """(review year, plan year) by the conventions of each document type."""
    if doc_type == STATS:
        for source, label in ((title, TITLE), (fname, FILENAME)):
            if source and (y := _title_year(source)):
                return Field(y, label), Field()
        # A bulletin without a dated title opens on the year it describes.
        m = re.search(rf"{_YEAR}年[,，]|(?:初步核算|初步测算|全年)[,，]?{_YEAR}年", text[:800])
        if m:
            return Field(int(m.group(1) or m.group(2)), TEXT), Field()
        return Field(), Field()

    if doc_type == BUDGET:
        # 关于2022年预算执行情况和2023年预算草案的报告: the year executed, the year drafted.
        head = "\n".join(x for x in (title, fname, text[:600]) if x)
        done = re.search(rf"{_YEAR}年(?:度)?[^\d。\n]{{0,8}}?(?:预算执行|决算)", head)
        draft = re.search(rf"{_YEAR}年(?:度)?[^\d。\n]{{0,8}}?预算(?:草案|安排)", head)
        review = Field(int(done.group(1)), TEXT) if done else Field()
        plan = Field(int(draft.group(1)), TEXT) if draft else Field()
        return review, plan

    if doc_type == PLENUM:
        if not date.known:
            return Field(), Field()
        y, month, _ = date.value
        # A plenum late in the year sets the course of the next one.
        plan = y + 1 if month >= 11 and f"{y + 1}年" in text else y
        reviews = re.search(rf"(?:{plan - 1}年|一年来|过去一年)", text)
        return (Field(plan - 1, TEXT) if reviews else Field()), Field(plan, date.source)

    if doc_type not in {GWR, ARTICLE}:
        return Field(), Field()
    review_h = _first_year(_REVIEW, text)
    art_review, art_plan = _article_years()
    if review_h is None and doc_type == ARTICLE:
        review_h = _first_year(art_review, text)
    # A report plans the year after the one it reviews (or, early in a year, that same year).
    at_most = review_h + 1 if review_h else None
    plan_h = _first_year(_PLAN, text, at_least=review_h, at_most=at_most)
    if plan_h is None and doc_type == ARTICLE:
        plan_h = _first_year(art_plan, text, at_least=review_h, at_most=at_most)
    review: Field[int] = Field(review_h, TEXT) if review_h else Field()
    plan: Field[int] = Field(plan_h, TEXT) if plan_h else Field()
    base: tuple[int, str] | None = None
    if date.known:
        y, month, _ = date.value
        # Reports delivered in November or December present the coming year (人代会 held early).
        base = (y + 1 if month >= 11 else y, date.source)
    else:
        for source, label in ((title, TITLE), (fname, FILENAME)):
            if source and (y := _title_year(source)):
                base = (y, label)
                break
    if not plan.known:
        if review.known:
            plan = Field(review.value + 1, TEXT)
        elif base:
            plan = Field(base[0], base[1])
    if not review.known and plan.known:
        review = Field(plan.value - 1, plan.source)
    return review, plan


def _meeting(title: str, head: str) -> Field[str]:
    for source, label in ((title, TITLE), (head, TEXT)):
        for m in _MEETING.finditer(source):
            found = re.sub(r"\s+", "", m.group(0))
            # "澧县召开中国共产党澧县第十二届…": the verb of meeting and what stands before it are not the name.
            if (cut := re.search(r"(?:隆重召开|召开|举行|开幕)(?=中国共产党|中共)", found)) is not None:
                found = found[cut.end() :]
            # In the text, only the meeting the report was given at or the article is about,
            # not an earlier one it refers to ("县第十四届人民代表大会第一次会议以来").
            if label == TEXT and not re.match(r"\s*(?:上|开幕|隆重开幕|举行|召开|于|在|,|，)", source[m.end() :]):
                continue
            if not found.startswith(("中国共产党", "中共")):
                # Cut the words before the place: "日在兴山县第十九届…" -> "兴山县第十九届…".
                places = [p for p in find_mentions(found) if p.kind != STEM or p.start > 0]
                if not places:
                    continue
                found = found[min(p.start for p in places) :]
            return Field(found, label)
    if m := _MEETING_SHORT.search(title):
        return Field(m.group(0), TITLE)
    return Field()


def _chair(title: str, head: str) -> Field[str]:
    """Who chaired the meeting, as the text names them (an office and a name, or an organ)."""
    for source, label in ((title, TITLE), (head, TEXT)):
        if m := _CHAIR.search(source):
            return Field(m.group(1) or m.group(2), label)
    return Field()


# ---------------------------------------------------------------------------------------------


def identify(text: str, title: str | None = None, filename: str | None = None) -> Identity:
    """Place, type, years, date and meeting of one report, each with its source.

    ``text`` may be raw or cleaned, simplified or traditional; ``title`` (the page or file
    title, if known) weighs most; ``filename`` is used only where title and text say nothing.
    """
    lines = _prepare(text)
    body = "\n".join(lines)
    given_title = _prepare(title)[0] if title and _prepare(title) else ""
    found_title = given_title or _find_title(lines)
    fname = _filename_title(filename)

    head_lines, size = [], 0
    for line in lines:
        head_lines.append(line)
        size += len(line) + 1
        if size >= 400 or len(head_lines) >= 12:
            break
    head_len = size
    head = body[:1500]

    ranked = _score_places(found_title, fname, body, head_len)
    place, place_source = _pick_place(ranked)
    province: Field[str] = Field()
    prefecture: Field[str] = Field()
    if place:
        if place.level == "province":
            province = Field(place.name, TABLE)
        else:
            province = Field(place.province, TABLE) if place.province else Field()
        if place.prefecture:
            prefecture = Field(place.prefecture, TABLE)
        elif place.level == PREFECTURE:
            prefecture = Field(place.name, TABLE)

    doc_type = _doc_type(found_title, fname, head, body)
    date = _meeting_date(found_title, head)
    review, plan = _years(doc_type.value, found_title, fname, body, date)
    date_str: Field[str] = Field(f"{date.value[0]}-{date.value[1]:02d}-{date.value[2]:02d}", date.source) if date.known else Field()

    return Identity(
        place=Field(place, place_source) if place else Field(),
        province=province,
        prefecture=prefecture,
        doc_type=doc_type,
        review_year=review,
        plan_year=plan,
        date=date_str,
        meeting=_meeting(found_title, head),
        chair=_chair(found_title, head),
        title=found_title,
        candidates=tuple((d.name, d.adcode, round(s, 2)) for d, s, _ in ranked[:5]),
    )


__all__ = ["ARTICLE", "CONGRESS", "GWR", "PLENUM", "STATS", "Field", "Identity", "identify"]
