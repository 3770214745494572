"""Document identity on the seeds and on variants of them: renamed, traditional, shifted, wrapped."""

from __future__ import annotations

import re

import opencc
import pytest

from rag.identity import ARTICLE, BUDGET, CONGRESS, GWR, PLENUM, STATS, identify
from rag.places import resolve
from tests.conftest import SEEDS


def seed_text(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


def summary(ident):
    place = ident.place.value
    return (
        place.name if place else None,
        ident.doc_type.value,
        ident.review_year.value,
        ident.plan_year.value,
        ident.date.value,
    )


@pytest.mark.parametrize(
    "prefix, expected",
    [
        ("000", ("芦山县", GWR, 2023, 2024, "2024-01-15")),
        ("001", ("利川市", ARTICLE, 2023, 2024, None)),
        # A plenum's year is its meeting's; it reviews no particular year.
        ("002", ("芦山县", PLENUM, None, 2024, "2024-01-05")),
        ("003", ("兴山县", GWR, 2023, 2024, "2024-01-12")),
        ("004", ("通江县", GWR, 2022, 2023, None)),
    ],
)
def test_seeds(prefix, expected):
    ident = identify(seed_text(prefix))
    assert summary(ident) == expected
    assert ident.place.source == "title"
    assert ident.province.source == "division table"


def test_seed_details_and_sources():
    ident = identify(seed_text("003"))
    assert (ident.province.value, ident.prefecture.value) == ("湖北省", "宜昌市")
    assert ident.meeting.value == "兴山县第十九届人民代表大会第四次会议"
    assert ident.date.source == "text"
    assert identify(seed_text("002")).meeting.value == "中国共产党芦山县第十五届委员会第六次全体会议"
    lushan = identify(seed_text("000"))
    assert (lushan.prefecture.value, lushan.date.source) == ("雅安市", "title")
    assert identify(seed_text("001")).prefecture.value == "恩施土家族苗族自治州"
    assert identify(seed_text("004")).date.source == "unknown"


def rename(text: str, target: str) -> str:
    """Move seed 003 (兴山县, 宜昌市, 湖北) to another county of the table."""
    d = resolve(target)[0]
    pref = resolve(d.prefecture)[0].short if d.prefecture else d.short
    prov = resolve(d.province)[0].short
    text = text.replace("兴山县", d.name).replace("兴山", d.short)
    return text.replace("宜昌市", d.prefecture or "").replace("宜昌", pref).replace("湖北", prov)


@pytest.mark.parametrize(
    "target, province",
    [("黎平县", "贵州省"), ("柳林县", "山西省"), ("子洲县", "陕西省"), ("宜章县", "湖南省"), ("涡阳县", "安徽省"), ("云和县", "浙江省")],
)
def test_renamed_seed_follows_the_new_county(target, province):
    ident = identify(rename(seed_text("003"), target))
    assert ident.place.value.name == target
    assert ident.province.value == province
    assert (ident.doc_type.value, ident.review_year.value, ident.plan_year.value) == (GWR, 2023, 2024)


@pytest.mark.parametrize("target", ["黎平县", "柳林县", "子洲县"])
def test_renamed_seed_without_the_county_suffix(target):
    text = rename(seed_text("003"), target).replace(target, target[:-1])
    assert target not in text
    ident = identify(text)
    assert ident.place.value.name == target
    assert ident.meeting.value == f"{target[:-1]}第十九届人民代表大会第四次会议"


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_traditional_script_gives_the_same_identity(prefix):
    text = seed_text(prefix)
    traditional = opencc.OpenCC("s2t").convert(text)
    assert traditional != text
    assert summary(identify(traditional)) == summary(identify(text))


@pytest.mark.parametrize("k", [-6, -1, 3])
def test_shifting_every_year_shifts_the_years(k):
    text = re.sub(r"20\d{2}", lambda m: str(int(m.group(0)) + k), seed_text("003"))
    ident = identify(text)
    assert (ident.review_year.value, ident.plan_year.value) == (2023 + k, 2024 + k)
    assert ident.date.value == f"{2024 + k}-01-12"
    assert summary(identify(re.sub(r"20\d{2}", lambda m: str(int(m.group(0)) + k), seed_text("004"))))[2:4] == (2022 + k, 2023 + k)


def test_an_issuing_notice_on_top_changes_nothing_but_the_title():
    notice = (
        "兴山县人民政府办公室关于印发《2024年政府工作报告》的通知\n各乡镇人民政府，县政府各部门：\n"
        "现将《政府工作报告》印发给你们，请结合实际认真贯彻落实。\n兴山县人民政府办公室\n2024年2月20日\n"
    )
    plain, wrapped = identify(seed_text("003")), identify(notice + seed_text("003"))
    assert summary(wrapped) == summary(plain)
    assert wrapped.date.value == "2024-01-12"  # the speech's date, not the notice's


@pytest.mark.parametrize("prefix", ["000", "003", "004"])
def test_site_chrome_on_top_changes_nothing(prefix):
    chrome = "首页 > 政务公开 > 政府工作报告\n当前位置：首页 > 政务公开 > 规划计划\n【字体：大 中 小】 打印\n"
    assert summary(identify(chrome + seed_text(prefix))) == summary(identify(seed_text(prefix)))


def test_a_statistical_bulletin_reviews_its_year_and_plans_none():
    text = "當前位置：首頁 > 政府數據 > 統計公報\n宜章縣2023年國民經濟和社會發展統計公報\n2023年，全縣上下在縣委、縣政府堅強領導下……初步核算，全縣地區生產總值增長5.1%。"
    ident = identify(text)
    assert summary(ident) == ("宜章县", STATS, 2023, None, None)
    assert ident.plan_year.source == "unknown"
    assert ident.prefecture.value == "郴州市"


def test_a_prefecture_report_is_the_prefectures_even_when_it_names_counties():
    text = (
        "政府工作报告\n——2024年1月20日在德宏傣族景颇族自治州第十五届人民代表大会第四次会议上\n各位代表：\n"
        "现在，我代表州人民政府向大会报告工作，请予审议。\n一、2023年工作回顾\n"
        "全州地区生产总值增长6%。芒市、瑞丽市、盈江县、陇川县、梁河县协同发展，瑞丽市口岸建设加快，芒市机场扩建。州委、州政府坚强领导。"
    )
    ident = identify(text)
    assert summary(ident) == ("德宏傣族景颇族自治州", GWR, 2023, 2024, "2024-01-20")
    assert ident.prefecture.value == "德宏傣族景颇族自治州"


def test_a_county_report_is_the_countys_although_it_speaks_of_the_prefecture():
    text = (
        "黎平县人民政府工作报告\n各位代表：\n现在，我代表县人民政府向大会报告工作。\n"
        + "在州委、州政府和县委的坚强领导下，全县完成州下达的目标，全州排名第一，黔东南发展大局。" * 3
    )
    assert identify(text).place.value.name == "黎平县"


@pytest.mark.parametrize(
    "context, expected",
    [("湖北省宜昌市", ("兴山县", "湖北省")), ("黑龙江省鹤岗市", ("兴山区", "黑龙江省")), ("", (None, None))],
)
def test_a_shared_stem_is_settled_by_the_province_and_prefecture_named(context, expected):
    text = f"{context}兴山第十九届人民代表大会第四次会议\n各位代表：\n现在，我代表兴山人民政府向大会报告工作。全力推动兴山高质量发展。"
    ident = identify(text)
    got = (ident.place.value.name if ident.place.value else None, ident.province.value)
    assert got == expected
    if not context:
        assert ident.place.source == "unknown"


def test_a_news_article_about_a_report():
    text = (
        "宜章县十八届人大三次会议开幕\n发布时间：2023-01-10\n1月8日上午，宜章县第十八届人民代表大会第三次会议在县会议中心隆重开幕。"
        "县长李某代表县人民政府作政府工作报告。报告分为“2022年工作回顾”和“2023年工作安排”两部分。本报记者 王某"
    )
    ident = identify(text)
    assert summary(ident) == ("宜章县", ARTICLE, 2022, 2023, "2023-01-08")
    assert ident.meeting.value == "宜章县第十八届人民代表大会第三次会议"


def test_a_report_given_in_december_plans_the_next_year():
    text = "政府工作报告\n——2017年12月6日在昆都仑区第十六届人民代表大会第一次会议上\n各位代表：\n现在，我代表区人民政府向大会报告工作。全区经济平稳。"
    assert summary(identify(text))[1:] == (GWR, 2017, 2018, "2017-12-06")


def test_chinese_numeral_dates():
    text = "政府工作报告\n——二〇二二年二月二十二日在漯河市第七届人民代表大会第八次会议上\n各位代表：\n现在，我代表市人民政府向大会报告工作。"
    assert summary(identify(text)) == ("漯河市", GWR, 2021, 2022, "2022-02-22")


def test_a_plenum_late_in_the_year_sets_the_next_years_course():
    text = (
        "中国共产党涡阳县第十二届委员会第五次全体会议公报\n中国共产党涡阳县第十二届委员会第五次全体会议，于2023年12月20日在涡阳举行。"
        "全会听取和讨论了县委常委会工作报告。全会认为，一年来全县经济稳中有进。全会强调，做好2024年工作意义重大。"
    )
    assert summary(identify(text)) == ("涡阳县", PLENUM, 2023, 2024, "2023-12-20")


def test_what_the_text_does_not_say_stays_unknown():
    ident = identify("今年以来，我们坚持稳中求进工作总基调，推动高质量发展，群众获得感持续增强。")
    assert summary(ident) == (None, None, None, None, None)
    assert {f.source for f in (ident.place, ident.doc_type, ident.review_year, ident.date, ident.meeting)} == {"unknown"}


def test_a_budget_report_addressed_to_delegates_is_a_budget_report_of_its_two_years():
    # Addressed to the delegates like a 政府工作报告, but the finance bureau's: the year executed, the year drafted.
    text = "关于芦山县2023年预算执行情况和2024年预算草案的报告\n各位代表：\n受县人民政府委托，现将预算执行情况提请大会审议。"
    ident = identify(text)
    assert ident.doc_type.value == BUDGET and ident.place.value.name == "芦山县"
    assert (ident.review_year.value, ident.plan_year.value) == (2023, 2024)
    # Without a title, the opening that names it.
    body = "各位代表:\n受县人民政府委托,现将黄平县2022年预算执行情况和2023年预算草案提请审议。\n一、2022年财政预算执行情况"
    ident = identify("(贵州省)关于黄平县2022年预算执行情况和2023年预算草案的报告\n" + body)
    assert (ident.doc_type.value, ident.review_year.value, ident.plan_year.value) == (BUDGET, 2022, 2023)


def test_filename_fills_in_only_what_the_text_lacks():
    body = "2018年，全县坚持以习近平新时代中国特色社会主义思想为指导。\n一、综合\n初步核算，全县地区生产总值增长11.6%。"
    ident = identify(body, filename="黎平县2018年国民经济和社会发展统计公报.txt")
    assert summary(ident) == ("黎平县", STATS, 2018, None, None)
    assert (ident.place.source, ident.doc_type.source) == ("filename", "filename")
    assert identify(body).place.value is None


# --- Rules from the rebuilt real-report corpus (synthetic texts written for these tests) ------


def test_an_article_states_its_years_verb_first():
    text = ("近日，在某市黎平县第十八届人民代表大会第二次会议上，县长作政府工作报告，回顾了2022年的政府工作，"
            "也提出了2023年的政府工作目标。记者了解到，全县经济运行总体平稳。")
    ident = identify(text)
    assert (ident.doc_type.value, ident.review_year.value, ident.plan_year.value) == (ARTICLE, 2022, 2023)
    assert ident.review_year.source == "text"


def test_an_article_that_arranges_a_year_plans_it():
    text = ("黎平县第十八届人民代表大会第二次会议胜利闭幕\n县长在会上作政府工作报告，对过去一年工作进行回顾，"
            "对2023年工作进行安排。《报告》明确了2023年工作的总体要求。")
    assert summary(identify(text))[1:4] == (ARTICLE, 2022, 2023)


def test_a_plan_phrase_far_beyond_the_reviewed_year_is_not_the_plan_year():
    text = ("本报讯 黎平县第十八届人民代表大会第二次会议隆重开幕，县长作政府工作报告。报告回顾了2022年的工作，"
            "提出了2035年的发展目标，也提出了2023年的工作任务。")
    assert summary(identify(text))[2:4] == (2022, 2023)


def test_quoted_speech_writes_two_digit_years():
    text = ("3月4日，黎平县第十八届人民代表大会第二次会议隆重开幕，县长作政府工作报告。代表们说：“这个报告对22年的"
            "工作回顾写得很全面，23年的工作目标也很明确。”")
    assert summary(identify(text))[1:4] == (ARTICLE, 2022, 2023)


def test_an_interpretation_of_the_draft_report_is_an_article_about_it():
    text = ("关于《政府工作报告（征求意见稿）》解读\n《报告》共分为两部分，第一部分为2022年工作回顾，"
            "第二部分为2023年工作安排，各项工作安排符合黎平县发展实际。")
    ident = identify(text)
    assert summary(ident)[:4] == ("黎平县", ARTICLE, 2022, 2023)
    assert ident.doc_type.source == "title"


def test_news_of_a_plenum_says_so_in_its_first_sentence():
    text = ("7月26日，中共黎平县第十三届委员会第十二次全体会议召开，全会决定2021年7月28日至30日召开中国共产党"
            "黎平县第十四次代表大会。县委常委会主持会议。县委书记代表县委常委会讲话。")
    ident = identify(text)
    # The date the text announces is a meeting to come; the lead's day is the plenum's, in that year.
    assert summary(ident) == ("黎平县", PLENUM, None, 2021, "2021-07-26")
    assert (ident.chair.value, ident.chair.source) == ("县委常委会", "text")


def test_an_announced_meeting_before_the_leads_day_falls_in_the_next_year():
    text = ("12月20日，中共黎平县第十三届委员会第六次全体会议召开，全会决定2024年1月8日召开县第十四次代表大会。"
            "全会指出，一年来全县经济稳中有进。全会强调，做好2024年工作意义重大。")
    assert summary(identify(text)) == ("黎平县", PLENUM, 2023, 2024, "2023-12-20")


def test_the_day_a_session_closed_is_not_the_day_of_the_report():
    text = ("发布时间：2024-02-01\n1月28日上午，黎平县第十八届人民代表大会第三次会议胜利闭幕。\n"
            "1月26日上午，第一次全体会议隆重召开，县长作政府工作报告，报告回顾了2023年的工作。")
    assert identify(text).date.value == "2024-01-26"


def test_a_speech_dates_itself_in_brackets_under_the_speaker():
    text = ("政府工作报告\n——在黎平县第十八届人民代表大会第五次会议上\n县长 张三\n（2025年1月6日）\n各位代表：\n"
            "现在，我代表县人民政府向大会报告政府工作，请予审议。\n2024年工作回顾")
    ident = identify(text)
    assert (ident.date.value, ident.date.source) == ("2025-01-06", "text")
    assert summary(ident)[:4] == ("黎平县", GWR, 2024, 2025)


@pytest.mark.parametrize("glossed", [
    "2月26日上午9時(shí)，黎平縣第五屆人民代表大會第四次會議隆重開幕。縣長向大會報(bào)告工作，報(bào)告分為"
    "“2022年工作回顧”和“2023年工作安排”兩大部分。讓我們一起來看看政府工作報(bào)告吧。",
])
def test_pinyin_glosses_of_reposting_sites_are_ignored(glossed):
    assert summary(identify(glossed))[:4] == ("黎平县", ARTICLE, 2022, 2023)


def test_html_and_forum_markup_end_lines_and_are_dropped():
    text = ("[align=center][b]2022年[/b][b]黎平县国民经济和社会发展统计公报[/b][/align][align=center]黎平县统计局[/align]"
            "[align=center]2023年4月11日[/align][align=left]2022年，全县地区生产总值增长6.4%。[/align]")
    ident = identify(text)
    assert summary(ident) == ("黎平县", STATS, 2022, None, "2023-04-11")
    assert ident.title == "2022年黎平县国民经济和社会发展统计公报"
    assert identify("<h3>2022年黎平县国民经济和社会发展统计公报</h3><p>2022年，全县经济稳中有进。</p>").title.startswith("2022年黎平县")


@pytest.mark.parametrize("text, chair", [
    ("黎平县第十八届人民代表大会第二次会议隆重开幕。会议由县人大常委会主任李四主持。", "县人大常委会主任李四"),
    ("4月26日上午，中国共产党黎平县第十五届委员会第十二次全体会议举行。县委书记王五主持会议并讲话。", "县委书记王五"),
    ("6月22日，县委书记王五主持召开中共黎平县委十一届十四次全会。", "县委书记王五"),
    ("大会主席团常务主席、执行主席赵六主持大会。上午9时，大会开幕。", "大会主席团常务主席、执行主席赵六"),
    ("黎平县第十八届人民代表大会第二次会议隆重开幕 赵六主持会议 县长作政府工作报告", "赵六"),
])
def test_the_chair_of_the_meeting(text, chair):
    ident = identify(text)
    assert ident.chair.value == chair and ident.chair.known
    assert ident.to_dict()["chair"]["value"] == chair


def test_no_chair_when_the_text_names_none():
    ident = identify(seed_text("000"))
    assert (ident.chair.value, ident.chair.source) == (None, "unknown")


def test_an_enlarged_plenum_written_with_brackets_is_a_plenum_and_its_name_drops_the_verb():
    # The shape of a county news item on an enlarged plenum (全体(扩大)会议), invented here.
    text = ("某某县召开中国共产党某某县第十二届委员会第四次全体(扩大)会议\n"
            "7月9日上午,某某县召开中国共产党某某县第十二届委员会第四次全体(扩大)会议,对贯彻落实省委全会精神作出安排部署。"
            "全会审议通过了《中共某某县委关于推动高质量发展的决议》。全会强调,要坚定信心。全会号召,全县上下团结奋斗。")
    for bracket in ("(扩大)", "（扩大）", "扩大", ""):
        ident = identify(text.replace("(扩大)", bracket))
        assert ident.doc_type.value == "全会公报", bracket
        assert ident.meeting.value == f"中国共产党某某县第十二届委员会第四次全体{bracket}会议"


def test_a_party_congress_and_news_of_a_plenum_session():
    congress = ("1月11日,中国共产党甲县第十五次代表大会在县大剧院举行预备会议。张三主持会议。\n"
                "会议通过了县第十五次党代会议程。")
    assert identify(congress, "a.txt").doc_type.value == CONGRESS
    # A byline first, then the plenum in its short name (县委十二届二次全体(扩大)会议).
    news = "记者 王毅\n1月6日,中共乙县县委十二届二次全体(扩大)会议在县城隆重召开。开幕会后,代表分组讨论工作报告。"
    assert identify(news, "b.txt").doc_type.value == PLENUM
    # A plenum's news whose title announces the next congress is the plenum's.
    announced = ("中共丙县第十六次代表大会定于7月召开\n4月26日上午,中国共产党丙县第十五届委员会第十二次全体会议举行,"
                 "研究召开中共丙县第十六次代表大会的有关事项。")
    assert identify(announced, "c.txt").doc_type.value == PLENUM
