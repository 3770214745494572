"""What a document decides, read in code: strategic frameworks, commitments, decisions, meeting
facts, honours and figure-less outcomes (issue 13).

Figures are one kind of content; a plenum communiqué is mostly the other kind. These readers
are grammars over the regular shapes such content takes in Chinese government writing:

- a meeting states its date (于2024年1月5日在…举行), who attended (出席…的有, 应到/实到, 列席),
  who presided (由…主持) and who spoke (作了讲话, 作…工作报告, 作了说明);
- a decision is a quoted title after a verb of adoption (审议通过了《…决定》);
- a strategic framework is a numbered formula in quotation marks followed by what it is
  (“一区一地引领、两轴三圈联动…”区域发展新格局), a counted list (飞仙、大川两大“农文旅增长极”),
  a brand (擦亮…的城市名片, 建设…之都) or a slogan (树立“…”理念); its parts are explained
  where the text says 把“part”作为… or “term”：即…;
- a commitment is a title to be won (创建/争创…示范县), a pace (与经济增长同步) or a rank to keep
  (保持…前列), each with the year it names (到2027年) or the plan year;
- an honour is a title already won (荣获/获评/入选/被评为…), with its level;
- an outcome without a figure is a result clause of the review (…均实现增长).

Every reader matches a comparison form of the chunk (NFKC, simplified script, no whitespace)
and maps the match back to the chunk's own characters, so a quote is verbatim (traditional
script and hard-wrapped lines included) and grounding (``rag.brief_check``) finds it in its chunk.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from rag.brief_read import PLAN_HEADING, REVIEW_HEADING, Unit
from rag.brief_schema import (
    Commitment,
    Decision,
    Expansion,
    Framework,
    Honour,
    MeetingFact,
    Outcome,
    Source,
)
from rag.places import normalize as to_simplified
from rag.store import StoredChunk

# ---------------------------------------------------------------------------------------------
# The comparison view of a chunk, with offsets back into its text


@dataclass
class View:
    """A chunk's text as matched (NFKC, simplified, no whitespace) and where each character came from."""

    chunk: StoredChunk
    text: str
    origin: list[int]
    part: str  # review | plan | other, from the units of the chunk
    raw: str  # what the view was made from: the chunk's heading path, a newline, its body
    # (view offset, part) where each unit of the chunk starts: a chunk may hold the review's last
    # sentences and the plan's first (大会认为… then 大会赞成报告提出的…总体要求).
    unit_parts: tuple[tuple[int, str], ...] = ()

    def part_at(self, offset: int) -> str:
        """The part of the unit at ``offset``; the chunk's part (from its heading or lines) where
        none of its units has one."""
        if all(p == "other" for _, p in self.unit_parts):
            return self.part
        return next((p for start, p in reversed(self.unit_parts) if start <= offset), self.unit_parts[0][1])

    def quote(self, start: int, end: int) -> str:
        """The chunk's own text for the view's span [start, end)."""
        if end <= start:
            return ""
        return self.raw[self.origin[start] : self.origin[end - 1] + 1].strip()

    def source(self, start: int, end: int) -> Source:
        """A citation of the view's span [start, end)."""
        return Source(chunk_id=self.chunk.id, quote=self.quote(start, end))

    def sentence_span(self, start: int, end: int) -> tuple[int, int]:
        """The sentence around [start, end): from the last 。!? before to the next one after."""
        left = max(self.text.rfind(p, 0, start) for p in "。!?") + 1
        # …铭刻在固始人民心中……”8月29日上午,…: a closing quote after a sentence's end ends it too.
        left = max([left] + [k + 2 for p in ("…”", "。”", "!”", "?”") if (k := self.text.rfind(p, 0, start)) >= 0])
        rights = [i for i in (self.text.find(p, end) for p in "。!?") if i >= 0]
        return left, (min(rights) + 1 if rights else len(self.text))

    def line_starts(self) -> list[int]:
        """View offsets that begin a line of the chunk's own text (the view drops line breaks)."""
        # The body's first line starts after the heading path: the 。 the view puts at the heading's
        # end stands for the newline there (its origin).
        return [0] + [k for k in range(1, len(self.text))
                      if "\n" in self.raw[self.origin[k - 1] + 1 : self.origin[k]] or self.raw[self.origin[k - 1]] == "\n"]

    def clause_span(self, start: int, end: int) -> tuple[int, int]:
        """The clause around [start, end): bounded by 。!?;, by a colon and by a line break (a title
        line above a sentence has no punctuation to end it)."""
        # ">" parts the heading path (一、2023年工作回顾 > ——经济运行更加稳健): a clause is one part of it.
        left = max(self.text.rfind(p, 0, start) for p in "。!?;,:>") + 1
        left = max([left] + [k for k in self._line_starts if k <= start])
        rights = [i for i in (self.text.find(p, end) for p in "。!?;,") if i >= 0]
        rights += [k for k in self._line_starts if k >= end]
        return left, (min(rights) if rights else len(self.text))

    @cached_property
    def _line_starts(self) -> list[int]:
        return self.line_starts()


def _one_char(ch: str) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    return folded if len(folded) == 1 else ch  # NFKC may expand (㎡ -> m2): keep offsets one to one


def make_view(chunk: StoredChunk, part: str = "other") -> View:
    """The comparison view of ``chunk`` (heading path and body, as grounding cites them, with a
    sentence end between); ``to_simplified`` keeps lengths, so offsets map back."""
    raw = (chunk.heading + "\n" if chunk.heading else "") + chunk.text
    simple = to_simplified("".join(_one_char(ch) for ch in raw))
    kept = [(c, i) for i, c in enumerate(simple) if not c.isspace()]
    if chunk.heading:  # the heading's end reads as a sentence end, so no match runs on into the body
        cut = len(chunk.heading)
        kept = [(c, i) for c, i in kept if i < cut] + [("。", cut)] + [(c, i) for c, i in kept if i > cut]
    return View(chunk, "".join(c for c, _ in kept), [i for _, i in kept], part, raw)


def views_of(chunks: list[StoredChunk], units: list[Unit]) -> list[View]:
    """A view per chunk, tagged with the part of the document its units sit in (the last one).

    Where the units place a chunk in no part, its heading decides, or else a heading that stands
    as a line of the text (2018年工作回顾 under a dateline the chunker took for the heading),
    which then holds for the chunks after it.
    """
    parts = {u.chunk.id: u.part for u in units}
    of_chunk: dict[str, list[Unit]] = {}
    for unit in units:
        of_chunk.setdefault(unit.chunk.id, []).append(unit)
    views, carried = [], "other"
    for chunk in chunks:
        part = parts.get(chunk.id, "other")
        if part == "other":
            part = _part_from_heading(chunk)
        if part == "other":
            part = carried = _part_from_lines(chunk, carried)
        view = make_view(chunk, part)
        view.unit_parts = _unit_parts(view, of_chunk.get(chunk.id, []))
        views.append(view)
    return views


def _unit_parts(view: View, units: list[Unit]) -> tuple[tuple[int, str], ...]:
    """Where each unit starts in the view, with its part (units are in order in the chunk's text)."""
    marks, cursor = [], 0
    for unit in units:
        at = view.raw.find(unit.text, cursor)
        if at < 0:
            continue
        cursor = at + len(unit.text)
        marks.append((bisect_left(view.origin, at), unit.part))
    return tuple(marks)


def _part_from_lines(chunk: StoredChunk, carried: str) -> str:
    """The part named by the last short heading-like line of the chunk's text, else ``carried``."""
    for line in _plain(chunk.text).splitlines():
        line = line.strip()
        if 0 < len(line) <= 24 and not re.search(r"[。,;]", line):
            if PLAN_HEADING.search(line):
                carried = "plan"
            elif REVIEW_HEADING.search(line):
                carried = "review"
    return carried


def _part_from_heading(chunk: StoredChunk) -> str:
    """The part a chunk's heading names, compared in simplified script (一、2023年工作回顧 is a review)."""
    path = _plain(chunk.heading).split(">") if chunk.heading else []
    if any(PLAN_HEADING.search(h) for h in path):
        return "plan"
    return "review" if path and REVIEW_HEADING.search(path[0]) else "other"


def _plain(text: str) -> str:
    return to_simplified("".join(_one_char(ch) for ch in text)).replace(" ", "")


_HAN = r"\u4e00-\u9fff"
_NUMERAL = "一二两三四五六七八九十百千万"
_STOP = "。!?;,:、《》()"  # a clause's own punctuation, which no title crosses (quotes may stand inside)


# ---------------------------------------------------------------------------------------------
# Meeting facts


# 于2024年1月5日在芦山举行 / 2024年1月12日在…会议上 / 会议于…召开: a date next to the verb of meeting.
# The year may be left to the dateline (12月26日,县委书记…主持召开…); the meeting's name follows the verb.
_MEETING_DATE = re.compile(r"(?:于)?((?:20\d\d年)?(?:\d{1,2}|元)月\d{1,2}(?:日|号)(?:至\d{1,2}日)?(?:上午|下午|晚)?)"
                           r"(?:[^。;]{0,24}?)(?:举行|召开|开幕|闭幕)(?:[^。,;]{0,40}?(?:全体\(扩大\)会议|会议|全会|大会))?")
# 出席全会的有,县委委员32人,候补县委委员3人 / 应到…人,实到…人: the roll, up to the sentence's end.
_ATTENDANCE = re.compile(r"出席(?:这次|本次)?(?:全会|会议|大会)的(?:有|是)[,:]?[^。]{2,80}|"
                         r"(?:(?:本次)?(?:大会|会议|全会))?应(?:到|出席)[^。,;]{0,12}\d+[名人][^。]{0,40}|"
                         r"实到[^。,;]{0,12}\d+[名人][^。]{0,30}|"
                         # 来自全县各地各行各业的160多名代表与会.
                         r"[^。,;:]{0,30}?\d+(?:多|余)?[名位][^。,;]{0,10}?(?:代表|委员|同志)(?:与会|参会|出席|会聚一堂|齐聚一堂|汇聚一堂|参加会议)|"
                         # 来自全县各行各业的221名人大代表,肩负…重托: the count, whatever verb follows.
                         r"来自[^。,;:]{2,30}?\d+(?:多|余)?名[^。,;]{0,6}?(?:代表|委员)|"
                         # …等出席会议 / …参加了会议: the roll before the verb, commas included (a list of names).
                         # Not 出席会议代表260名, which labels a count (read by 应到/应出席 above).
                         r"[^。:;]{2,160}?(?:出席|参加)(?:了)?(?:全会|会议|大会|小组讨论|分组讨论|第[\d一二三四五六七八九十]+(?:组|小组|代表团)讨论(?:[^。,;]{0,12}?报告)?)(?!的|代表|委员|人数)"
                         r"(?:并(?:作|发表)?(?:重要)?讲话)?|"
                         # 大会执行主席戴荣、…以及…组长刘雅芸在主席台前排就座: who sat on the rostrum.
                         r"[^。:;!?]{2,160}?在主席台(?:前排)?就座(?!的)|"
                         # 政府旗长希尼、…郝伟出席: a roll whose verb ends the sentence.
                         r"[^。:;]{2,160}?出席(?=[。;])|"
                         # 全体县委委员、县委候补委员;…;…主要负责人参加了会议: a roll in parts.
                         r"(?:全体|全县)[^。:]{2,240}?(?:出席|参加)(?:了)?(?:全会|会议|大会)|"
                         # 各代表团举行分组讨论 / 代表分组审议了《政府工作报告》 / 分成6个组对报告展开讨论.
                         r"[^。,;:]{0,30}?(?:分组讨论|分组审议(?:了)?[^。,;]{0,30}|分成\d+个(?:小)?组[^。,;]{0,20})")
# 县纪委常委…列席会议: who sat in, the clause before the verb.
_OBSERVERS = re.compile(r"[^。,;:]{2,60}?列席(?:了)?(?:全会|会议|大会)|"
                        # 市纪委…处长李方华同志到会监督指导: a higher body's observer.
                        r"[^。,;:]{2,60}?到会(?:监督|观摩)?指导")
# 全会由县委常委会主持 / 县委书记杨俊主持会议.
_PRESIDED = re.compile(r"(?:全会|会议|大会|开幕式|闭幕式|开幕会|闭幕会)由[^。,;]{2,30}?主持|[^。,;:]{2,30}?主持(?:召开)?(?:了)?[^。,;]{0,24}?(?:全会|会议|大会)(?:开幕式|闭幕式|开幕会|闭幕会)?"
                       r"(?:并(?:作|发表)?(?:重要|总结)?讲话)?|"
                       # 大会主席团常务主席伍存强宣布大会开幕 / 孙良才宣布:…会议开幕.
                       r"[^。,;:]{2,30}?宣布[:,]?[^。,;]{0,30}?(?:全会|会议|大会)(?:开幕|闭幕)")
# 县委书记杨俊作了讲话 / 杨俊就《决定(讨论稿)》向全会作了说明 / 听取和讨论了杨俊代表县委常委会作的工作报告.
_SPOKE = re.compile(r"(?:听取|聆听)(?:和讨论|并审议|和审议|并讨论)?了?[^。,;]{2,40}?报告|"
                    # 代表旗委常委会向全会报告工作.
                    r"[^。,;:]{2,40}?向(?:全会|会议|大会)报告(?:了)?工作|"
                    r"[^。,;:]{2,40}?(?:作了|作出|作|发表了|发表)(?:重要|总结|起草)?(?:讲话|说明|工作报告)|"
                    # 市委常委、县委书记卢林讲话(陈颖 摄): a caption naming who spoke.
                    r"[^。,;:]{0,20}?(?:书记|县长|区长|市长|旗长|州长|主任|主席)[\u4e00-\u9fff]{2,3}(?:讲话|致辞)(?![\u4e00-\u9fff])|"
                    # 县长赵君峰作《政府工作报告》.
                    r"[^。,;:]{2,40}?(?:作了|作)《[^《》。]{2,20}?报告》|"
                    r"[^。,;:]{2,40}?向(?:全会|会议|大会)作了?[^。;]{0,60}?报告》?|[^。,;:]{2,30}?在总结讲话|"
                    # 县委常委、县委办主任乔毅同志宣读…决议(草案): who read a document out.
                    r"[^。,;:]{2,40}?宣读(?:了)?[^。,;]{2,40}|"
                    # 李德新代表县委作了题为《…》的工作报告 / 代县长王玉峰代表县政府向大会作《政府工作报告》 /
                    # 秦昌政在大会上作政府工作报告.
                    r"[^。,;:]{2,60}?(?:所)?作(?:了|的)?主?题为[^。;]{2,60}?的(?:工作报告|报告|讲话)|"
                    # 代表 an organ (县政府, 县委常委会), not 代表 the delegates (人大代表热议政府工作报告).
                    r"[^。,;:]{2,30}?代表[^。,;]{0,10}?(?:政府|委员会|常委会|[县市区旗州]委)(?:向大会|向全会|在大会上)?(?:所)?作(?:了|的)?《?[^。,;《》]{0,20}?报告》?|"
                    r"[^。,;:]{2,30}?在(?:大会|会议|全会)上作(?:了)?《?[^。,;《》]{0,20}?报告》?|"
                    # 区委副书记叶林霞作中国共产党…第二次代表大会筹备工作情况的报告.
                    r"[^。,;:]{2,30}?作(?:了)?[^。,;:《》]{2,50}?的报告|"
                    # 报告共分四个部分:一、五年砥砺奋进,成就鼓舞人心;二、…: what the report holds.
                    r"(?:政府工作)?报告(?:共)?分(?:为)?[两三四五六七八九十]个部分[:,]?[^。]{4,160}")
_MEETING_WORD = re.compile(r"全会|全体会议|会议|大会|常委会")
# What the meeting did, one part of a sentence (to its ; or 。) each: 会议书面传达了…精神,听取了…报告 /
# 全会决定…召开… / ;审议并通过了…(the subject left to the sentence's start) / 区长张玉林通报上半年经济形势,
# 安排部署… / 周文栋就…筹备工作情况…作了具体说明 / 区委书记周文栋代表区委常委会讲话.
_AGENDA_VERB = (r"(?:书面|集中|认真|专题)?(?:传达(?:学习)?|学习(?:贯彻)?|审议(?:并通过|通过)?|表决通过|听取|讨论|酝酿|"
                r"投票表决|表决|决定|安排部署|部署|测评|选举产生|选举|通报|总结|分析|等额圈选|圈选|"
                # 会议还就防汛抗台…等当前重点工作进行部署.
                r"就[^。;]{2,60}?(?:进行|作出?)(?:了)?(?:安排)?部署)")
_AGENDA = re.compile(rf"(?:(?<=[。;,:])|^)(?:(?:全会|会议|大会)(?:还|并|首先|先后|同时|一致)?{_AGENDA_VERB}|(?<=[;:]){_AGENDA_VERB}(?:了)?|"
                     rf"[^。;,:]{{0,24}}?(?:书记|县长|区长|市长|旗长|州长|主任|主席|部长|局长)[{_HAN}]{{2,3}}(?:同志)?"
                     rf"(?:通报|就[^。;]{{2,60}}?作(?:了|出)?(?:具体|起草)?(?:说明|部署)|代表[^。;,]{{2,16}}?讲话|"
                     rf"对[^。;]{{2,60}}?进行(?:了)?(?:安排部署|部署|安排|总结|测评))|"
                     # 周文栋就区第五次党代会筹备工作情况…作了具体说明: the speaker named alone.
                     rf"(?:(?<=[。])|^)[{_HAN}]{{2,3}}就[^。;]{{2,80}}?作(?:了|出)?(?:具体|起草)?说明|"
                     # 新当选同志与代表们见面,并进行宪法宣誓.
                     rf"[^。;:]{{2,40}}?(?:进行|举行)(?:了)?宪法宣誓)[^。;]{{0,200}}")
_AGENDA_MAX = 160  # characters of one agenda item; a longer part is cut at its last clause within


_N = "一二三四五六七八九十"
# 中国共产党澧县第十二届委员会第四次全体(扩大)会议 / 镇安县第十七届人民代表大会第六次会议 /
# 县委十一届十四次全会 / 理县十三届人大二次会议: the names a meeting of a county body goes by.
_MEETING_NAME = re.compile(
    rf"[^。,;:、“”《》]{{0,16}}?第?[{_N}]+届(?:[^。,;:、]{{0,6}}?委员会)?第?[{_N}]+次(?:全体(?:\(扩大\))?会议|全会|会议)|"
    rf"[^。,;:、“”《》]{{0,16}}?第?[{_N}]+届(?:人民代表大会|人大|代表大会|党代会)第?[{_N}]+次会议|"
    # 中国共产党静乐县第十三次代表大会第五次会议暨经济工作会议 / 县第十三次党代会.
    rf"[^。,;:、“”《》]{{0,16}}?第[{_N}]+次(?:代表大会|党代会)(?:第[{_N}]+次会议)?(?:暨[^。,;:]{{2,12}}?会议)?|"
    rf"[^。,;:、“”《》]{{0,16}}?[{_N}]+届(?:县委|市委|区委)?(?:常委会)?第[\d{_N}]+次会议")
# A clause that is only a date (本报讯 1月14日, / 2月25日上午,), opening the sentence that names the meeting.
_DATE_LEAD = re.compile(r"[^。,;]{0,6}?(?:20\d\d年)?(?:\d{1,2}|元)月\d{1,2}(?:日|号)(?:上午|下午|晚上?)?,")
_CONVENED = re.compile(r"召开|开幕|举行|闭幕|隆重|在[^。,;]{2,20}(?:召开|开幕|举行)")


def meeting_name(views: list[View], known: str | None = None) -> MeetingFact | None:
    """The clause that names the meeting the document reports, preferring one that convenes it.

    ``known`` is the meeting's name as the document identity read it (``meta["meeting"]``).
    """
    best = None
    for view in views:
        plain = _plain(view.text)
        hits = []
        if known and (at := plain.find(_plain(known))) >= 0 and len(plain) == len(view.text):
            hits.append((at, at + len(_plain(known))))
        hits += [m.span() for m in _MEETING_NAME.finditer(view.text)]
        for start, end in hits:
            c0, c1 = view.clause_span(start, end)
            s0, s1 = view.sentence_span(start, end)
            # The lines the name stands on, not the title line above or below it (the view drops
            # line breaks). A dateline may wrap inside the name (在宜黄县第十八届人民代表大会 /
            # 第三次会议上), so the name is kept from the line its core (第…届, 第…次) starts on.
            breaks = [k for k in range(s0 + 1, s1) if "\n" in view.raw[view.origin[k - 1] + 1 : view.origin[k]]]
            core = re.search(rf"第?[{_N}]+(?:届|次)", view.text[start:end])
            core_start = start + core.start() if core else start
            s0 = max([k for k in breaks if k <= core_start], default=s0)
            s1 = min([k for k in breaks if k >= end], default=s1)
            c0 = max(c0, s0)
            if s1 - s0 <= 80:  # 中国共产党…全体会议,于2024年1月5日在芦山举行: the whole short sentence
                c0, c1 = s0, s1 - (view.text[s1 - 1 : s1] in "。!?;")
            elif _DATE_LEAD.fullmatch(view.text, s0, c0):
                c0 = s0  # 2月25日上午,…会议在县一高隆重开幕,…: the date the long sentence opens with
            clause = view.text[c0:c1]
            if re.search(r"筹备|迎接|开好|备战", view.text[c0:start]):
                continue  # 筹备召开县委十五届六次全会: a meeting to come, not this one
            # The document's own meeting (as its identity names it) first, then a clause that
            # convenes it, and one that says where; the earliest wins a tie (later mentions are
            # of other meetings: 筹备召开县委十五届六次全会).
            score = (3 * bool(known and _plain(known) in _plain(clause)) + 2 * bool(_CONVENED.search(clause))
                     + bool(re.search(r"在[^。,;]{2,20}(?:召开|开幕|举行)", clause)))
            if best is None or score > best[0]:
                best = (score, view, c0, c1)
    if best is None:
        return None
    _, view, c0, c1 = best
    return MeetingFact(kind="name", text=view.quote(c0, c1).strip(), source=view.source(c0, c1))


# 并请县政协委员和列席会议的同志提出意见 / 现在,我代表县人民政府向大会报告工作: a report's
# courtesies to its audience, not a roll or a speaker.
_COURTESY = re.compile(r"^(?:并?请|现在|我代表)")


def speaker_line(views: list[View], speaker: str | None) -> MeetingFact | None:
    """The line under a report's title that names who delivers it (县人民政府县长 陈小青), as a
    speaker fact: the identity read the name; this cites the line it stands on."""
    if not speaker:
        return None
    name = _plain_key(speaker)
    for view in views[:2]:
        at = view.text.find(name)
        if at < 0 or at > 600:
            continue
        starts = view.line_starts()
        s0 = max(k for k in starts if k <= at)
        s1 = min([k for k in starts if k > at], default=len(view.text))
        if s1 - s0 <= 30:  # a line of its own, not a sentence that mentions the name
            return MeetingFact(kind="spoke", text=view.quote(s0, s1), source=view.source(s0, s1))
    return None


def agenda(views: list[View], about: list[bool], have: list[str], limit: int = 8) -> list[MeetingFact]:
    """What the meeting did (传达, 审议, 决定, 通报, 部署…), from the chunks that speak of it: one item
    per sentence part, unless a fact already read holds it."""
    out: list[MeetingFact] = []
    for view, speaks in zip(views, about):
        if not speaks:
            continue
        # The meeting's acts after its preamble (全会深入学习…精神,听取…报告,安排部署…): the first piece of a
        # sentence the meeting itself opens, not one that tells what another body did (全会认为,省委…).
        acts, sentences = [], set()
        for span in summary_spans(view, acts=True):
            s0 = view.sentence_span(*span)[0]
            if s0 not in sentences and re.match(r"(?:这次|本次)?(?:全会|会议|大会)(?!认为|指出|强调|要求|号召)", view.text[s0:]):
                acts.append(span)
            sentences.add(s0)
        spans = sorted([m.span() for m in _AGENDA.finditer(view.text)] + acts)
        for start, end in spans:
            if end - start > _AGENDA_MAX:
                cut = max(view.text.rfind(p, start, start + _AGENDA_MAX) for p in ",、")
                end = cut if cut > start + 8 else start + _AGENDA_MAX
            text = view.quote(start, end).strip()
            key = _plain_key(text)
            if len(key) < 8 or any(key in k for k in have) or _COURTESY.search(key):
                continue
            have.append(key)
            out.append(MeetingFact(kind="agenda", text=text, source=view.source(start, end)))
            if len(out) >= limit:
                return out
    return out


def meeting_facts(views: list[View], limit: int = 16, known: str | None = None,
                  speaker: str | None = None) -> list[MeetingFact]:
    """Date, attendance, who presided and who spoke, as the document states them.

    Read only from chunks that speak of a meeting, and only its first statement of each kind
    (a communiqué states its own meeting first; later mentions are of other meetings).
    """
    found: list[MeetingFact] = []
    seen: set[str] = set()
    # A chunk that speaks of a meeting, and the one after it: a news story's next paragraph goes on
    # about the same meeting (县长赵君峰作《政府工作报告》) without naming it again.
    about = [bool(_MEETING_WORD.search(v.text)) for v in views]
    about = [now or (k > 0 and about[k - 1]) for k, now in enumerate(about)]
    for kind, pattern in (("date", _MEETING_DATE), ("attendance", _ATTENDANCE), ("attendance", _OBSERVERS),
                          ("presided", _PRESIDED), ("spoke", _SPOKE)):
        for view, speaks in zip(views, about):
            if not speaks:
                continue
            hits = [m for m in pattern.finditer(view.text) if _plain_key(m.group(0)) not in seen]
            if kind == "date":  # a date only in the sentence that names the meeting itself
                hits = [m for m in hits if _MEETING_WORD.search(view.text[slice(*view.sentence_span(*m.span()))])]
            for m in hits[:5 if kind == "spoke" else 3 if kind == "attendance" else 1]:
                start, end = m.span()
                if kind != "attendance":  # the clause the fact stands in, e.g. 县委书记杨俊作了讲话
                    # on its own line: not from the title line above it (丙县人大代表热议政府工作报告)
                    start = max([view.clause_span(start, end)[0]] + [k for k in view.line_starts() if k < end])
                if kind == "presided":  # 主持会议并代表常委会报告工作: what the chair did there too
                    end = view.clause_span(start, end)[1]
                if kind in ("presided", "spoke") and view.text.startswith(",并", end):
                    end = view.clause_span(end + 2, end + 3)[1]  # 作了讲话,并就…向全会作了说明: one speaker's acts
                text = view.quote(start, end).strip()
                key = _plain_key(text)
                if key in seen or len(key) < 4 or _COURTESY.search(key):
                    continue
                seen.add(key)
                found.append(MeetingFact(kind=kind, text=text, source=view.source(start, end)))
            if kind in ("date", "presided") and any(f.kind == kind for f in found):
                break  # one date, one chair: the first, the meeting's own
    spoke = [f for f in found if f.kind == "spoke"][5:]  # the meeting's speakers, not every later speech
    found = [f for f in found if f not in spoke]
    found += agenda(views, about, [_plain_key(f.text) for f in found])
    if (line := speaker_line(views, speaker)) and all(_plain_key(speaker) not in _plain_key(f.text) for f in found):
        found.append(line)
    name = meeting_name(views, known)
    if name and all(_plain_key(name.text) not in _plain_key(f.text) for f in found):
        found.append(name)
    order = {"name": -1, "date": 0, "attendance": 1, "presided": 2, "spoke": 3, "agenda": 4}
    return sorted(found, key=lambda f: order[f.kind])[:limit]


def _plain_key(text: str) -> str:
    return re.sub(r"\s+", "", _plain(text))


# ---------------------------------------------------------------------------------------------
# Decisions and documents approved


# 审议通过了《…》 / 通过了《…决议》 / 作出《…决定》 / 印发《…方案》: a title after a verb of adoption.
_ADOPTED = re.compile(r"(审议通过|审议并通过|表决通过|通过|作出|出台|印发|审议批准|批准|审议)(?:了)?(《[^《》]{6,160}》)")
# A title that is itself a decision, wherever it stands (关于…的决定/决议).
_DECISION_TITLE = re.compile(r"《[^《》]{4,160}(?:决定|决议)》")
# 会议审议通过了十一届县委工作报告(审议稿)和县委十一届十四次全会决议: a document adopted without 《》.
_ADOPTED_PLAIN = re.compile(r"(审议通过|审议并通过|表决通过|审议批准)(?:了)?([^《》。;:]{4,80}?(?:报告|决议|决定|方案|规划|纲要|办法|预算)"
                            r"(?:\((?:草案|审议稿|讨论稿)\))?)(?=[。,;]|$)")
# 会议通过了县第十五次党代会议程 / 通过由31人组成的大会主席团名单: a preparatory session's business.
# 大会通过了关于第十五届县委工作报告的决议 / 宣布…县委委员、…当选名单: a congress's resolutions and results.
_ADOPTED_LIST = re.compile(r"(表决通过|通过|宣布)(?:了)?([^《》。;:,]{2,60}?(?:名单|议程|决议|票决结果|选举结果))(?=[。,;]|$)")
# 大会同意王建民代表中共凤翔县第十五届委员会所作的《…》的报告: a report a congress approved.
_AGREED = re.compile(r"(同意|批准)[^。《》;]{0,40}?所作的(《[^《》]{6,160}》)")
# 大会…同意…,决定批准这个报告: a congress's resolution on a report it heard.
_APPROVED = re.compile(r"(决定批准)((?:这个|该|上述|这两个|这三个)?[^。,;《》]{0,20}?(?:报告|计划|预算|决算))")
# 出台服务民营经济高质量发展21条措施 / 配套制定稳经济40条、推进工业经济高质量发展36条: a policy package
# known by its count of articles.
_POLICY = re.compile(r"(出台|制定|配套制定|印发|实施|推出|落实)(?:了)?((?:[^。;:,、]{2,30}?\d+条(?:措施|政策|举措|意见|硬措施)?"
                     r"(?:、|和|及)?)+)(?=[,。;、]|$)")
_ISSUER = re.compile(r"^《(中共[^《》关]{2,16}?委(?:员会)?|[^《》关]{2,16}?(?:人民政府|人大常委会|委员会))关于")


def decisions(views: list[View], county: str = "", limit: int = 6) -> list[Decision]:
    """Titles the document says were adopted or approved, this body's own first.

    A decision is the document's own when its issuer names the briefed place (中共芦山县委关于…),
    or when the sentence's subject is the meeting (全会…审议通过); a communiqué also reports what
    higher bodies adopted (省委全会审议通过了《中共四川省委…》), which is kept, after.
    """
    stem = _place_stem(county)
    found: dict[str, tuple[bool, int, Decision]] = {}
    for order, view in enumerate(views):
        spans = [(m.start(2), m.end(2), m.group(1)) for pattern in (_ADOPTED, _AGREED) for m in pattern.finditer(view.text)]
        spans += [(m.start(), m.end(), "") for m in _DECISION_TITLE.finditer(view.text)]
        spans += [(m.start(2), m.end(2), m.group(1)) for pattern in (_ADOPTED_PLAIN, _APPROVED, _ADOPTED_LIST, _POLICY)
                  for m in pattern.finditer(view.text) if not any(a <= m.start(2) < b for a, b, _ in spans)]
        for start, end, verb in spans:
            title = view.quote(start, end)
            key = _plain_key(title)
            if key in found and (found[key][2].action or not verb):
                continue
            issuer = _ISSUER.match(_plain(title))
            s0, _ = view.sentence_span(start, end)
            subject = view.text[s0:start]
            own = bool(stem and issuer and stem in issuer.group(1)) or (
                issuer is None and bool(re.match(r"(?:全会|会议|大会|本次会议)", subject)))
            qstart = start - len(verb) - (1 if verb and view.text[start - 1] == "了" else 0) if verb else start
            if verb and qstart - (c0 := view.clause_span(qstart, qstart + 1)[0]) <= 8:
                qstart = c0  # 会议表决通过了《…》: who adopted it, when the clause names them
            found[key] = (own, order, Decision(title=title, action=verb or None, by=issuer.group(1) if issuer else None,
                                              own=own, source=view.source(qstart, end)))
    ranked = sorted(found.values(), key=lambda t: (not t[0], not t[2].action, t[1]))
    return [d for _, _, d in ranked][:limit] + elections(views, set(found))


# 郭薪以190票的高票当选为县人民政府县长 / 王文星等20名代表当选为县十六届人大常委会委员 / 胡永庆当选为
# 县检察院检察长,须报市人大常委会批准: who a session elected, to what.
_ELECTED = re.compile(r"(?:(?<=[。;,:])|^)[^。;,:]{2,40}?(?:以\d+票(?:的高票)?)?(?:全票|高票)?当选(?:为)?[^。;,:]{2,30}"
                      r"(?:,须报[^。;,]{2,20}批准)?")
_ELECTIONS = 8  # elections a brief keeps, beside the documents adopted


def elections(views: list[View], seen: set[str]) -> list[Decision]:
    """Who was elected to what, in the order the text reports it (a session's results)."""
    out: list[Decision] = []
    for view in views:
        for m in _ELECTED.finditer(view.text):
            text = view.quote(*m.span())
            if _plain_key(text) in seen or re.search(r"候选人|预备人选", text) or view.part_at(m.start()) == "plan":
                continue  # 当选候选人 is a nomination, not a result
            seen.add(_plain_key(text))
            out.append(Decision(title=text, action="当选", own=True, source=view.source(*m.span())))
            if len(out) >= _ELECTIONS:
                return out
    return out


def _place_stem(county: str) -> str:
    county = _plain(county or "")
    return county[:-1] if len(county) >= 3 and county[-1] in "县市区旗" else county


# ---------------------------------------------------------------------------------------------
# Strategic frameworks


# “一区一地引领、两轴三圈联动…”区域发展新格局 / “2+1”现代制造业体系 / “六创六争”奋斗目标:
# a quoted formula and, right after it, what kind of thing it is.
_KIND_WORDS = (r"发展新格局|新格局|发展格局|格局|布局|体系|奋斗目标|发展战略|战略定位|战略部署|战略|策略|发展思路|思路|"
               r"理念|口号|图景|蓝图|目标定位|发展定位|定位|发展路径|精神|文章")
# The gap between the closing quote and the kind word qualifies it (区域, 县域, 现代制造业); it is
# never a verb phrase (“…”作为优化县域发展格局 is a part's role, not a framework).
_QUOTED_FRAME = re.compile(rf"“([^“”。]{{2,60}})”((?:(?!作为|把|是)[^“”。,;:、]){{0,10}}?)({_KIND_WORDS})")
# 加快建设“一县三地”社会主义现代化新通江 / 谋定“一县三地”…: a numbered formula as the object of a
# verb of strategy, with what follows it up to the clause's end (or its 的).
_BUILT_FRAME = re.compile(r"(?:建设|构建|实施|谋定|擘画|锚定|深化拓展|深化|融入|打造)“([^“”。]{2,40})”([^“”。,;:、的]{0,12})")
# 一核引领、三区联动、竞相发展的良好局面: an unquoted numbered formula of two or more numbered parts.
_NUMBERED = re.compile(rf"((?:[{_NUMERAL}][{_HAN}]{{1,6}}、){{1,4}}[{_NUMERAL}][{_HAN}]{{1,6}}(?:、[{_HAN}]{{2,6}})?)的?(良好局面|新格局|格局|布局)")
# 飞仙、大川两大“农文旅增长极” / 茶马古道、蜀根汉魂…四大主题民宿集群: named members, their count, their kind.
_COUNTED = re.compile(rf"([{_HAN}()]{{2,12}}(?:、[{_HAN}()]{{2,12}})+)([两三四五六七八九十](?:大|个|篇|项|条|场))(“?[{_HAN}]{{2,12}}”?)")
# 擦亮中国金丝楠根雕艺术之都的城市名片 / 建设金丝楠根雕艺术之都: a brand the place claims.
# (A brand never runs across two quoted titles: 建设示范县”“全国文明城市提名城市 is no 名城.)
_BRAND = re.compile(rf"(?:擦亮|叫响|打响|唱响|塑造|打造|建设|建成|争创)((?:(?!”“)[{_HAN}“”]){{2,20}}?(?:之都|之城|之乡|名城)(?!市))(?:的)?(城市名片|城市品牌|名片|品牌)?")
_BRAND_NAMED = re.compile(rf"(?:擦亮|叫响|打响|唱响)([{_HAN}“”]{{2,20}}?)的?(城市名片|城市品牌|金字招牌|名片)")
# 把“一县一城示范统揽”作为方向指引: the role a part of a formula plays.
_PART_ROLE = re.compile(r"把“([^“”。]{2,30})”作为([^。,;“”]{2,30})")
# “六创六争”:即争创…/ 六创六争:即…: the text's own expansion of a term.
_GLOSS = re.compile(r"(?:\d{1,2}[.、])?“?([^“”。,;:\d.>]{2,16})”?:即([^。]{4,160})")
# 一心一意谋发展、聚精会神抓党建、全力以赴促脱贫: three or more parallel phrases of one shape.
_PARALLEL = re.compile(rf"(?:(?<![{_HAN}])|(?<=坚持)|(?<=按照)|(?<=围绕)|(?<=做到)|(?<=突出))((?:[{_HAN}]{{4}}[{_HAN}]{{3}}、){{2,}}[{_HAN}]{{4}}[{_HAN}]{{3}})(?![{_HAN}])|"
                       # 是固始机遇叠加凸显期、优势潜能释放期、跨越发展加速期、民生提质优化期: four or more
                       # seven-character items are a formula whatever stands before them.
                       rf"((?:[{_HAN}]{{7}}、){{3,}}[{_HAN}]{{7}})(?![{_HAN}])")
# 以县委“四个年”工作定位为主线、以“八大重点工程”为抓手: what the work is organised around.
_ROLE = r"(?:主线|抓手|统领|引领|牵引|总牵引|总纲|总抓手|动力|支撑|核心|关键|保障|重点|根本|目标|方向|导向)"
_ORGANISED_ONE = rf"以[^。,;:以]{{2,30}}?为{_ROLE}"
_ORGANISED = re.compile(rf"{_ORGANISED_ONE}(?:[、,]{_ORGANISED_ONE})*")
# 以规划为统领、改革为动力、项目为抓手: one 以 shared by parallel roles, a framework with or without a numeral.
# 以产业新城、活力园区为目标: one role over a list of its objects.
_ORGANISED_LIST = re.compile(rf"以[^。,;:以为、]{{2,16}}(?:、[^。,;:以为、]{{2,16}})+为{_ROLE}")
_ORGANISED_SHARED = re.compile(rf"以[^。,;:以为、]{{2,12}}?为{_ROLE}(?:、[^。,;:以为、]{{2,12}}?为{_ROLE})+")
# 雷厉风行,快干实干 / 凝神聚力、奋勇争先: clauses of four characters each, two or more in a row,
# the genre's way of putting a spirit or a watchword.
_IDIOMS = re.compile(rf"(?:(?<=[,。;:!“])|^)([{_HAN}]{{4}}(?:[、,][{_HAN}]{{4}})+)(?=[,。;:!”]|$)|"
                     # …进一步凝神聚力、奋勇争先, / 也是共克时艰、硕果累累的五年: inside a clause, after a
                     # word that introduces a spirit or a judgement, up to the clause's end or its 的.
                     rf"(?:(?<=进一步)|(?<=也是)|(?<=是)|(?<=报告)|(?<=弘扬)|(?<=发扬)|(?<=坚持)|(?<=更加))"
                     rf"([{_HAN}]{{4}}(?:、[{_HAN}]{{4}})+)(?=[,。;:!”]|的|$)")
# 打好打赢三个十天硬仗 / 提升六条路径、实施六大战略: a verb and a counted set, unquoted.
_COUNTED_SET_ONE = rf"[{_HAN}]{{1,4}}?[两三四五六七八九十]+(?:个|大|条|项|场|张|种)[{_HAN}]{{2,6}}"
_COUNTED_SET = re.compile(rf"(?:(?<=[,。;:、])|^)({_COUNTED_SET_ONE}(?:、{_COUNTED_SET_ONE})*)(?=[,。;、]|$)")
# 作了题为“全面深化改革 坚持科学发展…”的工作报告: the report's own theme.
_THEME = re.compile(r"题为[《“]([^《》“”]{6,80})[》”]")
# 做好“四篇文章”、推进“四个着力”、深化“五比五晒”: several quoted formulas, each after its verb.
# 抓好“六稳”“六保”: or side by side, with no verb between.
_QUOTED_LIST = re.compile(rf"[{_HAN}]{{0,4}}“[^“”。]{{2,14}}”(?:\(\d+\)|〔\d+〕)?(?:(?:[{_HAN}]{{0,3}}、[{_HAN}]{{0,4}})?“[^“”。]{{2,14}}”(?:\(\d+\)|〔\d+〕)?)+"
                          # “两个大局”交织、“两个百年”交汇、“两个五年规划”交接: the last quote's verb too.
                          rf"(?:(?<=”)[{_HAN}]{{2}}(?=[,。;的]))?")
_HAS_NUMERAL = re.compile(rf"[{_NUMERAL}\d+]")
_FIVE_YEAR = re.compile(r"[十]?[一二三四五六七八九十]五")  # “十四五”: the national plan period, not the place's own formula


def frameworks(views: list[View], limit: int = 10, county: str = "") -> list[Framework]:
    """Development patterns, numbered formulas, counted lists, brands and slogans, with their parts
    explained where the text explains them; numbered formulas first, in document order.

    ``county`` names the briefed place: a quoted term built on its name (“品质淇县”) or a vision
    of it (建设美丽幸福宜黄) is the place's own slogan.
    """
    found: dict[str, tuple[int, int, Framework]] = {}
    stem = _place_stem(county)
    own_quoted = re.compile(rf"“([^“”。,;]{{0,10}}{re.escape(stem)}[^“”。,;]{{0,6}})”") if len(stem) >= 2 else None
    own_vision = (re.compile(rf"(?:建设|打造|建成|奋力建设|加快建设)([{_HAN}]{{2,8}}?{re.escape(stem)})(?![县市区旗])")
                  if len(stem) >= 2 else None)

    def add(rank: int, order: int, kind: str, name: str, source: Source) -> None:
        quoted = re.search(r"“([^“”]+)”", name)
        key = _plain_key(quoted.group(1) if quoted else name)
        if any(key in k or k in key for k in found):
            return  # the same formula mentioned again, or a part of one already kept
        found[key] = (rank, order, Framework(kind=kind, name=name, source=source))

    position = 0
    for view in views:
        for m in _QUOTED_FRAME.finditer(view.text):
            body, kind = m.group(1), m.group(3)
            if _FIVE_YEAR.fullmatch(body) or (not _HAS_NUMERAL.search(body + m.group(2))
                                              and kind not in ("理念", "口号", "思路", "精神")):
                continue  # a quoted phrase before 格局 without a numeral is prose, not a formula
            position += 1
            rank = 0 if "格局" in kind or "布局" in kind else 1
            add(rank, position, "发展格局" if rank == 0 else ("口号" if kind in ("理念", "口号") else "提法"),
                view.quote(*m.span()), view.source(*m.span()))
        for m in _BUILT_FRAME.finditer(view.text):
            if not _HAS_NUMERAL.search(m.group(1)) or _FIVE_YEAR.fullmatch(m.group(1)):
                continue
            position += 1
            add(1, position, "提法", view.quote(m.start(1) - 1, m.end()), view.source(m.start(1) - 1, m.end()))
        for m in _NUMBERED.finditer(view.text):
            if len(re.findall(rf"(?:^|、)[{_NUMERAL}]", m.group(1))) < 2:
                continue
            position += 1
            add(0, position, "发展格局", view.quote(*m.span()), view.source(*m.span()))
        for m in _COUNTED.finditer(view.text):
            position += 1
            add(2, position, "提法", view.quote(*m.span()), view.source(*m.span()))
        for m in _PARALLEL.finditer(view.text):
            g = 1 if m.group(1) else 2
            parts = m.group(g).split("、")
            # 谋、抓、促: a verb each, not a list of names; or four items of one head (…凸显期、…释放期)
            if len({p[-3] for p in parts}) == len(parts) if g == 1 else len({p[-1] for p in parts}) == 1:
                position += 1
                add(1, position, "口号", view.quote(*m.span(g)), view.source(*m.span(g)))
        for m in _QUOTED_LIST.finditer(view.text):
            quoted = re.findall(r"“([^“”]+)”", m.group(0))
            if sum(bool(_HAS_NUMERAL.search(q)) and not _FIVE_YEAR.fullmatch(q) for q in quoted) >= 2:
                position += 1
                add(1, position, "提法", view.quote(*m.span()), view.source(*m.span()))
        for m in _ORGANISED.finditer(view.text):
            if _HAS_NUMERAL.search(m.group(0)) and not _FIVE_YEAR.search(m.group(0)):
                position += 1
                add(1, position, "提法", view.quote(*m.span()), view.source(*m.span()))
        for pattern in (_BRAND, _BRAND_NAMED):
            for m in pattern.finditer(view.text):
                position += 1
                add(2, position, "品牌", view.quote(m.start(1), m.end()), view.source(m.start(1), m.end()))
        for m in (*_ORGANISED_SHARED.finditer(view.text), *_ORGANISED_LIST.finditer(view.text)):
            position += 1
            add(1, position, "提法", view.quote(*m.span()), view.source(*m.span()))
        for m in _THEME.finditer(view.text):
            position += 1
            add(1, position, "提法", view.quote(*m.span(1)), view.source(*m.span(1)))
        for m in _COUNTED_SET.finditer(view.text):
            if re.search(r"党的|[十二]+大(?:以来|精神|报告|召开|胜利)", m.group(1)):
                continue  # 党的十八大以来: a party congress, not a counted set
            position += 1
            add(3, position, "提法", view.quote(*m.span(1)), view.source(*m.span(1)))
        for m in _IDIOMS.finditer(view.text):
            group = 1 if m.group(1) else 2
            position += 1
            add(4, position, "口号", view.quote(*m.span(group)), view.source(*m.span(group)))
        for pattern in (own_quoted, own_vision):
            for m in pattern.finditer(view.text) if pattern else ():
                if _plain(m.group(1)).strip("“”") != _plain(county):
                    position += 1
                    add(2, position, "品牌", view.quote(*m.span()), view.source(*m.span()))
    kept = sorted(found.values(), key=lambda t: (t[0], t[1]))[:limit]
    items = [f for _, _, f in sorted(kept, key=lambda t: (t[0] > 0, t[1]))]
    _attach_expansions(items, views)
    return items


def _attach_expansions(items: list[Framework], views: list[View]) -> None:
    """Each framework's parts as the text explains them (把“part”作为…, “term”：即…)."""
    for item in items:
        name = _plain(item.name)
        for view in views:
            for m in _PART_ROLE.finditer(view.text):
                part = m.group(1)
                if part in name and part != name.strip("“”") and len(item.expansion) < 4:
                    text = view.quote(m.start(), m.end())
                    if all(_plain_key(e.text) != _plain_key(text) for e in item.expansion):
                        item.expansion.append(Expansion(text=text, source=view.source(m.start(), m.end())))
            for m in _GLOSS.finditer(view.text):
                if m.group(1) in name and not item.expansion:
                    start, end = m.start(1), m.end()
                    if end - m.start(2) > 80:  # a long gloss is cut at a clause end, never inside a number (G348)
                        window = view.text[m.start(2) : m.start(2) + 80]
                        end = m.start(2) + max(window.rfind(p) for p in ",;、:")
                    item.expansion.append(Expansion(text=view.quote(start, end), source=view.source(start, end)))


# ---------------------------------------------------------------------------------------------
# Commitments and qualitative targets


_TITLE_TAIL = (r"示范县|示范区|示范市|示范乡镇|示范镇|示范村|示范基地|示范园区|先进县|先进市|先行区|先行示范区|"
               r"文明城市|卫生城市|园林城市|试点县|试点|名城|旅游度假区|景区|基地|强县|百强县|示范单位|先进单位")
# 加快创建国家乡村振兴示范县 / 争创全国文明城市 / 成功创成国家乡村振兴示范县 / 加快昭君村5A景区创建.
_CREATE = re.compile(rf"(?:力争|积极|加快|全力|努力|奋力|确保|成功|争取)?(?:创建|争创|创成|申创|创)(?:成为|成)?"
                     rf"([^{_STOP}]{{2,30}}?(?:{_TITLE_TAIL}))|(?:加快|锚定|推进|推动)([^{_STOP}]{{2,24}}?(?:{_TITLE_TAIL}))创建")
# 城乡居民人均可支配收入与经济增长同步 / 城乡居民收入增长与经济增长基本同步.
_IN_STEP = re.compile(rf"([^{_STOP}]{{2,30}}?)与(?:经济增长|经济发展|经济增速)(?:基本)?同步|"
                      # 与全国一道同步够格迈入小康社会: a pace to keep with the country or province.
                      rf"与(?:全国|全省|全市|全州)(?:一道|同步)+[^{_STOP}]{{2,24}}")
# 空气、水环境质量持续保持全省、全市前列 / 空气优良天数比例常年保持在省市前列.
_AHEAD = re.compile(r"([^。,;:“”]{2,30}?)(?:持续|始终|常年)?(?:保持|位居|稳居|走在|进入)(?:在)?[^。,;:]{0,10}?(?:前列|前茅|第一方阵)")
# 争当鹤壁打造…示范城市的排头兵 / 勇当全省县域发展的先行者: a lead the place means to take.
_VANGUARD = re.compile(rf"(?:争当|勇当|争做|勇做|当好|争作|奋力争当)([^{_STOP}]{{2,30}}?(?:排头兵|先行者|先行区|领头雁|标杆|样板|主力军|桥头堡|先锋|示范区))")
# 以优异成绩迎接党的二十大胜利召开: what the work is pledged to.
# 坚守不发生规模性返贫底线 / 守住不发生系统性风险的底线: a line the plan holds.
# 城镇登记失业率、节能减排、安全生产等指标控制在市定目标内: indicators kept within a set bound.
_WITHIN = re.compile(rf"[^{_STOP}]{{0,4}}(?:[^。;:]{{2,30}}?等指标)?(?:控制在|保持在)[^{_STOP}]{{2,12}}?(?:目标|范围|区间)(?:以?内)")
_BOTTOM_LINE = re.compile(rf"(?:坚守|守住|守牢|牢牢守住|坚决守住|兜牢)[^{_STOP}]{{2,24}}?底线")
_PLEDGE = re.compile(rf"以(?:更加)?(?:优异|崭新|良好)的?(?:成绩|业绩|面貌|状态)[^{_STOP}]{{2,30}}")
_BY_YEAR = re.compile(r"到\s*(20\d\d)\s*年")
# 到2035年,城乡融合发展的体制机制更加完善: a long-range goal, the first clause after its year.
_GOAL = re.compile(r"到(20\d\d)年(?:底|末)?,([^。,;:]{4,40})")
_DONE = re.compile(r"成功创建|获评|荣获|入选|被评为|被命名|通过[^,。]{0,6}验收|巩固|成果")


# 全会强调,要提高政治站位,… / 会议要求,…: what a meeting directs; the sentences after it that
# go on with 要 direct too.
# The one who presides directs too: 县委书记邹如龙在总结讲话时强调,….
_DIRECTS = re.compile(r"(?:全会|会议|大会|报告|[^。,;:]{2,30}?(?:在总结讲话时|在讲话中|在讲话时|讲话时|讲话中))"
                      r"(?:同时|还|并|进一步)?(?:要求|强调|号召|提出|指出)[,:]?")
# 要坚定不移… / 全县各级领导干部要…: a sentence that goes on directing, its subject before 要.
_GOES_ON = re.compile(r"[^。,;:]{0,12}?要")
_DIRECTIVES = 6  # items a brief keeps of a meeting's directives
# Matched with .match(text, clause_start), which anchors there; a ^ would anchor at the string's start
# and never match a later clause.
_GOAL_CLAUSE = re.compile(r"(?:确保|力争|努力|奋力|加快|推动|为|坚决)")


# 全面部署了今年重点工作:推动…;抓住…;…: the year's tasks, one item each.
_TASK_LIST = re.compile(r"(?:重点工作|主要任务|重点任务|工作重点|重点抓好(?:以下|[一二三四五六七八九十]+个方面)?(?:工作)?)(?:是|为)?:")
_TASKS = 6  # tasks a brief keeps of such a list


def task_spans(view: View) -> Iterator[tuple[int, int]]:
    """Spans of the items of a listed set of tasks (…重点工作:A;B;C。): each item to its ;, cut at a
    clause end within ``_SUMMARY_PIECE`` characters."""
    for m in _TASK_LIST.finditer(view.text):
        end = view.text.find("。", m.end())
        end = len(view.text) if end < 0 else end
        a = m.end()
        for item in re.finditer(r"[^;]+", view.text[a:end]):
            i0, i1 = a + item.start(), a + item.end()
            if i1 - i0 > _SUMMARY_PIECE:
                i1 = max((k for k in range(i0, i0 + _SUMMARY_PIECE) if view.text[k] == ","), default=i0 + _SUMMARY_PIECE)
            if i1 - i0 >= 6:
                yield i0, i1


def directive_spans(view: View) -> Iterator[tuple[int, int]]:
    """Spans of a meeting's directives: of each directing sentence (全会强调,要…) and each 要-sentence
    after it, the head (whole clauses, at most ``_SUMMARY_PIECE`` characters) and, when it differs,
    the goal it ends on (…,确保党代会如期顺利召开)."""
    going = False
    starts = sorted({0, *(m.end() for m in re.finditer(r"[。!?]", view.text)), *view.line_starts()})
    for a, b in zip(starts, starts[1:] + [len(view.text)]):
        if a >= b:
            continue
        b -= view.text[b - 1] in "。!?"
        lead = _DIRECTS.match(view.text, a)
        if lead:
            going = True  # the item keeps its lead (会议号召,…): who directs is part of it
        elif not (going and _GOES_ON.match(view.text, a)):
            going = False
            continue
        cuts = [a - 1] + [k for k in range(a, b) if view.text[k] == ","] + [b]
        head = max((c for c in cuts if c - a <= _SUMMARY_PIECE), default=b)
        if head > a:
            yield a, head
        # The goal it ends on: the last clause after the head that opens on one (…,确保…落到实处,取得…成效).
        goal = next((c + 1 for c in reversed(cuts[:-1]) if c + 1 >= head and _GOAL_CLAUSE.match(view.text, c + 1)), None)
        if goal is not None and goal > head:
            end = next((c for c in cuts if c > goal), b)
            yield goal, end


def commitments(views: list[View], plan_year: int | None = None, limit: int = 10) -> list[Commitment]:
    """Qualitative targets: titles to win, a pace to keep with growth, a rank to hold; each with its year.

    A title is a commitment when it is still to be won: in the plan part, or in a sentence that
    names a later year (到2027年…成功创成); a title won already is an honour (``honours``).
    """
    found: dict[str, tuple[int, int, Commitment]] = {}
    summary: list[tuple[int, Commitment]] = []
    directed: list[tuple[int, Commitment]] = []
    counts = {"directives": 0, "tasks": 0}  # items kept of each, up to its cap
    position = 0
    for view in views:
        for m in _GOAL.finditer(view.text):
            if re.search(r"\d", m.group(2)):
                continue  # a figure: the figures' business
            position += 1
            text = view.quote(*m.span())
            found.setdefault(_plain_key(text), (-1, position, Commitment(text=text, year=int(m.group(1)),
                                                                         source=view.source(*m.span()))))
        for pattern, rank in ((_IN_STEP, -3), (_AHEAD, -2), (_VANGUARD, -1), (_PLEDGE, 0), (_BOTTOM_LINE, 0), (_WITHIN, 0),
                              (_CREATE, 0)):
            for m in pattern.finditer(view.text):
                position += 1
                s0, _ = view.sentence_span(*m.span())
                later = [int(y) for y in _BY_YEAR.findall(view.text[s0 : m.start()])]
                prefix = view.text[view.clause_span(*m.span())[0] : m.start()]
                part = view.part_at(m.start())
                if pattern is _CREATE and (_DONE.search(prefix + m.group(0)) or (part == "review" and not later)):
                    continue
                if pattern in (_AHEAD, _VANGUARD, _PLEDGE, _BOTTOM_LINE, _WITHIN) and part == "review" and not later:
                    continue  # 保持在省市前列 in the review is a result, not a commitment
                if pattern is _CREATE and part == "other" and not later and not re.search(r"力争|加快|争创|积极|全力|奋力|创建", m.group(0)):
                    continue
                start, end = (view.clause_span(*m.span())[0] if pattern is not _CREATE else m.start()), m.end()
                text = view.quote(start, end).strip()
                key = _plain_key(text)
                if any(key in k or k in key for k in found):
                    continue
                year = later[-1] if later else (plan_year if part != "review" else None)
                national = bool(re.search(r"国家|全国", text))
                county_level = bool(re.search(r"县|市|区", text[-4:]))
                found[key] = (rank - national - county_level, position,
                              Commitment(text=text, year=year, source=view.source(start, end)))
        for what, spans, cap in (("directives", directive_spans(view), _DIRECTIVES), ("tasks", task_spans(view), _TASKS)):
            for span in spans:
                if counts[what] >= cap or _has_figure(view.text[slice(*span)]):
                    continue
                counts[what] += 1
                position += 1
                directed.append((position, Commitment(text=view.quote(*span), year=plan_year, source=view.source(*span))))
        for span in summary_spans(view):  # the plan in one sentence, after its preamble
            if len(summary) >= _SUMMARIES or not _plans(view, span) or _has_figure(view.text[slice(*span)]):
                continue
            position += 1
            summary.append((position, Commitment(text=view.quote(*span), year=plan_year, source=view.source(*span))))
    kept = sorted(found.values(), key=lambda t: (t[0], t[1]))[:limit]
    return [c for _, c in sorted([(p, c) for _, p, c in kept] + summary + directed, key=lambda t: t[0])]


# ---------------------------------------------------------------------------------------------
# Honours and titles won


# 荣获“优秀”等次 / 获评全国“红茶重点产区” / 兴发集团成功入选全国“双百企业” / 被评为…称号.
_HONOUR = re.compile(rf"(荣获|荣膺|获评|获得|入选|入围|入列|荣登|上榜|跻身|晋级|获批|成为首批|"
                     # 获省政府督查激励: 获 alone before the kinds of award that follow it.
                     rf"获(?=[^{_STOP}]{{0,12}}?(?:督查激励|表彰|嘉奖|通报表扬))|成为(?=国家|全国)|列入(?=国家|全国)|被评为|被命名为|被授予|被列为|成功创建|创成|夺得|摘得|捧得|位列(?=全国|全省|全市)|通过(?:国家|省|市)?[^{_STOP}]{{0,6}}验收)"
                     # 获评“国家杂交水稻制种大县”“全国…示范县”…等称号: a run of quoted titles, whole.
                     # 获评全省制造业发展十强县、十快县: titles listed with 、, short ones.
                     rf"((?:“[^“”。]{{2,40}}”、?){{2,}}(?:等[^。,;:、]{{0,6}})?|[^。,;:、]{{2,40}}(?:、[^。,;:、]{{2,8}}(?=[。,;]|$))?)")
_NOT_TITLE = re.compile(r"^(?:资金|支持|补助|贷款|投资|奖补|授权|批复|立项)")


def honour_level(title: str) -> str | None:
    """国家级, 省级 or 市级 from a title's own wording; None when it does not say."""
    if re.search(r"国家|全国|中国", title):
        return "国家级"
    if re.search(r"省", title):
        return "省级"
    return "市级" if re.search(r"市级|全市|[^城]市", title) else None


def honours(views: list[View], limit: int = 10) -> list[Honour]:
    """Titles and awards won, national ones first: only where the text reports results (not the plan)."""
    found: dict[str, tuple[int, int, Honour]] = {}
    position = 0
    for view in views:
        for m in _HONOUR.finditer(view.text):
            if view.part_at(m.start()) == "plan":
                continue
            obj = m.group(2)
            if _BY_YEAR.search(view.text[view.sentence_span(*m.span())[0] : m.start()]):
                continue  # 到2027年…成功创成: a goal, not a title won
            if _NOT_TITLE.match(obj) or not re.search(rf"[{_HAN}]{{2}}", obj):
                continue
            position += 1
            start = view.clause_span(*m.span())[0]
            text = view.quote(start, m.end()).strip()
            key = _plain_key(text)
            if key in found:
                continue
            level = honour_level(obj)
            rank = {"国家级": 0, "省级": 1, "市级": 2, None: 3}[level]
            found[key] = (rank, position, Honour(text=text, level=level, source=view.source(start, m.end())))
    kept = sorted(found.values(), key=lambda t: (t[0], t[1]))[:limit]
    return [h for _, _, h in sorted(kept, key=lambda t: t[1])]


# ---------------------------------------------------------------------------------------------
# Outcomes stated without a figure


# 地区生产总值、…等主要经济指标均实现增长 / 旅游综合收入大幅增长 / 地方一般公共预算收入显著增加.
_OUTCOME = re.compile(r"([^。,;:]{2,60}?)(均实现增长|均有增长|均保持增长|实现正增长|大幅增长|显著增加|显著提升|稳步增长|"
                      r"持续增长|保持良好增速|同比增长|较快增长|实现增长|大幅提升|明显提升|明显提高|显著提高)")


# 圆满完成了…确定的各项目标任务 / 约束性指标全部完成 / 经济运行稳中向好 / 综合实力明显增强 / “十二五”圆满收官 /
# 全县发展再上新台阶.
_COMPLETED = re.compile(r"(?:圆满|基本|较好|全面|超额)?完成(?:了)?[^。,;]{0,40}?(?:目标任务|各项任务|主要任务|年度任务|目标|指标)|"
                        r"[^。,;:]{2,30}?(?:全部完成|基本完成|圆满收官|稳中向好|明显增强|显著增强|稳步推进|全面进步|"
                        r"再上新台阶|迈上新台阶|迈出(?:了)?坚实步伐|平稳较快发展|持续健康发展)|"
                        # 全面进入新型工业化、…同步发展的新阶段.
                        r"(?:全面)?(?:进入|迈入|迈进)(?:了)?[^。,;:]{2,40}?新(?:阶段|时代|征程)|"
                        # 走出了一条生态富民、绿色脱贫之路 / 经济总量从全省靠后跃升至中等行列 / 成功退出贫困县序列 /
                        # 历史性解决了绝对贫困问题 / “两不愁三保障”全面实现.
                        r"走出了一条[^。;:]{2,40}?(?:之路|道路|路子)|[^。,;:]{2,20}?(?:跃升至|跃升为|跃居)[^。,;:]{2,16}|"
                        r"[^。,;:]{0,12}?(?:退出贫困县序列|脱贫摘帽|整体脱贫)|历史性(?:地)?(?:解决|消除)(?:了)?[^。,;:]{2,16}|"
                        r"[^。,;:]{2,20}?全面实现(?=[。,;]|$)|"
                        # 全会充分肯定了区委常委会的工作: a plenum's verdict on the body it oversees.
                        r"(?:全会|会议|大会)(?:充分|高度|一致)?肯定(?:了)?[^。,;:]{2,30}|"
                        # 经受住了脱贫攻坚、疫情防控、抗洪抢险等重大考验.
                        r"经受住(?:了)?[^。,;]{2,40}?考验|"
                        # 增速居全盟第三位 / 增量全市第一 / 连续第7年进入全省“十强县”前三甲: a rank among peers.
                        r"[^。,;:]{0,20}?(?:居|位居|位列|排名|排|列)(?:全国|全省|全市|全州|全盟|全区)[^。,;:]{0,6}?(?:第[一二三四五六七八九十]+位?|前[一二三四五六七八九十]+|首位)|"
                        r"[^。,;:]{2,20}?(?:全国|全省|全市|全州|全盟)第一(?![百千万])|"
                        r"[^。,;:>]{2,30}?(?:排名|保持|位居|位列)[^。,;:]{0,12}?第一(?:的位次|位)?|"
                        r"[^。,;:>]{0,16}?进入[^。,;:]{0,12}?(?:前[一二三四五六七八九十]+(?:强|甲|名|位)?|百强县?|十强县?)(?:行列)?|"
                        # 绿色发展基础更加牢固 / “三保障”成果持续巩固: a verdict of improvement.
                        r"[^。,;:>]{2,20}?(?:更加(?:牢固|稳健|坚实|完善|巩固|有力|协调|健全|便捷|宜居|殷实|高效|优良|有为|稳定)|"
                        r"持续巩固|巩固提升|稳步扩大|持续扩大)(?=[。,;]|$)|"
                        r"[^。,;:>]{2,60}?(?:屡创佳绩|屡获殊荣|捷报频传)")


# 全县经济社会发展取得了明显成效 / 经济社会呈现稳中有进、进中向好的发展态势 / 疫情防控交出优异答卷.
_RESULT = re.compile(r"[^。,;:]{2,30}?(?:取得(?!的)了?|呈现出?|交出了?|夺取了?)[^。,;:]{0,24}?(?:成效|成绩|成果|态势|局面|进展|突破|答卷|胜利)")
# 也是宜黄工作的突破之年 / 更是…新城建设奠基起势的一年 / 是脱贫攻坚全面胜利…的五年: how the
# report characterises the year (or the term) it reviews.
_YEAR_IS = re.compile(r"(?:是|也是|更是)([^。,;:]{2,30}?(?:之年|的一年|的五年))")
# 在全市率先实现规上企业全面复工 / 建设全省首个养殖一体化产业链项目 / 首次实现由负转正: a first.
_FIRST = re.compile(r"(?:在全(?:国|省|市|州|区))?率先[^。,;:]{2,24}|(?:全国|全省|全市|全州)(?:首个|首家|首批|第一个|唯一)[^。,;:]{2,20}|"
                    # 固定资产投资…首次实现由负转正.
                    r"[^。,;:]{2,20}?首次(?:实现|突破|进入|跻身)[^。,;:]{2,16}|"
                    # 历史性实现整县脱贫摘帽 / 正式退出贫困县序列 / 长丰正式迈入地铁时代: a milestone reached.
                    r"[^。,;:]{0,12}?(?:历史性|正式)(?:地)?(?:实现|退出|迈入|跨入|进入|摘掉|摘除|告别)[^。,;:]{2,20}")
# 大家一致认为,《报告》思路清晰、立意高远 / 认为:报告实事求是: how the delegates received the
# report, as an article tells it (a communiqué's 全会一致认为 is its own review, read elsewhere).
_RECEIVED = re.compile(r"(?:代表们|委员们|大家|与会代表|代表)[^。,;]{0,4}?(?:一致认为|普遍认为|一致表示|纷纷表示)[,:]?([^。]{4,80})|"
                       r"认为[,:]?((?:《报告》|报告|政府工作报告)[^。]{4,120})|"
                       # 他认为,县委书记翟玉龙代表县委常委会所作的工作报告站位高、立意新: the report named with its author.
                       r"认为[,:]?[^。,;]{2,40}?所作的[^。,;]{0,6}?报告([^。]{4,80})|"
                       # 《报告》是指导我县今后五年经济社会发展的纲领性文件.
                       r"(?:《报告》|报告)是([^。,;]{4,40}?(?:纲领性文件|行动纲领|好报告))|"
                       # …的开幕,在全县党员干部群众引发了热烈反响.
                       r"(?<=[,。])([^。,;:]{2,30}?引(?:发|起)(?:了)?(?:热烈|强烈|广泛)(?:的)?反响)")
# (一)疫情防控交出优异答卷。/ 最鼓舞人心的是,招大引强再结新硕果。: a paragraph's own headline.
_YEARS = re.compile(r"(?:19|20)\d\d年")
_HEADLINE_LEAD = re.compile(r"(?:——|[(\[]?[一二三四五六七八九十]+[)\]、.]|\d{1,2}[.、]|[一二三四五六七八九十]是|最[^,。]{2,6}的是,)?")


def headlines(view: View) -> Iterator[tuple[int, int]]:
    """Spans of the review's paragraph headlines: a short first sentence of a paragraph that goes
    on after it, with no figure (a line of one short sentence is a caption or a title)."""
    # A paragraph starts on a new line, or after a sentence's end with a list marker (——, (一)),
    # which survives where line breaks were lost.
    marked = [m.start() + 1 for m in re.finditer(r"。(?=——|[(\[][一二三四五六七八九十]+[)\]])", view.text)]
    starts = sorted(set(view.line_starts()) | set(marked))
    for k, next_line in zip(starts, starts[1:] + [len(view.text)]):
        if k == 0 and view.chunk.heading:
            continue  # the chunk's heading path (一、过去一年工作回顾), not a paragraph's headline
        end = view.text.find("。", k)
        lead = _HEADLINE_LEAD.match(view.text, k).end()
        alone = end + 1 >= next_line and lead == k  # a caption or a title, unless a list marker leads it
        if end < 0 or not 6 <= end - k <= 32 or alone or re.search(r"[\d:]", view.text[k:end]):
            continue
        if end - lead >= 6 and not re.search(r"各位代表|同志们", view.text[k:end]):
            yield lead, end


_LIST_MARK = re.compile(r"[(\[]?[一二三四五六七八九十]+[)\]、.]|\d{1,2}[.、]")


def verdict_headings(view: View) -> Iterator[tuple[int, int]]:
    """Spans of numbered headings that state a result (1、积极应对复杂形势,经济运行稳健向好 /
    (一)五年来,我们紧盯产业、紧抓项目,跑出了产业发展加速度), in the heading path or on a line of
    their own: a heading with a comma is a sentence, not a topic (一、2014年工作回顾)."""
    head_end = view.text.find("。") if view.chunk.heading else 0
    pieces, cursor = [], 0
    for part in view.text[:head_end].split(">"):
        pieces.append((cursor, cursor + len(part)))
        cursor += len(part) + 1
    starts = view.line_starts()
    for k, nxt in zip(starts, starts[1:] + [len(view.text)]):
        if k >= head_end and "。" not in view.text[k:nxt]:
            pieces.append((k, nxt))
    for a, b in pieces:
        mark = _LIST_MARK.match(view.text, a)
        if not mark or not 6 <= b - a <= 44 or "," not in view.text[a:b] or re.search(r"\d", view.text[mark.end() : b]):
            continue
        while b > mark.end() and not re.match(rf"[{_HAN}”]", view.text[b - 1]):
            b -= 1  # 砥砺前行 ?: a converter's stray mark after the heading
        yield mark.end(), b


def topic_sentences(view: View) -> Iterator[tuple[int, int]]:
    """Spans of short sentences that head the figures after them (经济运行稳中有进。初步核算,…203.9亿元):
    a bulletin's verdict on each section, stated before its figures."""
    for m in re.finditer(rf"(?:(?<=[。>])|^)([{_HAN}]{{4,14}})。(?=[^>]{{0,80}}?\d)", view.text):
        # not a photo caption or a story's headline (湟中区第二届人大四次会议开幕 / 郭健作政府工作报告)
        if not re.search(r"各位代表|同志们|摄|统计局|会议|开幕|闭幕|报告|现场|讲话", m.group(1)):
            yield m.span(1)


# 一年来,我们全力以赴扩投资、稳增长,经济运行持续稳中向好;: what a year of work came to, as a speech lists it.
_WE_DID = re.compile(r"(?:一年来|五年来|过去一年|过去五年|这一年|这五年),我们([^。;>?!]{4,60}?)(?=[;。])")
# 在市委、市政府和县委的坚强领导下, / 坚持以…为指导, / 面对…, / 团结带领全县人民, / 认真贯彻落实…精神,:
# the preamble a summary sentence opens with; what follows it is what was done and what came of it.
_PREAMBLE = re.compile(r"领导下|支持下|指引下|关心下|为指导|为统领|^面对|团结(?:和)?带领|贯彻落实|深入贯彻|认真贯彻|全面贯彻|"
                       r"^按照[^,]{2,40}(?:要求|部署)|"
                       # …精神 / …决策部署 / …工作总基调 / …新发展理念: the higher guidance a clause implements.
                       r"(?:精神|决策部署|总基调|新发展理念|重要指示|重要讲话|规律性认识|工作安排|工作部署)$")
_SUMMARY_PIECE = 90  # characters of one item cut from a long summary, at a clause end
_SUMMARIES = 2  # pieces of summary a brief keeps for the review, and for the plan: the first ones


def summary_spans(view: View, acts: bool = False) -> Iterator[tuple[int, int]]:
    """Spans of what a summary sentence says after its preamble (区政府紧紧围绕“…”推动…行动部署,深入开展…
    行动,经济社会发展取得新进展): the year, or the plan, in one sentence. A long tail comes in pieces
    of at most ``_SUMMARY_PIECE`` characters, each a run of whole clauses. A tail that goes on with
    the meeting's own acts (听取…报告,安排部署…) is its agenda: given only with ``acts``."""
    s0 = 0
    for m in re.finditer(r"[。!?]|$", view.text):
        sentence, base, s0 = view.text[s0 : m.start()], s0, m.end()
        clauses, at = [], 0
        for piece in sentence.split(","):
            clauses.append((base + at, base + at + len(piece)))
            at += len(piece) + 1
        # The preamble is the sentence's opening run: a clause of it at most two after the last one
        # (完整、准确、全面贯彻新发展理念 later on is a task, not the preamble).
        last = None
        for i, (a, b) in enumerate(clauses):
            if _PREAMBLE.search(re.sub(r"《[^《》]*》", "", view.text[a:b])) and (last is None or i - last <= 2) and (last is not None or i <= 3):
                last = i
        if len(clauses) < 4 or last is None or last > len(clauses) - 3:
            continue
        tail = clauses[last + 1 :]
        if bool(re.match(_AGENDA_VERB, view.text[tail[0][0] :])) != acts:
            continue  # 听取和讨论了…,审议通过了…: the meeting's own acts, its agenda
        pieces, a = [], tail[0][0]
        for (c0, c1), (_, prev_end) in zip(tail[1:], tail):
            if c1 - a > _SUMMARY_PIECE:  # the next clause would make the piece too long: a new piece
                pieces.append((a, prev_end))
                a = c0
        end = tail[-1][1]
        while end > a and view.text[end - 1] in ",、":
            end -= 1  # a sentence cut at the chunk's end (…取得新的进展,)
        pieces.append((a, end))
        # The first piece and the last (the goal the sentence ends on: 确保“十三五”规划圆满收官) before
        # the middle ones, which a brief that keeps two leaves out.
        yield from pieces[:1] + pieces[-1:] * (len(pieces) > 1) + pieces[1:-1]


def parallel_segments(view: View) -> Iterator[tuple[int, int]]:
    """Spans of the parts of a sentence that lists results in parallel (坚持强保护严治理,绿色发展基础更加
    牢固;坚持谋项目扩投资,经济运行质量更加稳健;…): three or more parts to ; that open alike."""
    for m in re.finditer(r"[^。!?]+", view.text):
        parts = [(m.start() + p.start(), m.start() + p.end()) for p in re.finditer(r"[^;]+", m.group())]
        if len(parts) < 3:
            continue
        leads = [view.text[a : a + 2] for a, _ in parts[1:]]
        lead = max(set(leads), key=leads.count)
        if leads.count(lead) < 2 or not re.fullmatch(rf"[{_HAN}]{{2}}", lead):
            continue
        for a, b in parts:
            at = view.text.find(lead, a, b)  # the first part may open with the sentence's subject
            if at >= 0 and b - at <= _SUMMARY_PIECE and "," in view.text[at:b]:
                yield at, b


def _merge_adjacent(text: str, spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Spans in order, two that are neighbouring clauses of one sentence made one (成功经受住了…考验,
    实现了经济平稳较快增长): a result and the one it goes with read as one item; a span within
    another is dropped."""
    out: list[list[int]] = []
    for start, end, rank in sorted(spans, key=lambda t: (t[0], -t[1], t[2])):  # the longest of a start first
        if out and start >= out[-1][0] and end <= out[-1][1]:
            continue
        if out and start == out[-1][1] + 1 and text[out[-1][1]] == "," and end - out[-1][0] <= _SUMMARY_PIECE:
            out[-1][1], out[-1][2] = end, min(rank, out[-1][2])
        else:
            out.append([start, end, rank])
    return [(a, b, r) for a, b, r in out]


def _has_figure(text: str) -> bool:
    """A digit that is a figure: not a year, nor inside a quoted name (“3820”战略工程)."""
    return bool(re.search(r"\d", _YEARS.sub("", re.sub(r"“[^“”]*”|第\d+(?=[年位名次届个])|连续\d+年", "", text))))


def _plans(view: View, span: tuple[int, int]) -> bool:
    """Whether a summary's span is of the plan: its part, or a plan's verb before it in its sentence
    (2024年,全区上下要以…为指导,…)."""
    s0 = view.sentence_span(*span)[0]
    # 要 as a verb of plan, not inside 重要, 主要, 需要, 纲要.
    return view.part_at(span[0]) == "plan" or bool(re.search(r"(?<![重主需纲必])要(?!求)|力争|确保|将|努力|计划",
                                                             view.text[s0 : span[0]]))


def outcomes(views: list[View], limit: int = 10) -> list[Outcome]:
    """Results of the review stated without a figure (an article or a summary often gives no numbers):
    the review's paragraph headlines and clauses naming several indicators (均实现增长) first."""
    found: list[tuple[int, int, Outcome]] = []
    position = 0
    # A news item or a summary has no review heading: its whole text reports results, except
    # sentences that plan (要…, 力争…).
    parts = {"review"} if any(v.part == "review" for v in views) else {"review", "other"}
    summaries = 0
    for view in views:
        if view.part not in parts and all(p not in parts for _, p in view.unit_parts):
            continue
        # (span, rank, whether the item is the span's whole clause or the span alone)
        matches = [(m.span(), 0 if "均" in m.group(2) or "、" in m.group(1) else 1, True) for m in _OUTCOME.finditer(view.text)]
        matches += [(m.span(), 1, True) for pattern in (_COMPLETED, _RESULT, _FIRST) for m in pattern.finditer(view.text)]
        matches += [(m.span(1), 0, False) for m in _YEAR_IS.finditer(view.text)]  # 2024年是…之年: not the year
        matches += [(next(m.span(g) for g in (1, 2, 3, 4, 5) if m.group(g)), 1, False) for m in _RECEIVED.finditer(view.text)]
        matches += [(span, 0, True) for span in headlines(view) if view.part_at(span[0]) == "review"]
        matches += [(span, 0, False) for span in verdict_headings(view)]
        if summaries < _SUMMARIES:
            pieces = [span for span in summary_spans(view) if not _plans(view, span)][: _SUMMARIES - summaries]
            summaries += len(pieces)
            matches += [(span, 0, False) for span in pieces]
        matches += [(m.span(1), 0, False) for m in _WE_DID.finditer(view.text)]
        matches += [(span, 0, False) for span in parallel_segments(view)]
        matches += [(m.span(), 1, True) for m in _BOTTOM_LINE.finditer(view.text)]  # 坚守…底线, as done
        if "review" not in {view.part, *(p for _, p in view.unit_parts)}:  # a bulletin's section verdicts
            matches += [(span, 0, False) for span in topic_sentences(view)]
        spans = []
        for span, rank, whole_clause in sorted(matches):
            part = view.part_at(span[0])
            if part not in parts:
                continue
            s0 = view.sentence_span(*span)[0]
            if part == "other" and re.search(r"要|力争|确保|将|努力", view.text[s0 : s0 + 12]):
                continue
            if _BY_YEAR.search(view.text[s0 : span[0]]):
                continue  # 到2027年,城乡融合发展取得明显成效: a goal, not a result
            start, end = view.clause_span(*span) if whole_clause else span
            if _has_figure(view.text[start:end]):
                continue  # a clause with a figure is the figures' business (a year is no figure)
            spans.append((start, end, rank))
        for start, end, rank in _merge_adjacent(view.text, spans):
            position += 1
            text = view.quote(start, end).strip()
            key = _plain_key(text)
            if all(key not in _plain_key(o.text) and _plain_key(o.text) not in key for _, _, o in found):
                found.append((rank, position, Outcome(text=text, source=view.source(start, end))))
    kept = sorted(found, key=lambda t: (t[0], t[1]))[:limit]
    return [o for _, _, o in sorted(kept, key=lambda t: t[1])]


def read_qualitative(chunks: list[StoredChunk], units: list[Unit], meta: dict) -> dict:
    """Every qualitative reader over one document: the brief's new sections, by field name."""
    views = views_of(chunks, units)
    return {
        "meeting": meeting_facts(views, known=meta.get("meeting"), speaker=meta.get("speaker")),
        "decisions": decisions(views, meta.get("county", "")),
        "frameworks": frameworks(views, county=meta.get("county", "")),
        "commitments": commitments(views, meta.get("plan_year")),
        "honours": honours(views),
        "outcomes": outcomes(views),
    }


def iter_items(brief) -> Iterator[tuple[str, object, str]]:
    """(section, item, text) for every qualitative item of a brief, expansions included."""
    for m in brief.meeting:
        yield "meeting", m, m.text
    for d in brief.decisions:
        yield "decisions", d, d.title
    for f in brief.frameworks:
        yield "frameworks", f, f.name
        for e in f.expansion:
            yield "frameworks", e, e.text
    for section in ("commitments", "honours", "outcomes"):
        for item in getattr(brief, section):
            yield section, item, item.text


def chunks_of_file(path, settings=None) -> list[StoredChunk]:
    """A file's chunks as the index would store them, without a store: for rule-only reading
    (``bench/brief_quality.py --rules``) and tests."""
    from rag.chunking import chunk_document
    from rag.indexer import chunk_metadata
    from rag.ingest import load_document

    doc = load_document(path)
    kwargs = {"max_chars": settings.chunking.max_chars, "overlap": settings.chunking.overlap_chars} if settings else {}
    out = []
    for chunk in chunk_document(doc.text, doc.content_hash[:12], **kwargs):
        meta = chunk_metadata(doc, str(path), chunk)
        meta.pop("tokens", None)
        out.append(StoredChunk(id=chunk.id, text=chunk.text, meta=meta))
    return out
