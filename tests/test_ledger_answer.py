"""Number answers from ledger rows: matched on place, year, kind, indicator and unit; computed in code."""

from __future__ import annotations

import re
import shutil

import pytest

from rag.corpus_answer import asks_about_documents
from rag.ledger import Ledger, extract_facts
from rag.ledger_answer import answer_from_ledger
from rag.question import read_question


@pytest.fixture
def seeds_ledger(indexed):
    indexed.settings.retrieval.ledger_answers = True
    indexed.settings.retrieval.dense_weight = 0.0
    return indexed


def _q(text, *places):
    q = read_question(text)
    q.places.extend(places)
    return q


def test_a_quantity_question_is_answered_from_rows_without_the_model(seeds_ledger, fake_llm):
    answer = seeds_ledger.ask("兴山县2023年地区生产总值是多少")
    assert answer.answered_from == "ledger" and not answer.refused and fake_llm.calls == []
    assert "170亿元" in answer.answer and "[1]" in answer.answer
    assert "170亿元" in answer.citations[0].text and answer.citations[0].county == "兴山县"
    assert answer.to_dict()["answered_from"] == "ledger"


def test_rows_of_another_year_kind_or_unit_do_not_answer(seeds_ledger):
    ledger = seeds_ledger.store.ledger
    # Wrong year: the ledger holds 兴山's 2023 outcomes and 2024 targets, nothing of 2019.
    assert answer_from_ledger(_q("兴山县2019年地区生产总值是多少", "兴山县"), ledger, 0.4) is None
    # Wrong kind: 2023 is reviewed, not planned, in 兴山's report: no 2023 target row.
    assert answer_from_ledger(_q("兴山县2023年地区生产总值增长目标是多少", "兴山县"), ledger, 0.4) is None
    # Wrong unit: an amount in 亿元 does not answer 多少万吨.
    assert answer_from_ledger(_q("兴山县2023年地区生产总值是多少万吨", "兴山县"), ledger, 0.4) is None
    # A question word the quote lacks (占比) is not answered by the indicator's plain row.
    assert answer_from_ledger(_q("兴山县2023年地区生产总值占比是多少", "兴山县"), ledger, 0.4) is None


def test_a_county_that_gives_no_figure_falls_back_and_is_not_invented(seeds_ledger, fake_llm):
    # 通江's report says only 增幅不低于全市平均水平: no row, so no number from the ledger.
    ledger = seeds_ledger.store.ledger
    assert answer_from_ledger(_q("通江县2022年地区生产总值增长多少", "通江县"), ledger, 0.4) is None
    fake_llm.queue("通江县2022年地区生产总值增长8%[1]。")  # the model invents one
    answer = seeds_ledger.ask("通江县2022年地区生产总值增长多少")
    assert answer.answered_from != "ledger" and "8%" not in answer.answer


def test_which_is_higher_and_by_how_much_is_computed(seeds_ledger, fake_llm):
    answer = seeds_ledger.ask("兴山县和芦山县2024年地区生产总值增长目标哪个更高?")
    assert answer.answered_from == "ledger" and fake_llm.calls == []
    assert "增长9%" in answer.answer and "增长7%" in answer.answer
    assert answer.answer.endswith("兴山县更高，高出2个百分点。")
    assert {c.county for c in answer.citations} == {"兴山县", "芦山县"}


def test_the_highest_across_the_corpus_is_ranked_in_code(seeds_ledger, fake_llm):
    answer = seeds_ledger.ask("哪个县2024年地区生产总值增长目标最高?")
    assert answer.answered_from == "ledger"
    assert "兴山县的2024年地区生产总值预期目标最高（增长9%）" in answer.answer
    assert answer.answer.index("兴山县增长9%") < answer.answer.index("芦山县增长7%")


def test_two_rows_that_disagree_are_both_shown(seeds_ledger, seeds_dir, fake_llm):
    from rag.indexer import index_paths

    original = next(seeds_dir.glob("003_*.txt"))
    planted = seeds_dir / "copy" / "xingshan_copy.txt"
    planted.parent.mkdir()
    shutil.copy(original, planted)
    planted.write_text(planted.read_text("utf-8").replace("地区生产总值170亿元", "地区生产总值888亿元"), "utf-8")
    index_paths([seeds_dir], seeds_ledger.store, lambda: seeds_ledger.embedder)
    seeds_ledger._retriever = None
    answer = seeds_ledger.ask("兴山县2023年地区生产总值是多少")
    assert "170亿元" in answer.answer and "888亿元" in answer.answer and "不一致" in answer.answer


def test_several_years_and_none_asked_is_left_to_retrieval(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    for year, source in ((2022, "/a.txt"), (2023, "/b.txt")):
        meta = {"county": "某县", "adcode": "1", "file": source[1:], "source": source, "doc_hash": source,
                "year_under_review": year, "plan_year": year + 1}
        facts = extract_facts("全年完成地区生产总值100亿元。", "一、工作回顾", meta, f"{source}-0")
        ledger.put_document(source, source, facts)
    assert answer_from_ledger(_q("某县地区生产总值是多少", "某县"), ledger, 0.4) is None
    one = answer_from_ledger(_q("某县2023年地区生产总值是多少", "某县"), ledger, 0.4)
    assert one and one.text == "某县2023年地区生产总值100亿元[1]。" and one.facts[0].source == "/b.txt"


def _two_year_ledger(tmp_path):
    """甲县 reviews 2022 and 2023 (two reports); 乙县 reviews 2023 only, in other units."""
    ledger = Ledger(tmp_path / "l.sqlite")
    docs = (("甲县", 2022, "/a.txt", "全年完成地区生产总值100亿元,增长5%。农村居民人均可支配收入16135元。"),
            ("甲县", 2023, "/b.txt", "全年完成地区生产总值120亿元,增长8%。农村居民人均可支配收入17000元。"),
            ("乙县", 2023, "/c.txt", "全年完成地区生产总值1250000万元,增长6.2%。农村居民人均可支配收入25479元。"))
    for county, year, source, text in docs:
        meta = {"county": county, "adcode": county, "file": source[1:], "source": source, "doc_hash": source,
                "year_under_review": year, "plan_year": year + 1}
        ledger.put_document(source, source, extract_facts(text, "一、工作回顾", meta, f"{source}-0"))
    return ledger


def test_each_place_is_read_in_the_year_the_question_gives_it(tmp_path):
    # 甲县 has 2022 and 2023 rows; 乙县 only 2023: the year written after each place decides.
    got = answer_from_ledger(_q("甲县2022年和乙县2023年农村居民人均可支配收入相差多少元?", "甲县", "乙县"),
                             _two_year_ledger(tmp_path), 0.4)
    assert got and "甲县2022年农村居民人均可支配收入16135元" in got.text
    assert got.text.endswith("乙县比甲县高9344元。")  # in 元, not as a fraction of 亿元
    assert got.computed == ["9344"]  # derived in code: the eval does not ask a chunk to cite it


@pytest.mark.parametrize(("question", "ending"), [
    ("甲县2022年和乙县2023年地区生产总值增速相差多少个百分点?", "乙县比甲县高1.2个百分点。"),
    # 哪个更高 asks no amount of its own: the growth asked before it is compared.
    ("甲县2023年和乙县2023年地区生产总值增长分别是多少?哪个更高?", "甲县更高，高出1.8个百分点。"),
    # Amounts and growth asked, 哪个增长更快 compares the growth, not the amounts.
    ("甲县2023年和乙县2023年地区生产总值分别是多少?哪个增长更快?", "甲县更快，高出1.8个百分点。"),
    # 高出多少 is a difference; 常住 forms of a name are the indicator, not extra words to cover.
    ("乙县2023年农村常住居民人均可支配收入比甲县2022年高出多少?", "乙县比甲县高9344元。"),
    ("甲县2023年和乙县2023年地区生产总值增速谁高?", "甲县更高，高出1.8个百分点。"),
    ("2023年甲县、乙县GDP各增长了多少,哪家增速更快?", "甲县更快，高出1.8个百分点。"),
    ("甲县2022年农村居民人均可支配收入比乙县2023年的少多少钱?", "乙县比甲县高9344元。"),
    ("给甲县2022年定的GDP增长和乙县2023年的相差几个百分点?", "乙县比甲县高1.2个百分点。"),
    ("甲县2023年地区生产总值增速比乙县2023年高出几个百分点?", "甲县比乙县高1.8个百分点。"),
    ("甲县和乙县2023年的地区生产总值之间差了多少?", "乙县比甲县高5亿元。"),
    # A ratio, the first place's figure over the second's, in one unit (1250000万元 is 125亿元).
    ("2023年甲县的GDP大约是乙县同年的多少倍?", "甲县是乙县的0.96倍。"),
])
def test_the_ways_users_ask_for_a_comparison(tmp_path, question, ending):
    got = answer_from_ledger(_q(question, "甲县", "乙县"), _two_year_ledger(tmp_path), 0.4)
    assert got and got.text.endswith(ending)


def test_the_named_places_are_ranked_each_in_its_own_year_and_unit(tmp_path):
    ledger = _two_year_ledger(tmp_path)
    got = answer_from_ledger(_q("甲县2022年、乙县2023年两地中,哪个的地区生产总值最高?", "甲县", "乙县"), ledger, 0.4)
    assert got and got.text.startswith("所问的2个地区中，乙县的地区生产总值最高（1250000万元）")  # 125亿元 > 100亿元
    assert "甲县2022年100亿元[2]" in got.text
    ranked = answer_from_ledger(_q("把甲县2022年、乙县2023年的地区生产总值从低到高排一下。", "甲县", "乙县"), ledger, 0.4)
    assert ranked and ranked.text.startswith("所问的2个地区中，甲县的地区生产总值最低（100亿元）")
    first = answer_from_ledger(_q("甲县2022年和乙县2023年GDP总量谁第一?", "甲县", "乙县"), ledger, 0.4)
    assert first and first.text.startswith("所问的2个地区中，乙县的地区生产总值最高")
    # A named place without a row may be the highest: left to retrieval, not guessed.
    assert answer_from_ledger(_q("甲县、乙县、丙县三地中,哪个县2023年地区生产总值最高?", "甲县", "乙县", "丙县"),
                              ledger, 0.4) is None


def test_questions_about_the_documents_are_answered_from_the_document_table(seeds_ledger, fake_llm):
    answer = seeds_ledger.ask("这些文档里哪些是关于芦山县的?")
    assert answer.answered_from == "documents" and fake_llm.calls == []
    assert "共2份" in answer.answer and "全会公报" in answer.answer and "政府工作报告" in answer.answer
    # A type named by the meeting's words (全体会议, 全会), of every place; 几篇 as the documents.
    plenums = seeds_ledger.ask("哪些地方的材料是县委全体会议(全会)的报道或公报?")
    assert plenums.answered_from == "documents" and "全会公报共1份" in plenums.answer and "芦山县" in plenums.answer
    # 一共有几份…统计公报: any words before the document noun.
    assert seeds_ledger.ask("资料库里一共有几份国民经济和社会发展统计公报?").answered_from == "documents"
    assert seeds_ledger.ask("库里有哪几份2022年度的国民经济和社会发展统计公报?").answered_from == "documents"
    # A type word that is the question's content (谁作的政府工作报告) finds no document of the place's
    # that type: the place's documents are listed, and the missing type said.
    article = seeds_ledger.ask("库里讲利川市人代会的文章有几篇?谁作的政府工作报告?")
    assert article.answered_from == "documents" and "利川" in article.answer
    # 回顾的是…年: the year a document reviews.
    reviewed = seeds_ledger.ask("有哪些地方的政府工作报告回顾的是2023年的工作?")
    assert reviewed.answered_from == "documents" and "兴山县" in reviewed.answer and "通江县" not in reviewed.answer
    # A province not indexed itself scopes a question about documents to its indexed places.
    sichuan = seeds_ledger.ask("四川省的县有哪些政府工作报告在库里")
    assert sichuan.answered_from == "documents" and "芦山县" in sichuan.answer and "兴山县" not in sichuan.answer
    # 按日期先后排: the order by date; a place that only joins the next shares its type (政府工作报告).
    ordered = seeds_ledger.ask("兴山、芦山两县2024年的政府工作报告,按作报告日期先后排一下")
    assert ordered.answered_from == "documents" and "全会公报" not in ordered.answer
    assert ordered.answer.index("兴山县") < ordered.answer.index("芦山县")
    reports = seeds_ledger.ask("资料库里有哪几篇是讲兴山县人代会的?")
    assert reports.answered_from == "documents" and "兴山县" in reports.answer and "共1份" in reports.answer
    assert all(c.derived and c.county == "芦山县" for c in answer.citations)
    counted = seeds_ledger.ask("一共有几份政府工作报告?")
    assert "政府工作报告共3份" in counted.answer  # 芦山, 兴山, 通江
    assert "共3份" in seeds_ledger.ask("这批文件里哪些属于政府工作报告?").answer
    assert seeds_ledger.ask("库里讲芦山县的材料一共几份?").answered_from == "documents"
    typed = seeds_ledger.ask("哪些文件是2024年的政府工作报告?")  # documents as the subject, of a year
    assert typed.answered_from == "documents" and "2024年的政府工作报告共2份" in typed.answer  # 芦山, 兴山
    gap = seeds_ledger.ask("芦山县的两份文件的日期相差几天?")
    assert gap.answered_from == "documents" and re.search(r"相差\d+天", gap.answer)
    # Two documents of one place, each named by its type: the plenum of 1月5日, the report of 1月15日.
    typed_gap = seeds_ledger.ask("芦山县委十五届六次全会召开的日期与芦山县2024年政府工作报告的日期相隔几天?")
    assert typed_gap.answered_from == "documents" and "相差10天" in typed_gap.answer
    # The places of one kind the collection covers: a county-level 市 by the division table.
    cities = seeds_ledger.ask("资料库里涉及哪几个县级市?各是什么类型的文件?")
    assert cities.answered_from == "documents" and "涉及1个县级市：利川市（关于政府工作报告的文章[1]）" in cities.answer
    # A later sentence's year picks out some of those listed (那几次里), it does not filter the list.
    subset = seeds_ledger.ask("库里有几份政府工作报告?分别是哪天作的?2024年的那几份里最早和最晚的隔了多少天?")
    assert subset.answered_from == "documents" and "政府工作报告共3份" in subset.answer and "通江县" in subset.answer
    assert "其中2024年的2份，最早（兴山县）与最晚（芦山县）相差3天。" in subset.answer
    # A question about what documents say is not a question about documents.
    fake_llm.queue("文档中未提及。")
    assert seeds_ledger.ask("哪些县提出创建乡村振兴示范县?").answered_from != "documents"
    assert not asks_about_documents("涡阳县委全会审议通过了哪些文件?")  # what a document says


def test_an_amount_and_its_growth_asked_together_need_a_row_with_both(seeds_ledger, fake_llm):
    both = seeds_ledger.ask("兴山县2023年地区生产总值预计完成多少?增长多少?")
    assert both.answered_from == "ledger" and "170亿元" in both.answer and "增长8%" in both.answer
    target = seeds_ledger.ask("兴山县2024年地区生产总值的预期增长目标是多少?总量要达到多少?")
    assert target.answered_from == "ledger" and "185亿元" in target.answer and "9%" in target.answer
    # A count after 新培育 is the flow the rows record.
    assert "3家" in seeds_ledger.ask("通江县2022年新培育规上工业企业几家?").answer


def test_an_amount_without_its_growth_still_shows_beside_the_one_with_it(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    meta = {"county": "甲县", "adcode": "甲县", "file": "a.txt", "source": "/a.txt", "doc_hash": "/a.txt",
            "year_under_review": 2022, "plan_year": 2023}
    text = ("地方一般公共预算收入完成28,583万元(自然口径),占调整预算105.47%。"
            "地方一般公共预算收入(同口径)完成30,161万元,同比增长14.6%。")
    ledger.put_document("/a.txt", "/a.txt", extract_facts(text, "一、工作回顾", meta, "/a.txt-0"))
    # 完成多少、增长多少 asks two things (the 、 parts); the row with both answers, the other is shown.
    got = answer_from_ledger(_q("甲县2022年一般公共预算收入完成多少、增长多少?", "甲县"), ledger, 0.4)
    assert got and got.text.startswith("甲县2022年一般公共预算收入30,161万元，增长14.6%[1]")
    assert "另一处为28,583万元[2]，两处数字不一致" in got.text


def _target_and_actual_ledger(tmp_path):
    """甲县's report reviews 2023 and sets 2024 targets; 乙县's reviews 2023."""
    ledger = Ledger(tmp_path / "l.sqlite")
    docs = (("甲县", "/a.txt", "一、2023年工作回顾", "全年完成地区生产总值120亿元,增长8%。"),
            ("甲县", "/a.txt", "二、2024年工作安排", "主要预期目标是:地区生产总值增长10%左右。"),
            ("乙县", "/c.txt", "一、2023年工作回顾", "全年完成地区生产总值90亿元,增长6.5%。"))
    for n, (county, source, heading, text) in enumerate(docs):
        meta = {"county": county, "adcode": county, "file": source[1:], "source": source, "doc_hash": source,
                "year_under_review": 2023, "plan_year": 2024}
        ledger.put_document(f"{source}#{n}", source, extract_facts(text, heading, meta, f"{source}-{n}"))
    return ledger


@pytest.mark.parametrize(("question", "ending"), [
    # Each place is asked its own kind: 甲县's target, 乙县's outcome.
    ("甲县2024年地区生产总值增长预期目标,与乙县2023年地区生产总值的实际增速相比,哪个更高?", "甲县更高，高出3.5个百分点。"),
    ("甲县24年GDP目标增速 比乙县23年GDP实际增速高几个点", "甲县比乙县高3.5个百分点。"),  # two-digit years, 几个点
    ("甲县2024年GDP增长目标和乙县2023年实际增速比,哪个高、差几个百分点?", "甲县更高，高出3.5个百分点。"),
])
def test_a_target_of_one_place_against_the_outcome_of_another(tmp_path, question, ending):
    from rag.question import full_years

    got = answer_from_ledger(_q(full_years(question), "甲县", "乙县"), _target_and_actual_ledger(tmp_path), 0.4)
    assert got and got.text.endswith(ending), got and got.text
    assert [f.kind for f in got.facts] == ["target", "actual"]


def test_one_place_in_two_years_a_target_against_the_outcome_before_it(tmp_path):
    # Each year's own first clause says its kind: 2024 the target, 2023 the outcome; both measures.
    got = answer_from_ledger(_q("甲县2024年定的GDP增长目标是多少?比2023年的实际增速高几个点?", "甲县"),
                             _target_and_actual_ledger(tmp_path), 0.4)
    assert got and [(f.year, f.kind) for f in got.facts] == [(2024, "target"), (2023, "actual")]
    assert got.text.endswith("2024年增速比2023年高出2个百分点。") and got.computed == ["2"]
    # A year with no row of the kind asked (no 2023 target): not answered from the ledger.
    assert answer_from_ledger(_q("甲县2024年和2023年的GDP增长目标分别是多少?", "甲县"),
                              _target_and_actual_ledger(tmp_path), 0.4) is None


@pytest.mark.parametrize(("question", "ending"), [
    # 乙县是甲县的多少倍: the place before 是 over the one before 的…倍, whatever order they came in.
    ("甲县2023年和乙县2023年的GDP相比,乙县是甲县的多少倍?", "乙县是甲县的1.04倍。"),
    # A ratio asks amounts, even where the question names no unit; an aside in brackets is no content.
    ("甲县2022年的生产总值和乙县2023年的相比,乙县是甲县的几倍?(注意单位)", "乙县是甲县的1.25倍。"),
    # The difference and the ratio, both asked, both computed.
    ("2023年甲县和乙县的GDP差多少?乙县大概是甲县的几倍?", "乙县比甲县高5亿元。乙县是甲县的1.04倍。"),
])
def test_ratios_name_their_numerator(tmp_path, question, ending):
    got = answer_from_ledger(_q(question, "甲县", "乙县"), _two_year_ledger(tmp_path), 0.4)
    assert got and got.text.endswith(ending), got and got.text


def test_a_difference_asked_after_two_rates_compares_the_rates(tmp_path):
    # 差多少 names nothing: it asks what the parts before it name (两个增速), not an amount.
    got = answer_from_ledger(_q("甲县2024年GDP的预期增速,和乙县2023年实际实现的GDP增速相比,差多少?", "甲县", "乙县"),
                             _target_and_actual_ledger(tmp_path), 0.4)
    assert got and got.text.endswith("甲县比乙县高3.5个百分点。"), got and got.text


@pytest.mark.parametrize(("question", "ending"), [
    # The yes/no is asked of the place whose words hold it (乙县…有没有超过), against the other's target.
    ("甲县2024年定的GDP增长目标是多少?乙县2023年GDP的实际增速有没有超过这个目标?", "乙县没有超过甲县的这一数字，低3.5个百分点。"),
    # Reaching a target is judged as `track` judges it: 10%左右 is met from 9.5% (the rule written out).
    ("乙县23年GDP增速达没达到甲县24年定的GDP增长目标?", "乙县没有达到甲县的这一目标（按≥ 10% − 0.5个百分点判断），低3.5个百分点。"),
])
def test_a_yes_or_no_on_reaching_the_other_places_figure_is_computed(tmp_path, question, ending):
    from rag.question import full_years

    got = answer_from_ledger(_q(full_years(question), "甲县", "乙县"), _target_and_actual_ledger(tmp_path), 0.4)
    assert got and got.text.endswith(ending), got and got.text


def test_reaching_a_target_uses_the_tolerance_rule_of_track(tmp_path):
    ledger = _ledger_of(tmp_path, (("丙县", "全年完成地区生产总值90亿元,增长9.6%。"),), "一、2023年工作回顾", 2023)
    meta = {"county": "丁县", "adcode": "丁县", "file": "丁县", "source": "丁县", "doc_hash": "丁县",
            "year_under_review": 2023, "plan_year": 2024}
    ledger.put_document("丁县", "丁县", extract_facts("主要预期目标是:地区生产总值增长10%左右。", "二、2024年工作安排", meta, "丁县-0"))
    got = answer_from_ledger(_q("丙县2023年GDP增速达没达到丁县2024年定的GDP增长目标?", "丙县", "丁县"), ledger, 0.4)
    # 9.6% is below 10%, within the 0.5 point 左右 allows: met, not missed.
    assert got and got.text.endswith("丙县达到了丁县的这一目标（按≥ 10% − 0.5个百分点判断），低0.4个百分点。"), got and got.text


def test_the_year_before_is_backed_out_of_a_figure_and_its_growth_and_said_to_be_computed(tmp_path):
    got = answer_from_ledger(_q("甲县2023年地区生产总值是多少,增长多少?据此倒推2022年大概是多少?", "甲县"),
                             _target_and_actual_ledger(tmp_path), 0.4)
    assert got and "120亿元" in got.text and "2022年约为111.11亿元（计算所得，原文未载）" in got.text
    assert got.computed == ["111.11"]


def test_a_milestone_before_the_figure_and_the_unit_of_a_ratio(tmp_path):
    """丙县's GDP stated after a milestone (2018年突破百亿元大关,预计2020年实现144亿元) is its 2020 row."""
    ledger = _ledger_of(tmp_path, (("丙县", "全县地区生产总值2018年突破百亿元大关,预计2020年实现144亿元。"),
                                   ("丁县", "全县地区生产总值预计达到400亿元。")), "一、过去五年工作回顾", 2020)
    got = answer_from_ledger(_q("丁县和丙县2020年的GDP分别是多少?丁县是丙县的几倍?", "丁县", "丙县"), ledger, 0.4)
    assert got and got.text.endswith("丁县是丙县的2.78倍。") and "丙县2020年地区生产总值预计144亿元" in got.text


def _ledger_of(tmp_path, docs, heading: str, year: int) -> Ledger:
    """A ledger of one review chunk per place: ``docs`` is (place, text) pairs."""
    ledger = Ledger(tmp_path / "l.sqlite")
    for county, text in docs:
        meta = {"county": county, "adcode": county, "file": county, "source": county, "doc_hash": county,
                "year_under_review": year, "plan_year": year + 1}
        ledger.put_document(county, county, extract_facts(text, heading, meta, f"{county}-0"))
    return ledger


def test_two_falls_are_compared_by_their_size(tmp_path):
    ledger = _ledger_of(tmp_path, (("甲县", "全年完成地区生产总值118.54亿元,下降18.7%。"), ("乙县", "全年完成地区生产总值46.1亿元,下降4.3%。")),
                        "一、2020年工作回顾", 2020)
    got = answer_from_ledger(_q("甲县和乙县2020年地区生产总值都下降了,分别是多少、降了多少?哪个降幅更大?", "甲县", "乙县"),
                             ledger, 0.4)
    assert got and got.text.endswith("甲县降幅更大，多降14.4个百分点。"), got and got.text


def test_a_yearly_average_over_a_term_is_not_one_years_growth(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    meta = {"county": "戊县", "adcode": "戊县", "file": "a.txt", "source": "/a.txt", "doc_hash": "/a.txt",
            "year_under_review": 2020, "plan_year": 2021}
    ledger.put_document("/a.txt", "/a.txt", extract_facts("预计2020年地区生产总值实现144亿元、年均增长8.7%。",
                                                           "一、过去五年工作回顾", meta, "/a.txt-0"))
    assert answer_from_ledger(_q("戊县2020年地区生产总值增长多少?", "戊县"), ledger, 0.4) is None
    got = answer_from_ledger(_q("戊县2020年地区生产总值是多少?", "戊县"), ledger, 0.4)
    assert got and "144亿元，年均增长8.7%" in got.text  # shown as the average it is


def test_a_share_of_one_figure_in_another_is_computed_per_place(tmp_path):
    ledger = _ledger_of(tmp_path, (("甲县", "一般公共预算收入完成10.1亿元,其中税收收入8.4亿元。"), ("乙县", "一般公共预算收入35亿元,税收收入28.4亿元。")),
                        "一、2023年工作回顾", 2023)
    got = answer_from_ledger(_q("甲县、乙县2023年税收收入占一般公共预算收入的比重各是多少,谁高?", "甲县", "乙县"), ledger, 0.4)
    assert got and "税收收入占一般公共预算收入的83.17%（计算所得）" in got.text
    assert got.text.endswith("甲县的比重更高，高出2.03个百分点。") and got.computed == ["83.17", "81.14"]
    slash = answer_from_ledger(_q("甲县2023年(税收收入/一般公共预算收入)是多少?", "甲县"), ledger, 0.4)
    assert slash and "83.17%" in slash.text
    # 收入占支出: a bare 支出 after 一般公共预算收入 is its counterpart, 一般公共预算支出.
    spent = _ledger_of(tmp_path / "b", (("丙县", "一般公共预算收入和支出分别达4.78亿元、20.2亿元。"),), "一、2023年工作回顾", 2023)
    pair = answer_from_ledger(_q("丙县2023年一般公共预算收入占支出的比重是多少?", "丙县"), spent, 0.4)
    assert pair and "一般公共预算收入占一般公共预算支出的23.66%（计算所得）" in pair.text
    # A share of a figure the place does not state is not computed.
    assert answer_from_ledger(_q("甲县2023年税收收入占地区生产总值的比重?", "甲县"), ledger, 0.4) is None


def test_the_reports_a_question_cites_are_not_its_figures_years(tmp_path):
    # 据甲县2024年…报告: the report's year; the figure's year comes where the figure is asked.
    got = answer_from_ledger(_q("据甲县2024年和乙县2024年的政府工作报告,甲县2022年、乙县2023年GDP分别是多少?", "甲县", "乙县"),
                             _two_year_ledger(tmp_path), 0.4)
    assert got and "甲县2022年地区生产总值100亿元" in got.text and "乙县2023年地区生产总值1250000万元" in got.text
    aside = answer_from_ledger(_q("2023年乙县的GDP是甲县(2024年人大会议政府工作报告所述)的几倍?", "乙县", "甲县"),
                               _two_year_ledger(tmp_path), 0.4)
    assert aside and aside.text.endswith("乙县是甲县的1.04倍。")


def test_one_kind_asked_of_both_places_binds_both(tmp_path):
    # 目标 once, after both places: a target for each; 乙县 has none, so the ledger does not answer.
    assert answer_from_ledger(_q("甲县和乙县2024年地区生产总值增长目标分别是多少?", "甲县", "乙县"),
                              _target_and_actual_ledger(tmp_path), 0.4) is None


def test_two_digit_years_are_written_out_but_spans_of_years_are_not():
    from rag.question import full_years

    assert full_years("11年盐田社零比迪庆州高多少") == "2011年盐田社零比迪庆州高多少"
    assert full_years("98年的GDP") == "1998年的GDP"
    for text in ("近10年GDP增长多少", "过去20年", "10年来", "20年代", "用了12年", "2024年GDP"):
        assert full_years(text) == text


@pytest.mark.parametrize(("question", "ending"), [
    # Typed with no question word: each place's figure, each of its own kind.
    # 对比 with no direction asks the difference too.
    ("乙县23年GDP增速 对比甲县24年目标", "甲县2024年地区生产总值预期目标增长10%左右[2]。地区生产总值增速甲县比乙县高3.5个百分点。"),
    ("23年GDP增速 甲县 乙县", "乙县2023年地区生产总值增长6.5%[2]。"),
    # The document the target is asked from is not a word the quotes must hold; 这个目标 names the
    # first place's target again, it does not ask 乙县's.
    ("甲县2024年政府工作报告提出的GDP增长目标是多少?乙县2023年GDP增速高于还是低于这个目标?", "乙县2023年地区生产总值增长6.5%[2]。"),
])
def test_figures_asked_without_a_question_word_or_against_a_document(tmp_path, question, ending):
    from rag.question import full_years

    places = [p for p in ("甲县", "乙县") if p in question]
    places.sort(key=question.index)
    got = answer_from_ledger(_q(full_years(question), *places), _target_and_actual_ledger(tmp_path), 0.4)
    assert got and got.text.endswith(ending), got and got.text


def test_rows_whose_kind_the_text_leaves_unsaid_answer_only_a_question_that_asks_none(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    meta = {"county": "丙州", "adcode": "丙州", "file": "d.txt", "source": "/d.txt", "doc_hash": "d"}
    facts = extract_facts("2011年,社会消费品零售总额从6.8亿元增加到25.3亿元。", "", meta, "/d-0")
    assert [(f.kind, f.year) for f in facts] == [("", 2011)]
    ledger.put_document("/d.txt", "d", facts)
    got = answer_from_ledger(_q("丙州2011年社会消费品零售总额是多少?", "丙州"), ledger, 0.4)
    assert got and got.text == "丙州2011年社会消费品零售总额25.3亿元[1]。"
    assert answer_from_ledger(_q("丙州2011年社会消费品零售总额目标是多少?", "丙州"), ledger, 0.4) is None


def test_a_place_without_a_report_is_named_not_dropped(seeds_ledger, fake_llm):
    answer = seeds_ledger.ask("兴山县和黄平县2023年地区生产总值哪个更高?")
    assert answer.answered_from == "ledger" and "兴山县2023年地区生产总值" in answer.answer
    assert "没有黄平县的资料" in answer.answer and "更高" not in answer.answer
    # The provinces the places asked lie in are their scope, not places missing from the index.
    scoped = seeds_ledger.ask("四川的芦山县和湖北的兴山县2024年地区生产总值增长目标哪个更高?")
    assert scoped.answered_from == "ledger" and "没有" not in scoped.answer and "更高" in scoped.answer, scoped.answer


def test_years_typed_after_place_names_and_vs():
    from rag.question import years_after_places

    names = ["牟定", "尉犁", "云和", "黎平", "兴山"]
    assert years_after_places("城镇收入 牟定23 vs 尉犁24 差多少", names) == "城镇收入 牟定2023年 vs 尉犁2024年 差多少"
    assert years_after_places("云和22人均gdp是黎平18几倍", names) == "云和2022年人均gdp是黎平2018年几倍"
    for text in ("兴山12个项目", "兴山10家企业", "兴山22人"):  # counts, not years
        assert years_after_places(text, names) == text


def test_three_meetings_in_date_order(seeds_ledger, fake_llm):
    # 芦山县's two documents (no type named for it) and 兴山县's report (its 人大 session).
    answer = seeds_ledger.ask("芦山县的两份文件和兴山县十九届人大四次会议,哪个最早?最早和最晚相隔几天?")
    assert answer.answered_from == "documents" and answer.answer.startswith("按日期先后：芦山县，全会公报")
    assert "最早与最晚相差" in answer.answer and len(answer.citations) == 3


def test_growth_asked_after_its_word_is_compared_as_growth_beside_the_amounts_difference(tmp_path):
    # 增速谁快 asks the growth; 差多少 before it asks the amounts: both verdicts, each of its measure.
    ledger = _ledger_of(tmp_path, (("甲县", "社会消费品零售总额54.3亿元,增长9%。"), ("乙县", "社会消费品零售总额达41亿元,增长11%。")),
                        "一、2023年工作回顾", 2023)
    got = answer_from_ledger(_q("23年甲县和乙县的社会消费品零售总额分别是多少,差多少?增速谁快?", "甲县", "乙县"), ledger, 0.4)
    assert got and got.text.endswith("甲县比乙县高13.3亿元。乙县更快，高出2个百分点。"), got and got.text


def test_one_figure_on_two_bases_is_shown_with_each_basis_not_as_a_disagreement(tmp_path):
    # A budget report: 自然口径 and 同口径, the budget's share between a figure and its growth.
    text = ("地方一般公共预算收入完成28,583万元(自然口径),占调整预算105.47%,同比增长10.85%。"
            "地方一般公共预算收入(同口径)完成30,161万元,同比增长14.6%。")
    ledger = _ledger_of(tmp_path, (("甲县", text),), "一、2022年财政预算执行情况", 2022)
    got = answer_from_ledger(_q("甲县2022年一般公共预算收入是多少?增长多少?", "甲县"), ledger, 0.4)
    assert got and "28,583万元，增长10.85%[1]（自然口径）；同口径为2022年一般公共预算收入30,161万元，增长14.6%[2]" in got.text, \
        got and got.text
    assert "不一致" not in got.text


def _rate_and_amount_ledger(tmp_path):
    """甲县's plan sets 2027 goals for a rate and an amount; 乙县's communiqué reports 2022's."""
    ledger = Ledger(tmp_path / "l.sqlite")
    docs = (("甲县", "二、2027年奋斗目标", "到2027年,常住人口城镇化率达到60%,地区生产总值达到100亿元。", None, 2027, "全会公报"),
            ("乙县", "一、综合", "年末常住人口城镇化率为74.02%。全县实现生产总值951435万元,比上年下降4.1%。", 2022, None, "统计公报"))
    for county, heading, text, review, plan, doc_type in docs:
        meta = {"county": county, "adcode": county, "file": county, "source": county, "doc_hash": county,
                "year_under_review": review, "plan_year": plan, "doc_type": doc_type}
        ledger.put_document(county, county, extract_facts(text, heading, meta, f"{county}-0"))
    return ledger


def test_a_rate_indicator_asked_beside_an_amount_is_asked_its_level_and_each_place_its_own_kind(tmp_path):
    # 城镇化率's 率 is the indicator's own (its level, 60%, is asked); 云和's 实际 is in its own
    # sentence, the 目标 of the next sentence is 甲县's; 比一比 asks the differences.
    q = _q("甲县县委十五届六次全会给2027年定的常住人口城镇化率和GDP目标分别是多少?乙县2022年的城镇化率和GDP实际是多少?"
           "拿甲县的目标跟乙县现状比一比。", "甲县", "乙县")
    got = answer_from_ledger(q, _rate_and_amount_ledger(tmp_path), 0.4)
    assert got and "甲县2027年常住人口城镇化率" in got.text and "乙县2022年常住人口城镇化率74.02%" in got.text, got and got.text
    assert got.text.endswith("常住人口城镇化率乙县比甲县高14.02个百分点；地区生产总值甲县比乙县高4.8565亿元。")
    # 超出多少个百分点 of a rate indicator: its level, in points, not its growth.
    q = _q("乙县2022年常住人口城镇化率有没有超过甲县定的2027年城镇化率目标?超出多少个百分点?", "乙县", "甲县")
    got = answer_from_ledger(q, _rate_and_amount_ledger(tmp_path), 0.4)
    assert got and got.text.endswith("乙县超过了甲县的这一数字，高出14.02个百分点。"), got and got.text


def test_shares_written_with_a_division_sign_are_ranked_over_three_places(tmp_path):
    ledger = _ledger_of(tmp_path, (("甲县", "一般公共预算收入2.5亿元。一般公共预算支出71.79亿元。"),
                                   ("乙县", "一般公共预算收入58.7亿元。一般公共预算支出385.7亿元。"),
                                   ("丙县", "一般公共预算收入和支出分别达4.78亿元、20.2亿元。")), "一、2023年工作回顾", 2023)
    got = answer_from_ledger(_q("算算财政自给率(一般公共预算收入÷一般公共预算支出):甲县、乙县、丙县2023年谁最高谁最低?",
                                "甲县", "乙县", "丙县"), ledger, 0.4)
    assert got and got.text.endswith("从高到低：丙县23.66%、乙县15.22%、甲县3.48%；最高的是丙县，最低的是甲县。"), got and got.text


def test_a_question_in_two_parts_is_answered_part_by_part_with_one_number_per_row(tmp_path):
    from rag.ledger_answer import answer_in_parts, question_parts

    ledger = _target_and_actual_ledger(tmp_path)
    # The second part names one place again (甲县的目标), and leaves the year of its target and the
    # indicator to the part before; a row both parts cite keeps one number and is stated once.
    q = _q("甲县和乙县2024年GDP增速目标各是多少?甲县的目标比它2023年实际增速高几个百分点?", "甲县", "乙县")
    assert [p.places for p in question_parts(q)] == [["甲县", "乙县"], ["甲县"]]
    ledger.put_document("乙县-plan", "乙县-plan", extract_facts(
        "主要预期目标是:地区生产总值增长7%左右。", "二、2024年工作安排",
        {"county": "乙县", "adcode": "乙县", "file": "d.txt", "source": "乙县-plan", "doc_hash": "d",
         "year_under_review": 2023, "plan_year": 2024}, "乙县-plan-0"))
    got = answer_in_parts(q, ledger, 0.4)
    assert got and got.text.count("甲县2024年地区生产总值预期目标增长10%左右[1]") == 1, got and got.text
    assert "甲县2023年地区生产总值增长8%[3]" in got.text and got.text.endswith("2024年增速比2023年高出2个百分点。")
    # A part the rows cannot answer leaves the whole question to the rest of the pipeline.
    assert answer_in_parts(_q("甲县和乙县2024年GDP增速目标各是多少?甲县2019年的呢?", "甲县", "乙县"), ledger, 0.4) is None


def test_a_later_part_that_names_no_place_asks_each_place_in_its_own_year(tmp_path):
    from rag.ledger_answer import answer_in_parts

    ledger = _ledger_of(tmp_path, (("甲县", "全年完成地区生产总值120亿元,增长8%。旅游综合收入55.7亿元。"),), "一、2023年工作回顾", 2023)
    meta = {"county": "乙县", "adcode": "乙县", "file": "乙县", "source": "乙县", "doc_hash": "乙县",
            "year_under_review": 2022, "plan_year": 2023}
    ledger.put_document("乙县", "乙县", extract_facts("全年完成地区生产总值90亿元,增长6.5%。旅游业总收入达58亿元。",
                                                      "一、2022年工作回顾", meta, "乙县-0"))
    got = answer_in_parts(_q("甲县2023年旅游综合收入和乙县2022年旅游业总收入哪个高?两地GDP各是多少?", "甲县", "乙县"), ledger, 0.4)
    assert got and "乙县更高" in got.text and "甲县2023年地区生产总值120亿元" in got.text, got and got.text
    assert "乙县2022年地区生产总值90亿元" in got.text


def test_a_price_index_written_as_an_index_is_compared_by_its_rise(tmp_path):
    ledger = _ledger_of(tmp_path, (("甲县", "全县居民消费价格总指数为100.8%。"), ("乙县", "居民消费价格累计同比上涨1.3%。")),
                        "一、2022年工作回顾", 2022)
    got = answer_from_ledger(_q("甲县和乙县2022年的居民消费价格涨幅哪个更高?相差几个百分点?", "甲县", "乙县"), ledger, 0.4)
    assert got and "甲县2022年居民消费价格总指数100.8%[1]" in got.text, got and got.text
    assert got.text.endswith("乙县更高，高出0.5个百分点。")


def test_a_ranking_of_figures_in_different_units_converts_them_and_says_so(tmp_path):
    ledger = _ledger_of(tmp_path, (("甲县", "粮食产量达到20.58亿斤。"), ("乙县", "粮食总产量124735吨。"), ("丙县", "粮食总产量6.4万吨。")),
                        "一、2022年工作回顾", 2022)
    got = answer_from_ledger(_q("甲县、乙县、丙县2022年粮食产量统一换算成万吨后谁最多?", "甲县", "乙县", "丙县"), ledger, 0.4)
    assert got and "甲县2022年20.58亿斤（合102.9万吨）[1]、乙县2022年124735吨（合12.47万吨）[2]、丙县2022年6.4万吨[3]" in got.text, \
        got and got.text
    assert "102.9" in got.computed
