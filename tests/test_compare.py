"""compare and track: matrices and target-vs-outcome verdicts computed from the ledger, and their CLI."""

from __future__ import annotations

import csv
import io
import json

import pytest

from rag.compare import MET, MISSED, NOT_REPORTED, compare, pending_years, track
from rag.ledger import Ledger, extract_facts
from rag.ledger_output import compare_csv, compare_html, compare_markdown, track_markdown
from tests.metamorphic import shift_years_in
from tests.test_cli import engine_with


def _report(ledger: Ledger, source: str, review: int, text_by_heading: dict[str, str], place: str = "某县") -> None:
    meta = {"county": place, "adcode": "999", "file": source.strip("/"), "source": source, "doc_hash": source,
            "year_under_review": review, "plan_year": review + 1}
    facts = []
    for i, (heading, text) in enumerate(text_by_heading.items()):
        facts += extract_facts(text, heading, meta, f"{source}-{i}")
    ledger.put_document(source, source, facts, doc=meta["file"], place=place, adcode="999")


@pytest.fixture
def pair(tmp_path) -> Ledger:
    """One county, two consecutive reports: 2023's targets, then 2023's outcomes."""
    ledger = Ledger(tmp_path / "l.sqlite")
    _report(ledger, "/2023.txt", 2022, {
        "二、2023年工作安排": "主要预期目标是:地区生产总值增长7%左右,一般公共预算收入增长8%以上,"
                          "社会消费品零售总额增长6%,单位地区生产总值能耗降低3%。"})
    _report(ledger, "/2024.txt", 2023, {
        "一、2023年工作回顾": "全年地区生产总值增长6.6%,一般公共预算收入增长7.5%,单位地区生产总值能耗下降3.5%。"})
    return ledger


def test_track_judges_each_target_by_its_qualifier(pair):
    verdicts = {t.indicator: t for t in track(pair.query(), "某县")}
    gdp = verdicts["地区生产总值"]  # 7%左右 against 6.6%: within the 0.5-point tolerance
    assert gdp.status == MET and gdp.rule == "≥ 7% − 0.5个百分点" and gdp.outcome.fact.source == "/2024.txt"
    assert verdicts["一般公共预算收入"].status == MISSED  # 8%以上 against 7.5%
    assert verdicts["单位地区生产总值能耗"].status == MET  # 降低3% against 下降3.5%: fell further
    assert verdicts["社会消费品零售总额"].status == NOT_REPORTED and verdicts["社会消费品零售总额"].outcome is None
    shown = track_markdown("某县", list(verdicts.values()))
    assert "| 2023 | 地区生产总值 | 增长7%左右 | 增长6.6% | 完成 |" in shown
    assert "目标：2023.txt" in shown and "结果：2024.txt" in shown  # both quotes
    assert "“主要预期目标是:地区生产总值增长7%左右”" in shown


def test_an_outcome_never_comes_from_the_plan_itself(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    _report(ledger, "/only.txt", 2022, {"二、2023年工作安排": "地区生产总值增长7%左右。",
                                        "三、2023年预计": "预计2023年一般公共预算收入增长5%。"})
    assert track(ledger.query(), "某县") == [] and pending_years(ledger.query(), "某县") == [2023]


def test_a_ceiling_target_is_met_at_or_below_it(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    _report(ledger, "/2023.txt", 2022, {"二、2023年工作安排": "居民消费价格涨幅控制在3%左右,城镇登记失业率4.5%以内。"})
    _report(ledger, "/2024.txt", 2023, {"一、2023年工作回顾": "居民消费价格上涨3.8%,城镇登记失业率3.9%。"})
    verdicts = {t.indicator: t for t in track(ledger.query(), "某县")}
    assert verdicts["城镇登记失业率"].status == MET and verdicts["城镇登记失业率"].rule.startswith("≤ 4.5%")
    assert verdicts["居民消费价格"].status == MISSED


def test_track_on_a_year_shifted_copy_of_a_seed(indexed, seeds_dir, tmp_path):
    """兴山's 2024 report and a copy shifted one year on (its review of "2024") make a pair."""
    from rag.indexer import index_paths

    original = next(seeds_dir.glob("003_*.txt"))
    shifted = tmp_path / "next" / "xingshan-2025.txt"
    shifted.parent.mkdir()
    shifted.write_text(shift_years_in(original.read_text("utf-8"), 1), "utf-8")
    index_paths([seeds_dir, shifted.parent], indexed.store, lambda: indexed.embedder)
    tracked = {(t.year, t.indicator, t.target.measure): t for t in track(indexed.store.ledger.query(), "兴山县")}
    gdp = tracked[(2024, "地区生产总值", "growth")]  # 2024 target 9%; the copy's "2024" outcome 8%
    assert gdp.status == MISSED and gdp.outcome.fact.doc == "xingshan-2025.txt"
    assert gdp.target.fact.doc.startswith("003_")
    assert tracked[(2024, "地区生产总值", "level")].status == MISSED  # 突破185亿元 against 170亿元
    assert (2025, "地区生产总值", "growth") not in tracked  # the copy's own plan: nothing reports on 2025 yet
    assert pending_years(indexed.store.ledger.query(), "兴山县") == [2025]


def test_compare_fills_every_place_and_cites_every_cell(indexed):
    ledger = indexed.store.ledger
    places = [d["place"] for d in ledger.documents()]
    m = compare(ledger.query(indicator="地区生产总值"), "地区生产总值", places=places, kind="target", measure="growth")
    assert m.years == [2024]
    assert m.cell("兴山县", 2024).text == "增长9%" and m.cell("芦山县", 2024).text == "增长7%"
    assert m.cell("通江县", 2024).text == "未提及" and m.cell("利川市", 2024).text == "未提及"
    md = compare_markdown(m)
    assert "| 兴山县 | 增长9% [" in md and "“经济社会主要预期目标是:生产总值增长9%" in md
    rows = list(csv.DictReader(io.StringIO(compare_csv(m))))
    assert {r["place"]: r["shown"] for r in rows}["通江县"] == "未提及"
    page = compare_html(m)
    assert page.count("<rect") == 2 and "<svg" in page and "未提及" in page


@pytest.fixture
def run(cli_runner, indexed):
    return cli_runner(lambda settings: engine_with(settings, indexed))


def test_facts_compare_track_through_the_cli(run, tmp_path):
    code, out, err = run("facts", "--place", "兴山", "--indicator", "GDP", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert rows and {r["place"] for r in rows} == {"兴山县"} and all(r["indicator"] == "地区生产总值" for r in rows)
    assert all(r["value"] in r["quote"] for r in rows)
    code, out, _ = run("facts", "--kind", "target", "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith("place,adcode,year,kind")
    assert {r["kind"] for r in csv.DictReader(io.StringIO(out))} == {"target"}
    book = tmp_path / "facts.xlsx"
    code, _, err = run("facts", "--format", "xlsx", "--out", str(book))
    assert code == 0 and book.stat().st_size > 0, err
    page = tmp_path / "gdp.html"
    code, _, err = run("compare", "地区生产总值", "--kind", "target", "--measure", "growth", "--format", "html",
                       "--out", str(page))
    assert code == 0 and "<svg" in page.read_text("utf-8"), err


@pytest.mark.parametrize("args, message", [
    (("facts", "--indicator", "幸福指数"), "unknown indicator"),
    (("facts", "--format", "xlsx"), "needs --out"),
    (("facts", "--kind", "hope"), "unknown kind"),
    (("facts", "--place", "北川"), "no document about 北川 is indexed"),
    (("compare", "GDP", "--format", "pdf"), "unknown format"),
    (("track", "北川"), "no document about 北川"),
])
def test_bad_ledger_arguments_are_one_line(run, args, message):
    code, out, err = run(*args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_a_growth_is_shown_with_the_digits_the_quote_writes():
    from rag.compare import reading
    from rag.ledger import extract_facts

    meta = {"county": "甲县", "adcode": "1", "file": "a", "source": "/a", "doc_hash": "h",
            "year_under_review": 2021, "plan_year": 2022}
    (row,) = extract_facts("全年实现地区生产总值134.87亿元,增长9.0%。", "一、2021年工作回顾", meta, "c")
    assert reading(row, "growth").shown == "增长9.0%" and reading(row, "growth").number == 9.0
