"""What a document decides (issue 13): each rule reader on each seed, on transformed seeds,
grounding of the new sections, the layout per document type, and the qualitative fact matcher."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from rag.brief_check import drop_ungrounded, verify_brief
from rag.brief_eval import numbers_absent, score_fact
from rag.brief_qualitative import (
    chunks_of_file,
    commitments,
    decisions,
    frameworks,
    honours,
    meeting_facts,
    outcomes,
    read_qualitative,
    views_of,
)
from rag.brief_read import read_units
from rag.brief_schema import CountyBrief, DocumentInfo, MeetingFact, Source
from rag.export import render_html, render_markdown
from rag.text import normalize
from tests.metamorphic import hard_wrap, one_line, seed_expectations, shift_years_in, traditional

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
REPORT, ARTICLE, PLENUM, XINGSHAN, TONGJIANG = (
    "000_887c7b99a7c32d83.txt", "001_1a4c49b44fdde90d.txt", "002_b36dca1533704f70.txt",
    "003_a378347d771fafc0.txt", "004_b19c5ac3cfd6b001.txt")


def _read(path: Path):
    chunks = chunks_of_file(path)
    units = read_units(chunks)
    return chunks, units, views_of(chunks, units)


@pytest.fixture(scope="module")
def seed():
    cache = {}

    def get(file):
        if file not in cache:
            cache[file] = _read(SEEDS / file)
        return cache[file]
    return get


def texts(items, attr="text"):
    return [normalize(getattr(i, attr)) for i in items]


def has(items, *words, attr="text"):
    return any(all(normalize(w) in t for w in words) for t in texts(items, attr))


# ---------------------------------------------------------------------------------------------
# Each reader on each seed (expected items written from the texts)


def test_meeting_facts_of_the_communique(seed):
    facts = meeting_facts(seed(PLENUM)[2])
    kinds = [f.kind for f in facts]
    assert kinds == sorted(kinds, key=["name", "date", "attendance", "presided", "spoke", "agenda"].index)
    # What it did, after its preamble: 听取和讨论了…工作报告,审议通过了《…决定》.
    assert has([f for f in facts if f.kind == "agenda"], "听取和讨论了杨俊代表县委常委会作的工作报告", "审议通过了")
    # The communiqué's own meeting, not the next one it prepares (筹备召开县委十五届六次全会).
    assert [f.text for f in facts if f.kind == "name"] == ["中国共产党芦山县第十五届委员会第六次全体会议,于2024年1月5日在芦山举行"]
    assert [f.text for f in facts if f.kind == "date"] == ["于2024年1月5日在芦山举行"]
    assert has(facts, "出席全会的有", "县委委员32人", "候补县委委员3人")
    assert has(facts, "县纪委常委", "列席会议")
    assert [f.text for f in facts if f.kind == "presided"] == ["全会由县委常委会主持"]
    assert has(facts, "县委书记杨俊作了讲话") and has(facts, "杨俊代表县委常委会作的工作报告")


@pytest.mark.parametrize("file", [REPORT, ARTICLE, XINGSHAN, TONGJIANG])
def test_reports_and_articles_state_no_meeting_of_their_own(seed, file):
    # A work report's own session is in its metadata (meeting, speaker); the body holds no roll call.
    facts = meeting_facts(seed(file)[2])
    assert not [f for f in facts if f.kind in ("attendance", "presided")]


def test_decisions_own_first_then_those_of_higher_bodies(seed):
    found = decisions(seed(PLENUM)[2], "芦山县")
    assert found[0].own and found[0].by == "中共芦山县委" and found[0].action == "审议通过"
    assert found[0].title.startswith("《中共芦山县委关于") and found[0].title.endswith("的决定》")
    assert {d.by for d in found[1:]} == {"中共四川省委", "中共雅安市委"} and not any(d.own for d in found[1:])
    assert all(d.title not in ("《决定(讨论稿)》",) for d in found)


@pytest.mark.parametrize("file", [REPORT, ARTICLE, XINGSHAN])
def test_no_decisions_where_none_is_adopted(seed, file):
    assert decisions(seed(file)[2], "") == []


def test_frameworks_of_the_lushan_report(seed):
    found = frameworks(seed(REPORT)[2])
    own = next(f for f in found if "一县一城示范统揽" in f.name)
    assert own.kind == "发展格局" and own.name.endswith("县域发展新格局")
    assert [e.text for e in own.expansion] == ["把“一县一城示范统揽”作为方向指引", "把“两极三园联轴融圈”作为关键抓手",
                                               "把“全域多点协同发展”作为目标要求"]
    assert has(found, "一区一地引领、两轴三圈联动", attr="name")
    assert has(found, "一核引领、三区联动", attr="name")
    assert has(found, "金丝楠根雕艺术之都的城市名片", attr="name")
    assert has(found, "飞仙、大川两大“农文旅增长极”", attr="name")
    # A part quoted again on its own (“两轴三圈联动”发展格局) is not a second framework.
    assert not any(f.name.startswith("“两轴三圈联动”") for f in found)


def test_frameworks_of_the_other_seeds(seed):
    plenum = frameworks(seed(PLENUM)[2])
    assert sum("格局" in f.name for f in plenum) == 2  # the county's and the prefecture's, once each
    assert not any("作为" in f.name for f in plenum)  # a part's role is an expansion, not a framework
    xingshan = frameworks(seed(XINGSHAN)[2])
    six = next(f for f in xingshan if "六创六争" in f.name)
    assert six.expansion and six.expansion[0].text.startswith("六创六争:即争创全省山区县域经济发展先进县")
    assert has(xingshan, "一中心、四组团", attr="name") and has(xingshan, "抓项目就是抓发展", attr="name")
    assert not has(xingshan, "十四五", attr="name")  # the national plan period is not the county's formula
    tongjiang = frameworks(seed(TONGJIANG)[2])
    assert has(tongjiang, "一县三地", attr="name") and has(tongjiang, "稳、防、提、创", "四字策略", attr="name")
    assert frameworks(seed(ARTICLE)[2]) == []


def test_commitments_with_their_years(seed):
    plenum = {normalize(c.text): c.year for c in commitments(seed(PLENUM)[2], 2024)}
    assert plenum[normalize("到2027年,城乡融合发展取得明显成效")] == 2027
    assert plenum[normalize("到2035年,城乡融合发展的体制机制更加完善")] == 2035
    assert plenum[normalize("成功创成国家乡村振兴示范县")] == 2027  # 到2027年 earlier in its sentence
    assert plenum[normalize("全力争创国家乡村振兴示范县")] == 2024
    report = {normalize(c.text): c.year for c in commitments(seed(REPORT)[2], 2024)}
    titled = {normalize("加快创建国家乡村振兴示范县"): 2024, normalize("城乡居民人均可支配收入与经济增长同步"): 2024,
              normalize("锚定省级全域旅游示范区创建"): 2024}
    assert titled.items() <= report.items()
    # The rest is the plan's summary sentence after its preamble, in at most two pieces of whole clauses.
    summary = [t for t in report if t not in titled]
    assert 1 <= len(summary) <= 2 and all(len(t) <= 100 for t in summary)
    assert not any(re.search(r"精神,|领导下|为指导", t) for t in summary)
    xingshan = texts(commitments(seed(XINGSHAN)[2], 2024))
    assert normalize("城乡居民收入增长与经济增长基本同步") in xingshan and normalize("争创全国文明城市") in xingshan
    # A title won in the review (兴山化工园成功创建全省首家D类化工园区) is an honour, not a commitment.
    assert not any("D类化工园区" in t for t in xingshan)
    assert commitments(seed(TONGJIANG)[2], 2023) == []


def test_honours_only_from_results(seed):
    xingshan = honours(seed(XINGSHAN)[2])
    assert has(xingshan, "兴发集团成功入选全国“双百企业”") and has(xingshan, "全国信访工作示范县")
    assert has(xingshan, "兴山化工园成功创建全省首家D类化工园区")
    levels = {h.text: h.level for h in xingshan}
    assert levels["兴发集团成功入选全国“双百企业”"] == "国家级"
    assert levels["兴山化工园成功创建全省首家D类化工园区"] == "省级"
    article = honours(seed(ARTICLE)[2])
    assert [h.text for h in article] == ["获评全国“红茶重点产区”", "多项改革入选全省优化营商环境先行区改革事项清单"]
    assert honours(seed(REPORT)[2]) == []  # the plan part only: nothing won yet
    assert has(honours(seed(TONGJIANG)[2]), "全球减贫最佳案例")


def test_outcomes_without_figures(seed):
    found = outcomes(seed(ARTICLE)[2])
    # The section's heading states its verdict first (1.经济发展稳中向好:全市经济呈现…), whole.
    first, second = texts(found)[:2]
    assert first == normalize("经济发展稳中向好:全市经济呈现回升向好的态势,高质量发展扎实推进")
    assert second.startswith(normalize("地区生产总值、农林牧渔业总产值、工业增加值等主要经济指标均实现增长"))
    assert has(found, "旅游综合收入大幅增长") and has(found, "地方一般公共预算收入显著增加")
    assert all(not any(ch.isdigit() for ch in o.text) for o in found)
    assert outcomes(seed(REPORT)[2]) == []  # the plan part only: nothing achieved yet
    # The communiqué's review of the year: a result clause, no figure.
    # The communiqué's review of the year and its verdict on the standing committee, no figure; not
    # its goals (到2027年,城乡融合发展取得明显成效).
    plenum = [o.text for o in outcomes(seed(PLENUM)[2])]
    found = outcomes(seed(PLENUM)[2])
    assert "全会充分肯定县委常委会的工作" in plenum and has(found, "芦山现代化建设各项事业取得新的进展")
    assert not any("2027" in t or "2035" in t for t in plenum)
    # …and the year in its summary sentence (县委深入学习…,精心组织开展…), in at most two pieces.
    summary = [t for t in plenum if t != "全会充分肯定县委常委会的工作"]
    assert len(summary) <= 2 and all(len(t) <= 100 for t in summary) and has(found, "精心组织开展")


def _views_of_text(tmp_path, text: str, name: str = "x.txt"):
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return _read(path)[2]


def test_general_shapes_of_the_genre(tmp_path):
    """The shapes the rules read beyond the seeds, each on a sentence written for the test."""
    report = _views_of_text(tmp_path, (
        "政府工作报告\n\n——2025年1月9日在甲县第九届人民代表大会\n第四次会议上\n\n甲县人民政府县长 李明\n\n"
        "各位代表:\n\n现在,我代表县人民政府向大会报告工作,请予审议,并请县政协委员和列席会议的同志提出意见。\n\n"
        "2024年工作回顾\n\n"
        "2024年是甲县发展的攻坚之年。全县上下坚持稳中求进,凝心聚力,苦干实干,经济社会呈现稳中有进的良好态势。"
        "先后获评“国家生态文明建设示范县”“全国文明城市提名城市”“省级森林城市”等称号,位列全国综合实力百强县。\n\n"
        "(一)产业转型再上新台阶。新建厂房10万平方米,建成全省首个氢能产业园。\n\n"
        "以规划为统领、改革为动力、项目为抓手,打好打赢三大攻坚战,奋力建设美丽幸福甲县。\n"))
    meeting = meeting_facts(report, known="甲县第九届人民代表大会第四次会议", speaker="李明")
    assert has(meeting, "在甲县第九届人民代表大会", "第四次会议上")  # a dateline wrapped inside the name
    assert [f.text.replace(" ", "") for f in meeting if f.kind == "spoke"] == ["甲县人民政府县长李明"]  # the line under the title
    assert not has(meeting, "列席会议") and not has(meeting, "我代表县人民政府")  # the opener's courtesies
    found = outcomes(report)
    assert has(found, "攻坚之年") and has(found, "呈现稳中有进的良好态势")
    assert has(found, "产业转型再上新台阶") and has(found, "全省首个氢能产业园")  # a headline, a first
    assert not has(found, "新建厂房")  # a figure is the figures' business
    won = honours(report)
    assert has(won, "国家生态文明建设示范县", "省级森林城市") and has(won, "位列全国综合实力百强县")
    named = frameworks(report, county="甲县")
    assert has(named, "以规划为统领、改革为动力、项目为抓手", attr="name") and has(named, "打好打赢三大攻坚战", attr="name")
    assert has(named, "凝心聚力,苦干实干", attr="name") and has(named, "美丽幸福甲县", attr="name")

    plenum = _views_of_text(tmp_path, (
        "中国共产党乙县第五届委员会第三次全体会议于元月8日在县城召开。县委书记王强主持会议并讲话。"
        "县委副书记、县长赵刚,县政协主席钱平出席。王强代表县委常委会向全会报告工作,并就《决定(讨论稿)》作了说明。"
        "会议审议《中共乙县委关于推进高质量发展的决定》。号召全县上下进一步团结一心、奋勇争先,"
        "争当全市高质量发展的排头兵,以优异成绩迎接建县七十周年。"), "y.txt")
    meeting = meeting_facts(plenum)
    assert [f.text for f in meeting if f.kind == "presided"] == ["县委书记王强主持会议并讲话"]
    assert has(meeting, "元月8日") and has(meeting, "钱平出席") and has(meeting, "向全会报告工作")
    assert has(decisions(plenum, "乙县"), "推进高质量发展的决定", attr="title")
    assert has(frameworks(plenum), "团结一心、奋勇争先", attr="name")
    pledged = commitments(plenum)
    assert has(pledged, "全市高质量发展的排头兵") and has(pledged, "以优异成绩迎接建县七十周年")

    article = _views_of_text(tmp_path, (
        "丙县各界人大代表热议政府工作报告\n\n"
        "县长孙立代表丙县人民政府在丙县第八届人民代表大会第二次会议上作《政府工作报告》,随后各代表团举行分组讨论。代表们一致认为,报告思路清晰、务实可行。\n"), "z.txt")
    meeting = meeting_facts(article)
    assert not has(meeting, "人大代表热议")  # 代表 the delegates, not 代表 an organ reporting
    assert has(meeting, "各代表团举行分组讨论")
    assert has(outcomes(article), "报告思路清晰、务实可行")


def test_a_news_story_of_a_congress_opening(tmp_path):
    """An opening session as a newspaper tells it: the date before the name, the roll on the
    rostrum, the count, who declared it open, the report delivered in the next paragraph, and an
    article that lists the report's parts without that list starting the plan."""
    story = _views_of_text(tmp_path, (
        "发布时间:2016-02-27 13:03 我要投稿\n"
        "2月25日上午,备受关注的丁县第十三届人民代表大会第五次会议在县会堂隆重开幕,来自全县的代表们欢聚一堂,共商发展大计!\n"
        "大会主席团常务主席张一、李二在主席台前排就座。\n"
        "本次会议应到代表288名,出席会议代表260名,符合法定人数。上午9时,常务主席李二宣布大会开幕。\n\n"
        "\n"
        "在热烈的掌声中,丁县人民政府县长王三作《政府工作报告》。报告共分三个部分:一是2015年工作回顾。"
        "二是2016年总体要求和重点工作。三是加强政府自身建设。王三说,2015年是丁县发展进程中极不平凡的一年,"
        "全县上下圆满完成了“十二五”规划的目标任务,知名度和美誉度大幅提升。\n"), "story.txt")
    meeting = meeting_facts(story)
    assert has(meeting, "2月25日上午", "第十三届人民代表大会第五次会议在县会堂隆重开幕")
    assert has(meeting, "张一、李二在主席台前排就座") and not has(meeting, "我要投稿")
    assert has(meeting, "应到代表288名,出席会议代表260名")  # the count whole, not cut at 出席会议
    assert has(meeting, "李二宣布大会开幕")
    assert has(meeting, "县长王三作《政府工作报告》")  # a chunk after the one naming the meeting
    found = outcomes(story)
    assert has(found, "圆满完成了“十二五”规划的目标任务") and has(found, "知名度和美誉度大幅提升")
    assert has(found, "极不平凡的一年")


def test_results_and_formulas_of_a_term_in_review(tmp_path):
    """A term's review in the genre's own words, and a congress's counted formula and goal."""
    review = _views_of_text(tmp_path, (
        "2020年工作回顾\n\n"
        "五年来,经济总量从全省靠后跃升至中等行列,成功退出贫困县序列,走出了一条生态富民、绿色脱贫之路。"
        "全县上下夺取了脱贫攻坚战的伟大胜利,历史性解决了绝对贫困问题,“两不愁三保障”全面实现。\n"), "r.txt")
    found = outcomes(review)
    for text in ("跃升至中等行列", "成功退出贫困县序列", "走出了一条生态富民、绿色脱贫之路", "夺取了脱贫攻坚战的伟大胜利",
                 "历史性解决了绝对贫困问题", "“两不愁三保障”全面实现"):
        assert has(found, text), text
    congress = _views_of_text(tmp_path, (
        "中国共产党丁市第十三次代表大会开幕。大会提出,以产业新城、活力园区为目标,做好寻标、对标、达标、夺标四篇文章。"), "c.txt")
    named = frameworks(congress)
    assert has(named, "以产业新城、活力园区为目标", attr="name") and has(named, "寻标、对标、达标、夺标", attr="name")
    group = _views_of_text(tmp_path, (
        "1月6日,中共戊县县委十二届二次全体(扩大)会议在县城召开。会后,副县长陈一等参加第五组讨论全委会工作报告。"
        "他认为,县委书记李四代表县委常委会所作的工作报告站位高、立意新,对2017年的工作部署思路清晰。"
        "2016年全县圆满完成各项经济指标。2016年取得的成绩来之不易。"), "g.txt")
    meeting = meeting_facts(group)
    assert has(meeting, "参加第五组讨论全委会工作报告") and has(meeting, "李四代表县委常委会所作的工作报告")
    found = outcomes(group)
    assert has(found, "站位高、立意新") and has(found, "圆满完成各项经济指标")
    assert has(found, "对2017年的工作部署思路清晰")  # a year is not a figure
    assert not has(found, "取得的成绩")  # a noun phrase, not a result


def test_what_a_plenum_did_and_who_said_what(tmp_path):
    """A plenum news item: each thing the meeting did is one agenda item (传达, 听取, 测评, 决定,
    审议并通过 after a semicolon), the chair's clause is kept whole, and a speaker named alone."""
    news = _views_of_text(tmp_path, (
        "8月19日,中共己区委召开三届十二次全委(扩大)会议。区委书记张一主持会议并代表常委会报告工作。"
        "区委副书记、区长王二通报上半年经济形势,安排部署下半年经济社会发展工作。"
        "会议书面传达了省委十二届八次全委(扩大)会议精神,听取了5名党政主要负责人述职报告,并对各部门上半年工作进行了测评。\n"
        "7月26日,中共己区第四届委员会第十三次全体会议召开,全会决定2021年7月28日召开中国共产党己区第五次代表大会;"
        "审议并通过了四届区委工作报告;酝酿并讨论了区委委员候选人预备人选名单。\n"
        "张一就区第五次党代会筹备工作情况作了具体说明。\n"), "n.txt")
    meeting = meeting_facts(news)
    kinds = {normalize(m.text): m.kind for m in meeting}
    assert has(meeting, "张一主持会议并代表常委会报告工作")
    assert has(meeting, "王二通报上半年经济形势", "安排部署下半年经济社会发展工作")
    assert has(meeting, "会议书面传达了", "进行了测评")
    assert has(meeting, "全会决定2021年7月28日召开") and has(meeting, "审议并通过了四届区委工作报告")
    assert has(meeting, "酝酿并讨论了区委委员候选人预备人选名单")
    assert has(meeting, "张一就区第五次党代会筹备工作情况作了具体说明")
    assert "agenda" in kinds.values() and all(len(t) <= 160 for t in kinds)


def test_the_year_in_one_sentence_and_the_headings_that_judge_it(tmp_path):
    """A review's summary sentence gives what follows its preamble (在…领导下, 以…为指导); numbered
    headings with a verdict and a speech's 一年来,我们…, are outcomes; a plan's summary is a commitment."""
    report = _views_of_text(tmp_path, (
        "一、2014年工作回顾\n"
        "2014年,在省委、省政府和市委的坚强领导下,市政府团结带领全市人民,认真贯彻落实党的十八大精神,"
        "紧紧围绕重返全国百强的战略目标,全力打造庚市发展升级版,较好地完成了各项目标任务。\n"
        "1、积极应对复杂形势,经济运行稳健向好\n"
        "全市实现地区生产总值552.3亿元,增长9.7%。\n"
        "一年来,我们全力以赴扩投资、稳增长,经济运行持续稳中向好;一年来,我们坚定不移强链条、提能级,产业发展基础更加牢固。\n"
        "二、2015年工作安排\n"
        "2015年,全市上下要以习近平新时代中国特色社会主义思想为指导,全面贯彻落实党的二十大精神,"
        "紧扣“四个更大”重要要求,坚持“3820”战略工程思想精髓,一张蓝图绘到底,奋力打造现代化国际城市先行示范区。\n"), "r.txt")
    found = outcomes(report)
    assert has(found, "紧紧围绕重返全国百强的战略目标", "全力打造庚市发展升级版")
    assert not has(found, "坚强领导下")  # the preamble is not the result
    assert has(found, "积极应对复杂形势,经济运行稳健向好")
    assert has(found, "产业发展基础更加牢固") and not has(found, "552.3")
    planned = commitments(report, plan_year=2015)
    assert has(planned, "紧扣“四个更大”重要要求", "一张蓝图绘到底")  # a quoted “3820” is a name, not a figure
    assert not has(found, "紧扣“四个更大”")


def test_a_plenums_directives_and_a_congress_storys_details(tmp_path):
    """What a plenum directs (全会强调,要…, and the 要-sentences after it, with the goal a sentence
    ends on), who explained a draft (作出说明), a formula of quoted items each with its verb, a
    superior observer (到会监督指导), the parts of the report, and 这一年,我们… as a result."""
    plenum = _views_of_text(tmp_path, (
        "4月26日上午,中国共产党壬县第十五届委员会第十二次全体会议举行。县委书记赵一主持会议并讲话。"
        "县委常委、组织部部长钱二就《决议(草案)》作出说明。\n"
        "全会指出,召开党代会,适逢“两个大局”交织、“两个百年”交汇、“两个五年规划”交接的重要历史节点。\n"
        "全会强调,要提高政治站位,本着对历史负责、对人民负责的态度,大力强化思想认识。"
        "要凝聚工作合力,各有关单位要明确职责、细化分工,高质量做好党代会的各项工作,确保党代会如期顺利召开。"
        "全县经济平稳运行。\n"), "p.txt")
    meeting = meeting_facts(plenum)
    assert has(meeting, "组织部部长钱二就《决议(草案)》作出说明")
    directed = commitments(plenum, plan_year=2021)
    assert has(directed, "要提高政治站位", "对人民负责的态度") and has(directed, "确保党代会如期顺利召开")
    assert not has(directed, "全县经济平稳运行")  # a 要-run ends at a sentence without 要
    # The one who presides directs too (…在总结讲话时强调); a subject may stand before 要; a long
    # sentence's goal is the last clause after its head that opens on one (确保, 坚决).
    speech = _views_of_text(tmp_path, (
        "县委书记赵一在总结讲话时强调,推动高质量发展是重要战略部署,要切实提高站位。"
        "要坚定不移推进绿色发展,坚定不移推进产业转型升级,坚定不移推进三大攻坚战,坚定不移推进优化营商环境,"
        "坚定不移推进乡村全面振兴,坚定不移推进城乡融合发展,确保各项决策部署在壬县落到实处,取得实实在在的成效。"
        "全县各级领导干部要坚定信心,坚决打赢推动高质量发展这一仗。\n"), "s.txt")
    directed = commitments(speech, plan_year=2021)
    assert has(directed, "县委书记赵一在总结讲话时强调") and has(directed, "坚决打赢推动高质量发展这一仗")
    assert has(directed, "确保各项决策部署在壬县落到实处") and has(directed, "坚定不移推进绿色发展")
    named = frameworks(plenum)
    assert has(named, "“两个大局”交织、“两个百年”交汇、“两个五年规划”交接", attr="name")
    congress = _views_of_text(tmp_path, (
        "10月28日,中国共产党癸区第七次代表大会在区会议中心隆重开幕。\n"
        "市纪委党风政风监督室处长孙三同志到会监督指导。\n"
        "刘四代表中共癸区第六届委员会向大会作题为《立足新起点 开启新航程》的报告。"
        "报告共分四个部分:一、五年砥砺奋进,成就鼓舞人心;二、展望美好未来,科学规划蓝图。\n"
        "刘四说,这一年,我们在园区建设上打造了癸区速度。\n"), "c.txt")
    meeting = meeting_facts(congress)
    assert has(meeting, "孙三同志到会监督指导")
    assert has(meeting, "报告共分四个部分", "五年砥砺奋进", "展望美好未来")
    assert has(outcomes(congress), "在园区建设上打造了癸区速度")


def test_a_sessions_elections_a_reports_policy_packages_and_ranks(tmp_path):
    """Who a session elected (当选为…, a count of votes, 须报…批准), a policy known by its count of
    articles (出台…21条措施), a rank among peers as a result, and one speaker's two acts as one item."""
    session = _views_of_text(tmp_path, (
        "12月22日上午,子县第十六届人民代表大会第一次会议举行第三次全体会议。出席这次会议的有代表191人。\n"
        "县委书记丑一作了讲话,并就《选举办法(草案)》向大会作了说明。县长寅二对下一阶段工作进行安排部署。\n"
        "经过认真计票,卯三以190票的高票当选为县人民政府县长,辰四和巳五当选副县长;"
        "午六当选为县人民检察院检察长,须报市人大常委会批准。大会通过了县人大常委会委员候选人名单。\n"), "s.txt")
    elected = [d for d in decisions(session) if d.action == "当选"]
    assert has(elected, "卯三以190票的高票当选为县人民政府县长", attr="title")
    assert has(elected, "辰四和巳五当选副县长", attr="title")
    assert has(elected, "午六当选为县人民检察院检察长,须报市人大常委会批准", attr="title")
    assert not has(elected, "候选人", attr="title")
    meeting = meeting_facts(session)
    assert has(meeting, "丑一作了讲话,并就《选举办法(草案)》向大会作了说明")
    assert has(meeting, "寅二对下一阶段工作进行安排部署") and has(meeting, "出席这次会议的有代表191人")
    report = _views_of_text(tmp_path, (
        "2022年工作回顾\n"
        "出台服务民营经济高质量发展21条措施,配套制定稳经济40条、推进工业经济高质量发展36条。"
        "社会消费品零售总额完成8.6亿元,增速居全盟第三位。新增“五上”企业62户,增量全市第一。"
        "辖区经济连续第7年进入全省“十强县”前三甲。\n"), "r.txt")
    adopted = decisions(report)
    assert has(adopted, "服务民营经济高质量发展21条措施", attr="title")
    assert has(adopted, "稳经济40条、推进工业经济高质量发展36条", attr="title")
    found = outcomes(report)
    assert has(found, "增速居全盟第三位") and has(found, "增量全市第一") and has(found, "连续第7年进入全省“十强县”前三甲")
    assert not has(found, "8.6亿元")  # the figure is the ledger's; the rank is the result


def test_listed_tasks_parallel_results_and_a_sessions_oath(tmp_path):
    """A plenum's listed tasks (重点工作:A;B;C) one item each, a report's parallel results (坚持…,
    …更加牢固;坚持…), a line held (坚守…底线) as done in the review, the oath after an election, a
    report named by what it reports (作…筹备工作情况的报告) and a vote's result announced."""
    plenum = _views_of_text(tmp_path, (
        "1月16日上午,中共丑区委二届四次全体会议在区会议中心隆重召开。区委副书记、区长李一就全面做好2013年工作作具体部署。"
        "区委副书记叶二作中国共产党丑区第二次代表大会筹备工作情况的报告。\n"
        "区委书记骆三全面部署了今年重点工作:立足产城融合发展,打造东部山水新城核心区;建设文化强区,打造丑区特色文化品牌;"
        "全面提高党的建设科学化水平。\n"), "p.txt")
    meeting = meeting_facts(plenum)
    assert has(meeting, "李一就全面做好2013年工作作具体部署") and has(meeting, "叶二作中国共产党丑区第二次代表大会筹备工作情况的报告")
    tasks = commitments(plenum, plan_year=2013)
    assert has(tasks, "立足产城融合发展,打造东部山水新城核心区") and has(tasks, "建设文化强区,打造丑区特色文化品牌")
    report = _views_of_text(tmp_path, (
        "2023年工作回顾\n"
        "2023年,寅区坚持强保护严治理,绿色发展基础更加牢固;坚持谋项目扩投资,经济运行质量更加稳健;"
        "坚持抓衔接促振兴,乡村发展基础更加坚实。坚守不发生规模性返贫底线。\n"), "r.txt")
    found = outcomes(report)
    assert has(found, "坚持强保护严治理,绿色发展基础更加牢固") and has(found, "坚持抓衔接促振兴,乡村发展基础更加坚实")
    assert has(found, "坚守不发生规模性返贫底线")
    session = _views_of_text(tmp_path, (
        "2月11日,卯县第十七届人民代表大会第七次会议闭幕。卢四当选为卯县人民法院院长。新当选同志与代表们见面,并进行宪法宣誓。"
        "大会宣布了县政府2026年民生实事项目票决结果。\n"), "s.txt")
    assert has(meeting_facts(session), "新当选同志与代表们见面,并进行宪法宣誓")
    assert has(decisions(session), "县政府2026年民生实事项目票决结果", attr="title")


def test_a_guest_who_spoke_a_deployment_and_bounds_kept(tmp_path):
    """A guest who attended and spoke (…出席会议并讲话), what the meeting deployed (会议还就…进行部署), a
    count with its subject (大会应到代表321名), a run of successes (…屡创佳绩) and indicators kept
    within a bound (…等指标控制在市定目标内) as a plan's commitment."""
    plenum = _views_of_text(tmp_path, (
        "5月20日,中共辰县第十三届委员会第六次全体会议召开。大会应到代表321名,实到318名。"
        "市人大常委会专职委员张一及巡察组相关领导出席会议并讲话。会议还就防汛抗台、安全生产等当前重点工作进行部署。\n"), "p.txt")
    meeting = meeting_facts(plenum)
    assert has(meeting, "张一及巡察组相关领导出席会议并讲话") and has(meeting, "大会应到代表321名,实到318名")
    assert has(meeting, "会议还就防汛抗台、安全生产等当前重点工作进行部署")
    report = _views_of_text(tmp_path, (
        "一、2019年工作回顾\n我区连年在全市综合考评、文明城市创建等方面屡创佳绩。\n"
        "二、2020年工作安排\n城镇登记失业率、节能减排、安全生产等指标控制在市定目标内。\n"), "r.txt")
    assert has(outcomes(report), "在全市综合考评、文明城市创建等方面屡创佳绩")
    assert has(commitments(report, plan_year=2020), "城镇登记失业率、节能减排、安全生产等指标控制在市定目标内")


def test_a_bulletins_section_verdicts(tmp_path):
    """A 统计公报 heads its figures with a short verdict; a caption or a line with no figures after
    it is not one."""
    bulletin = _views_of_text(tmp_path, (
        "辛县统计局\n一、综合\n"
        "经济运行稳中有进。初步核算,全县实现地区生产总值203.9亿元,增长4.9%。产业结构进一步优化。三次产业比例调整为7.0:53.7:39.3。\n"
        "就业形势持续稳定。全县实现城镇新增就业4100人。\n"
        "大会现场气氛庄严隆重。主席台上悬挂着会标。\n"), "s.txt")
    found = outcomes(bulletin)
    for verdict in ("经济运行稳中有进", "产业结构进一步优化", "就业形势持续稳定"):
        assert has(found, verdict), verdict
    assert not has(found, "辛县统计局") and not has(found, "气氛庄严隆重")


def test_every_item_on_every_seed_is_verbatim_and_grounded(seed):
    for file in (REPORT, ARTICLE, PLENUM, XINGSHAN, TONGJIANG):
        chunks, units, _ = seed(file)
        meta = chunks[0].meta
        brief = CountyBrief(county=meta["county"], document=DocumentInfo(file=file, doc_type=meta["doc_type"]),
                            **read_qualitative(chunks, units, meta))
        assert verify_brief(brief, chunks) == [], file
        by_id = {c.id: c for c in chunks}
        for section in ("meeting", "commitments", "honours", "outcomes"):
            for item in getattr(brief, section):
                assert item.source.quote in by_id[item.source.chunk_id].text  # verbatim, not a normalised copy
        assert numbers_absent(brief, "\n".join(c.heading + "\n" + c.text for c in chunks)) == [], file


# ---------------------------------------------------------------------------------------------
# Transformed documents: the readers follow the facts, not one seed's sentences


def _transformed(tmp_path, file, transform):
    text = (SEEDS / file).read_text("utf-8")
    out = tmp_path / file
    out.write_text(transform(text), "utf-8")
    return _read(out)


def _summary(views, county, plan_year):
    return {
        "meeting": [f.kind for f in meeting_facts(views)],
        "decisions": [(d.own, d.by) for d in decisions(views, county)],
        "frameworks": len(frameworks(views)),
        "commitments": len(commitments(views, plan_year)),
        "honours": len(honours(views)),
        "outcomes": len(outcomes(views)),
    }


TRANSFORMS = {
    "traditional": lambda t: traditional(t, seed_expectations()["002"]).data,
    "hard_wrap": lambda t: hard_wrap(t, seed_expectations()["002"], 28, random.Random(1)).data,
    "one_line": lambda t: one_line(t, seed_expectations()["002"]).data,
}


@pytest.mark.parametrize("name", list(TRANSFORMS))
@pytest.mark.parametrize("file", [PLENUM, REPORT, ARTICLE, XINGSHAN])
def test_readers_survive_script_and_line_transforms(tmp_path, seed, file, name):
    before = _summary(seed(file)[2], seed(file)[0][0].meta["county"], 2024)
    chunks, units, views = _transformed(tmp_path, file, TRANSFORMS[name])
    after = _summary(views, chunks[0].meta["county"] or seed(file)[0][0].meta["county"], 2024)
    if name == "traditional":  # 縣 is 县 once compared: the same items
        assert after == before
    else:  # chunk boundaries move with the lines; what is read stays
        for key in ("meeting", "decisions"):
            assert after[key] == before[key], key
        for key in ("frameworks", "commitments", "honours", "outcomes"):
            assert abs(after[key] - before[key]) <= max(1, before[key] // 4), key
    brief = CountyBrief(county="x", document=DocumentInfo(file=file), **read_qualitative(chunks, units, chunks[0].meta))
    assert verify_brief(brief, chunks) == []


def test_readers_follow_renamed_place_and_shifted_years(tmp_path):
    text = (SEEDS / PLENUM).read_text("utf-8").replace("芦山", "宝兴")
    out = tmp_path / PLENUM
    out.write_text(shift_years_in(text, 3), "utf-8")
    _, _, views = _read(out)
    found = decisions(views, "宝兴县")
    assert found[0].own and found[0].by == "中共宝兴县委"
    years = {normalize(c.text): c.year for c in commitments(views, 2027)}
    assert years[normalize("到2030年,城乡融合发展取得明显成效")] == 2030
    assert years[normalize("到2038年,城乡融合发展的体制机制更加完善")] == 2038
    assert [f.text for f in meeting_facts(views) if f.kind == "date"] == ["于2027年1月5日在宝兴举行"]


# ---------------------------------------------------------------------------------------------
# Grounding, schema, layout, matcher


def _plenum_brief(seed):
    chunks, units, _ = seed(PLENUM)
    meta = chunks[0].meta
    return chunks, CountyBrief(county="芦山县", document=DocumentInfo(file=PLENUM, doc_type="全会公报", plan_year=2024),
                               **read_qualitative(chunks, units, meta))


def test_grounding_drops_an_item_whose_quote_is_not_in_its_chunk(seed):
    chunks, brief = _plenum_brief(seed)
    by_id = {c.id: c for c in chunks}
    good = len(brief.meeting)
    brief.meeting.append(MeetingFact(kind="spoke", text="县长张三作了讲话",
                                     source=Source(chunk_id=brief.meeting[0].source.chunk_id, quote="县长张三作了讲话")))
    explained = next(f for f in brief.frameworks if f.expansion)
    explained.expansion[0].source.quote = "把“一县多城”作为方向指引"  # a part no chunk holds
    explained.expansion[0].text = "把“一县多城”作为方向指引"
    brief.commitments[0].text = brief.commitments[0].text + "，到2030年翻一番"  # text beyond its quote
    assert len(verify_brief(brief, chunks)) == 3
    drop_ungrounded(brief, by_id)
    assert len(brief.meeting) == good
    assert {d.section for d in brief.dropped} == {"meeting", "frameworks", "commitments"}
    assert any(d.reason.startswith("expansion: the quote is not in chunk") for d in brief.dropped)
    assert verify_brief(brief, chunks) == []


def test_schema_rejects_unknown_kinds():
    src = {"chunk_id": "a-0001", "quote": "x"}
    with pytest.raises(ValidationError):
        MeetingFact.model_validate({"kind": "weather", "text": "x", "source": src})
    with pytest.raises(ValidationError):
        CountyBrief.model_validate({"county": "x", "document": {"file": "f"},
                                    "frameworks": [{"kind": "口号?", "name": "x", "source": src}]})
    with pytest.raises(ValidationError):
        CountyBrief.model_validate({"county": "x", "document": {"file": "f"},
                                    "honours": [{"text": "x", "level": "世界级", "source": src}]})
    ok = CountyBrief.model_validate({"county": "x", "document": {"file": "f"},
                                     "commitments": [{"text": "争创全国文明城市", "year": 2024, "source": src}]})
    assert ok.commitments[0].year == 2024 and ok.meeting == []


def _headings(md: str) -> list[str]:
    return [line[3:] for line in md.splitlines() if line.startswith("## ")]


def test_markdown_order_follows_the_document_type(seed):
    _, brief = _plenum_brief(seed)
    heads = _headings(render_markdown(brief))
    assert heads[:4] == ["会议概况", "审议通过的决定与文件", "目标与承诺", "发展格局与提法"]
    as_report = brief.model_copy(update={"document": brief.document.model_copy(update={"doc_type": "政府工作报告"})})
    report_heads = _headings(render_markdown(as_report))
    assert report_heads.index("目标与承诺") < report_heads.index("发展格局与提法") < report_heads.index("会议概况")
    md = render_markdown(brief)
    assert "- 审议通过《中共芦山县委关于" in md and "（转述中共四川省委）" in md
    assert "  - 把“一县一城示范统揽”作为" in md  # a framework's parts under it
    assert "- 2035年：到2035年,城乡融合发展的体制机制更加完善" in md


def test_an_article_says_it_is_one_and_leads_with_what_it_reports(seed):
    chunks, units, _ = seed(ARTICLE)
    brief = CountyBrief(county="利川市", document=DocumentInfo(file=ARTICLE, doc_type="关于政府工作报告的文章"),
                        **read_qualitative(chunks, units, chunks[0].meta))
    md = render_markdown(brief)
    assert "> 本文是一篇介绍利川市政府工作报告的文章，不是报告原文" in md
    assert _headings(md)[:2] == ["文章转述的成效", "荣誉与称号"]
    assert "本文是一篇介绍利川市政府工作报告的文章" in render_html([brief])


def test_qualitative_matcher_takes_the_texts_own_wording(seed):
    _, brief = _plenum_brief(seed)

    def status(*terms):
        return score_fact({"kind": "qualitative", "terms": list(terms)}, brief).status

    assert status("县委委员32人", "候补县委委员3人") == "found"
    assert status("审议通过", "中共芦山县委关于", "决定") == "found"
    assert status("县委委员32人", "到2035年") == "missing"  # terms of two different items
    assert status("县委委员33人") == "missing"
    assert status("國家鄉村振興示範縣") == "found"  # compared in one script
    empty = CountyBrief(county="芦山县", document=DocumentInfo(file=PLENUM))
    assert score_fact({"kind": "qualitative", "terms": ["县委委员32人"]}, empty).status == "missing"


def test_communique_html_prints_on_one_a4_page(seed):
    import weasyprint

    _, brief = _plenum_brief(seed)
    page = render_html([brief])
    assert page.index("会议概况") < page.index("审议通过的决定与文件") < page.index("目标与承诺")
    assert len(weasyprint.HTML(string=render_html([brief, brief])).render().pages) == 2


@pytest.mark.parametrize("doc_type", ["政府工作报告", "全会公报", "统计公报"])
def test_worst_case_brief_with_every_new_section_prints_on_one_a4_page(doc_type):
    """Old sections at their caps and every qualitative section fuller than the page shows."""
    import weasyprint

    from tests.test_brief import fullest_brief_fields

    fields, src = fullest_brief_fields(doc_type, explanation="即争创")
    long = "“一县一城示范统揽、两极三园联轴融圈、全域多点协同发展”县域发展新格局加快推进城乡融合发展"
    kinds = ["date", "attendance", "attendance", "attendance", "presided", "spoke", "spoke", "spoke", "agenda", "agenda", "agenda"]
    brief = CountyBrief.model_validate({
        **fields,
        "meeting": [{"kind": k, "text": long[:30], "source": src(100 + i)} for i, k in enumerate(kinds)],
        "decisions": [{"title": "《" + long + "的决定》", "action": "审议通过", "own": i == 0, "source": src(110 + i)}
                      for i in range(5)],
        "frameworks": [{"kind": "发展格局", "name": long, "source": src(140 + i), "expansion": [
            {"text": "把“一县一城示范统揽”作为方向指引", "source": src(120 + 3 * i + j)} for j in range(4)]} for i in range(6)],
        "commitments": [{"text": long, "year": 2027, "source": src(150 + i)} for i in range(10)],
        "honours": [{"text": long, "level": "国家级", "source": src(160 + i)} for i in range(10)],
        "outcomes": [{"text": long, "source": src(170 + i)} for i in range(8)],
    })
    assert len(weasyprint.HTML(string=render_html([brief, brief])).render().pages) == 2


def test_honours_won_by_rank_or_incentive_with_listed_titles_and_milestones(tmp_path):
    # 晋级 a rank, 获 an incentive, titles listed with 、; milestones reached (历史性实现, 正式退出/迈入).
    review = _views_of_text(tmp_path, (
        "一、2024年工作回顾\n"
        "这一年,子县成功晋级全省第2个千亿县。连续七年获评全省制造业发展十强县、十快县。落实重大政策措施获省政府督查激励。"
        "历史性实现整县脱贫摘帽,子县正式退出贫困县序列。地铁8号线通车运营,子县正式迈入地铁时代。\n"), "h.txt")
    won = honours(review)
    assert has(won, "成功晋级全省第2个千亿县") and has(won, "十强县、十快县") and has(won, "获省政府督查激励")
    results = outcomes(review)
    assert has(results, "历史性实现整县脱贫摘帽") and has(results, "子县正式退出贫困县序列")
    assert has(results, "子县正式迈入地铁时代")
