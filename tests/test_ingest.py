"""Cleaning and metadata on the seeds' real noise, and bad-input handling."""

from __future__ import annotations

import pytest

from rag.errors import InputError
from rag.ingest import clean_text, decode_bytes, iter_report_files, load_document
from tests.conftest import SEEDS


def seed(prefix: str):
    return load_document(next(SEEDS.glob(f"{prefix}_*.txt")))


@pytest.mark.parametrize(
    "prefix, noise, kept",
    [
        ("000", ["导航菜单", "本文仅代表作者观点", "本文地址", "验证码"], ["2024年经济社会发展的总体预期目标为", "着力打造文旅新品牌。"]),
        ("001", [], ["一、2023年工作回顾", "集中式饮用水源地达标率100%"]),
        ("002", ["来源:", "收藏打印", "扫一扫在手机打开当前页", "ICP备", "政府网站标识码", "浏览:"], ["县委委员32人", "全会号召"]),
        ("003", ["签到天数", "发表于", "Rank:", "快速回复", "返回顶部", "Powered by", "TA的每日心情", "010-63691786", "本版积分规则"],
         ["预计完成地区生产总值170亿元,增长8%", "县长吴浩", "19.“四看”原则"]),
        ("004", ["VIP专免", "999+", "27页", "侵权投诉", "展开>>", "标签:", "39.99KB"], ["脱贫人口人均纯收入增长14.6%。", "技改投资10.5亿元"]),
    ],
)
def test_cleaning_removes_each_seeds_noise_and_keeps_report_text(prefix, noise, kept):
    doc = seed(prefix)
    for junk in noise:
        assert junk not in doc.text, junk
    for text in kept:
        assert text in doc.text, text


def test_hard_wrapped_pdf_lines_are_rejoined_even_inside_numbers():
    doc = seed("004")
    assert "脱贫人口人均纯收入增长14.6%" in doc.text  # '14.6%' was wrapped onto its own line
    assert "这是进军新征程的特殊一年" in doc.text  # a two-character orphan line
    assert "全社会固定资产投资增长8%" in doc.text  # "增长 8%" lost its PDF space
    assert doc.text.count("\n") < 40  # paragraphs, not 25-character lines


def test_duplicated_abstract_is_dropped_once():
    doc = seed("004")
    assert doc.text.count("过去一年,是极不平凡的一年") == 1
    assert any("过去一年,是极不平凡的一年" in r for r in doc.removed)


def test_a_teaser_above_the_full_text_goes_and_the_text_stays():
    opening = "2019年某县人民政府工作报告——在某县第十七届人民代表大会第四次会议上各位代表:现在,我代表县人民政府向大会作工作报告,请予审议"
    full = opening + ",并请县政协委员提出意见。2019年,全县实现地区生产总值120亿元,增长6.5%。"
    text, removed = clean_text(f"2019年某县人民政府工作报告\n公文搜 2021-07-27 政府报告\n{opening},并请县\n{full}\n")
    assert full in text.splitlines() and "120亿元" in text
    assert removed == [opening + ",并请县"]


@pytest.mark.parametrize(
    "prefix, county, doc_type, review, plan",
    [
        ("000", "芦山县", "政府工作报告", 2023, 2024),
        ("001", "利川市", "关于政府工作报告的文章", 2023, 2024),
        ("002", "芦山县", "全会公报", None, 2024),  # it states no year under review: unknown, not guessed
        ("003", "兴山县", "政府工作报告", 2023, 2024),
        ("004", "通江县", "政府工作报告", 2022, 2023),
    ],
)
def test_metadata(prefix, county, doc_type, review, plan):
    meta = seed(prefix).meta
    assert (meta.county, meta.doc_type, meta.year_under_review, meta.plan_year) == (county, doc_type, review, plan)


def test_meeting_speaker_date_province():
    meta = seed("003").meta
    assert meta.speaker == "吴浩"
    assert meta.meeting == "兴山县第十九届人民代表大会第四次会议"
    assert meta.date == "2024-01-12"
    assert meta.province == "湖北省"
    assert seed("002").meta.meeting == "中国共产党芦山县第十五届委员会第六次全体会议"
    assert seed("000").meta.province == "四川省"


def test_gbk_file_is_decoded(tmp_path):
    text = "黎平县2024年政府工作报告\n一、2023年工作回顾\n预计完成地区生产总值100亿元,增长5%。\n"
    path = tmp_path / "gbk.txt"
    path.write_bytes(text.encode("gbk"))
    doc = load_document(path)
    assert "预计完成地区生产总值100亿元,增长5%。" in doc.text
    assert doc.meta.county == "黎平县"


def test_nbsp_and_ideographic_spaces_are_normalised():
    text, _ = clean_text("一、\u00a0总体要求\n增长\u3000 8 %。\n")
    assert text.splitlines() == ["一、总体要求", "增长8%。"]


def test_pinyin_glosses_after_characters_are_cleaned_away_and_parentheses_kept():
    # A reposting site glosses characters it thinks rare (戰(zhàn)略); the gloss splits the words.
    text, _ = clean_text("咬定“主戰(zhàn)場、新引擎”戰(zhàn)略定位,全力拼經(jīng)濟,代理縣長李衛（wèi）作報告。\n"
                         "地区生产总值(GDP)增长6%(预计),出台《办法(试行)》(de)。")
    assert text.splitlines()[0] == "咬定“主戰場、新引擎”戰略定位,全力拼經濟,代理縣長李衛作報告。"
    assert text.splitlines()[1] == "地区生产总值(GDP)增长6%(预计),出台《办法(试行)》(de)。"


def test_html_is_reduced_to_visible_text(tmp_path):
    path = tmp_path / "r.html"
    path.write_text("<html><nav>首页 导航</nav><body><p>黎平县2024年政府工作报告</p><script>x=1</script>"
                    "<p>预计完成地区生产总值100亿元,增长5%。</p></body></html>", "utf-8")
    doc = load_document(path)
    assert doc.text.splitlines() == ["黎平县2024年政府工作报告", "预计完成地区生产总值100亿元,增长5%。"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"  \n\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"caf\xe9 au lait \xe9t\xe9\n", "neither UTF-8 nor GB18030"),
    ],
)
def test_bad_bytes_get_one_clear_error(data, message):
    with pytest.raises(InputError, match=message):
        decode_bytes(data, "f.txt")


def test_missing_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        iter_report_files([tmp_path / "nope"])


def test_text_without_chinese_is_refused(tmp_path):
    path = tmp_path / "en.txt"
    path.write_text("just some english words\n" * 5)
    with pytest.raises(InputError, match="no Chinese report text"):
        load_document(path)


@pytest.mark.parametrize("text, name", [
    ("——2025年1月6日在尉犁县第十八届人民代表大会第五次会议上\n县委副书记、县长 木合塔尔·丝迪克\n各位代表：", "木合塔尔·丝迪克"),
    ("區委副書記、區長連天浪代表章貢區人民政府向大會報告工作", "連天浪"),
    ("西工区人民政府区长张世敏在会上作政府工作报告", "张世敏"),
    ("区长 杜玲各位代表：现在，我代表区人民政府", "杜玲"),
    ("州财政局局长 文金哲\n", "文金哲"),
    ("深入落实习近平总书记对四川工作的重要指示", ""),
    ("开通县长热线，回应群众诉求", ""),
])
def test_the_speaker_is_read_from_the_opening(text, name):
    from rag.ingest import find_speaker

    assert find_speaker(text) == name
