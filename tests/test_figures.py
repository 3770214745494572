"""Figures bound to unit family, kind and year: pure helpers, then the answer check with the fake LLM."""

from __future__ import annotations

import pytest

from rag.evidence import Passage
from rag.figures import (
    ACTUAL,
    ESTIMATE,
    STRETCH,
    TARGET,
    asked_families,
    asked_kind,
    clause_kind,
    family_of,
    figures_in,
)
from rag.prompts import CANNOT_ANSWER
from rag.store import StoredChunk
from rag.verify import check_answer


def test_units_are_read_longest_first_with_their_family():
    got = [(f.value, f.unit, f.family) for f in figures_in("接待游客120万人次，常住人口15万人，增长1.5个百分点，粮食110万吨")]
    assert got == [("120", "万人次", "visits"), ("15", "万人", "people"), ("1.5", "个百分点", "points"),
                   ("110", "万吨", "weight")]
    assert family_of("110", "规上工业总产值110亿元") == {"money"}
    assert family_of("3", "新建3个") == {"count"}


@pytest.mark.parametrize("clause, heading, kind", [
    ("地区生产总值增长6%左右", "", TARGET),
    ("力争规上工业增加值增长12%", "", STRETCH),
    ("预计完成地区生产总值170亿元,增长8%", "", ESTIMATE),
    ("全年完成固定资产投资71.6亿元,增长10%", "", ACTUAL),
    ("固定资产投资增长12%", "二、2024年工作安排 > 主要预期目标", TARGET),
    ("固定资产投资增长12%", "一、2023年工作回顾", ACTUAL),
    ("年内再谋划建设旅游民宿10家", "二、锚定发展定位 > 构建全域全季的文旅发展格局", ""),
])
def test_clause_kind(clause, heading, kind):
    assert clause_kind(clause, heading) == kind


def test_what_a_question_asks_for():
    assert asked_kind("2024年地区生产总值增长目标是多少") == TARGET
    assert asked_kind("2023年实际完成了多少投资") == ACTUAL
    assert asked_kind("2023年地区生产总值是多少") is None
    assert asked_families("粮食总产量是多少") == {"weight", "percent", "points"}
    assert asked_families("固定资产投资增长目标是多少") == {"percent", "points", "permille"}
    assert asked_families("接待游客多少万人次") == {"visits"}
    assert asked_families("今年有什么打算") is None


def passage(n: int, text: str, heading: str) -> Passage:
    return Passage(n, StoredChunk(f"c{n}", text, {"heading": heading, "county": "某县"}), text)


def test_a_number_with_the_wrong_unit_is_not_support():
    """110万吨 is not supported by 规上工业总产值110亿元, though the digits match."""
    evidence = [passage(1, "规上工业总产值110亿元，增长9%。", "一、2023年工作回顾")]
    text, cited, dropped = check_answer("粮食总产量110万吨[1]。", evidence, "2023年粮食总产量是多少")
    assert text == "" and dropped == ["粮食总产量110万吨。"]
    text, cited, _ = check_answer("规上工业总产值110亿元[1]。", evidence, "2023年规上工业总产值是多少")
    assert text and cited


def test_a_target_question_is_not_answered_by_an_outcome():
    evidence = [passage(1, "2023年地区生产总值增长8%。", "一、2023年工作回顾"),
                passage(2, "地区生产总值增长6%左右。", "二、2024年工作安排 > 主要预期目标")]
    text, _, dropped = check_answer("2023年增长目标是8%[1]。", evidence, "2023年地区生产总值增长目标是多少")
    assert text == "" and dropped
    text, cited, _ = check_answer("增长6%左右[2]。", evidence, "2024年地区生产总值增长目标是多少")
    assert text and [p.n for p in cited] == [2]


@pytest.fixture
def xingshan(indexed):
    indexed.settings.retrieval.dense_weight = 0.0
    return indexed


def test_an_amount_given_for_a_growth_target_is_refused(xingshan, fake_llm):
    fake_llm.queue("兴山县2024年固定资产投资增长目标是71.6亿元[1]。")
    answer = xingshan.ask("兴山县2024年固定资产投资增长目标是多少")
    assert answer.refused and answer.answer.startswith(CANNOT_ANSWER)


def test_a_plan_heading_decides_over_ambiguous_words():
    clause = "确保全年新签约亿元以上项目30个,实际到位资金不少于53亿元"
    assert clause_kind(clause, "二、2024年工作思路和重点任务 > (一)聚力有效投资") == TARGET
    assert clause_kind("全年完成固定资产投资71.6亿元", "一、2023年工作回顾") == ACTUAL
    assert clause_kind("预计完成地区生产总值170亿元", "一、2023年工作回顾") == ESTIMATE


def test_a_comparison_base_year_is_not_the_figures_year():
    from rag.text import subject_years

    assert subject_years("2016年规模以上工业增加值完成52.1亿元,是2011年的1.88倍") == [2016]
    assert subject_years("规模以上工业增加值完成52.1亿元,是2011年的1.88倍") == []
    assert subject_years("比2022年增长5%") == []
    evidence = [passage(1, "规模以上工业增加值完成52.1亿元,是2011年的1.88倍。", "一、过去五年工作回顾")]
    text, _, _ = check_answer("52.1亿元[1]。", evidence, "蠡县2016年规模以上工业增加值完成多少?")
    assert text


def test_traditional_script_evidence_matches_simplified_questions():
    from rag.evidence import term_coverage
    from rag.text import keyword_tokens

    assert set(keyword_tokens("地區生產總值")) == set(keyword_tokens("地区生产总值"))
    assert term_coverage(["地区生产总值"], "全縣地區生產總值276.29億元") == 1.0
