"""China's administrative divisions: names, short forms, hierarchy, and finding them in text.

The table is cpca's ``adcodes.csv`` (MIT): 12-digit codes for provinces, prefectures and
counties. Codes carry the hierarchy (first 2 digits: province, first 4: prefecture), so a
county's province and prefecture always come from the table, never from the text.

A text may name a place in several ways: the full name (德宏傣族景颇族自治州), the usual short
form (德宏州), the bare stem (德宏), or, after a county became a district or city, the stem with
another level word (梁平区 for the table's 梁平县). All of these are aliases; bare stems that are
ordinary words (合作, 富民, 新兴...) are not, and stems shared by several divisions (朝阳, 兴山)
keep every candidate so that the caller can decide from the rest of the text.
"""

from __future__ import annotations

import csv
import importlib.metadata
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

PROVINCE, PREFECTURE, COUNTY = "province", "prefecture", "county"

# How a text named the division; callers weigh bare stems less than spelled-out names.
FULL, SHORT, SUFFIXED, VARIANT, STEM = "full", "short", "suffixed", "variant", "stem"

# Rows that are grouping placeholders in the table, not places.
_PLACEHOLDERS = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "中沙群岛的岛礁及其海域"}

# The word lists (level words, stems that are ordinary words, what may follow a name) are data:
# rag/data/place_words.toml, each list with where its entries come from.


@cache
def _words() -> dict:
    import tomllib

    return tomllib.loads((Path(__file__).parent / "data" / "place_words.toml").read_text("utf-8"))


@cache
def _level_suffixes() -> tuple[tuple[str, str], ...]:
    """(level word, level word a short form keeps), longest first so that 自治州 wins over 州."""
    pairs = [(w, w if g["keep"] == "same" else g["keep"]) for g in _words()["level_suffix"] for w in g["words"]]
    return tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True))


@cache
def _generic_stems() -> frozenset[str]:
    return frozenset(_words()["generic_stems"]["words"])


@cache
def _word_stems() -> frozenset[str]:
    return frozenset(w for group in _words()["word_stems"] for w in group["words"])


@cache
def _not_county_after() -> re.Pattern:
    words = sorted(_words()["not_county_after"]["words"], key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words)))


@cache
def _short_name_context() -> tuple[frozenset[str], frozenset[str]]:
    """(characters allowed before a two-character name, characters not allowed after it)."""
    data = _words()["short_name"]
    return frozenset(data["ok_before"]) | {""}, frozenset(data["bad_after"])


_ORGAN_AFTER_GENERIC = re.compile(r"(?:人民政府|政府|区?委|人大|政协|第[一二三四五六七八九十]+届)")

_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Division:
    """One division of the national table."""

    adcode: str
    name: str
    short: str
    level: str
    aliases: tuple[str, ...] = field(repr=False)
    province: str | None = None
    prefecture: str | None = None
    province_code: str | None = field(default=None, repr=False)
    prefecture_code: str | None = field(default=None, repr=False)

    @property
    def level_char(self) -> str:
        """The level word the text's own organs use (县委, 全州, 市政府): 县/区/市/州/旗/盟/省."""
        if self.name.endswith("地区") or self.name.endswith("自治区"):
            return "区"
        return self.name[-1]

    @property
    def parents(self) -> tuple[str, ...]:
        """Adcodes of the province and prefecture above this division (nearest last)."""
        return tuple(c for c in (self.province_code, self.prefecture_code) if c and c != self.adcode)


@dataclass(frozen=True)
class Mention:
    """A place name found in a text; one per candidate division when a stem is shared."""

    division: Division
    surface: str
    start: int
    kind: str

    @property
    def end(self) -> int:
        return self.start + len(self.surface)


# ---------------------------------------------------------------------------------------------
# Table


def _resource(name: str):
    return importlib.metadata.distribution("cpca").locate_file(f"cpca/resources/{name}")


@cache
def _nations() -> tuple[str, ...]:
    """Ethnic group names with and without 族, longest first (for 巴音郭楞蒙古自治州)."""
    with open(_resource("56_nations.csv"), encoding="utf-8") as fh:
        names = [line.strip() for line in fh if line.strip()]
    forms = set(names) | {n[:-1] for n in names if n.endswith("族") and len(n) > 2}
    return tuple(sorted(forms, key=len, reverse=True))


def _split_name(name: str) -> tuple[str, str, bool]:
    """(stem, level word kept by the short form, autonomous?) for a full name."""
    for suffix, keep in _level_suffixes():
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            autonomous = "自治" in suffix
            if autonomous:
                # 德宏傣族景颇族 -> 德宏: peel the ethnic groups off the end, one by one.
                stripped = True
                while stripped:
                    stripped = False
                    for nation in _nations():
                        # 内蒙古自治区 keeps 内蒙古: a stem is never peeled below two characters.
                        if stem.endswith(nation) and len(stem) - len(nation) >= 2:
                            stem, stripped = stem[: -len(nation)], True
                            break
            return stem, keep, autonomous
    return name, "", False


def _level(adcode: str) -> str:
    if adcode[2:6] == "0000":
        return PROVINCE
    if adcode[4:6] == "00":
        return PREFECTURE
    return COUNTY


@cache
def _table() -> tuple[dict[str, Division], dict[str, list[tuple[str, str]]]]:
    """(divisions by adcode, alias -> [(adcode, kind)]). Loaded on first use, then cached."""
    with open(_resource("adcodes.csv"), encoding="utf-8") as fh:
        rows = [(r["adcode"], r["name"].strip()) for r in csv.DictReader(fh)]
    names = {code: name for code, name in rows}

    def real(code: str) -> str | None:
        name = names.get(code)
        return name if name and name not in _PLACEHOLDERS else None

    divisions: dict[str, Division] = {}
    raw_aliases: dict[str, list[tuple[str, str]]] = {}
    for code, name in rows:
        if name in _PLACEHOLDERS:
            continue
        level = _level(code)
        prov_code = code[:2] + "0" * 10
        pref_code = code[:4] + "0" * 8
        # Municipalities (北京) and 省直辖 counties (仙桃) have a placeholder as "prefecture".
        province = real(prov_code) if level != PROVINCE else None
        prefecture = real(pref_code) if level == COUNTY else None
        stem, keep, autonomous = _split_name(name)
        if name.endswith("林区") and code[2:4] == "90":
            # 神农架林区, a forest district directly under the province, not a district 神农架林.
            stem, keep = name[:-2], "林区"
        kinds: dict[str, str] = {name: FULL}
        if len(stem) >= 2:
            if keep and keep + stem != name and stem + keep != name:
                kinds.setdefault(stem + keep, SHORT if autonomous else SUFFIXED)
            is_word = stem in _generic_stems() or stem in _word_stems() or stem in _nations()
            if not is_word:
                kinds.setdefault(stem, STEM)
            # Counties become districts or cities (撤县设区/设市) and prefectures' 地区 become
            # 市; texts written after the change use the new level word with the same stem.
            if level == COUNTY and keep in {"县", "区", "市"} and not is_word:
                for other in ("县", "区", "市"):
                    kinds.setdefault(stem + other, VARIANT)
            if level == PREFECTURE and keep in {"地区", "盟", "州"} and not is_word:
                kinds.setdefault(stem + "市", VARIANT)
            if level == PROVINCE and name.endswith("自治区"):
                kinds.setdefault(stem + "自治区", SUFFIXED)
        if autonomous and keep:
            short = stem + keep if len(stem) >= 1 else name
            if level == COUNTY and len(stem) >= 2 and stem not in _nations():
                short = stem  # 石柱 for 石柱土家族自治县, like 黎平 for 黎平县
        elif level == PREFECTURE and keep == "盟":
            short = name  # 兴安盟: the stem alone is also 兴安县
        else:
            short = stem if len(stem) >= 2 else name
        div = Division(
            adcode=code,
            name=name,
            short=short,
            level=level,
            aliases=tuple(kinds),
            province=province,
            prefecture=prefecture,
            province_code=prov_code if level != PROVINCE else None,
            prefecture_code=pref_code if prefecture else None,
        )
        divisions[code] = div
        for alias, kind in kinds.items():
            raw_aliases.setdefault(alias, []).append((code, kind))

    # An exact name beats a renamed form: 朝阳市 is the prefecture, not 朝阳县 written as a city.
    aliases: dict[str, list[tuple[str, str]]] = {}
    for alias, entries in raw_aliases.items():
        exact = [e for e in entries if e[1] != VARIANT]
        aliases[alias] = exact or entries
    return divisions, aliases


def divisions() -> list[Division]:
    """Every division in the table."""
    return list(_table()[0].values())


def get(adcode: str) -> Division | None:
    """The division with this 12-digit adcode (6-digit codes are padded)."""
    return _table()[0].get(adcode.ljust(12, "0"))


# ---------------------------------------------------------------------------------------------
# Text


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def normalize(text: str) -> str:
    """Traditional to simplified script, for matching only.

    OpenCC's phrase tables can in principle map a phrase to one of another length; when that
    happens the text is converted character by character instead, so offsets into the
    returned string are always offsets into the input.
    """
    if not text or text.isascii():
        return text
    converter = _t2s()
    out = converter.convert(text)
    if len(out) == len(text):
        return out
    return "".join(ch if len(c := converter.convert(ch)) != 1 else c for ch in text)


@cache
def _max_alias_len() -> int:
    return max(len(a) for a in _table()[1])


@cache
def _segmenter():
    """A private jieba tokenizer that knows every stem (the shared one is the index's)."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    for alias, entries in _table()[1].items():
        if any(kind == STEM for _, kind in entries):
            tok.add_word(alias, freq=20)
    return tok


def _stem_is_whole_word(text: str, start: int, end: int) -> bool:
    """Whether word segmentation keeps a bare stem whole: 和政府 is 和|政府, not the 和政 county."""
    lo, hi = max(0, start - 6), min(len(text), end + 6)
    pos, cuts = lo, {lo}
    for token in _segmenter().cut(text[lo:hi], HMM=False):
        pos += len(token)
        cuts.add(pos)
    return start in cuts and end in cuts


def _context_ok(text: str, start: int, surface: str, kind: str) -> bool:
    end = start + len(surface)
    if len(surface) == 2 and kind != STEM:
        ok_before, bad_after = _short_name_context()
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if before not in ok_before and _CJK.match(before):
            return False
        if after in bad_after:
            return False
        # 城区, 郊区, 矿区, 东区: nouns for any town's parts; a name only as the subject of organs.
        if surface.endswith("区") and not _ORGAN_AFTER_GENERIC.match(text, end):
            return False
    if kind == STEM:
        return not _not_county_after().match(text, end) and _stem_is_whole_word(text, start, end)
    return True


def find_mentions(text: str) -> list[Mention]:
    """Place names in ``text``, leftmost-longest, with offsets into ``text``.

    The text is normalised to simplified script first (offsets are kept). A shared stem gives
    one Mention per candidate division at the same offset.
    """
    divs, aliases = _table()
    norm = normalize(text)
    longest = _max_alias_len()
    found: list[Mention] = []
    i, n = 0, len(norm)
    while i < n:
        if not _CJK.match(norm[i]):
            i += 1
            continue
        hit = None
        for size in range(min(longest, n - i), 1, -1):
            entries = aliases.get(norm[i : i + size])
            if entries:
                hit = norm[i : i + size], entries
                break
        if hit is None:
            i += 1
            continue
        surface, entries = hit
        kind = entries[0][1]
        if _context_ok(norm, i, surface, kind):
            found.extend(Mention(divs[code], surface, i, k) for code, k in entries)
            i += len(surface)
        else:
            i += 1
    return found


def resolve(name: str) -> list[Division]:
    """Divisions a question's place name may mean: 黎平, 黎平县 and 黎平縣 all give 黎平县.

    An exact alias wins; a shared stem gives every candidate, counties first. A name with a
    level word the table does not know for it (梁平区 for 梁平县) falls back to the stem.
    """
    divs, aliases = _table()
    key = normalize(name.strip())
    entries = aliases.get(key)
    if not entries:
        stem, _, _ = _split_name(key)
        entries = aliases.get(stem) if len(stem) >= 2 else None
    if not entries:
        return []
    order = {COUNTY: 0, PREFECTURE: 1, PROVINCE: 2}
    found = [divs[code] for code, _ in entries]
    return sorted(dict.fromkeys(found), key=lambda d: (order[d.level], d.adcode))
