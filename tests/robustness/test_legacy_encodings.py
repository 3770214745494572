"""Found 7 (issue 12): Big5 files were indexed as garbled text with exit 0, because GB18030
decodes almost any byte string. Big5 (and GB18030/GBK) now come out as the right characters,
and bytes that read as garbled in every encoding are refused in one line."""

from __future__ import annotations

import opencc
import pytest

from rag.errors import InputError
from rag.indexer import index_paths
from rag.ingest import decode_bytes, load_document
from tests.conftest import SEEDS


def _seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text("utf-8")


def _taiwan(text: str) -> str:
    """Traditional script in Taiwan's standard forms (为 -> 為, not OpenCC's default 爲), as Big5 holds them."""
    return opencc.OpenCC("s2tw").convert(text)


@pytest.mark.found(7)
@pytest.mark.parametrize("prefix", ["000", "003"])
@pytest.mark.parametrize("encoding", ["big5", "cp950"])
def test_big5_report_is_read_as_the_right_characters(tmp_path, prefix, encoding):
    trad = _taiwan(_seed(prefix))
    data = trad.encode(encoding, errors="replace")  # a handful of characters Big5 lacks (©, NBSP) become ?
    assert data.decode("gb18030", errors="replace") != trad  # the garbled reading the old decoder returned
    expected = data.decode("cp950")  # Windows' Big5, the superset read first
    assert decode_bytes(data, "r.txt") == expected
    path, utf8 = tmp_path / "big5.txt", tmp_path / "utf8.txt"
    path.write_bytes(data)
    utf8.write_text(expected, "utf-8")
    doc = load_document(path)
    assert doc.text == load_document(utf8).text  # the same document as its UTF-8 copy
    seed = load_document(next(SEEDS.glob(f"{prefix}_*.txt")))
    assert (doc.meta.county, doc.meta.doc_type, doc.meta.plan_year) == (seed.meta.county, seed.meta.doc_type, seed.meta.plan_year)


@pytest.mark.found(7)
@pytest.mark.parametrize("encoding", ["gb18030", "gbk"])
@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_gb_reports_stay_gb_in_either_script(encoding, script):
    text = _seed("003")
    if script == "traditional":
        text = opencc.OpenCC("s2t").convert(text)
    data = text.encode(encoding, errors="replace")
    assert decode_bytes(data, "r.txt") == data.decode(encoding)


@pytest.mark.found(7)
def test_a_big5_file_indexes_its_figures(engine, tmp_path):
    path = tmp_path / "xingshan-big5.txt"
    path.write_bytes(_taiwan(_seed("003")).encode("cp950", errors="replace"))
    report = index_paths([path], engine.store, lambda: engine.embedder)
    assert [f.status for f in report.files] == ["indexed"] and report.files[0].county == "兴山县"
    values = {(f.indicator, f.value, f.unit) for f in engine.store.ledger.facts_of(str(path.resolve()))}
    assert ("地区生产总值", "170", "亿元") in values


@pytest.mark.found(7)
def test_garbled_in_every_encoding_is_refused_in_one_line():
    # Big5 bytes with one byte pair no Big5 variant defines: only GB18030 decodes them, as nonsense.
    data = _taiwan(_seed("000")).encode("cp950", errors="replace") + b"\x81\x40"
    with pytest.raises(InputError, match="garbled text as GB18030.*re-save it as UTF-8"):
        decode_bytes(data, "r.txt")
