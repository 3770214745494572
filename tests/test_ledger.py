"""The ledger: rule extraction of typed figures, the verbatim invariant, and the SQLite store."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from functools import cache
from pathlib import Path

import pytest

from rag.figures import ACTUAL, ESTIMATE, STRETCH, TARGET
from rag.ledger import (
    GROWTH,
    LEVEL,
    LEVEL_GROWTH,
    Fact,
    Ledger,
    canonical,
    check_verbatim,
    comparator_of,
    extract_facts,
    facts_for_document,
    indicator_table,
)

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"

META = {
    "county": "示例县",
    "adcode": "999999000000",
    "file": "demo.txt",
    "source": "/tmp/demo.txt",
    "doc_hash": "h1",
    "year_under_review": 2023,
    "plan_year": 2024,
}
PLAN = "二、2024年工作安排"
REVIEW = "一、2023年工作回顾"


def facts(text: str, heading: str = "", meta: dict | None = None) -> list[Fact]:
    return extract_facts(text, heading, META if meta is None else meta, "demo-0000")


def one(text: str, indicator: str, heading: str = "") -> Fact:
    rows = [f for f in facts(text, heading) if f.indicator == indicator]
    assert len(rows) == 1, rows
    return rows[0]


# ---------------------------------------------------------------------------------------------
# Binding


def test_each_figure_binds_to_the_nearest_indicator_before_it():
    rows = facts("主要预期目标是:规上工业增加值增长10%、固定资产投资增长12%。", PLAN)
    got = {(f.indicator, f.value, f.growth) for f in rows}
    assert got == {("规模以上工业增加值", "10", 10.0), ("固定资产投资", "12", 12.0)}


def test_level_and_growth_of_one_indicator_are_one_row():
    (row,) = facts("地区生产总值170亿元,增长8%;", REVIEW)
    assert (row.value, row.unit, row.growth, row.growth_unit, row.measure) == ("170", "亿元", 8.0, "%", LEVEL_GROWTH)
    (row,) = facts("生产总值增长9%,总量突破185亿元。", PLAN)
    assert (row.value, row.unit, row.growth, row.qualifier, row.comparator) == ("185", "亿元", 9.0, "突破", ">")


def test_growth_only_and_level_only_rows_say_so():
    assert one("社会消费品零售总额增长9%。", "社会消费品零售总额", REVIEW).measure == GROWTH
    assert one("进出口总额25亿元。", "进出口总额", REVIEW).measure == LEVEL


def test_aliases_resolve_to_one_canonical_name():
    assert canonical("GDP") == canonical("生产总值") == canonical("经济总量") == "地区生产总值"
    assert canonical("规上工业增加值") == "规模以上工业增加值"
    assert canonical("地方一般公共预算收入") == canonical("一般公共财政预算收入") == "一般公共预算收入"
    assert canonical("城镇常住居民人均可支配收入") == "城镇居民人均可支配收入"
    assert canonical("农村常住居民人均可支配收入") == "农村居民人均可支配收入"
    assert canonical("不是指标") == ""
    table = indicator_table()
    assert table["城乡居民人均可支配收入"].parts == ("城镇居民人均可支配收入", "农村居民人均可支配收入")


def test_longest_name_wins():
    (row,) = facts("单位GDP能耗降低3.2%左右。", PLAN)
    assert row.indicator == "单位地区生产总值能耗"
    assert one("规上工业增加值增速11%。", "规模以上工业增加值", REVIEW).indicator_text == "规上工业增加值"


def test_urban_and_rural_incomes_are_kept_apart():
    rows = facts("城乡居民人均可支配收入分别增长5%、6.2%。", REVIEW)
    assert {(f.indicator, f.value) for f in rows} == {
        ("城镇居民人均可支配收入", "5"),
        ("农村居民人均可支配收入", "6.2"),
    }
    rows = facts("城镇、农村居民人均可支配收入分别达到38650元、17820元。", REVIEW)
    assert {(f.indicator, f.value, f.unit) for f in rows} == {
        ("城镇居民人均可支配收入", "38650", "元"),
        ("农村居民人均可支配收入", "17820", "元"),
    }
    # One figure for the joint name is not split over the parts.
    (row,) = facts("城乡居民人均可支配收入增长7%。", REVIEW)
    assert row.indicator == "城乡居民人均可支配收入"


def test_fenbie_spreads_over_the_indicators_just_listed():
    rows = facts("全年接待游客853.7万人次,旅游综合收入55.7亿元,分别增长31.8%、38.2%。", REVIEW)
    got = {(f.indicator, f.value, f.growth) for f in rows}
    assert got == {("接待游客", "853.7", 31.8), ("旅游综合收入", "55.7", 38.2)}
    # Names listed first, then one 分别 list of figures: one row each, in order.
    rows = facts("财政总收入、公共预算收入分别完成6.1亿元、3.6亿元,分别是2011年的1.65倍、1.86倍。", REVIEW)
    assert [(f.indicator, f.value) for f in rows] == [("财政总收入", "6.1"), ("一般公共预算收入", "3.6")]
    assert all(f.value in f.quote for f in rows)
    # The growths listed after such a fill are the same rows' other measure, in order; one lone rate is no one's.
    rows = facts("城镇居民人均可支配收入和农民人均纯收入分别达到14101元、4862元,同比增长15.4%、17.8%。", REVIEW)
    assert [(f.indicator, f.value, f.growth) for f in rows] == [
        ("城镇居民人均可支配收入", "14101", 15.4), ("农民人均纯收入", "4862", 17.8)]
    rows = facts("财政总收入、公共预算收入分别完成6.1亿元、3.6亿元,增长15.4%。", REVIEW)
    assert [(f.indicator, f.growth) for f in rows] == [("财政总收入", None), ("一般公共预算收入", None)]
    # A count that does not fit (three names, two figures) gives no row.
    assert facts("财政总收入、公共预算收入、税收收入分别完成6.1亿元、3.6亿元。", REVIEW) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("全年粮食总产量12.3万吨,比上年增长1.2%。", [("粮食总产量", "12.3", "万吨", 1.2)]),
        (
            "全县实现地区生产总值(GDP)256.8亿元,按可比价格计算,比上年增长6.5%。",
            [("地区生产总值", "256.8", "亿元", 6.5)],
        ),
        ("一般公共预算收入完成12.5亿元,同比增长8.3%。", [("一般公共预算收入", "12.5", "亿元", 8.3)]),
        ("常住人口城镇化率达到55.6%,提高1.1个百分点。", [("常住人口城镇化率", "55.6", "%", 1.1)]),
        (
            "第一产业增加值35.2亿元,增长3.8%;第二产业增加值101.5亿元,下降0.7%。",
            [("第一产业增加值", "35.2", "亿元", 3.8), ("第二产业增加值", "101.5", "亿元", -0.7)],
        ),
        (  # the verb inside the name, as statistics communiqués write it
            "其中:第一产业实现增加值6.4亿元,增长6.1%;第三产业实现增加值17.5亿元,增长11.9%。",
            [("第一产业增加值", "6.4", "亿元", 6.1), ("第三产业增加值", "17.5", "亿元", 11.9)],
        ),
        ("大口径财政收入完成60233万元,同比增长3.69%。", [("财政总收入", "60233", "万元", 3.69)]),
        ("最终计算全县生产总值现价总量为972846万元,按可比价格计算,比上年增长9.6%。",
         [("地区生产总值", "972846", "万元", 9.6)]),
        (
            "全年接待游客1200万人次、实现旅游综合收入98亿元,同比分别增长15%和18%。",
            [("接待游客", "1200", "万人次", 15.0), ("旅游综合收入", "98", "亿元", 18.0)],
        ),
    ],
)
def test_statistical_communique_sentences(text, expected):
    rows = facts(text, REVIEW)
    assert [(f.indicator, f.value, f.unit, f.growth) for f in rows] == expected


def test_fenbie_that_does_not_fit_gives_no_row():
    rows = facts("接待游客853.7万人次,分别增长31.8%、38.2%、12%。", REVIEW)
    assert [(f.indicator, f.growth) for f in rows] == [("接待游客", None)]


def test_context_alias_needs_its_context():
    assert facts("村集体经济综合收入55.7亿元。", REVIEW) == []
    assert one("全年接待游客100万人次,综合收入8亿元。", "旅游综合收入", REVIEW).value == "8"


def test_a_figure_after_an_unknown_noun_gives_no_row():
    rows = facts("税收收入8.4亿元,税负率83.6%,飞地税收1.7亿元。", REVIEW)
    assert [(f.indicator, f.value) for f in rows] == [("税收收入", "8.4")]


def test_units_must_fit_the_indicator():
    # 110 is not a weight: 粮食总产量 is in 吨, and a money figure after it is something else.
    assert facts("粮食总产量110亿元。", REVIEW) == []
    assert one("粮食总产量12.5万吨。", "粮食总产量", REVIEW).unit == "万吨"
    # A share after a money indicator is no level of it.
    assert facts("固定资产投资占比40%。", REVIEW) == []


def test_threshold_figures_are_not_values():
    assert facts("力争村集体经济收入100万元以上5个,50万元以上的村10个。", PLAN) == []


def test_increments_are_not_growth():
    assert facts("一般公共预算收入增加3000万元。", REVIEW) == []


def test_a_goal_with_no_number_gives_no_row():
    rows = facts("预计全县地区生产总值增幅不低于全市平均水平,全社会固定资产投资增长8%。", REVIEW)
    assert [(f.indicator, f.value) for f in rows] == [("固定资产投资", "8")]
    assert facts("地区生产总值增速不低于全市平均水平。", PLAN) == []


def test_new_counts_are_flows_not_stocks():
    assert one("新培育规上工业企业3家。", "新增规模以上工业企业", REVIEW).value == "3"
    row = one("新增“四上”企业24家,国家高新技术企业7家。", "新增高新技术企业", REVIEW)
    assert row.quote.startswith("新增")
    assert one("国家高新技术企业累计达到52家。", "高新技术企业", REVIEW).value == "52"


# ---------------------------------------------------------------------------------------------
# Growth sign, units and qualifiers


def test_growth_is_signed():
    assert one("单位地区生产总值能耗下降3.5%。", "单位地区生产总值能耗", REVIEW).growth == -3.5
    assert one("粮食总产量减少2.1%。", "粮食总产量", REVIEW).growth == -2.1
    assert one("单位GDP能耗降低3.2%左右。", "单位地区生产总值能耗", PLAN).growth == -3.2
    assert one("一般公共预算收入同口径增长5%。", "一般公共预算收入", REVIEW).growth == 5.0
    # 比增 / 比降: 比上年增长 as reports shorten it (10 of the 41 real excerpts write it).
    assert one("工业增加值11.8亿元,比增7.5%。", "工业增加值", REVIEW).growth == 7.5
    assert one("固定资产投资62.4亿元,比降3.1%。", "固定资产投资", REVIEW).growth == -3.1


def test_points_are_kept_apart_from_percent():
    points = one("常住人口城镇化率提高1.2个百分点。", "常住人口城镇化率", REVIEW)
    assert (points.growth, points.growth_unit, points.unit) == (1.2, "个百分点", "个百分点")
    percent = one("常住人口城镇化率提高1.2%。", "常住人口城镇化率", REVIEW)
    assert (percent.growth, percent.growth_unit) == (1.2, "%")


def test_a_rate_raised_to_a_value_is_a_level():
    row = one("常住人口城镇化率提高到60%。", "常住人口城镇化率", PLAN)
    assert (row.measure, row.value, row.growth) == (LEVEL, "60", None)


@pytest.mark.parametrize(
    ("text", "qualifier", "comparator"),
    [
        ("地区生产总值增长7%左右。", "左右", "~"),
        ("新增市场主体3000家以上。", "以上", ">="),
        ("实际到位资金不少于53亿元。", "不少于", ">="),
        ("社会消费品零售总额增长不低于8%。", "不低于", ">="),
        ("生产总值总量突破185亿元。", "突破", ">"),
        ("居民消费价格涨幅控制在3%左右。", "控制在 左右", "~"),
        ("城镇登记失业率控制在4.5%以内。", "控制在 以内", "<="),
        ("规上工业增加值增长10%。", "", "="),
    ],
)
def test_qualifiers_and_comparators(text, qualifier, comparator):
    (row,) = facts(text, PLAN)
    assert (row.qualifier, row.comparator) == (qualifier, comparator)


def test_comparator_of():
    assert comparator_of("力争 以上") == ">="
    assert comparator_of("") == "="


def test_full_width_figures_stay_verbatim():
    (row,) = facts("地区生产总值增长８％。", PLAN)
    assert (row.value, row.value_num, row.unit) == ("８", 8.0, "%")
    assert row.value in row.quote


def test_ratio():
    (row,) = facts("到2027年,城乡居民人均可支配收入比达到2.1∶1左右。", "")
    assert (row.indicator, row.value, row.unit, row.kind, row.year) == (
        "城乡居民人均可支配收入比",
        "2.1",
        ":1",
        TARGET,
        2027,
    )


# ---------------------------------------------------------------------------------------------
# Kind and year


def test_kind_from_section_and_words():
    assert one("固定资产投资增长12%。", "固定资产投资", PLAN).kind == TARGET
    assert one("固定资产投资增长12%。", "固定资产投资", REVIEW).kind == ACTUAL
    assert one("2024年经济社会发展的主要预期目标为:地区生产总值增长7%左右。", "地区生产总值").kind == TARGET
    assert one("全年完成固定资产投资71.6亿元。", "固定资产投资").kind == ACTUAL


def test_estimate_reaches_over_its_sentence():
    rows = facts("预计完成地区生产总值170亿元,增长8%;规上工业总产值110亿元。进出口总额25亿元。", REVIEW)
    assert [(f.indicator, f.kind) for f in rows] == [
        ("地区生产总值", ESTIMATE),
        ("规模以上工业总产值", ESTIMATE),
        ("进出口总额", ACTUAL),
    ]


def test_stretch_target():
    rows = facts("力争全年接待游客1100万人次,旅游综合收入69亿元。", PLAN)
    assert {f.kind for f in rows} == {STRETCH}
    # The nearest marker decides: 确保 after 力争 is a plain target.
    assert one("力争新增农业加工厂5家,确保农业加工产值增长10%。", "农业加工产值", PLAN).kind == TARGET


def test_in_a_review_secured_funds_are_outcomes():
    assert one("争取各级转移支付资金16.2亿元。", "转移支付资金", REVIEW).kind == ACTUAL
    assert one("力争全年到位各级财政转移资金16.5亿元。", "转移支付资金", PLAN).kind == STRETCH


def test_year_from_sentence_section_or_document():
    assert one("到2027年,全县地区生产总值达到100亿元。", "地区生产总值").year == 2027
    assert one("固定资产投资增长12%。", "固定资产投资", PLAN).year == 2024  # from the heading
    assert one("固定资产投资增长12%。", "固定资产投资", "（一）稳投资").year is None  # kind unknown
    assert one("力争固定资产投资增长12%。", "固定资产投资", "（一）稳投资").year == 2024  # plan year
    assert one("预计固定资产投资增长10%。", "固定资产投资", "（一）稳投资").year == 2023  # review year
    # A comparison year is not the figure's year.
    assert one("地区生产总值比2020年增长30%。", "地区生产总值", REVIEW).year == 2023


# Found by the hand-checked sample (bench/ledger_sample.py, bench/ledger_precision.jsonl).

STATS_META = {**META, "doc_type": "统计公报", "year_under_review": 2022, "plan_year": None}


def test_a_statistical_communique_states_outcomes_of_its_year():
    rows = extract_facts(
        "全年全县实现地区生产总值107.22亿元,同比增长5.8%。其中,第一产业增加值27.01亿元,增长4.8%。",
        "一、综合",
        STATS_META,
        "demo-0000",
    )
    assert [(f.indicator, f.kind, f.year) for f in rows] == [
        ("地区生产总值", ACTUAL, 2022),
        ("第一产业增加值", ACTUAL, 2022),
    ]


def test_words_that_report_statistics_mark_an_outcome():
    row = one("初步核算,全县生产总值实现131487万元,同比增长15%。", "地区生产总值")
    assert (row.kind, row.year) == (ACTUAL, 2023)


def test_the_year_named_decides_the_kind_when_nothing_else_does():
    assert (one("2023年,地区生产总值189亿元。", "地区生产总值").kind) == ACTUAL
    assert (one("2024年,地区生产总值增长7%。", "地区生产总值").kind) == TARGET


def test_a_paragraph_opening_year_carries_to_its_outcome_sentences():
    rows = facts("2022年全区经济社会发展取得显著成效。地区生产总值达到379.95亿元、增长9.3%;社会消费品零售总额206亿元。")
    assert {(f.kind, f.year) for f in rows} == {(ACTUAL, 2022)}
    # A goal does not take the review year that opened its paragraph, and a new paragraph starts afresh.
    row = one("2023年全县经济稳中向好。今年主要预期目标是:地区生产总值增长7%左右。", "地区生产总值")
    assert (row.kind, row.year) == (TARGET, 2024)
    assert one("2022年全区经济取得显著成效。\n地区生产总值达到379.95亿元。", "地区生产总值").year is None


def test_a_start_year_is_not_the_figures_year():
    rows = facts("全县生产总值由2019年的90.3亿元跃升到145.1亿元。一般公共预算收入达到4.3亿元。", REVIEW)
    assert all(f.year != 2019 for f in rows)


def test_a_part_of_a_year_is_not_the_year():
    row = one("2023年上半年,全区实现地区生产总值806亿元,同比增长3.2%。", "地区生产总值")
    assert row.year is None
    # A plan-execution report's review section states outcomes.
    row = one(
        "规模以上工业增加值同比增长10.1%。",
        "规模以上工业增加值",
        "一、2023年上半年国民经济和社会发展计划执行情况 > (一)主要目标完成情况",
    )
    assert (row.kind, row.year) == (ACTUAL, None)


def test_a_span_of_years_gives_no_year_and_averages_are_marked():
    rows = facts(
        "五年来,全社会固定资产投资累计完成469亿元、年均增长12.6%。社会消费品零售总额累计实现289.6亿元、年均增长11.1%。",
        "一、过去五年工作回顾",
    )
    assert [(f.indicator, f.kind, f.year, f.growth_qualifier) for f in rows] == [
        ("固定资产投资", ACTUAL, None, "年均"),
        ("社会消费品零售总额", ACTUAL, None, "年均"),
    ]


def test_the_end_of_a_five_year_plan_is_its_last_year():
    row = one("“十三五”末,全县地区生产总值达到230.5亿元,年均增长7.2%。", "地区生产总值", "一、过去五年,我们砥砺前行")
    assert (row.kind, row.year, row.qualifier, row.growth_qualifier) == (ACTUAL, 2020, "达到", "年均")


def test_words_before_a_fenbie_list_bound_every_figure():
    rows = facts("城乡居民人均可支配收入分别达37188元、18660元,年均增速8.2%、9.3%。", REVIEW)
    growth = [(f.indicator, f.growth, f.qualifier) for f in rows if f.measure == GROWTH]
    assert growth == [("城镇居民人均可支配收入", 8.2, "年均"), ("农村居民人均可支配收入", 9.3, "年均")]


def test_a_subset_after_qizhong_is_not_the_countys_figure():
    text = "其中:县属实现生产总值804890万元,增长4.5%,其中:第一产业增加值339357万元,增长3.9%。"
    assert facts(text, REVIEW) == []


def test_a_contribution_to_growth_is_not_the_growth():
    rows = facts("第三产业增加值74.69亿元,增长7.1%,拉动GDP增长4.0个百分点。", REVIEW)
    assert [(f.indicator, f.value) for f in rows] == [("第三产业增加值", "74.69")]
    assert facts("招商引资到位固定资产投资15亿元以上。", PLAN) == []


def test_a_category_of_an_indicator_is_not_the_indicator():
    rows = facts("年末全县实有市场主体37806户。其中,实有企业类市场主体6257户;新登记企业类市场主体1520户。", REVIEW)
    assert [(f.indicator, f.value) for f in rows] == [("市场主体", "37806")]
    assert one("全年新登记各类市场主体8609户。", "新增市场主体", REVIEW).value == "8609"


def test_joint_income_names_written_out():
    rows = facts("城镇和农村常住居民人均可支配收入完成29092元、17191元。", REVIEW)
    assert [(f.indicator, f.value) for f in rows] == [
        ("城镇居民人均可支配收入", "29092"),
        ("农村居民人均可支配收入", "17191"),
    ]
    rows = facts("城、乡居民人均可支配收入分别增长8%、9%。", PLAN)
    assert [(f.indicator, f.growth) for f in rows] == [("城镇居民人均可支配收入", 8.0), ("农村居民人均可支配收入", 9.0)]


def test_typed_percent_signs_and_comparable_price_wording():
    assert one("全县生产总值实现131487万元,同比增长15℅。", "地区生产总值", REVIEW).growth == 15.0
    assert one("地区生产总值完成225亿元,按可比价计算,同比增长6.4%。", "地区生产总值", REVIEW).growth == 6.4


def test_new_registrations_are_flows():
    assert one("全年新登记各类市场主体8609户。", "新增市场主体", REVIEW).value == "8609"


def test_crop_output_is_not_all_agricultural_output():
    assert canonical("农业总产值") == "农业总产值"
    assert canonical("农林牧渔业总产值") == "农林牧渔业总产值"


def test_a_standalone_review_or_plan_line_is_the_outline():
    from types import SimpleNamespace

    from rag.ledger import document_outline

    text = "各位代表:\n2024年工作回顾\n改造提升高标准农田1.7万亩。\n2025年工作安排\n新建高标准农田2万亩。"
    chunks = [
        SimpleNamespace(id="c0", text="各位代表:"),
        SimpleNamespace(id="c1", text="改造提升高标准农田1.7万亩。"),
        SimpleNamespace(id="c2", text="新建高标准农田2万亩。"),
    ]
    assert document_outline(text, chunks) == {"c1": "2024年工作回顾", "c2": "2025年工作安排"}
    meta = {**META, "year_under_review": 2024, "plan_year": 2025}
    (row,) = extract_facts(chunks[1].text, "(一)兴产业", meta, "c1", "2024年工作回顾")
    assert (row.kind, row.year) == (ACTUAL, 2024)
    (row,) = extract_facts(chunks[2].text, "(一)兴产业", meta, "c2", "2025年工作安排")
    assert (row.kind, row.year) == (TARGET, 2025)


def test_document_fields_are_carried():
    row = one("进出口总额25亿元。", "进出口总额", REVIEW)
    assert (row.place, row.adcode, row.doc, row.source, row.doc_hash, row.chunk_id, row.section, row.origin) == (
        "示例县",
        "999999000000",
        "demo.txt",
        "/tmp/demo.txt",
        "h1",
        "demo-0000",
        REVIEW,
        "rule",
    )


# ---------------------------------------------------------------------------------------------
# The verbatim invariant


def test_quote_offsets_and_spans_point_into_the_chunk():
    text = "各位代表:\n预计完成地区生产总值170亿元,增长8%;\n城乡人均可支配收入分别增长6.2%、8.8%。"
    for row in facts(text, REVIEW):
        assert text[row.start : row.end] == row.quote
        assert row.value in row.quote
        assert text[row.spans[0][0] : row.spans[0][1]] == row.value


def test_check_verbatim_refuses_a_value_not_in_its_quote():
    (row,) = facts("进出口总额25亿元。", REVIEW)
    check_verbatim(row)
    with pytest.raises(AssertionError):
        check_verbatim(dataclasses.replace(row, value="26"))
    with pytest.raises(AssertionError):
        check_verbatim(row, "另一段文字")


# ---------------------------------------------------------------------------------------------
# The store


def _doc_facts(text: str, source: str, doc_hash: str) -> list[Fact]:
    meta = {**META, "source": source, "doc_hash": doc_hash}
    return extract_facts(text, PLAN, meta, f"{doc_hash}-0000")


def test_put_query_and_indicators(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        rows = _doc_facts(
            "规上工业增加值增长10%、固定资产投资增长12%,地区生产总值增长9%,总量突破185亿元。", "/a.txt", "h1"
        )
        assert ledger.put_document("/a.txt", "h1", rows) == 3
        assert ledger.query() == rows
        assert [f.value for f in ledger.query(indicator="GDP")] == ["185"]
        assert [f.value for f in ledger.query(place="示例", year=2024, kind=TARGET)] == ["10", "12", "185"]
        assert ledger.query(place="999999000000", kind=[ACTUAL]) == []
        assert ledger.query(year=2023) == []
        assert dict(ledger.indicators()) == {"规模以上工业增加值": 1, "固定资产投资": 1, "地区生产总值": 1}
        assert ledger.documents()[0]["n_facts"] == 3


def test_incremental_by_content_hash_and_no_duplicates_on_rerun(tmp_path):
    path = tmp_path / "ledger.sqlite"
    rows = _doc_facts("固定资产投资增长12%。", "/a.txt", "h1")
    with Ledger(path) as ledger:
        assert not ledger.is_current("/a.txt", "h1")
        ledger.put_document("/a.txt", "h1", rows)
        ledger.put_document("/a.txt", "h1", rows + rows)  # rerun, and a duplicate in the batch
        assert ledger.is_current("/a.txt", "h1")
        assert not ledger.is_current("/a.txt", "h2")
        assert ledger.count() == 1
    with Ledger(path) as ledger:  # reopened: the rows persisted
        assert ledger.count() == 1
        new = _doc_facts("固定资产投资增长15%,进出口总额增长12%。", "/a.txt", "h2")
        ledger.put_document("/a.txt", "h2", new)
        assert [f.value for f in ledger.query()] == ["15", "12"]
        assert {f.doc_hash for f in ledger.query()} == {"h2"}


def test_a_failed_write_leaves_the_old_rows(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        good = _doc_facts("固定资产投资增长12%。", "/a.txt", "h1")
        ledger.put_document("/a.txt", "h1", good)
        bad = dataclasses.replace(good[0], value="99")
        with pytest.raises(AssertionError):
            ledger.put_document("/a.txt", "h2", [*_doc_facts("进出口总额增长5%。", "/a.txt", "h2"), bad])
        assert ledger.query() == good
        assert ledger.is_current("/a.txt", "h1")


def test_remove_and_prune(tmp_path):
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        for name in ("a", "b", "c"):
            ledger.put_document(f"/{name}.txt", name, _doc_facts("固定资产投资增长12%。", f"/{name}.txt", name))
        assert ledger.remove("/a.txt") == 1
        assert ledger.prune(["/b.txt"]) == ["/c.txt"]
        assert ledger.sources() == ["/b.txt"]
        assert ledger.count() == 1
        # A document with no figures is still recorded, so it is not re-extracted.
        ledger.put_document("/empty.txt", "e", [])
        assert ledger.is_current("/empty.txt", "e")


def test_wal_mode_and_schema(tmp_path):
    path = tmp_path / "ledger.sqlite"
    Ledger(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"documents", "facts"} <= tables
    conn.close()


# ---------------------------------------------------------------------------------------------
# The seeds


@cache
def _seed_chunks(max_chars: int, overlap: int):
    from rag.chunking import chunk_document
    from rag.ingest import load_document

    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        doc = load_document(path)
        out.append((doc, chunk_document(doc.text, doc.content_hash[:12], max_chars, overlap)))
    return out


@pytest.mark.parametrize(("max_chars", "overlap"), [(1200, 150), (360, 60)])
def test_every_seed_fact_stands_verbatim_in_its_chunk(max_chars, overlap):
    n = 0
    for doc, chunks in _seed_chunks(max_chars, overlap):
        meta = {**doc.meta.to_dict(), "file": doc.name, "source": str(doc.path), "doc_hash": doc.content_hash}
        for chunk in chunks:
            for fact in extract_facts(chunk.text, chunk.heading, meta, chunk.id):
                n += 1
                assert chunk.text[fact.start : fact.end] == fact.quote
                assert fact.value in fact.quote
                for start, end in fact.spans:
                    assert fact.start <= start < end <= fact.end
                assert chunk.text[fact.spans[0][0] : fact.spans[0][1]] == fact.value
                assert fact.kind in ("", TARGET, STRETCH, ESTIMATE, ACTUAL)
                assert fact.adcode == doc.meta.adcode
    assert n >= 60


def test_seed_brief_facts_are_in_the_ledger():
    """Every numeric fact of seeds/eval/brief_facts.json is a row of the right place, indicator and kind."""
    gold = json.loads((SEEDS / "eval" / "brief_facts.json").read_text("utf-8"))
    outcome = {ACTUAL, ESTIMATE}
    missing = []
    for doc, chunks in _seed_chunks(1200, 150):
        rows = facts_for_document(doc, chunks)
        for item in gold[doc.name]["facts"]:
            if item["kind"] not in (TARGET, ACTUAL):
                continue
            names = {canonical(n) or n for n in item["names"]}
            for value in item["values"]:
                ok = any(
                    f.indicator in names
                    and ((f.kind in outcome) if item["kind"] == ACTUAL else (f.kind in (TARGET, STRETCH)))
                    and value
                    in {
                        f.value + f.unit,
                        f"{f.growth:g}{f.growth_unit}" if f.growth is not None else "",
                        f.value if f.unit == ":1" else "",
                    }
                    for f in rows
                )
                if not ok:
                    missing.append((doc.name, item["names"][0], value))
    assert missing == []


def test_seed_rows_are_not_repeated_across_overlapping_chunks():
    for doc, chunks in _seed_chunks(360, 60):
        rows = facts_for_document(doc, chunks)
        keys = [(f.indicator, f.value, f.unit, f.growth, f.kind, f.year) for f in rows]
        quotes = {}
        for key, f in zip(keys, rows):
            quotes.setdefault(key, []).append(f.quote)
        for qs in quotes.values():
            assert not any(a != b and a in b for a in qs for b in qs), qs


def test_thousands_separators_are_one_figure_and_a_comma_still_ends_a_clause():
    (row,) = facts("地方一般公共预算收入完成28,583万元(自然口径)。", REVIEW)
    assert (row.indicator, row.value, row.value_num, row.unit) == ("一般公共预算收入", "28,583", 28583.0, "万元")
    assert row.value in row.quote  # the row's value stands verbatim in its quote
    rows = facts("地区生产总值增长5%,规上工业企业达到30家。", REVIEW)
    assert [(r.indicator, r.value) for r in rows] == [("地区生产总值", "5"), ("规模以上工业企业", "30")]


def test_a_change_from_one_figure_to_another_gives_the_figure_reached():
    meta = {"county": "某州", "year_under_review": 2011, "doc_type": "政府工作报告"}
    facts = extract_facts("地区生产总值从2005年的28.02亿元增加到2011年的95.2亿元,增长3.4倍;"
                          "社会消费品零售总额从6.8亿元增加到25.3亿元。", "", meta, "c1")
    assert [(f.indicator, f.year, f.value) for f in facts] == [("地区生产总值", 2011, "95.2"),
                                                              ("社会消费品零售总额", 2011, "25.3")]
    assert facts[1].quote == "社会消费品零售总额从6.8亿元增加到25.3亿元"
    grown = extract_facts("财政一般预算收入实现翻倍增长,从2006年的8.8亿元增至2011年的20.2亿元。", "", meta, "c2")
    assert [(f.indicator, f.year, f.value) for f in grown] == [("一般公共预算收入", 2011, "20.2")]


def test_a_milestone_on_the_way_to_a_figure_does_not_cut_it_from_its_name():
    meta = {"county": "某县", "year_under_review": 2020, "doc_type": "政府工作报告"}
    (row,) = extract_facts("全县地区生产总值2018年突破百亿元大关,预计2020年实现144亿元。", "", meta, "c")
    assert (row.indicator, row.year, row.kind, row.value) == ("地区生产总值", 2020, "estimate", "144")
    # Any other words between still cut the figure off: it may belong to a noun the table lacks.
    assert extract_facts("地区生产总值稳步提升,其中旅游收入预计2020年实现14亿元。", "", meta, "c") == []


def test_a_total_named_once_its_crop_has_been():
    meta = {"county": "某县", "year_under_review": 2024, "doc_type": "政府工作报告"}
    facts = extract_facts("粮食种植面积稳定在12万亩以上,总产6.4万吨。全年实现总产值50亿元。", "一、2024年工作回顾", meta, "c")
    assert [(f.indicator, f.value, f.unit) for f in facts] == [("粮食总产量", "6.4", "万吨")]


def test_a_reports_figures_of_no_stated_kind_are_outcomes_until_its_plan(tmp_path):
    from rag.chunking import chunk_document
    from rag.ingest import load_document

    path = tmp_path / "r.txt"
    path.write_text("政府工作报告\n——2025年1月6日在甲县第十八届人民代表大会第五次会议上\n\n各位代表:\n\n"
                    "过去一年,全县预计完成地区生产总值90亿元。\n\n"
                    "(一)兴产业\n\n一是现代农业。粮食种植面积稳定在12万亩以上,总产6.4万吨。\n\n"
                    "二、2025年工作安排\n\n(一)抓农业\n\n粮食总产7万吨。\n", "utf-8")
    doc = load_document(path)
    rows = facts_for_document(doc, chunk_document(doc.text, "r", 60, 0))
    grain = {(f.value, f.kind, f.year) for f in rows if f.indicator == "粮食总产量"}
    assert ("6.4", ACTUAL, 2024) in grain  # under a review headline that names no year or kind
    assert not any(v == "7" and k == ACTUAL for v, k, _ in grain)  # the plan's figure is not an outcome


def test_revenue_and_spending_named_together_are_two_rows():
    meta = {"county": "某县", "year_under_review": 2023, "doc_type": "政府工作报告"}
    facts = extract_facts("一般公共预算收入和支出分别达4.78亿元、20.2亿元,分别增长6.9%、0.8%。", "一、2023年工作回顾", meta, "c")
    assert [(f.indicator, f.value, f.growth) for f in facts] == [("一般公共预算收入", "4.78", 6.9),
                                                                ("一般公共预算支出", "20.2", 0.8)]


def test_a_budget_reports_execution_is_outcomes_and_its_draft_plans():
    meta = {**META, "doc_type": "预算报告", "year_under_review": 2020, "plan_year": 2021}
    done = facts("全州一般公共预算地方级财政收入58.7亿元,为调整预算的98.4%,比上年增长1.0%。", "一、2020年预算执行情况", meta)
    assert [(f.indicator, f.kind, f.year, f.value, f.growth) for f in done] == [("一般公共预算收入", ACTUAL, 2020, "58.7", 1.0)]
    draft = facts("2021年一般公共预算收入安排60亿元,增长2.2%。", "二、2021年预算草案", meta)
    assert [(f.indicator, f.kind, f.year) for f in draft] == [("一般公共预算收入", TARGET, 2021)]
