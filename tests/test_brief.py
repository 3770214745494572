"""Briefs and export (issue 4): schema, structured output with re-ask, grounding, resumable export.

The fast tier runs the whole pipeline over the indexed seeds with a scripted LLM: a fake that
answers each kind of prompt the way a careful model would (or, in some tests, badly).
The ``real`` test at the end uses the local model.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys

import pytest

import cli.main as cli_main
from rag.brief import (
    CountyBrief,
    HeadlineDraft,
    IndicatorExtraction,
    ProjectExtraction,
    TaskExtraction,
    brief_document,
    brief_schema,
    code_headline,
    find_documents,
    verify_brief,
)
from rag.errors import InputError, LLMError, StructuredOutputError
from rag.export import CSV_COLUMNS, MANIFEST, export_briefs, load_manifest, render_html, render_markdown
from rag.structured import JSON_MODE, JSON_SCHEMA, StructuredLLM, field_path
from rag.text import normalize
from tests.fakes import FakeLLM

XINGSHAN = "003_a378347d771fafc0.txt"
_FIGURE = re.compile(
    r"(地区生产总值|生产总值|固定资产投资|社会消费品零售总额|一般公共财政预算收入|地方一般公共预算收入|进出口总额)"
    r"(?:达到|突破)?(\d+(?:\.\d+)?)?(亿元)?[,，]?(?:增长|增幅)?(\d+(?:\.\d+)?)?%?"
)


def careful_model(messages: list[dict]) -> str:
    """What a good model answers to each of the brief's prompts (deterministic, regex-based)."""
    system, user = messages[0]["content"], messages[-1]["content"]
    lines = re.findall(r"^\[(\d+)\](.*)$", user, flags=re.M)
    if "经济社会指标" in system:
        items = []
        for n, text in lines:
            for name, value, _unit, growth in _FIGURE.findall(text):
                if value or growth:
                    items.append([int(n), name, value or None, f"{growth}%" if growth else None])
        return json.dumps({"items": items}, ensure_ascii=False)
    if "项目" in system and "projects" in system:
        names = [[int(n), m] for n, t in lines for m in re.findall(r"高家坪水库|十宜高速兴山段|城东商城", t)]
        return json.dumps({"projects": names}, ensure_ascii=False)
    if "主要任务" in system:
        return json.dumps({"tasks": [[int(lines[0][0]), lines[0][1][:20]]] if lines else []}, ensure_ascii=False)
    if "摘要" in system:
        facts = re.findall(r"^\[\d+\](.*)$", user, flags=re.M)
        return json.dumps({"headline": "；".join(facts[:2])[:100]}, ensure_ascii=False)
    if "数字以外的要点" in system:
        rows = [[int(n), "承诺", m] for n, t in lines for m in re.findall(r"(?:争创|创建)[^,，。;；]{4,20}", t)]
        return json.dumps({"items": rows[:6]}, ensure_ascii=False)
    raise AssertionError(f"unexpected prompt: {system[:40]}")


class ScriptedLLM(FakeLLM):
    """A FakeLLM whose replies come from a function of the messages; records response_format."""

    def __init__(self, respond=careful_model):
        super().__init__()
        self.respond = respond
        self.formats: list[dict | None] = []

    def complete(self, messages, *, max_tokens=None, on_token=None, response_format=None) -> str:
        self.calls.append(messages)
        self.formats.append(response_format)
        if self.replies:  # queued replies first, for tests that script exact outputs
            reply = self.replies.pop(0)
            if isinstance(reply, BaseException):
                raise reply
            return reply
        return self.respond(messages)


@pytest.fixture
def scripted(indexed):
    """The indexed engine with a scripted LLM in place of the queue-only fake."""
    llm = ScriptedLLM()
    indexed._llm = llm
    # These tests script the model's figure extraction; the ledger-first path has its own tests.
    indexed.settings.brief.ledger_figures = False
    return indexed


def xingshan_doc(engine) -> dict:
    return next(d for d in engine.store.documents() if d["file"] == XINGSHAN)


# ---------------------------------------------------------------------------------------------
# Schema


def test_schema_rejects_what_a_brief_must_not_hold():
    src = {"chunk_id": "x-0001", "quote": "q"}
    base = {"county": "兴山县", "document": {"file": "f.txt"}}
    assert CountyBrief.model_validate(base).indicators == []
    bad = [
        {"indicators": [{"name": "地区生产总值", "value": "170亿", "source": src}]},  # unit inside the value
        {"indicators": [{"name": "地区生产总值", "growth": "8", "source": src}]},  # growth without %
        {"indicators": [{"name": "地区生产总值", "value": "170"}]},  # no citation
        {"tasks": [{"text": f"任务{i}", "source": src} for i in range(9)]},  # more than eight tasks
        {"headline": {"text": "长" * 201}},
    ]
    for extra in bad:
        with pytest.raises(ValueError):
            CountyBrief.model_validate({**base, **extra})


def test_schema_command_prints_the_json_schema(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["govbrief", "schema", "brief"])
    cli_main.main()  # returns normally on success
    schema = json.loads(capsys.readouterr().out)
    assert schema == brief_schema() and schema["title"] == "CountyBrief"
    assert {"headline", "indicators", "targets", "tasks", "projects", "risks", "policy_terms", "dropped"} <= set(schema["properties"])
    assert schema["$defs"]["Indicator"]["required"] == ["name", "source"]


def test_map_schemas_become_grammars_llama_cpp_can_parse():
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    for model in (IndicatorExtraction, ProjectExtraction, TaskExtraction, HeadlineDraft):
        gbnf = json_schema_to_gbnf(json.dumps(model.model_json_schema()))
        # llama.cpp rejects an escaped dot inside a literal and then falls over; patterns use [.]
        assert '"\\."' not in gbnf, model.__name__
        assert "root ::=" in gbnf


# ---------------------------------------------------------------------------------------------
# Structured output


def test_reasks_after_garbage_with_the_error_and_validates():
    llm = FakeLLM("Sure! Here are the indicators: 地区生产总值170亿元", '{"items":[[1,"地区生产总值","170","8%"]]}')
    structured = StructuredLLM(llm, max_retries=2)
    result = structured.ask([{"role": "system", "content": "抽取"}, {"role": "user", "content": "[1]…"}], IndicatorExtraction)
    assert (result.figures()[0].value, result.figures()[0].growth) == ("170", "8%")
    assert len(llm.calls) == 2 and structured.records[0].attempts == 2
    reask = llm.calls[1]
    assert reask[-2] == {"role": "assistant", "content": "Sure! Here are the indicators: 地区生产总值170亿元"}
    assert "Invalid JSON" in reask[-1]["content"] and "JSON" in reask[-1]["content"]


def test_sends_the_schema_as_a_grammar_to_the_local_server():
    llm = ScriptedLLM(lambda messages: '{"items":[]}')
    StructuredLLM(llm).ask([{"role": "user", "content": "x"}], IndicatorExtraction)
    assert llm.formats == [{"type": "json_object", "schema": IndicatorExtraction.model_json_schema()}]


def test_gives_up_loudly_naming_the_field():
    bad = '{"items":[[1,"地区生产总值","170亿元",null]]}'
    llm = FakeLLM(bad, bad, bad)
    with pytest.raises(StructuredOutputError) as exc:
        StructuredLLM(llm, max_retries=2).ask([{"role": "user", "content": "x"}], IndicatorExtraction, name="indicators")
    assert exc.value.attempts == 3 and exc.value.last_output == bad
    assert "`items[0][2] (value)`" in str(exc.value) and "indicators" in str(exc.value)
    assert len(llm.calls) == 3


def test_remote_endpoint_without_json_schema_falls_back_to_json_mode():
    llm = ScriptedLLM(lambda messages: '{"items":[]}')
    llm.queue(LLMError("https://example.test/v1 answered HTTP 400: response_format json_schema is not supported"))
    structured = StructuredLLM(llm, mode=JSON_SCHEMA)
    structured.ask([{"role": "system", "content": "抽取"}, {"role": "user", "content": "x"}], IndicatorExtraction)
    assert llm.formats[0]["type"] == "json_schema" and llm.formats[1] == {"type": "json_object"}
    assert structured.mode == JSON_MODE and "JSON Schema" in llm.calls[1][0]["content"]


def test_connection_errors_are_not_mistaken_for_missing_json_schema():
    llm = ScriptedLLM()
    llm.queue(LLMError("cannot reach the LLM endpoint https://example.test/v1: is it running?"))
    with pytest.raises(LLMError, match="cannot reach"):
        StructuredLLM(llm, mode=JSON_SCHEMA).ask([{"role": "user", "content": "x"}], IndicatorExtraction)


def test_field_path():
    assert field_path(("items", 0, "value")) == "items[0].value" and field_path(()) == "(root)"
    assert field_path(("items", 3, 1), ("sentence", "name")) == "items[3][1] (name)"


# ---------------------------------------------------------------------------------------------
# Generation and grounding


def test_brief_of_a_full_report(scripted):
    chunks_by_id = {c.id: c for c in scripted.store.all_chunks()}
    brief = brief_document(scripted.store, xingshan_doc(scripted), scripted.llm, scripted.settings)
    assert brief.county == "兴山县" and brief.province == "湖北省"
    assert brief.document.speaker == "吴浩" and (brief.document.year_under_review, brief.document.plan_year) == (2023, 2024)
    gdp = next(i for i in brief.indicators if i.name == "地区生产总值")
    assert (gdp.value, gdp.unit, gdp.growth, gdp.year) == ("170", "亿元", "8%", 2023)
    assert "170亿元" in gdp.source.quote and normalize(gdp.source.quote) in normalize(chunks_by_id[gdp.source.chunk_id].text)
    target = next(t for t in brief.targets if t.name == "生产总值" and t.growth)
    assert (target.growth, target.year) == ("9%", 2024)
    assert [t.text for t in brief.tasks][:2] == ["聚力有效投资,培育高质量发展新引擎", "聚力产业集约,构筑高质量发展新优势"]
    assert len(brief.tasks) == 7 and brief.tasks[0].source.quote.startswith("(一)")
    assert brief.risks[0].text.startswith("重大项目支撑不足")
    assert {"高家坪水库", "十宜高速兴山段"} <= {p.name for p in brief.projects}
    assert "六创六争" in [t.term for t in brief.policy_terms]
    assert brief.headline and len(brief.headline.text) <= 200
    assert verify_brief(brief, list(chunks_by_id.values())) == []
    assert brief.generation.llm_calls == len(scripted.llm.calls) <= 12


def test_a_number_not_in_its_quote_is_dropped_and_reported(scripted):
    def invents(messages):
        reply = careful_model(messages)
        if "经济社会指标" in messages[0]["content"] and "170亿元" in messages[-1]["content"]:
            data = json.loads(reply)
            gdp = next(i for i in data["items"] if i[2] == "170")
            data["items"].append([gdp[0], "固定资产投资", "180", None])  # 180 is nowhere in that sentence
            gdp[3] = "8.5%"  # nor is 8.5
            reply = json.dumps(data, ensure_ascii=False)
        return reply

    scripted.llm.respond = invents
    brief = brief_document(scripted.store, xingshan_doc(scripted), scripted.llm, scripted.settings)
    shown = [(i.name, i.value, i.growth) for i in brief.indicators]
    assert ("固定资产投资", "180", None) not in shown and ("地区生产总值", "170", "8.5%") not in shown
    reasons = {d.item: d.reason for d in brief.dropped}
    assert reasons["固定资产投资 180"] == "number 180 is not in its quote"  # no unit: 180 stands nowhere in the quote
    # A garbled figure of a sentence that states one amount and one rate is re-read, and reported.
    assert reasons["地区生产总值 170 8.5%"] == "number 8.5 is not in its quote; figures re-read from the quote"
    assert ("地区生产总值", "170", "8%") in shown
    markdown = render_markdown(brief)
    assert "未通过核对" in markdown and "number 180 is not in its quote" in markdown
    assert "180" not in markdown.split("## 未通过核对")[0]


def test_citations_are_repaired_within_the_prompt_or_dropped(scripted):
    def cites_badly(messages):
        user = messages[-1]["content"]
        if "经济社会指标" in messages[0]["content"] and "170亿元" in user:
            n = int(re.search(r"^\[(\d+)\][^\n]*170亿元", user, flags=re.M).group(1))
            return json.dumps({"items": [
                [n + 1, "地区生产总值", "170", "8%"],  # cites its neighbour
                [9999, "地区生产总值", "999", None],  # cites nothing it was shown
            ]}, ensure_ascii=False)
        return careful_model(messages)

    scripted.llm.respond = cites_badly
    brief = brief_document(scripted.store, xingshan_doc(scripted), scripted.llm, scripted.settings)
    gdp = next(i for i in brief.indicators if i.name == "地区生产总值")
    assert gdp.source.quote == "预计完成地区生产总值170亿元,增长8%;"
    assert any("[9999]" in d.reason for d in brief.dropped)
    assert all(i.value != "999" for i in brief.indicators)


def test_a_zero_for_none_is_cleared_and_the_rate_kept(scripted):
    def zero_growth(messages):
        user = messages[-1]["content"]
        if "经济社会指标" in messages[0]["content"] and "生产总值增长9%" in user:
            n = int(re.search(r"^\[(\d+)\][^\n]*生产总值增长9%", user, flags=re.M).group(1))
            return json.dumps({"items": [[n, "生产总值", "9", "0%"]]})
        return careful_model(messages)

    scripted.llm.respond = zero_growth
    brief = brief_document(scripted.store, xingshan_doc(scripted), scripted.llm, scripted.settings)
    target = next(t for t in brief.targets if t.name == "生产总值")
    # 9 after 增长 is the rate; the clause's one amount (总量突破185亿元) completes it
    assert (target.value, target.unit, target.growth, target.qualifier) == ("185", "亿元", "9%", "突破")
    assert any(d.section == "zero" and "0%" in d.item for d in brief.dropped)


def test_a_rate_is_never_filed_under_a_neighbouring_clause(scripted):
    """完成粮油产量任务,单位GDP能耗降低3.2%左右: the rate is the energy figure's, not the grain task's."""
    def misnames(messages):
        user = messages[-1]["content"]
        if "经济社会指标" in messages[0]["content"]:
            hit = re.search(r"^\[(\d+)\]([^\n]*3\.2%)", user, flags=re.M)
            if hit:
                assert "粮油" not in hit.group(2)  # the figureless clause is not glued to the rate's
                return json.dumps({"items": [[int(hit.group(1)), "粮油产量任务", None, "3.2%"]]}, ensure_ascii=False)
        return careful_model(messages)

    scripted.llm.respond = misnames
    brief = brief_document(scripted.store, xingshan_doc(scripted), scripted.llm, scripted.settings)
    assert all(t.growth not in ("3.2%", "-3.2%") for t in brief.targets)
    assert any(d.section == "growth" and "粮油产量任务" in d.item for d in brief.dropped)


def test_a_figure_the_model_left_out_is_completed_from_its_clause(scripted):
    def half(messages):
        reply = careful_model(messages)
        if "经济社会指标" in messages[0]["content"]:
            data = json.loads(reply)
            for row in data["items"]:
                if row[2] == "170":
                    row[3] = None  # 增长8% left out
            reply = json.dumps(data, ensure_ascii=False)
        return reply

    scripted.llm.respond = half
    brief = brief_document(scripted.store, xingshan_doc(scripted), scripted.llm, scripted.settings)
    gdp = next(i for i in brief.indicators if i.name == "地区生产总值")
    assert (gdp.value, gdp.unit, gdp.growth) == ("170", "亿元", "8%")
    assert not any(d.section == "figures" for d in brief.dropped)  # nothing the model said was replaced


def test_a_headline_without_figures_is_replaced_by_one_composed_from_the_facts(scripted):
    def vague(messages):
        if "摘要" in messages[0]["content"]:
            return json.dumps({"headline": "兴山县经济目标与重点任务"}, ensure_ascii=False)
        return careful_model(messages)

    scripted.llm.respond = vague
    brief = brief_document(scripted.store, xingshan_doc(scripted), scripted.llm, scripted.settings)
    assert "170" in brief.headline.text and brief.headline.sources
    assert any(d.section == "headline" and "none of the facts' figures" in d.reason for d in brief.dropped)


def test_a_headline_that_hedges_a_firm_figure_is_replaced(scripted):
    def hedges(messages):
        if "摘要" in messages[0]["content"]:
            return json.dumps({"headline": "2023年地区生产总值170亿元，2024年生产总值增长9%左右。"}, ensure_ascii=False)
        return careful_model(messages)

    scripted.llm.respond = hedges
    brief = brief_document(scripted.store, xingshan_doc(scripted), scripted.llm, scripted.settings)
    assert "9%左右" not in brief.headline.text  # the report says 增长9%, firmly
    assert any(d.section == "headline" and "9%左右" in d.reason for d in brief.dropped)


def test_every_seed_briefs_and_passes_its_own_grounding_check(scripted):
    for doc in scripted.store.documents():
        brief = brief_document(scripted.store, doc, scripted.llm, scripted.settings)
        chunks = scripted.store.all_chunks(where={"source": doc["source"]})
        assert verify_brief(brief, chunks) == [], doc["file"]
        assert brief.county and brief.document.file == doc["file"]
        # The fallback headline is grounded too, whole figures only, and within the limit.
        brief.headline = code_headline(brief)
        assert brief.headline is None or (len(brief.headline.text) <= 200 and verify_brief(brief, chunks) == [])


def test_find_documents(indexed):
    store = indexed.store
    assert [d["doc_type"] for d in find_documents(store, "芦山县")] == ["政府工作报告", "全会公报"]
    assert [d["file"] for d in find_documents(store, "芦山")] == ["000_887c7b99a7c32d83.txt", "002_b36dca1533704f70.txt"]
    assert [d["file"] for d in find_documents(store, "003")] == [XINGSHAN]
    with pytest.raises(InputError, match="兴山县"):
        find_documents(store, "北川县")


# ---------------------------------------------------------------------------------------------
# CLI


@pytest.fixture
def run(cli_runner, scripted):
    """Invoke the CLI in-process with the scripted engine; returns (exit code, stdout, stderr)."""
    return cli_runner(lambda settings: scripted)


def test_an_unwritable_output_fails_before_any_generation(run, scripted):
    code, out, err = run("brief", "兴山县", "-o", "/proc/no-such-dir/brief.md")
    assert code == 2 and err.strip().startswith("error: cannot write to /proc/no-such-dir")
    assert scripted.llm.calls == []  # no minute of generation thrown away
    code, out, err = run("export", "--out", "/proc/no-such-dir")
    assert code == 2 and "Traceback" not in err and scripted.llm.calls == []


def test_brief_of_a_county_with_two_documents_briefs_each_and_says_so(run):
    code, out, err = run("brief", "芦山县", "--format", "json")
    assert code == 0, err
    assert "matches 2 documents" in err and "--doc" in err
    briefs = json.loads(out)
    assert [b["document"]["doc_type"] for b in briefs] == ["政府工作报告", "全会公报"]
    targets = {(t["name"], t["growth"], t["qualifier"]) for t in briefs[0]["targets"]}
    assert ("地区生产总值", "7%", "左右") in targets  # the qualifier is read from the quote
    assert any(t["value"] == "100" and t["year"] == 2027 for t in briefs[1]["targets"])  # 到2027年…达到100亿元
    code, out, err = run("brief", "芦山县", "--doc", "全会公报", "--format", "json")
    assert code == 0 and "matches" not in err
    assert json.loads(out)["document"]["file"] == "002_b36dca1533704f70.txt"


def test_brief_markdown_and_html_to_files(run, tmp_path):
    code, _, err = run("brief", "兴山县", "-o", str(tmp_path / "b.md"))
    assert code == 0, err
    md = (tmp_path / "b.md").read_text("utf-8")
    assert md.startswith("# 兴山县") and "| 地区生产总值[^" in md and "## 来源" in md
    code, _, _ = run("brief", XINGSHAN, "--format", "html", "-o", str(tmp_path / "b.html"))
    page = (tmp_path / "b.html").read_text("utf-8")
    assert code == 0 and "size: A4" in page and "<table>" in page and "重点任务" in page and "来源" in page
    assert not re.search(r"<(link|script|img)\b|https?://", page)  # self-contained


def test_brief_of_an_unknown_county_is_one_line(run):
    code, _, err = run("brief", "北川县")
    assert code == 2 and err.startswith("error:") and "兴山县" in err and len(err.strip().splitlines()) == 1


def test_html_page_lists_sources_as_footnotes(scripted):
    brief = brief_document(scripted.store, xingshan_doc(scripted), scripted.llm, scripted.settings)
    page = render_html([brief])
    assert page.count("<li title=") >= len(brief.tasks)
    prefix = brief.indicators[0].source.chunk_id.split("-")[0]  # the document's chunk-id prefix
    assert f"分块 {prefix}-…" in page and "<b>1</b> 0002 “" in page  # the chunk holding 170亿元, cited first


# ---------------------------------------------------------------------------------------------
# Export


def test_export_resumes_after_an_interruption(scripted, tmp_path):
    out = tmp_path / "exports"
    store, settings = scripted.store, scripted.settings

    def interrupted(messages):
        if "170亿元" in messages[-1]["content"]:  # the first LLM call for 兴山县 (the 4th document)
            raise KeyboardInterrupt
        return careful_model(messages)

    scripted.llm.respond = interrupted
    with pytest.raises(KeyboardInterrupt):
        export_briefs(store, lambda: scripted.llm, settings, out, "md")
    entries = load_manifest(out)["documents"]
    assert sorted(entries) == ["000_887c7b99a7c32d83.txt", "001_1a4c49b44fdde90d.txt", "002_b36dca1533704f70.txt"]
    assert {e["status"] for e in entries.values()} == {"ok"}
    assert not (out / "003_a378347d771fafc0.json").exists()
    assert not list(out.glob(".*tmp")) and not list(out.glob("*.tmp"))

    resumed = ScriptedLLM()
    report = export_briefs(store, lambda: resumed, settings, out, "md")
    assert [r.status for r in report.results] == ["skipped"] * 3 + ["done"] * 2
    asked = "\n".join(m["content"] for call in resumed.calls for m in call)
    assert "增长7%左右" not in asked  # nothing of 芦山's report was asked again
    manifest = load_manifest(out)
    entry = manifest["documents"][XINGSHAN]
    assert entry["status"] == "ok" and entry["output"] == "003_a378347d771fafc0.md"
    assert entry["model"] == settings.llm.model and len(entry["settings_hash"]) == 16 and entry["seconds"] >= 0
    assert sorted(p.name for p in out.glob("*.md")) == sorted(f"{d['file'][:-4]}.md" for d in store.documents())

    again = ScriptedLLM()
    report = export_briefs(store, lambda: again, settings, out, "md")
    assert {r.status for r in report.results} == {"skipped"} and again.calls == []
    report = export_briefs(store, lambda: again, settings, out, "md", force=True)
    assert {r.status for r in report.results} == {"done"} and again.calls
    settings.brief.max_targets = 5  # a brief setting changed: every brief is stale
    report = export_briefs(store, lambda: ScriptedLLM(), settings, out, "md")
    assert {r.status for r in report.results} == {"done"}


def test_one_failing_document_does_not_stop_the_batch(run, scripted, tmp_path):
    def fails_on_tongjiang(messages):
        if "通江" in messages[-1]["content"] or "全社会固定资产投资增长8%" in messages[-1]["content"]:
            raise LLMError("the local llama.cpp server timed out after 120 s")
        return careful_model(messages)

    scripted.llm.respond = fails_on_tongjiang
    code, out, err = run("export", "--out", str(tmp_path / "ex"), "--format", "json")
    assert code == 1
    assert "failed:" in err and "004_b19c5ac3cfd6b001.txt" in err and "timed out" in err
    entries = load_manifest(tmp_path / "ex")["documents"]
    assert entries["004_b19c5ac3cfd6b001.txt"]["status"] == "failed"
    assert entries["004_b19c5ac3cfd6b001.txt"]["error"].endswith("timed out after 120 s")
    assert [e["status"] for k, e in sorted(entries.items()) if k != "004_b19c5ac3cfd6b001.txt"] == ["ok"] * 4
    assert "4 briefed, 0 unchanged, 1 failed" in out


def test_csv_has_one_row_per_indicator(run, tmp_path):
    code, out, err = run("export", "--out", str(tmp_path / "ex"), "--format", "csv")
    assert code == 0, err
    text = (tmp_path / "ex" / "indicators.csv").read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == CSV_COLUMNS
    briefs = [CountyBrief.model_validate_json(p.read_text("utf-8")) for p in sorted((tmp_path / "ex").glob("*.json"))
              if p.name != MANIFEST]
    assert len(rows) == sum(len(b.indicators) + len(b.targets) for b in briefs) > 0
    gdp = next(r for r in rows if r["county"] == "兴山县" and r["kind"] == "actual" and r["name"] == "地区生产总值")
    assert gdp == {"county": "兴山县", "year": "2023", "kind": "actual", "name": "地区生产总值", "value": "170",
                   "unit": "亿元", "growth": "8%", "qualifier": "", "quote": "预计完成地区生产总值170亿元,增长8%;",
                   "file": XINGSHAN}
    assert {r["kind"] for r in rows} == {"actual", "target"}
    assert all(r["quote"] and r["file"].endswith(".txt") for r in rows)


# ---------------------------------------------------------------------------------------------
# Real tier


# ---------------------------------------------------------------------------------------------
# Quality scoring (pure)


def test_fact_scoring_counts_found_wrong_and_missing():
    from rag.brief_eval import score_brief

    src = {"chunk_id": "c-0001", "quote": "q"}
    brief = CountyBrief.model_validate({
        "county": "兴山县", "document": {"file": "f.txt", "speaker": "吴浩"},
        "indicators": [{"name": "地区生产总值", "value": "170", "unit": "亿元", "source": src},
                       {"name": "地区生产总值", "growth": "8%", "source": src},
                       {"name": "固定资产投资", "value": "70", "unit": "亿元", "source": src}],
        "targets": [{"name": "单位GDP能耗", "growth": "-3.2%", "source": src}],
        "tasks": [{"text": "聚力有效投资,培育高质量发展新引擎", "source": src}],
    })
    facts = [
        {"kind": "actual", "names": ["地区生产总值"], "values": ["170亿元", "8%"]},  # split over two items
        {"kind": "actual", "names": ["固定资产投资"], "values": ["71.6亿元"]},  # named, other value
        {"kind": "actual", "names": ["进出口总额"], "values": ["25亿元"]},
        {"kind": "target", "names": ["单位GDP能耗"], "values": ["-3.2%"]},
        {"kind": "task", "text": "聚力有效投资"},
        {"kind": "document", "field": "speaker", "value": "吴浩"},
    ]
    coverage = score_brief("f.txt", brief, facts)
    assert [r.status for r in coverage.results] == ["found", "wrong", "missing", "found", "found", "found"]
    assert (coverage.found, coverage.wrong, round(coverage.score, 2)) == (4, 1, 0.67)


def test_qualitative_terms_copied_with_pinyin_glosses_match_the_cleaned_quote():
    from rag.brief_eval import score_brief

    brief = CountyBrief.model_validate({
        "county": "璧山区", "document": {"file": "f.txt"},
        "frameworks": [{"kind": "口号", "name": "高質量發展樣板區", "source": {"chunk_id": "c-0", "quote": "高質量發展樣板區"}}],
    })
    facts = [{"kind": "qualitative", "type": "framework", "terms": ["高質(zhì)量發(fā)展樣板區(qū)"]}]
    assert [r.status for r in score_brief("f.txt", brief, facts).results] == ["found"]


def test_fact_file_names_indexed_seeds():
    from rag.brief_eval import load_facts
    from tests.conftest import SEEDS

    facts = load_facts(SEEDS / "eval" / "brief_facts.json")
    assert sorted(facts) == sorted(p.name for p in SEEDS.glob("*.txt"))
    kinds = {f["kind"] for entry in facts.values() for f in entry["facts"]}
    assert kinds <= {"actual", "target", "task", "project", "risk", "term", "document", "qualitative"}


def test_careful_model_briefs_cover_most_key_facts(scripted):
    """With a model that extracts what it is shown, the code-side reading reaches the key facts."""
    from rag.brief_eval import load_facts, score_brief
    from tests.conftest import SEEDS

    facts = load_facts(SEEDS / "eval" / "brief_facts.json")
    doc = xingshan_doc(scripted)
    brief = brief_document(scripted.store, doc, scripted.llm, scripted.settings)
    coverage = score_brief(doc["file"], brief, facts[doc["file"]]["facts"])
    tasks_risks = [r for r in coverage.results if r.fact["kind"] in ("task", "risk", "term", "document")]
    assert all(r.status == "found" for r in tasks_risks)


def fullest_brief_fields(doc_type: str = "政府工作报告", explanation: str = "即争创全省山区县域经济发展先进县"):
    """(fields of a brief with every figure and task section at its cap, ``src(i)``: a distinct source).

    The worst case a one-page layout must hold; callers add sections before validating.
    """
    from rag.settings import BriefSettings

    cfg = BriefSettings()
    quote = "一般公共财政预算收入10.1亿元,增长30%,其中,税收收入8.4亿元,税占比83.6%,金融机构存贷款余额分别达到163.6亿元。"

    def src(i):
        return {"chunk_id": f"024234ff5f19-{i:04d}", "quote": quote[: 40 + i % 40] + str(i)}

    fields = {
        "county": "兴山县", "province": "湖北省",
        "document": {"file": XINGSHAN, "title": "2024年兴山县政府工作报告", "doc_type": doc_type, "date": "2024-01-12",
                     "meeting": "兴山县第十九届人民代表大会第四次会议", "speaker": "吴浩", "year_under_review": 2023, "plan_year": 2024},
        "headline": {"text": "兴" * 200, "sources": [src(1), src(2)]},
        "indicators": [{"name": "规模以上工业企业增加值合计"[: 6 + i % 8], "value": "110.25", "unit": "万人次", "growth": "-13.5%",
                        "qualifier": "以上", "year": 2023, "source": src(10 + i)} for i in range(cfg.max_indicators)],
        "targets": [{"name": "社会消费品零售总额增长目标"[: 6 + i % 8], "value": "1100", "unit": "亿元", "growth": "12%",
                     "qualifier": "左右", "year": 2024, "source": src(30 + i)} for i in range(cfg.max_targets)],
        "tasks": [{"text": "聚力有效投资,培育高质量发展新引擎,推动城镇产业集中"[: 16 + i * 3], "source": src(50 + i)} for i in range(8)],
        "projects": [{"name": "沿江高铁宜兴联络线十宜高速兴山段"[: 6 + i], "source": src(60 + i)} for i in range(cfg.max_projects)],
        "risks": [{"text": "重大项目支撑不足,投资对经济增长的拉动作用仍需增强,产业结构亟待优化", "source": src(70 + i)}
                  for i in range(cfg.max_risks)],
        "policy_terms": [{"term": "六创六争四化同步", "explanation": explanation, "source": src(80 + i)}
                         for i in range(cfg.max_terms)],
    }
    return fields, src


def test_worst_case_html_brief_prints_on_one_a4_page():
    """Every section at its cap and ~65 distinct footnotes still fit one A4 page per brief.

    Laid out by WeasyPrint (a dev dependency; it needs the system's Pango and a CJK font).
    """
    import weasyprint

    brief = CountyBrief.model_validate(fullest_brief_fields()[0])
    pages = weasyprint.HTML(string=render_html([brief, brief])).render().pages
    assert len(pages) == 2


def test_corrections_are_counted_not_listed_on_the_page():
    from rag.brief_schema import DocumentInfo, DroppedItem

    brief = CountyBrief(county="通江县", document=DocumentInfo(file="x.txt"), dropped=[
        DroppedItem(section="growth", item="实施项目 : 415%", reason="the figure is not a rate in its quote; cleared"),
        DroppedItem(section="targets", item="项目全生命周期管理", reason="gives neither a value nor a growth rate"),
    ])
    for page in (render_markdown(brief), render_html([brief])):
        assert "项目全生命周期管理" in page and "415%" not in page
        assert "另有 1 处模型误填的数字已按原文更正" in page
    assert len(json.loads(brief.model_dump_json())["dropped"]) == 2  # the JSON keeps both


def test_two_rates_of_a_list_in_one_item_become_two_rates(scripted):
    def conflates(messages):
        user = messages[-1]["content"]
        hit = re.search(r"^\[(\d+)\][^\n]*分别增长6\.2%、8\.8%", user, flags=re.M)
        if "经济社会指标" in messages[0]["content"] and hit:
            return json.dumps({"items": [[int(hit.group(1)), "城乡人均可支配收入", "6.2", "8.8%"]]}, ensure_ascii=False)
        return careful_model(messages)

    scripted.llm.respond = conflates
    brief = brief_document(scripted.store, xingshan_doc(scripted), scripted.llm, scripted.settings)
    rows = [(i.value, i.unit, i.growth) for i in brief.indicators if i.name == "城乡人均可支配收入"]
    assert rows == [(None, None, "6.2%"), (None, None, "8.8%")]  # never 6.2% as a level


def test_figures_come_from_the_ledger_and_the_model_reads_only_what_it_missed(scripted):
    scripted.settings.brief.ledger_figures = True
    scripted.settings.brief.max_indicators = scripted.settings.brief.max_targets = 60  # room for the model's too
    seen: list[str] = []

    def recording(messages):
        if "经济社会指标" in messages[0]["content"]:  # the figure-extraction prompt
            seen.append(messages[-1]["content"])
        return careful_model(messages)

    scripted.llm.respond = recording
    doc = xingshan_doc(scripted)
    brief = brief_document(scripted.store, doc, scripted.llm, scripted.settings)
    gdp = next(i for i in brief.indicators if i.value == "170")
    assert gdp.growth == "8%" and gdp.unit == "亿元" and gdp.year == 2023
    assert gdp.source.quote == "预计完成地区生产总值170亿元,增长8%"  # the ledger row's quote
    assert any(t.growth == "9%" for t in brief.targets)
    # The sentence the ledger read is not sent to the model for figure extraction again.
    assert seen and not any("170亿元" in prompt for prompt in seen)
    assert verify_brief(brief, scripted.store.all_chunks(where={"source": doc["source"]})) == []
