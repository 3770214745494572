"""Text utilities shared by retrieval, answering and evals: normalisation, numbers, keywords."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Question words and glue that say nothing about *what* is asked.
STOPWORDS = set(
    ["的", "了", "是", "在", "和", "与", "及", "或", "等", "中", "对", "为", "把", "被", "将", "从", "到", "由", "以", "于", "上", "下", "有", "无", "不", "也", "都", "就", "而", "并", "其", "多少", "什么", "哪些", "哪个", "哪里", "如何", "怎么", "怎样", "是否", "有没有", "几", "多", "请问", "请", "问", "吗", "呢", "吧", "啊", "么", "情况", "方面", "内容", "具体", "主要", "一下", "介绍", "说说", "告诉", "提到", "提出", "报告", "政府工作报告", "文件", "文档", "今年", "去年", "明年", "全年", "年度", "年", "计划", "预计", "目标", "完成", "达到", "实现", "分别", "一共", "共", "总共", "？", "?", "，", ",", "。", "、", "：", ":", "！", "!", "（", "）", "(", ")", "“", "”", "《", "》"]
)

_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Citation markers [1], [1,2], 【1】 and list markers "1." / "二、" at line starts (not "16.2").
CITATION = re.compile(r"[\[【](\d+(?:\s*[,，、]\s*\d+)*)[\]】]")
ENUMERATION = re.compile(r"(?:^|(?<=[。；;！？!?]))\s*(?:\d{1,2}|[一二三四五六七八九十])[.、．)）](?!\d)\s*", re.M)


# A pinyin gloss a reposting site puts after a character it thinks rare: 戰(zhàn)略, 李衛(wèi), 報(bào)告.
# It splits the words every reader matches (戰略, 實現). A gloss is one lowercase syllable with a
# tone mark, in ASCII or full-width parentheses, right after a Han character; (GDP), (2023年) and
# (试行) have no tone mark and stay.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN_GLOSS = re.compile(rf"(?<=[\u4e00-\u9fff])[(（][a-zü]{{0,5}}[{_TONED}][a-zü{_TONED}]{{0,5}}[)）]")


def strip_pinyin_glosses(text: str) -> str:
    """``text`` without the pinyin glosses after its characters (經(jīng)濟 -> 經濟)."""
    return _PINYIN_GLOSS.sub("", text)


def strip_markup(answer: str) -> str:
    """An answer without citation and list markers: what is left are its claims."""
    return ENUMERATION.sub("", CITATION.sub("", answer))


# What a terminal would obey inside a document: escape sequences (CSI ``\x1b[2J``, OSC
# ``\x1b]0;title\x07``, their 8-bit forms, two-character ESC codes), then any other C0/C1 control,
# DEL and the bidi overrides that reorder what is shown.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?|\x9b[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]P^_X]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]{0,512}?(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -~]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """``text`` with terminal escape sequences and control characters removed; line breaks
    (\\r, \\f and \\v become \\n) and tabs stay. Used at ingest and on everything the CLI shows."""
    if not _CONTROLS.search(text):
        return text
    text = text.replace("\r\n", "\n").translate({0x0D: "\n", 0x0C: "\n", 0x0B: "\n"})
    return _CONTROLS.sub("", _ESCAPE_SEQUENCE.sub("", text))


def normalize(text: str) -> str:
    """NFKC, simplified script, no whitespace: the comparison form used for quotes and metrics.

    Script-insensitive because reports arrive in traditional characters (宜章縣) while questions
    and answers are in simplified ones; quotes themselves stay verbatim.
    """
    from rag.places import normalize as to_simplified

    return re.sub(r"\s+", "", to_simplified(unicodedata.normalize("NFKC", text)))


def numbers(text: str) -> list[str]:
    """Numbers as written (``170``, ``8``, ``6.1``), after NFKC so full-width digits count."""
    return _NUMBER.findall(unicodedata.normalize("NFKC", text))


def years(text: str) -> list[int]:
    """Four-digit years mentioned as 20xx年."""
    return [int(y) for y in re.findall(r"(20\d{2})\s*年", text)]


# A year a figure is compared with, not the year it belongs to: 是2011年的1.88倍, 比2011年增长,
# 较2020年, 与2019年相比, 2016年以来.
_BASE_YEAR = re.compile(r"(?:比|较|是|与|同)\s*20\d{2}\s*年(?:末|底|同期)?|20\d{2}\s*年(?:以来|相比)")


def subject_years(text: str) -> list[int]:
    """The years a clause's figures belong to: its 20xx年 mentions minus comparison base years."""
    return years(_BASE_YEAR.sub("", text))


def split_sentences(text: str) -> list[str]:
    """Split at 。！？；and line breaks, keeping the punctuation; never inside a number."""
    parts = re.split(r"(?<=[。！？!?；;])|\n", text)
    return [p.strip() for p in parts if p and p.strip()]


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def keyword_tokens(text: str) -> list[str]:
    """jieba search-mode tokens minus stopwords and punctuation, for BM25 and coverage checks."""
    tokens = []
    from rag.places import normalize as to_simplified

    # Simplified script first, so a traditional-script report and a simplified question share tokens.
    for tok in _jieba().cut_for_search(to_simplified(unicodedata.normalize("NFKC", text))):
        tok = tok.strip().lower()
        if not tok or tok in STOPWORDS or not re.search(r"[\w]", tok):
            continue
        tokens.append(tok)
    return tokens
