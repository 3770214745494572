"""Document identity through the product: overrides (flags and sidecar), `list --json`, `inspect`
sources, and questions scoped by the division table whatever form the place takes."""

from __future__ import annotations

import json

import pytest

from tests.test_cli import engine_with

# A prefecture-level report that never names itself, as reports often open.
UNNAMED = ("各位代表：\n现在，我代表州人民政府，向大会报告政府工作，请予审议。\n"
           "一、过去一年工作回顾\n全州地区生产总值增长6.1%，粮食产量稳定。\n"
           "二、今年工作安排\n地区生产总值增长6%左右。\n")


@pytest.fixture
def run(cli_runner, engine):
    return cli_runner(lambda settings: engine_with(settings, engine))


def listed(run) -> list[dict]:
    code, out, err = run("list", "--json")
    assert code == 0, err
    return json.loads(out)


def test_place_year_type_overrides_from_the_command_line(run, tmp_path):
    report = tmp_path / "in" / "report.txt"
    report.parent.mkdir()
    report.write_text(UNNAMED, "utf-8")
    code, _, err = run("index", str(report.parent), "--place", "德宏州", "--year", "2024", "--type", "政府工作报告")
    assert code == 0, err
    [doc] = listed(run)
    assert doc["place"] == "德宏傣族景颇族自治州" and doc["adcode"].startswith("5331")
    assert doc["province"] == "云南省"
    assert (doc["doc_type"], doc["year_under_review"], doc["plan_year"]) == ("政府工作报告", 2023, 2024)
    assert doc["sources"]["county"] == "override" and doc["sources"]["province"] == "division table"
    assert doc["sources"]["plan_year"] == "override"


def test_a_sidecar_sets_metadata_and_changing_it_reindexes(run, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "r.txt").write_text(UNNAMED, "utf-8")
    sidecar = folder / "r.meta.toml"
    sidecar.write_text('place = "黎平"\nyear = 2023\n', "utf-8")
    assert run("index", str(folder))[0] == 0
    [doc] = listed(run)
    assert (doc["place"], doc["plan_year"]) == ("黎平县", 2023)
    sidecar.write_text('place = "黎平县"\nyear = 2024\n', "utf-8")
    assert run("index", str(folder))[0] == 0
    docs = listed(run)
    assert len(docs) == 1 and docs[0]["plan_year"] == 2024  # replaced, not duplicated


@pytest.mark.parametrize("option, value, message", [("--place", "火星县", "not in the national division table"),
                                                    ("--place", "兴山", "is ambiguous"),
                                                    ("--type", "工作总结", "unknown document type")])
def test_a_bad_override_is_one_line_and_exit_2(run, tmp_path, option, value, message):
    (tmp_path / "r.txt").write_text(UNNAMED, "utf-8")
    code, out, err = run("index", str(tmp_path / "r.txt"), option, value)
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_bad_sidecar_year_fails_that_file_in_one_line(run, tmp_path):
    (tmp_path / "r.txt").write_text(UNNAMED, "utf-8")
    (tmp_path / "r.meta.toml").write_text('place = "德宏州"\nyear = "去年"\n', "utf-8")
    code, out, err = run("index", str(tmp_path))
    assert code == 2 and "is not a year" in err and "Traceback" not in err + out


def test_list_json_and_inspect_say_where_each_field_came_from(run, seeds_dir):
    assert run("index", str(seeds_dir))[0] == 0
    docs = {d["file"][:3]: d for d in listed(run)}
    xingshan = docs["003"]
    assert (xingshan["place"], xingshan["prefecture"], xingshan["province"]) == ("兴山县", "宜昌市", "湖北省")
    assert xingshan["adcode"] == "420526000000"
    assert xingshan["sources"]["prefecture"] == "division table"
    assert xingshan["sources"]["county"] in {"title", "text"}
    code, out, _ = run("inspect", str(next(seeds_dir.glob("003_*.txt"))))
    assert code == 0 and "← division table" in out


@pytest.mark.parametrize("question", ["黎平縣2023年地区生产总值是多少", "黎平2023年地区生产总值是多少",
                                      "黎平县2023年地区生产总值是多少"])
def test_every_form_of_a_place_scopes_the_question(engine, tmp_path, question):
    from rag.indexer import index_paths

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "r.txt").write_text("黎平县2024年政府工作报告\n各位代表：\n一、2023年工作回顾\n全县地区生产总值增长5.2%。\n",
                                  "utf-8")
    index_paths([folder], engine.store, lambda: engine.embedder)
    found = engine.retriever.retrieve(question)
    assert found.scope == ["黎平县"] and not found.unknown_places


def test_a_place_that_is_not_indexed_is_named_with_the_indexed_ones(indexed):
    found = indexed.retriever.retrieve("柳林县2023年地区生产总值是多少")
    assert found.unknown_places == ["柳林县"] and not found.scope
    assert indexed.retriever.retrieve("2023年地区生产总值是多少").unknown_places == []  # no place: search all


def test_the_question_year_picks_among_one_places_reports(engine, tmp_path):
    """Two consecutive reports of one county: outcomes of 2020 from the 2021 report, 2020 targets from the 2020 one."""
    from rag.indexer import index_paths

    engine.settings.retrieval.dense_weight = 0.0
    folder = tmp_path / "in"
    folder.mkdir()
    for year, growth, target in ((2020, "6.1%", "7%左右"), (2021, "4.2%", "6.5%左右")):
        (folder / f"liulin-{year}.txt").write_text(
            f"柳林县{year}年政府工作报告\n各位代表：\n一、{year - 1}年工作回顾\n{year - 1}年全县地区生产总值增长{growth}。\n"
            f"二、{year}年工作安排\n{year}年地区生产总值增长目标{target}。\n", "utf-8")
    index_paths([folder], engine.store, lambda: engine.embedder)
    outcome = engine.retriever.retrieve("柳林县2020年地区生产总值增长多少")
    assert {h.meta["file"] for h in outcome.hits} == {"liulin-2021.txt"}
    target = engine.retriever.retrieve("柳林县2020年地区生产总值增长目标是多少")
    assert {h.meta["file"] for h in target.hits} == {"liulin-2020.txt"}
    assert {h.meta["file"] for h in engine.retriever.retrieve("柳林县地区生产总值增长多少").hits} == {
        "liulin-2020.txt", "liulin-2021.txt"}


def test_the_chair_is_stored_and_inspect_shows_it_with_its_source(run, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    report = folder / "plenum.txt"
    report.write_text("黎平县委十五届十二次全会召开\n4月26日上午，中国共产党黎平县第十五届委员会第十二次全体会议举行。"
                      "县委书记王五主持会议并讲话。\n"
                      "全会指出，一年来全县经济稳中有进。全会强调，做好2021年工作意义重大。\n", "utf-8")
    assert run("index", str(folder))[0] == 0
    [doc] = listed(run)
    assert (doc["doc_type"], doc["sources"]["chair"], doc["sources"]["meeting"]) == ("全会公报", "text", "text")
    code, out, _ = run("inspect", str(report))
    assert code == 0 and "县委书记王五" in out and "中国共产党黎平县第十五届委员会第十二次全体会议" in out
    assert next(line for line in out.splitlines() if "县委书记王五" in line).split()[1] == "chair"
