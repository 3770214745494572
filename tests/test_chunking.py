"""Section chunking: heading paths, sizes, stable ids, and numbers never split."""

from __future__ import annotations

import re

from rag.chunking import chunk_document, heading_level
from rag.ingest import load_document
from tests.conftest import SEEDS


def chunks_of(prefix: str, **kw):
    doc = load_document(next(SEEDS.glob(f"{prefix}_*.txt")))
    return doc, chunk_document(doc.text, doc.content_hash[:12], **kw)


def test_heading_levels():
    assert heading_level("一、2023年工作回顾") == 1
    assert heading_level("(一)聚力有效投资,培育高质量发展新引擎。") == 2
    assert heading_level("（二）聚力产业集约") == 2
    assert heading_level("1.六创六争:即争创全省山区县域经济发展先进县") == 3
    assert heading_level("——经济运行更加稳健。预计完成地区生产总值170亿元") == 3
    assert heading_level("名词解释") == 1
    assert heading_level("多措并举抓招引。坚持招商引资“一号工程”不动摇,围绕碳硅新材料、文旅康养等重点领域") == 4
    assert heading_level("2024年经济社会发展的总体预期目标为:地区生产总值增长7%左右") == 0


def test_heading_paths_follow_the_report_structure():
    _, chunks = chunks_of("003")
    gdp = next(c for c in chunks if "地区生产总值170亿元" in c.text)
    assert gdp.heading_path == ["一、2023年工作回顾", "——经济运行更加稳健"]
    invest = next(c for c in chunks if "多措并举抓招引" in c.text)
    assert invest.heading_path[:2] == ["二、2024年工作思路和重点任务", "(一)聚力有效投资,培育高质量发展新引擎"]
    glossary = next(c for c in chunks if c.text.startswith("4.四好农村路"))
    assert glossary.heading_path[0] == "名词解释"
    # A —— lead-in heads only its own paragraph.
    closing = next(c for c in chunks if c.text.startswith("各位代表,艰难方显勇毅"))
    assert closing.heading_path == ["一、2023年工作回顾"]


def test_labelled_text_carries_county_and_heading():
    _, chunks = chunks_of("003")
    gdp = next(c for c in chunks if "地区生产总值170亿元" in c.text)
    assert gdp.labelled_text("兴山县").startswith("兴山县｜一、2023年工作回顾 > ——经济运行更加稳健\n")


def test_sizes_are_bounded_and_ids_stable():
    doc, chunks = chunks_of("000", max_chars=200, overlap=40)
    assert all(len(c.text) <= 260 for c in chunks)
    _, again = chunks_of("000", max_chars=200, overlap=40)
    assert [c.id for c in chunks] == [c.id for c in again]
    assert chunks[0].id == f"{doc.content_hash[:12]}-0000"
    assert len({c.id for c in chunks}) == len(chunks)


def test_no_number_is_split_and_no_text_is_lost():
    for prefix in ("000", "001", "002", "003", "004"):
        for max_chars in (120, 360):
            doc, chunks = chunks_of(prefix, max_chars=max_chars, overlap=30)
            # Bare heading lines live in the heading paths, which are embedded with the text.
            joined = "".join(c.heading + c.text for c in chunks)
            for number in set(re.findall(r"\d+(?:\.\d+)?%?", doc.text)):
                assert any(number in c.heading + c.text for c in chunks), (prefix, number)
            flat = doc.text
            for chunk in chunks:
                # A chunk boundary never falls between two characters of a number.
                start = flat.find(chunk.text[:20])
                end = flat.find(chunk.text[-20:]) + 20
                assert start >= 0 and end >= 20, chunk.id
                if start > 0:
                    assert not (re.match(r"[\d.%]", flat[start]) and re.match(r"[\d.]", flat[start - 1])), flat[start - 5 : start + 5]
                if end < len(flat):
                    assert not (re.match(r"[\d.]", flat[end - 1]) and re.match(r"[\d.%]", flat[end])), flat[end - 5 : end + 5]
            for paragraph in doc.text.split("\n"):
                for sentence in re.split(r"(?<=。)", paragraph):
                    probe = sentence[:12].rstrip("。")
                    if len(probe) >= 10:
                        assert probe in joined, (prefix, probe)
