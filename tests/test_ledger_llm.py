"""The ledger's LLM pass (rag.ledger_llm): the model types only what the rules leave out, code checks it."""

from __future__ import annotations

import json

import pytest

from rag.indexer import index_paths
from rag.ledger import LLM, RULE
from tests.test_cli import engine_with

REPORT = """兴山县2024年政府工作报告
一、2023年工作回顾
全县实施重点项目415个，地区生产总值增长6.5%。中科森蓝年产40万吨粉体项目开工建设。
二、2024年工作安排
今年主要预期目标是：新建农村公路120公里，预计新增就业岗位800个。
"""


def reply(*items) -> str:
    return json.dumps({"items": list(items)}, ensure_ascii=False)


# The figures the rules leave out, as the model sees them: (1) 415个 (2) 40万吨 (3) 120公里 (4) 800个.
GOOD = reply([1, "重点项目", "actual", 2023], [2, None, "actual", None], [3, "农村公路", "actual", None],
             [4, "新增就业岗位", "target", 2024])


@pytest.fixture
def report(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "xingshan.txt").write_text(REPORT, "utf-8")
    return folder


def _index(engine, folder, llm):
    return index_paths([folder], engine.store, lambda: engine.embedder, llm_factory=lambda: llm)


def _rows(engine, origin=None):
    return [(f.indicator, f.value, f.unit, f.kind, f.year, f.origin) for f in engine.store.ledger.query(origin=origin)]


def test_off_by_default_the_index_makes_no_llm_call(engine, report, fake_llm):
    assert engine.settings.ledger.llm_typing is False
    out = _index(engine, report, fake_llm)
    assert fake_llm.calls == [] and out.llm_facts == 0
    assert _rows(engine) == [("地区生产总值", "6.5", "%", "actual", 2023, RULE)]


def test_llm_rows_are_stored_with_origin_llm_and_rule_rows_are_untouched(engine, report, fake_llm):
    _index(engine, report, fake_llm)
    rule_rows = _rows(engine)
    engine.settings.ledger.llm_typing = True
    fake_llm.queue(GOOD)
    out = _index(engine, report, fake_llm)
    assert len(fake_llm.calls) == 1 and out.llm_facts == 3
    prompt = fake_llm.calls[0][-1]["content"]
    assert "(1) 415个" in prompt and "(4) 800个" in prompt and "(5)" not in prompt  # 6.5% is the rules'
    assert _rows(engine, RULE) == rule_rows
    assert _rows(engine, LLM) == [
        ("重点项目", "415", "个", "actual", 2023, LLM),
        # The section is the plan and the sentence says 预期目标: code overrides the model's actual.
        ("农村公路", "120", "公里", "target", 2024, LLM),
        # 预计 reaches to the end of its sentence: an estimate, whatever the model said.
        ("新增就业岗位", "800", "个", "estimate", 2024, LLM),
    ]
    for f in engine.store.ledger.query(origin=LLM):
        assert f.value in f.quote and f.indicator_text in f.quote
    assert engine.store.ledger.query(origin=LLM)[0].quote == "全县实施重点项目415个"


def test_answers_that_do_not_stand_in_the_clause_are_dropped(engine, report, fake_llm):
    engine.settings.ledger.llm_typing = True
    fake_llm.queue(reply(
        [9, "重点项目", "actual", 2023],  # no such figure
        [1, "工业增加值", "actual", 2023],  # not in the clause
        [3, "农村公路120公里", "target", 2024],  # the name holds the figure itself
        [4, "新增就业岗位", "estimate", 1999],  # a year the document has nothing to do with
    ))
    _index(engine, report, fake_llm)
    assert _rows(engine, LLM) == [("新增就业岗位", "800", "个", "estimate", 2024, LLM)]


def test_a_second_index_of_an_unchanged_document_makes_no_call(engine, report, fake_llm):
    engine.settings.ledger.llm_typing = True
    fake_llm.queue(GOOD)
    _index(engine, report, fake_llm)
    before = _rows(engine)
    out = _index(engine, report, fake_llm)  # FakeLLM raises on a call nothing was queued for
    assert len(fake_llm.calls) == 1 and out.llm_facts == 0 and _rows(engine) == before
    # A changed document is typed again, and its old LLM rows go.
    (report / "xingshan.txt").write_text(REPORT.replace("415个", "416个"), "utf-8")
    fake_llm.queue(reply([1, "重点项目", "actual", 2023]))
    _index(engine, report, fake_llm)
    assert len(fake_llm.calls) == 2
    assert _rows(engine, LLM) == [("重点项目", "416", "个", "actual", 2023, LLM)]


def test_index_llm_facts_flag_and_facts_origin_filter(cli_runner, engine, report, fake_llm):
    def make(settings):
        engine.settings.ledger.llm_typing = settings.ledger.llm_typing
        return engine_with(settings, engine)

    run = cli_runner(make)
    code, out, err = run("index", str(report))
    assert code == 0, err
    assert fake_llm.calls == []
    fake_llm.queue(GOOD)
    code, out, err = run("index", "--llm-facts", str(report))
    assert code == 0, err
    assert len(fake_llm.calls) == 1 and "+3 typed by the LLM" in out
    code, out, err = run("facts", "--origin", "llm", "--format", "json")
    assert code == 0, err
    assert [(r["indicator"], r["origin"]) for r in json.loads(out)] == [
        ("重点项目", "llm"), ("农村公路", "llm"), ("新增就业岗位", "llm")]
    code, out, err = run("facts", "--origin", "rule", "--format", "csv")
    assert code == 0 and out.splitlines()[0].endswith(",origin") and out.count("\n") == 2
    code, out, err = run("facts", "--origin", "model")
    assert code == 2 and "unknown origin 'model': use rule or llm." in err


def test_a_growth_word_the_model_writes_into_the_name_makes_the_figure_a_growth(engine, tmp_path, fake_llm):
    folder = tmp_path / "growth"
    folder.mkdir()
    (folder / "r.txt").write_text("兴山县2024年政府工作报告\n一、2023年工作回顾\n商品房销售面积下降3%。\n", "utf-8")
    engine.settings.ledger.llm_typing = True
    fake_llm.queue(reply([1, "商品房销售面积下降", "actual", 2023]))
    _index(engine, folder, fake_llm)
    [row] = engine.store.ledger.query(origin=LLM)
    assert (row.indicator, row.indicator_text, row.measure, row.growth, row.growth_unit) == (
        "商品房销售面积", "商品房销售面积", "growth", -3.0, "%")
    assert row.quote == "商品房销售面积下降3%"


def test_thresholds_are_not_sent_and_function_words_are_not_names(engine, tmp_path, fake_llm):
    folder = tmp_path / "threshold"
    folder.mkdir()
    (folder / "r.txt").write_text("兴山县2024年政府工作报告\n一、2023年工作回顾\n新入库亿元以上项目22个,其中10亿元以上5个。\n",
                                  "utf-8")
    engine.settings.ledger.llm_typing = True
    fake_llm.queue(reply([1, "新入库亿元以上项目", "actual", 2023], [2, "其中", "actual", 2023]))
    _index(engine, folder, fake_llm)
    prompt = fake_llm.calls[0][-1]["content"]
    assert "(1) 22个" in prompt and "(2) 5个" in prompt and "10亿元" not in prompt.split("\n", 2)[-1]
    assert [(f.indicator, f.value) for f in engine.store.ledger.query(origin=LLM)] == [("新入库亿元以上项目", "22")]


def _typed(engine, tmp_path, fake_llm, review: str, *rows) -> str:
    """Index a one-section report with the LLM pass on and these model rows; the prompt it sent."""
    folder = tmp_path / "typed"
    folder.mkdir()
    (folder / "r.txt").write_text("兴山县2024年政府工作报告\n一、2023年工作回顾\n" + review, "utf-8")
    engine.settings.ledger.llm_typing = True
    fake_llm.queue(reply(*rows))
    _index(engine, folder, fake_llm)
    return fake_llm.calls[0][-1]["content"]


def test_a_name_bound_to_a_neighbouring_figure_is_refused(engine, tmp_path, fake_llm):
    """The model names the clause's other indicator (seen on seed 004): 1家 is not 规上工业企业."""
    # The rules hold 规上工业企业3家; the model sees (1) 1家 and (2) 8万平方米.
    prompt = _typed(engine, tmp_path, fake_llm, "新培育规上工业企业3家、专精特新企业1家,兰通产业园8万平方米标准化厂房主体完工。\n",
                    [1, "规上工业企业", "actual", 2023], [2, "8万平方米", "actual", 2023])
    assert "(1) 1家" in prompt and "(2) 8万平方米" in prompt
    assert engine.store.ledger.query(origin=LLM) == []  # another figure between; the name a figure
    assert [f.value for f in engine.store.ledger.query(origin=RULE)] == ["3"]  # 规上工业企业3家, by the rules


def test_a_glossary_is_never_sent(engine, tmp_path, fake_llm):
    prompt = _typed(engine, tmp_path, fake_llm, "建成精品果园1000亩。\n名词解释\n1.五桥四环:指每相邻的2座桥之间的环线。\n",
                    [1, "精品果园", "actual", 2023])
    assert "1000亩" in prompt and "2座" not in prompt
