"""Eval metrics are pure functions; the runner works on anyone's question file."""

from __future__ import annotations

import json

import pytest

from rag.errors import InputError
from rag.evals import (
    EvalItem,
    answer_correct,
    citation_supported,
    load_items,
    percentile,
    recall,
    refusal_correct,
    run_eval,
    score_item,
    summarize,
)
from rag.ingest import load_document
from rag.text import normalize
from tests.conftest import SEEDS


def test_answer_accuracy_passes_and_fails():
    assert answer_correct("预计完成170 亿元，增长８%[1]。", ["170亿元", "8%"])  # NFKC and spaces
    assert not answer_correct("预计完成171亿元，增长8%。", ["170亿元", "8%"])  # a wrong number must fail
    assert not answer_correct("170亿元", ["170亿元", "8%"])  # a missing part must fail


def test_refusal_on_an_answerable_question_is_a_false_refusal():
    item = EvalItem(id="a", question="兴山县2023年地区生产总值是多少", must_contain=["170亿元"], type="number")
    metrics = score_item(item, "文档中未提及。", True, [], [])
    assert metrics["correct"] is False and metrics["false_refusal"] is True


def test_invented_figure_on_an_unanswerable_question_fails():
    q = "兴山县2022年地区生产总值是多少"
    assert refusal_correct("文档中未提及。", q)
    assert not refusal_correct("文档中未提及，但估计约为160亿元。", q)  # asserts a figure
    assert not refusal_correct("约为160亿元。", q)
    assert refusal_correct("文档中未提及兴山县2022年的数据。", q)  # the question's own year is fine


def test_uncited_number_fails_citation_support():
    cited = ["预计完成地区生产总值170亿元,增长8%;"]
    assert citation_supported("170亿元,增长8%[1]", cited)
    assert not citation_supported("170亿元,增长8%,税收8.4亿元[1]", cited)  # 8.4 is in no cited chunk
    # A difference code computed from two cited figures is derived, not uncited; any other number still is.
    both = ["生产总值增长9%", "地区生产总值增长7%左右"]
    assert citation_supported("兴山县增长9%[1]。芦山县增长7%[2]。兴山县更高，高出2个百分点。", both, computed=["2"])
    assert not citation_supported("兴山县增长9%[1]。芦山县增长7%[2]。高出3个百分点。", both, computed=["2"])


def test_recall_needs_every_quote():
    chunks = ["预计完成地区生产总值170亿元,增长8%;", "生产总值增长9%,总量突破185亿元"]
    assert recall(["地区生产总值170亿元"], chunks)
    assert recall(["地区生产总值170亿元", "总量突破185 亿元"], chunks)
    assert not recall(["地区生产总值170亿元", "固定资产投资71.6亿元"], chunks)
    assert recall([], chunks) is None


def test_percentile():
    assert percentile([1, 2, 3, 4], 50) == 2 and percentile([1, 2, 3, 4], 95) == 4 and percentile([], 50) == 0


def test_gold_set_is_well_formed_and_quotes_are_verbatim():
    items = load_items(SEEDS / "eval" / "qa.jsonl")
    assert len(items) >= 80
    types = {i.type for i in items}
    assert types == {"number", "entity", "list", "yesno", "summary", "unanswerable", "cross_doc"}
    texts = {p.name: normalize(p.read_text("utf-8")) for p in SEEDS.glob("*.txt")}
    assert {f for i in items for f in i.file.split(";") if f} == set(texts)
    for item in items:
        files = [f for f in item.file.split(";") if f]
        assert len(files) == len(item.quotes), item.id
        for name, quote in zip(files, item.quotes):
            assert normalize(quote) in texts[name], (item.id, quote)
        if item.type == "unanswerable":
            assert not item.must_contain and not item.quotes
        else:
            assert item.quotes, item.id


def test_gold_quotes_survive_cleaning():
    """Evidence must be in the cleaned text, or recall could never be reached."""
    cleaned = {p.name: normalize(load_document(p).text) for p in SEEDS.glob("*.txt")}
    for item in load_items(SEEDS / "eval" / "qa.jsonl"):
        for name, quote in zip([f for f in item.file.split(";") if f], item.quotes):
            assert normalize(quote) in cleaned[name] or item.id == "q029", (item.id, quote)


def test_someone_elses_question_file_runs(tmp_path, indexed, fake_llm):
    indexed.settings.retrieval.dense_weight = 0.0
    path = tmp_path / "mine.jsonl"
    rows = [
        {"id": "x1", "question": "兴山县2024年固定资产投资增长目标是多少?", "must_contain": ["12%"], "type": "number",
         "note": "unknown keys are ignored"},
        {"question": "北川县2023年地区生产总值是多少?", "type": "unanswerable"},
        {"id": "x3", "question": "兴山县2023年进出口总额是多少?", "must_contain": ["25亿元"]},
    ]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", "utf-8")
    items = load_items(path)
    assert [i.id for i in items] == ["x1", "line2", "x3"]
    fake_llm.queue("固定资产投资增长12%[1]。", "进出口总额30亿元[1]。")
    records = run_eval(items, indexed.ask)
    assert [r["metrics"]["correct"] for r in records] == [True, True, False]
    assert records[2]["refused"]  # 30 is in no passage, so the answer was withdrawn
    summary = summarize(records)
    assert summary["n"] == 3 and summary["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert set(records[0]) >= {"id", "question", "answer", "citations", "retrieved", "latency", "metrics"}


def test_bad_question_file(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok"}\nnot json\n', "utf-8")
    with pytest.raises(InputError, match="bad.jsonl:2"):
        load_items(bad)
    with pytest.raises(InputError, match="does not exist"):
        load_items(tmp_path / "missing.jsonl")


def test_list_markers_and_decimals_in_citation_support():
    cited = ["生产总值增长9%,总量突破185亿元;单位GDP能耗降低3.2%左右"]
    assert citation_supported("1. 增长9%。\n2. 总量185亿元。", cited)
    assert citation_supported("3.2%左右[1]", cited)
    assert not citation_supported("3.3%左右[1]", cited)


def test_inline_list_markers_are_not_numbers():
    cited = ["经济社会主要预期目标是:生产总值增长9%,总量突破185亿元;"]
    assert citation_supported("1. 增长目标是9%。2. 总量要达到185亿元。", cited)


def test_eval_json_prints_only_json_on_stdout(cli_runner, indexed, fake_llm):
    from tests.test_cli import engine_with

    fake_llm.queue("文档中未提及。")
    run = cli_runner(lambda settings: engine_with(settings, indexed))
    code, out, err = run("eval", "--questions", str(SEEDS / "eval" / "qa.jsonl"), "--limit", "1", "--json")
    assert code == 0, err
    assert json.loads(out)["overall"]["n"] == 1  # the progress bar went to stderr
