"""Found 2 (issue 12): the number check read only Arabic digits, so an answer "九百九十九亿元[1]"
citing the real 170亿元 clause was printed. Chinese numerals are figures in every check now."""

from __future__ import annotations

import pytest

from rag.numerals import read_numerals
from rag.verify import check_answer
from tests.conftest import SEEDS

QUESTION = "兴山县2023年地区生产总值是多少"


@pytest.fixture
def xingshan(indexed):
    indexed.settings.retrieval.dense_weight = 0.0  # the hash embedder is noise: rank by keywords alone
    return indexed


@pytest.mark.found(2)
@pytest.mark.parametrize("text, arabic", [
    ("九百九十九亿元", "999亿元"), ("一千一百万元", "1100万元"), ("两万吨", "2万吨"), ("两万人", "2万人"),
    ("三点五亿元", "3.5亿元"), ("百分之八", "8%"), ("增长百分之八点五", "增长8.5%"), ("九百九十九", "999"),
    ("一百七十亿元", "170亿元"), ("三亿五千万元", "3.5亿元"), ("一千零五家", "1005家"), ("十二个", "12个"),
])
def test_chinese_numerals_read_as_figures(text, arabic):
    assert read_numerals(text) == arabic


@pytest.mark.found(2)
@pytest.mark.parametrize("word", ["一批项目", "一体化", "三农", "十四五", "一季度", "两会", "第一", "百亿产业集群",
                                  "三个", "两项", "一人一档", "城乡二元结构", "二〇二三年", "3千万元", "万元", "一百二"])
def test_words_with_numerals_are_not_figures(word):
    assert read_numerals(word) == word


@pytest.mark.found(2)
def test_no_false_figure_in_any_seed_report():
    """The seeds write their figures in Arabic digits: reading numerals changes none of their text,
    so no correct answer of the existing tests can lose a claim to it."""
    seeds = sorted(SEEDS.glob("*.txt"))
    assert seeds
    for path in seeds:
        text = path.read_text("utf-8")
        assert read_numerals(text) == text, path.name


@pytest.mark.found(2)
def test_an_invented_chinese_figure_is_removed_and_shown_as_removed(xingshan, cli_runner):
    xingshan.llm.queue("兴山县2023年预计完成地区生产总值九百九十九亿元[1]。")
    code, out, err = cli_runner(lambda s: xingshan)("ask", QUESTION)
    assert code == 0 and "Traceback" not in err
    printed = out.replace("\n", "")
    assert "已删除无出处的内容" in printed and "九百九十九亿元" in printed.split("已删除无出处的内容")[1]
    assert "九百九十九亿元" not in printed.split("已删除无出处的内容")[0]


@pytest.mark.found(2)
def test_a_true_figure_in_chinese_numerals_is_supported(xingshan):
    xingshan.llm.queue("兴山县2023年预计完成地区生产总值一百七十亿元[1]。")
    answer = xingshan.ask(QUESTION)
    assert not answer.refused and "一百七十亿元" in answer.answer and not answer.dropped
    assert any("170亿元" in c.text for c in answer.citations)


@pytest.mark.found(2)
def test_a_cited_text_in_chinese_numerals_supports_the_arabic_figure(indexed):
    from rag.evidence import Passage

    chunk = next(c for c in indexed.store.all_chunks() if "170亿元" in c.text)
    sentence = next(s for s in chunk.text.split("。") if "170亿元" in s) + "。"
    chinese = Passage(1, chunk, sentence.replace("170亿元", "一百七十亿元"))
    kept, cited, dropped = check_answer("兴山县2023年预计完成地区生产总值170亿元[1]。", [chinese], QUESTION)
    assert kept and cited == [chinese] and not dropped
    kept, _, dropped = check_answer("兴山县2023年预计完成地区生产总值999亿元[1]。", [chinese], QUESTION)
    assert not kept and dropped
