"""The national division table: short names, hierarchy, collisions, and matching in text."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rag import places
from rag.places import find_mentions, normalize, resolve
from tests.conftest import REPO


def only(name: str):
    found = resolve(name)
    assert len(found) == 1, (name, found)
    return found[0]


@pytest.mark.parametrize("name", ["黎平", "黎平县", "黎平縣", " 黎平县 "])
def test_a_county_resolves_from_every_form(name):
    d = only(name)
    assert (d.name, d.short, d.level, d.province, d.prefecture) == ("黎平县", "黎平", "county", "贵州省", "黔东南苗族侗族自治州")


@pytest.mark.parametrize("name", ["德宏", "德宏州", "德宏傣族景颇族自治州"])
def test_autonomous_prefecture_short_form_keeps_its_level_word(name):
    d = only(name)
    assert (d.name, d.short, d.level, d.province, d.prefecture) == ("德宏傣族景颇族自治州", "德宏州", "prefecture", "云南省", None)
    assert {"德宏州", "德宏"} <= set(d.aliases)


@pytest.mark.parametrize(
    "name, full, short",
    [("龙泉驿", "龙泉驿区", "龙泉驿"), ("柳林", "柳林县", "柳林"), ("子洲", "子洲县", "子洲"), ("石柱", "石柱土家族自治县", "石柱"),
     ("巴音郭楞州", "巴音郭楞蒙古自治州", "巴音郭楞州"), ("神农架", "神农架林区", "神农架"), ("丰县", "丰县", "丰县")],
)
def test_short_names(name, full, short):
    d = only(name)
    assert (d.name, d.short) == (full, short)


def test_hierarchy_comes_from_the_adcode_including_municipalities_and_province_administered_cities():
    chaoyang_bj = next(d for d in resolve("朝阳区") if d.adcode.startswith("11"))
    assert (chaoyang_bj.province, chaoyang_bj.prefecture) == ("北京市", None)
    xiantao = only("仙桃市")
    assert (xiantao.province, xiantao.prefecture, xiantao.level) == ("湖北省", None, "county")
    xingshan = only("兴山县")
    assert xingshan.parents == ("420000000000", "420500000000")
    assert only("湖北省").parents == ()


def test_shared_stems_keep_every_candidate_and_exact_names_win():
    assert {(d.name, d.province) for d in resolve("兴山")} == {("兴山县", "湖北省"), ("兴山区", "黑龙江省")}
    assert only("兴山县").province == "湖北省"
    assert only("兴山区").province == "黑龙江省"
    # 朝阳市 is the prefecture, not 朝阳县 renamed; 梁平区 is the table's 梁平县 after 撤县设区.
    assert only("朝阳市").level == "prefecture"
    assert only("梁平区").name == "梁平县"


def test_normalize_converts_traditional_script_and_keeps_offsets():
    text = "宜章縣2023年國民經濟和社會發展統計公報，縣委、縣政府堅強領導"
    out = normalize(text)
    assert out == "宜章县2023年国民经济和社会发展统计公报，县委、县政府坚强领导"
    assert len(out) == len(text)


def test_mentions_have_offsets_into_the_original_text():
    text = "據悉，宜章縣人民政府與郴州市簽約"
    found = {(m.surface, m.division.name) for m in find_mentions(text)}
    assert ("宜章县", "宜章县") in found and ("郴州市", "郴州市") in found
    m = next(m for m in find_mentions(text) if m.division.name == "宜章县")
    assert text[m.start : m.end] == "宜章縣"


@pytest.mark.parametrize(
    "text, not_a_place",
    [
        ("在县委的领导下和政府的支持下", "和政县"),  # 和政 straddles 和|政府
        ("建成全州首个跨境电商产业园", "全州县"),  # 全州 is "the whole prefecture"
        ("加快新县城建设", "新县"),
        ("比如加快推进城区面积扩大", "比如县"),
        ("城区面积扩大到30平方公里", "城区"),
        ("全力确保了人民安康", "安康市"),
        ("人民和社会各界", "民和回族土族自治县"),
        ("黎平镇党委", "黎平县"),  # a town named after the county
    ],
)
def test_ordinary_words_are_not_places(text, not_a_place):
    assert not_a_place not in {m.division.name for m in find_mentions(text)}


def test_a_bare_stem_counts_where_it_is_a_word_of_its_own():
    assert "黎平县" in {m.division.name for m in find_mentions("推动黎平高质量发展")}
    assert {m.kind for m in find_mentions("推动黎平高质量发展")} == {"stem"}


def test_the_table_loads_lazily():
    code = "import sys, rag.places as p; assert p._table.cache_info().currsize == 0; assert 'opencc' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
    assert len(places.divisions()) > 3000


def test_the_word_lists_are_package_data_with_their_sources():
    """rag/data/place_words.toml ships with the package and every word list says where it comes from."""
    import tomllib
    from importlib.resources import files

    data = tomllib.loads(files("rag.data").joinpath("place_words.toml").read_text("utf-8"))
    assert all(group.get("seen") and group["words"] for group in data["word_stems"])
    assert places._level_suffixes()[0][0] in {"特别行政区", "维吾尔自治区"}  # longest first
    assert "比如" in places._word_stems() and "城关" in places._generic_stems()


@pytest.mark.parametrize("text, found", [("比如，全县粮食增产。", []), ("比如县粮食增产。", ["比如县"]),
                                         ("黎平镇新建学校一所。", []), ("黎平县新建学校一所。", ["黎平县"])])
def test_words_from_the_data_file_decide_what_is_a_place(text, found):
    assert [m.division.name for m in find_mentions(text)] == found


def test_a_province_keeps_a_stem_that_ends_like_a_nation():
    # 内蒙古自治区: 蒙古 is a nation's name, but peeling it would leave 内; the stem is 内蒙古.
    assert [(m.surface, m.division.name) for m in find_mentions("2018年内蒙古正蓝旗")] == [
        ("内蒙古", "内蒙古自治区"), ("正蓝旗", "正蓝旗")]
    assert [m.division.name for m in find_mentions("广西的GDP")] == ["广西壮族自治区"]
