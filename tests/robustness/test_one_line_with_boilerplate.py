"""Found 12 (issue 12): a one-line report with site boilerplate glued to it was rejected whole
("no Chinese report text"): the boilerplate rule judged the whole line and deleted the report."""

from __future__ import annotations

import random

import pytest

from rag.indexer import index_paths
from rag.ingest import RUN_ON_CHARS, clean_text, load_document
from rag.text import normalize
from tests.conftest import SEEDS
from tests.metamorphic import _chrome, one_line, seed_expectations

DISCLAIMER = "免责声明：本站部分内容转载自网络，仅供学习参考，不代表本站观点。"


def _excerpt(prefix: str, chars: int = 1700) -> str:
    """The seed's first lines up to ``chars``: short enough to stay one line (under RUN_ON_CHARS) once collapsed."""
    lines, total = [], 0
    for line in next(SEEDS.glob(f"{prefix}_*.txt")).read_text("utf-8").splitlines():
        if total + len(line) > chars:
            break
        lines.append(line)
        total += len(line)
    return "\n".join(lines) + "\n"


def _facts(engine, path) -> set[tuple]:
    report = index_paths([path], engine.store, lambda: engine.embedder)
    assert [f.status for f in report.files] == ["indexed"], report.files
    return {(f.indicator, f.kind, f.year, f.value, f.unit, f.growth) for f in engine.store.ledger.facts_of(str(path.resolve()))}


@pytest.mark.found(12, asserts=("data_lost",))
@pytest.mark.parametrize("prefix", ["003", "000"])
@pytest.mark.parametrize("joiner", ["", " "])
def test_one_line_report_with_banner_breadcrumb_and_footer_keeps_its_facts(engine, tmp_path, prefix, joiner):
    text = _excerpt(prefix)
    expected = seed_expectations()[prefix]
    header, footer = _chrome("portal", text, expected, random.Random(0))
    glued = one_line(DISCLAIMER + "\n" + header + text + footer, expected, joiner).data
    assert len(glued) <= RUN_ON_CHARS and "\n" not in glued  # the case the rule got wrong: one line, judged whole
    original, bare, collapsed = tmp_path / "original.txt", tmp_path / "bare.txt", tmp_path / "collapsed.txt"
    original.write_text(text, "utf-8")
    bare.write_text(one_line(text, expected, joiner).data, "utf-8")  # one line, no chrome
    collapsed.write_text(glued, "utf-8")

    facts, bare_facts = _facts(engine, original), _facts(engine, bare)
    assert facts  # the excerpt states figures, so "same facts" can fail
    # One line loses the headings that date some figures, not the figures: the chrome must cost nothing more.
    assert _facts(engine, collapsed) == bare_facts
    assert {f[3:5] for f in bare_facts} == {f[3:5] for f in facts}
    kept = normalize(load_document(collapsed).text)
    sentences = [normalize(s) for s in clean_text(text)[0].replace("\n", "").split("。") if len(s) > 30]
    # Every sentence but the first, which has the banner (and the seed's own title lines) glued on.
    assert len(sentences) > 3 and all(s in kept for s in sentences[1:])
    chunks = "".join(c.text for c in engine.store.all_chunks({"source": str(collapsed.resolve())}))
    assert "免责声明" not in chunks and "ICP备" not in chunks


@pytest.mark.found(12)
def test_only_the_boilerplate_sentence_of_a_long_line_goes():
    report = "兴山县2023年预计完成地区生产总值170亿元，增长8%。" * 6
    text, removed = clean_text(DISCLAIMER + report + "版权所有：某某县人民政府办公室")
    assert text == report
    assert removed == [DISCLAIMER, "版权所有：某某县人民政府办公室"]
