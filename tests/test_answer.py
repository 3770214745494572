"""The ask pipeline with the fake LLM: routing, refusal in code, citation and number checks."""

from __future__ import annotations

import pytest

from rag.errors import InputError
from rag.evidence import content_terms, term_coverage
from rag.prompts import CANNOT_ANSWER
from rag.verify import check_answer, cited_numbers


@pytest.fixture
def xingshan(indexed, fake_llm):
    indexed.settings.retrieval.dense_weight = 0.0  # the hash embedder is noise: rank by keywords alone
    return indexed


def test_answer_cites_the_passage_holding_its_numbers(xingshan, fake_llm):
    fake_llm.queue("兴山县2023年预计完成地区生产总值170亿元,增长8%。")  # the model forgot to cite
    answer = xingshan.ask("兴山县2023年地区生产总值是多少")
    assert not answer.refused
    assert answer.scope == ["兴山县"]
    assert "170亿元" in answer.answer
    assert answer.citations and all(c.county == "兴山县" for c in answer.citations)
    assert any("170亿元" in c.text for c in answer.citations)
    prompt = fake_llm.calls[0][1]["content"]
    assert "〔兴山县｜政府工作报告｜一、2023年工作回顾 > ——经济运行更加稳健〕" in prompt
    assert "问题：兴山县2023年地区生产总值是多少" in prompt
    assert "芦山" not in prompt  # scoped to the county the question names


def test_invented_number_is_dropped_and_reported(xingshan, fake_llm):
    fake_llm.queue("地区生产总值170亿元[1]。另有进出口总额999亿元[1]。")
    answer = xingshan.ask("兴山县2023年地区生产总值是多少")
    assert "999" not in answer.answer
    assert answer.dropped == ["另有进出口总额999亿元。"]
    assert "170亿元" in answer.answer


def test_answer_with_only_unsupported_numbers_becomes_a_refusal(xingshan, fake_llm):
    fake_llm.queue("地区生产总值是888亿元[1]。")
    answer = xingshan.ask("兴山县2023年地区生产总值是多少")
    assert answer.refused and answer.answer.startswith(CANNOT_ANSWER)


def test_county_not_in_the_index_is_refused_without_calling_the_llm(xingshan, fake_llm):
    answer = xingshan.ask("北川县2023年地区生产总值是多少")
    assert answer.refused
    # The division table's name for 北川县, and the places that are indexed instead.
    assert answer.answer.startswith(f"{CANNOT_ANSWER}北川羌族自治县的相关内容（已索引：")
    assert "兴山县" in answer.answer
    assert fake_llm.calls == []


def test_indicator_absent_from_the_evidence_is_refused_in_code(xingshan, fake_llm):
    answer = xingshan.ask("兴山县2023年城镇登记失业率是多少")
    assert answer.refused and fake_llm.calls == []
    assert "key terms" in answer.reason


def test_year_the_documents_do_not_cover_is_refused(xingshan, fake_llm):
    answer = xingshan.ask("兴山县2019年地区生产总值是多少")
    assert answer.refused and fake_llm.calls == []


def test_model_refusal_is_passed_through(xingshan, fake_llm):
    fake_llm.queue(f"{CANNOT_ANSWER}。")
    answer = xingshan.ask("兴山县2023年地区生产总值是多少")
    assert answer.refused and answer.citations == []


def test_cross_county_question_retrieves_both(xingshan, fake_llm):
    fake_llm.queue("兴山县目标增长9%[1],芦山县目标增长7%[2]。")
    answer = xingshan.ask("兴山县和芦山县2024年地区生产总值增长目标分别是多少")
    assert answer.scope == ["兴山县", "芦山县"]
    assert {c.county for c in answer.retrieved} == {"兴山县", "芦山县"}


def test_county_option_overrides_routing(xingshan, fake_llm):
    fake_llm.queue("170亿元[1]。")
    answer = xingshan.ask("2023年地区生产总值是多少", counties=["兴山县"])
    assert {c.county for c in answer.retrieved} == {"兴山县"}


def test_overlong_question_is_an_input_error(xingshan):
    with pytest.raises(InputError, match="10000 characters"):
        xingshan.ask("问" * 10000)


def test_json_shape(xingshan, fake_llm):
    fake_llm.queue("170亿元[1]。")
    data = xingshan.ask("兴山县2023年地区生产总值是多少").to_dict()
    assert set(data) >= {"answer", "citations", "retrieved", "timings", "scope"}
    assert set(data["citations"][0]) == {"n", "chunk_id", "file", "county", "heading", "text", "derived"}
    assert [r["rank"] for r in data["retrieved"]] == list(range(1, len(data["retrieved"]) + 1))
    assert set(data["timings"]) >= {"retrieve", "first_token", "generate"}


def test_pure_helpers():
    assert cited_numbers("a[1]b【2】c[3, 4]") == [1, 2, 3, 4]
    assert content_terms("兴山县2023年地区生产总值是多少", ["兴山县"]) == ["地区", "生产总值"]
    assert term_coverage(["失业率"], "地区生产总值170亿元") == 0
    assert term_coverage(["地区", "生产总值"], "地区生产总值170亿元") == 1


def test_check_answer_ignores_citations_to_passages_that_do_not_exist(xingshan):
    from rag.evidence import Passage
    from rag.store import StoredChunk

    chunk = StoredChunk("x-0001", "预计完成地区生产总值170亿元,增长8%;", {"county": "兴山县"})
    text, cited, dropped = check_answer("170亿元,增长8%[7]。", [Passage(1, chunk, chunk.text)], "")
    assert text == "170亿元,增长8%[7]。" and [p.n for p in cited] == [1] and dropped == []


def _passage(n, text, heading=""):
    from rag.evidence import Passage
    from rag.store import StoredChunk

    chunk = StoredChunk(f"x-{n:04d}", text, {"county": "芦山县", "heading": heading})
    return Passage(n, chunk, text)


def test_a_figure_stated_for_another_year_does_not_support_the_answer():
    passages = [_passage(1, "2024年经济社会发展的总体预期目标为:地区生产总值增长7%左右,地方一般公共预算收入增长8%左右。")]
    text, cited, dropped = check_answer("2023年地区生产总值增长7%左右[1]。", passages, "芦山县2023年地区生产总值完成了多少?")
    assert text == "" and dropped
    text, cited, dropped = check_answer("增长7%左右[1]。", passages, "芦山县2024年地区生产总值增长目标是多少?")
    assert text == "增长7%左右[1]。" and [p.n for p in cited] == [1]


def test_list_markers_are_not_claims():
    passages = [_passage(1, "经济社会主要预期目标是:生产总值增长9%,总量突破185亿元;", "二、2024年工作思路和重点任务")]
    text, _, dropped = check_answer("1. 增长目标是9%。\n2. 总量要达到185亿元。", passages, "兴山县2024年地区生产总值目标?")
    assert dropped == [] and "185亿元" in text


def test_answers_must_add_something_the_question_lacks():
    from rag.verify import adds_information

    evidence = "新培育规上工业企业3家;成功创建全省首家D类化工园区兴山化工园;利川市政府工作报告全面总结"
    assert adds_information("3家", "通江县2022年新培育规上工业企业几家?", evidence)
    assert adds_information("兴山化工园", "兴山县2023年哪个园区成功创建全省首家D类化工园区?", evidence)
    assert not adds_information("利川市政府工作报告是由市长作的。", "利川市政府工作报告是由哪位市长作的?", evidence)


def test_decimals_are_not_list_markers():
    passages = [_passage(1, "争取各级转移支付资金16.2亿元、债券资金5亿元。", "一、2023年工作回顾"),
                _passage(2, "单位GDP能耗降低3.2%左右。", "二、2024年工作思路和重点任务")]
    text, _, dropped = check_answer("16.2亿元，5亿元[1]。", passages, "兴山县2023年转移支付资金和债券资金分别是多少?")
    assert dropped == [] and text.startswith("16.2亿元")
    text, _, dropped = check_answer("3.2%左右[2]。", passages, "兴山县2024年单位GDP能耗降低的目标是多少?")
    assert dropped == [] and text


def test_ratio_answers_count_as_information():
    from rag.verify import adds_information

    evidence = "城乡居民人均可支配收入比达到2.1∶1左右"
    assert adds_information("2.1∶1左右[2]", "到2027年芦山城乡居民人均可支配收入比要达到多少?", evidence)


def test_a_bare_yes_gets_its_basis_quoted_and_cited(xingshan, fake_llm):
    fake_llm.queue("是[1]")
    answer = xingshan.ask("兴山县十九届人大三次会议确定的民生实事在2023年是否全部完成?")
    assert answer.answer.startswith("是。原文：“") and "8件民生实事" in answer.answer
    quoted = answer.answer.split("“")[1].split("”")[0]
    assert any(quoted in c.text for c in answer.citations)


def test_a_yes_the_evidence_negates_becomes_no():
    from rag.evidence import Passage
    from rag.store import StoredChunk
    from rag.verify import ground_yes_no

    passages = [Passage(1, StoredChunk(id="c-0001", text="", meta={}), "地区生产总值增长4.5%,增幅不低于全市平均水平。")]
    text, basis = ground_yes_no("是[1]", "地区生产总值增幅是否低于全市平均水平?", passages)
    assert text == "否。原文：“地区生产总值增长4.5%,增幅不低于全市平均水平。”[1]" and basis is passages[0]
    # An answer that already gives its reason is left alone.
    assert ground_yes_no("是，增幅高于全市平均水平[1]", "是否高于全市平均水平?", passages)[1] is None


def test_an_urban_rural_pair_is_spelled_out_for_the_model_only():
    from rag.evidence import Passage
    from rag.store import StoredChunk

    p = Passage(1, StoredChunk(id="c-0001", text="", meta={"county": "兴山县"}), "城乡人均可支配收入分别增长6.2%、8.8%。")
    assert "城镇人均可支配收入增长6.2%，农村人均可支配收入增长8.8%。" in p.render()
    assert p.text == "城乡人均可支配收入分别增长6.2%、8.8%。"  # quotes stay verbatim
    other = Passage(2, p.chunk, "粮食、蔬菜产量分别增长1.4%、3.7%。")
    assert other.render().endswith("粮食、蔬菜产量分别增长1.4%、3.7%。")


def test_which_is_ahead_is_computed_from_the_answer_figures():
    from rag.question import read_question
    from rag.verify import settle_comparison

    q = "兴山县2023年和通江县2022年农村居民人均可支配收入分别增长多少?哪个更快?"
    assert read_question(q).compare == "快" and read_question("芦山县和兴山县的目标哪个更低?").compare == "低"
    assert read_question("芦山县和兴山县的目标分别是多少?").compare is None
    wrong = "兴山县2023年农村居民人均可支配收入增长8.8%[1]。通江县2022年农村居民人均可支配收入增长6.2%[3]。通江县更快。"
    assert settle_comparison(wrong, "快", ["兴山县", "通江县"]).endswith("增长6.2%[3]。兴山县更快。")
    lower = "芦山县增长7%[2]，兴山县增长9%[1]。"
    assert settle_comparison(lower, "低", ["芦山县", "兴山县"]).endswith("芦山县更低。")
    # Not a comparison, or not exactly one figure (same unit) a place: left as the model wrote it.
    assert settle_comparison(lower, None, ["芦山县", "兴山县"]) == lower
    two = "兴山县170亿元，增长8%[1]。芦山县增长7%[2]。"
    assert settle_comparison(two, "快", ["兴山县", "芦山县"]) == two


def test_a_passage_built_from_metadata_is_not_shown_as_a_quote(xingshan, fake_llm):
    """Document facts (meeting, date, speaker) are compiled from the index: cited, but never in quotation marks."""
    from io import StringIO

    from rich.console import Console

    from cli.render import citations

    fake_llm.queue("2024年1月15日[1]。")
    answer = xingshan.ask("芦山县人民政府工作报告是哪一天作的")
    assert not answer.refused, answer.reason
    derived = [c for c in answer.citations if c.derived]
    assert derived and "日期：2024年1月15日" in derived[0].text
    out = StringIO()
    citations(Console(file=out, width=200), answer)
    shown = out.getvalue()
    assert "（文档信息，非原文）" in shown and "“标题" not in shown
