"""Metamorphic documents (tests/metamorphic.py): every transformed seed must give exactly the
expected metadata, and cleaning must keep every gold evidence quote. Fast tier: no models."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from rag.ingest import load_document
from rag.places import normalize, resolve
from tests.conftest import SEEDS
from tests.metamorphic import (
    CHECKED,
    groups,
    mixed_corpus,
    plan_renames,
    rename,
    seed_expectations,
    shift_years_in,
    transform_corpus,
)

SEED = 0
GROUPS = [g.name for g in groups(SEED)]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("metamorphic")
    transform_corpus(SEEDS, out, seed=SEED)
    return out


@cache
def _load(path: Path):
    return load_document(path)


def _expected(corpus: Path) -> dict[str, dict]:
    return json.loads((corpus / "expected.json").read_text("utf-8"))


def _questions(corpus: Path) -> list[dict]:
    return [json.loads(line) for line in (corpus / "qa.jsonl").read_text("utf-8").splitlines()]


def _flat(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _quotes(row: dict) -> list[tuple[str, str]]:
    """(file, quote) for each evidence quote of a gold row; the i-th quote is in the i-th file."""
    files = [f for f in row["file"].split(";") if f]
    quotes = [q.strip() for q in row["evidence"].split("|||")] if row["evidence"] else []
    return [(files[min(i, len(files) - 1)], q) for i, q in enumerate(quotes) if q and files]


@pytest.mark.parametrize("group", GROUPS)
def test_metadata_is_exact_on_every_transformed_document(corpus, group):
    wrong = []
    for name, exp in _expected(corpus).items():
        if exp["group"] != group:
            continue
        meta = _load(corpus / name).meta
        got = {k: getattr(meta, k) for k in CHECKED}
        want = {k: exp[k] for k in CHECKED}
        if got != want:
            wrong.append((name, {k: (got[k], want[k]) for k in CHECKED if got[k] != want[k]}))
    assert not wrong, wrong


@pytest.mark.parametrize("group", GROUPS)
def test_cleaning_keeps_every_evidence_quote(corpus, group):
    """A quote inside one paragraph of the cleaned seed stays inside one paragraph (a one-line page
    cannot tell its paragraphs: there, anywhere in the text); a quote across paragraphs stays in the text."""
    base_inline: dict[tuple[str, int], bool] = {}
    for row in _questions(corpus):
        qid, g = row["id"].split("@")
        if g == "identity":
            for i, (f, q) in enumerate(_quotes(row)):
                base_inline[(qid, i)] = any(_flat(q) in _flat(ln) for ln in _load(corpus / f).text.splitlines())
    lost = []
    for row in _questions(corpus):
        qid, g = row["id"].split("@")
        if g != group:
            continue
        for i, (f, q) in enumerate(_quotes(row)):
            text = _load(corpus / f).text
            if base_inline.get((qid, i)) and "oneline" not in group:
                ok = any(_flat(q) in _flat(ln) for ln in text.splitlines())
            else:
                ok = _flat(q) in _flat(text)
            if not ok:
                lost.append((row["id"], f, q))
    assert not lost, lost


@pytest.mark.parametrize("group", [g.name for g in groups(SEED) if g.text_level])
def test_moved_quotes_are_verbatim_in_the_moved_text(corpus, group):
    """For text-level transformations, a quote found in the seed's text is found in the new text."""
    expected = _expected(corpus)
    seed_text = {p.name: _flat(p.read_text("utf-8")) for p in SEEDS.glob("*.txt")}
    originals = {row["id"]: row for row in _questions(corpus) if row["id"].endswith("@identity")}
    missing = []
    for row in _questions(corpus):
        qid, g = row["id"].split("@")
        if g != group:
            continue
        for (f, q), (_, q0) in zip(_quotes(row), _quotes(originals[f"{qid}@identity"])):
            if _flat(q0) in seed_text[expected[f]["seed"]] and _flat(q) not in _flat((corpus / f).read_text("utf-8")):
                missing.append((row["id"], q))
    assert not missing, missing


def test_questions_keep_the_seed_fields_and_count(corpus):
    seeds = [json.loads(line) for line in (SEEDS / "eval" / "qa.jsonl").read_text("utf-8").splitlines()]
    rows = _questions(corpus)
    assert len(rows) == len(seeds) * len(GROUPS)
    assert {tuple(sorted(r)) for r in rows} == {tuple(sorted(seeds[0]))}
    files = set(_expected(corpus))
    assert all(f in files for r in rows for f in r["file"].split(";") if f)


def test_renamed_questions_name_the_new_county(corpus):
    expected = _expected(corpus)
    rows = {r["id"]: r for r in _questions(corpus)}
    q = rows["q001@rename"]
    target = expected[q["file"]]["county"]
    assert target != "兴山县" and q["question"].startswith(target)
    assert q["must_contain"] == rows["q001@identity"]["must_contain"]
    text = (corpus / q["file"]).read_text("utf-8")
    for form in ("兴山", "宜昌", "湖北"):
        assert form not in text, form


def test_rename_targets_are_unambiguous_and_keep_the_level_word():
    import random

    for seed in range(5):
        plan = plan_renames(random.Random(seed), ["兴山县", "利川市", "芦山县", "通江县"])
        for source, target in plan.counties.items():
            assert target.name[-1] == source[-1]
            assert resolve(target.short) == [target] and resolve(target.name) == [target]
        assert len({t.adcode for t in plan.counties.values()}) == 4
        # Seeds of one province go to one province, of two prefectures to two prefectures.
        assert plan.counties["芦山县"].province == plan.counties["通江县"].province
        assert plan.counties["芦山县"].prefecture != plan.counties["通江县"].prefecture


def test_rename_moves_every_form_of_the_place():
    import random

    text = "湖北省宜昌市兴山县人民政府。兴山化工园。宜昌建设。湖北建设。"
    plan = plan_renames(random.Random(1), ["兴山县"])
    res = rename(text, seed_expectations()["003"], plan)
    t = plan.counties["兴山县"]
    assert t.name in res.data and t.short + "化工园" in res.data
    assert not re.search("兴山|宜昌|湖北", res.data)
    assert res.expected["county"] == t.name and res.expected["province"] == t.province


def test_year_shift_moves_years_not_amounts():
    s = "2023年增长8%,投资2000万元,电话010-63691786,2021—2025年,二〇二四年一月,编号5118000022,2008-2018"
    assert shift_years_in(s, 2) == "2025年增长8%,投资2000万元,电话010-63691786,2023—2027年,二〇二六年一月,编号5118000022,2010-2020"


def test_generation_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    transform_corpus(SEEDS, a, seed=3, only=["rename", "wrap-28", "notice"])
    transform_corpus(SEEDS, b, seed=3, only=["rename", "wrap-28", "notice"])
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    assert all((a / p.name).read_bytes() == (b / p.name).read_bytes() for p in a.iterdir())


def test_traditional_documents_are_traditional(corpus):
    expected = _expected(corpus)
    for name, exp in expected.items():
        if exp["group"] == "traditional":
            text = (corpus / name).read_text("utf-8")
            assert normalize(text) != text
            assert exp["county"] == seed_expectations()[exp["seed"][:3]]["county"]


def test_mixed_corpus_for_the_answer_eval(tmp_path):
    info = mixed_corpus(SEEDS, tmp_path, seed=1)
    assert info["questions"] == len((SEEDS / "eval" / "qa.jsonl").read_text("utf-8").splitlines())
    for name, exp in info["expected"].items():
        meta = load_document(tmp_path / name).meta
        assert {k: getattr(meta, k) for k in CHECKED} == {k: exp[k] for k in CHECKED}, (name, exp["group"])
