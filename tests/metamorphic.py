"""Metamorphic documents: derive new reports from the seeds by transformations that move the
facts in a known way, with the expected metadata and the gold questions moved the same way.

Every transformation is a pure function ``(text, expected) -> Result``: the new text (or bytes,
for an encoding), the new expected metadata, and a ``gold(s, field)`` function that maps a
gold question's strings (``field`` is "question", "answer", "must_contain" or "evidence").
Parameters that must agree across documents (the rename plan, the year shift) are chosen once
per *group*, so a cross-document question moves consistently. Everything is deterministic from
one integer seed (``random.Random(seed)``).

    from tests.metamorphic import transform_corpus
    transform_corpus(Path("seeds"), Path("/tmp/mm"), seed=0)   # files, expected.json, qa.jsonl
"""

from __future__ import annotations

import html
import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from rag.places import COUNTY, PREFECTURE, STEM, Division, _split_name, _table, find_mentions, resolve

GoldMap = Callable[[str, str], str]
Expected = dict

# The expected metadata of the seeds (tests/test_ingest.py::test_metadata); the rest of each
# expectation (adcode, province, prefecture) comes from the division table.
SEED_FACTS = {
    "000": ("芦山县", "政府工作报告", 2023, 2024),
    "001": ("利川市", "关于政府工作报告的文章", 2023, 2024),
    "002": ("芦山县", "全会公报", None, 2024),
    "003": ("兴山县", "政府工作报告", 2023, 2024),
    "004": ("通江县", "政府工作报告", 2022, 2023),
}

# The fields every transformed document must reproduce exactly.
CHECKED = ("county", "adcode", "province", "prefecture", "doc_type", "year_under_review", "plan_year")
GOLD_FIELDS = ("question", "answer", "must_contain", "evidence")
QUOTE_SEPARATOR = "|||"


def _identity_map(s: str, _field: str) -> str:
    return s


def _compose(first: GoldMap, then: GoldMap) -> GoldMap:
    return lambda s, f: then(first(s, f), f)


@dataclass
class Result:
    """A transformed document: text (str) or encoded bytes, its expectation, the gold mapping."""

    data: str | bytes
    expected: Expected
    gold: GoldMap = _identity_map
    suffix: str = ".txt"


def expected_for(county: str, doc_type: str, review: int | None, plan: int | None) -> Expected:
    """An expectation whose place fields come from the division table."""
    [d] = [d for d in resolve(county) if d.name == county]
    return {
        "county": d.name, "adcode": d.adcode, "short_name": d.short, "province": d.province or "",
        "prefecture": d.prefecture or "", "doc_type": doc_type, "year_under_review": review, "plan_year": plan,
    }


def seed_expectations() -> dict[str, Expected]:
    return {prefix: expected_for(*facts) for prefix, facts in SEED_FACTS.items()}


# ---------------------------------------------------------------------------------------------
# Rename


def _stem(d: Division) -> str:
    return _split_name(d.name)[0]


def _forms(d: Division) -> dict[str, str]:
    """How a text may write this division, by role: full name, short form, bare stem."""
    stem = _stem(d)
    forms = {"full": d.name, "stem": stem if len(stem) >= 2 else d.name}
    forms["short"] = d.short if d.short != stem else forms["stem"]
    return forms


def _division(name: str) -> Division:
    [d] = [d for d in resolve(name) if d.name == name]
    return d


@cache
def _unique(alias: str, code: str) -> bool:
    """The alias names this division and nothing else (no other division, no renamed form)."""
    entries = _table()[1].get(alias, [])
    return bool(entries) and all(c == code for c, _ in entries)


@cache
def _seed_mentions() -> frozenset[str]:
    """Provinces (adcodes) of every place the seeds name, even by accident (宜兴 in 宜兴联络线)."""
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    codes = set()
    for path in seeds.glob("*.txt"):
        for m in find_mentions(path.read_text("utf-8")):
            codes.add(m.division.province_code or m.division.adcode)
    return frozenset(codes)


def _clean_target(d: Division, suffix: str) -> bool:
    """A county whose every form is unambiguous in the table and keeps the level word."""
    stem = _stem(d)
    if d.level != COUNTY or not d.prefecture_code or not d.name.endswith(suffix) or "自治" in d.name:
        return False
    if len(stem) != len(d.name) - 1 or not 2 <= len(stem) <= 3:
        return False
    aliases = _table()[1]
    if aliases.get(stem) != [(d.adcode, STEM)]:
        return False  # a word stem (not matched bare) or a shared one
    return all(_unique(stem + c, d.adcode) or stem + c not in aliases for c in "县市区") and _unique(d.name, d.adcode)


def _clean_parent(d: Division) -> bool:
    f = _forms(d)
    return all(_unique(f[k], d.adcode) for k in ("full", "short", "stem"))


@cache
def _candidates() -> dict[str, dict[str, dict[str, list[Division]]]]:
    """suffix -> province code -> prefecture code -> clean target counties."""
    divs, _ = _table()
    excluded = _seed_mentions()
    out: dict[str, dict[str, dict[str, list[Division]]]] = {"县": {}, "市": {}}
    for d in sorted(divs.values(), key=lambda d: d.adcode):
        if d.level != COUNTY or d.province_code in excluded:
            continue
        pref, prov = divs.get(d.prefecture_code or ""), divs.get(d.province_code or "")
        if not pref or not prov or pref.level != PREFECTURE or not (_clean_parent(pref) and _clean_parent(prov)):
            continue
        for suffix in out:
            if _clean_target(d, suffix):
                out[suffix].setdefault(prov.adcode, {}).setdefault(pref.adcode, []).append(d)
    return out


@dataclass
class RenamePlan:
    """Seed county -> target county, consistent for a whole group (cross-document questions)."""

    counties: dict[str, Division] = field(default_factory=dict)

    def replacements(self) -> dict[str, str]:
        """Every written form of each seed place (and its prefecture and province) -> the target's."""
        out: dict[str, str] = {}
        for source_name, target in self.counties.items():
            source = _division(source_name)
            pairs = [(source, target)]
            divs = _table()[0]
            pairs.append((divs[source.prefecture_code], divs[target.prefecture_code]))
            pairs.append((divs[source.province_code], divs[target.province_code]))
            for src, dst in pairs:
                fs, fd = _forms(src), _forms(dst)
                for role in ("full", "short", "stem"):
                    out.setdefault(fs[role], fd[role])
        return out


def plan_renames(rng: random.Random, counties: list[str]) -> RenamePlan:
    """Targets for the seed counties: seeds sharing a province (or prefecture) share the target's,
    seeds of different prefectures (or provinces) get different ones."""
    for _ in range(50):
        plan = _try_plan(rng, counties)
        src = {name: _division(name) for name in plan.counties}
        one_to_one = all(
            (src[a].prefecture_code == src[b].prefecture_code) == (ta.prefecture_code == tb.prefecture_code)
            and (src[a].province_code == src[b].province_code) == (ta.province_code == tb.province_code)
            for a, ta in plan.counties.items() for b, tb in plan.counties.items() if a != b
        )
        if one_to_one:
            return plan
    raise ValueError(f"no clean rename plan for {counties}")


def _try_plan(rng: random.Random, counties: list[str]) -> RenamePlan:
    cands = _candidates()
    sources = sorted({_division(c) for c in counties}, key=lambda d: d.adcode)
    prov_map: dict[str, str] = {}
    pref_map: dict[str, str] = {}
    used: set[str] = set()
    plan = RenamePlan()
    for src in sources:
        suffix = src.name[-1]
        pool = cands[suffix]
        if src.province_code not in prov_map:
            # A target province with enough clean prefectures for every seed prefecture of this province.
            need = {s.prefecture_code for s in sources if s.province_code == src.province_code}
            options = [p for p in sorted(pool) if p not in prov_map.values()
                       and all(any(cands[s.name[-1]].get(p, {}).values()) for s in sources if s.province_code == src.province_code)
                       and len(set(cands["县"].get(p, {})) | set(cands["市"].get(p, {}))) >= len(need)]
            prov_map[src.province_code] = rng.choice(options)
        tprov = prov_map[src.province_code]
        if src.prefecture_code not in pref_map:
            options = [p for p, ds in sorted(pool[tprov].items()) if p not in pref_map.values() and ds]
            if not options:  # fall back to any clean prefecture of the target province
                options = [p for p in sorted(pool[tprov]) if pool[tprov][p]]
            pref_map[src.prefecture_code] = rng.choice(options)
        tpref = pref_map[src.prefecture_code]
        choices = [d for d in pool[tprov].get(tpref, []) if d.adcode not in used]
        if not choices:  # this prefecture has no clean county of the level: any in the province
            pref_choices = [p for p in sorted(pool[tprov]) if [d for d in pool[tprov][p] if d.adcode not in used]]
            tpref = rng.choice(pref_choices)
            choices = [d for d in pool[tprov][tpref] if d.adcode not in used]
        target = rng.choice(choices)
        used.add(target.adcode)
        plan.counties[src.name] = target
    return plan


def _replacer(mapping: dict[str, str]) -> Callable[[str], str]:
    if not mapping:
        return lambda s: s
    rx = re.compile("|".join(re.escape(k) for k in sorted(mapping, key=len, reverse=True)))
    return lambda s: rx.sub(lambda m: mapping[m.group(0)], s)


def rename(text: str, expected: Expected, plan: RenamePlan) -> Result:
    """Move the report to the plan's target county: every form of the place, its prefecture and
    province is replaced by the target's, in the text and in the gold questions alike."""
    target = plan.counties[expected["county"]]
    sub = _replacer(plan.replacements())
    new = {**expected, **expected_for(target.name, expected["doc_type"], expected["year_under_review"],
                                      expected["plan_year"])}
    return Result(sub(text), new, lambda s, f: sub(s))


# ---------------------------------------------------------------------------------------------
# Years

_UNIT = r"(?:万|亿|元|个|人|户|家|名|所|项|件|台|套|辆|头|只|吨|亩|米|公里|平方|千|百|多|余|%|‰|倍|座|条|次|位|册|部|篇|[kK][mMgGwW])"
_YEAR = re.compile(rf"(?<![\d.])((?:19|20)\d{{2}})(?![\d.]|\s*{_UNIT})")
_CN_DIGIT = "〇一二三四五六七八九"
_CN_YEAR = re.compile(r"([〇○零一二三四五六七八九]{4})(?=年)")


def _shift_cn(m: re.Match, k: int) -> str:
    digits = m.group(1)
    value = int("".join(str(_CN_DIGIT.index(c) if c in _CN_DIGIT else 0) for c in digits))
    if not 1900 <= value <= 2099:
        return digits
    zero = next((c for c in digits if c in "〇○零"), "〇")
    return "".join(zero if ch == "0" else _CN_DIGIT[int(ch)] for ch in str(value + k))


def shift_years_in(s: str, k: int) -> str:
    """Every year (2023, 二〇二三年) moved by k; amounts (2000万元) and longer numbers untouched."""
    s = _YEAR.sub(lambda m: str(int(m.group(1)) + k), s)
    return _CN_YEAR.sub(lambda m: _shift_cn(m, k), s)


def shift_years(text: str, expected: Expected, k: int) -> Result:
    new = dict(expected)
    for key in ("year_under_review", "plan_year"):
        if new[key] is not None:
            new[key] += k
    return Result(shift_years_in(text, k), new, lambda s, f: shift_years_in(s, k))


# ---------------------------------------------------------------------------------------------
# Script


@cache
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


def traditional(text: str, expected: Expected) -> Result:
    """Traditional script throughout, questions too; the expectation stays the table's simplified names.

    An evidence quote is cut from the converted document at its offsets, so that OpenCC's phrase
    choices at the quote's edges cannot make it differ from the document.
    """
    conv = _s2t().convert
    out = conv(text)

    def gold(s: str, f: str) -> str:
        at = text.find(s) if f == "evidence" and s else -1
        if at >= 0 and len(out) == len(text):
            return out[at : at + len(s)]
        return conv(s)

    return Result(out, dict(expected), gold)


# ---------------------------------------------------------------------------------------------
# Place suffix


def drop_suffix(text: str, expected: Expected) -> Result:
    """兴山县 -> 兴山 (利川市 -> 利川) everywhere; the expectation stays the full name. Questions keep
    the full name (a reader still asks about 兴山县); quotes and required strings lose it."""
    full, short = expected["county"], expected["short_name"]

    def gold(s: str, f: str) -> str:
        return s if f in {"question", "answer"} else s.replace(full, short)

    return Result(text.replace(full, short), dict(expected), gold)


# ---------------------------------------------------------------------------------------------
# Chrome and headers


def _title(text: str, expected: Expected) -> str:
    for line in text.splitlines()[:30]:
        line = line.strip()
        if 6 <= len(line) <= 60 and re.search(r"报告|公报", line) and not re.search(r"[。，,]", line):
            return re.sub(r"^\[[^\]]*\]\s*", "", line)
    year = expected["plan_year"] or expected["year_under_review"] or ""
    return f"{expected['county']}{year}年{expected['doc_type']}"


def _chrome(kind: str, text: str, expected: Expected, rng: random.Random) -> tuple[str, str]:
    """(header, footer) of another kind of site, about the same report."""
    county, pref, prov = expected["county"], expected["prefecture"], expected["province"]
    title = _title(text, expected)
    year = expected["plan_year"] or (expected["year_under_review"] or 2000) + 1
    views = rng.randint(120, 9000)
    category = {"政府工作报告": "政府工作报告", "全会公报": "党委文件", "统计公报": "统计信息"}.get(expected["doc_type"], "新闻动态")
    if kind == "portal":
        header = (
            f"{county}人民政府门户网站\n无障碍浏览 | 长者模式 | 简体版 | 繁體版\n"
            f"首页 > 政务公开 > 法定主动公开内容 > {category}\n"
            f"索引号：{expected['adcode'][:6]}/{year}-0{rng.randint(1, 9)}{rng.randint(10, 99)}\n"
            f"主题分类：{category}\n发布机构：{county}人民政府办公室\n"
            f"发布日期：{year}-0{rng.randint(2, 3)}-{rng.randint(10, 28)}\n【字体：大 中 小】 打印\n{title}\n"
        )
        footer = (
            f"\n【打印本页】【关闭窗口】\n相关链接：{prov}人民政府 | {pref}人民政府\n"
            f"主办单位：{county}人民政府办公室\n网站标识码：{expected['adcode'][:6]}0001\n"
            f"ICP备案号：{prov[0]}ICP备{rng.randint(10000000, 99999999)}号\n"
        )
    elif kind == "forum":
        header = (
            f"区域经济论坛 › 地方报告 › {prov[:2]}\n查看: {views}|回复: {rng.randint(0, 9)}\n"
            f"[{prov[:2]}] {title}\n电梯直达\n楼主\n发表于 {year}-0{rng.randint(2, 9)}-{rng.randint(10, 28)} 09:{rng.randint(10, 59)}:12\n"
            f"只看该作者\n"
        )
        footer = (
            "\n收藏\n举报\n回复\n使用道具\n您需要登录后才可以回帖 登录 | 立即注册\n"
            "Powered by Discuz! X3.4\n© 2001-2013 Comsenz Inc.\n"
        )
    else:  # document site
        header = (
            f"{title}\n下载积分：{rng.randint(1, 20)}\n文档页数：{rng.randint(8, 40)} 页\n"
            f"阅读次数：{views}\n上传时间：{year}-0{rng.randint(4, 9)}-{rng.randint(10, 28)}\n"
            f"{rng.randint(20, 90)}.{rng.randint(10, 99)}KB\n文档格式：DOCX\n立即下载\n"
        )
        footer = "\n相关文档\n猜你喜欢\n下载文档\n举报\n版权所有 © 文库网\n"
    return header, footer


def swap_chrome(text: str, expected: Expected, kind: str, rng: random.Random) -> Result:
    """Another site's chrome around the report: a portal's breadcrumb and info table, a forum's
    thread header, a document site's banner. The expectation does not move."""
    header, footer = _chrome(kind, text, expected, rng)
    return Result(header + text.rstrip("\n") + "\n" + footer, dict(expected))


def notice_header(text: str, expected: Expected, rng: random.Random) -> Result:
    """An office's 印发通知 before the report: its own title and date must not displace the report's."""
    county, short = expected["county"], expected["short_name"]
    year = expected["plan_year"] or (expected["year_under_review"] or 2000) + 1
    name = _title(text, expected)
    name = re.sub(r"^[(（]?[^()（）]*[)）]", "", name) if name.startswith(("(", "（")) else name
    notice = (
        f"{county}人民政府办公室关于印发《{name}》的通知\n{short[0]}政办发〔{year}〕{rng.randint(1, 30)}号\n"
        f"各乡镇人民政府，{county[-1]}政府各部门：\n"
        f"现将《{name}》印发给你们，请结合实际认真贯彻落实。\n"
        f"{county}人民政府办公室\n{year}年{rng.randint(2, 3)}月{rng.randint(10, 28)}日\n"
    )
    return Result(notice + text, dict(expected))


# ---------------------------------------------------------------------------------------------
# Layout


_LINE_NOISE = [" ", "  ", "\u3000", "\xa0", "\t", "\u200b", " \u3000"]


def hard_wrap(text: str, expected: Expected, width: int, rng: random.Random) -> Result:
    """Every line longer than ``width`` cut into ``width``-character lines (even inside numbers),
    as PDF extraction leaves them; stray whitespace at line ends and page numbers between pages."""
    out: list[str] = []
    page, since_page = 1, 0
    for line in text.split("\n"):
        body = line.strip()
        pieces = [body[i : i + width] for i in range(0, len(body), width)] if len(body) > width else [line]
        for piece in pieces:
            noise = rng.choice(_LINE_NOISE) if rng.random() < 0.3 else ""
            out.append(piece + noise)
            since_page += 1
            if since_page >= 38 and rng.random() < 0.3:
                out.append(rng.choice([f"- {page} -", f"— {page} —", f"第{page}页", f"第 {page} 页 共 27 页"]))
                page, since_page = page + 1, 0
    return Result("\n".join(out), dict(expected))


def one_line(text: str, expected: Expected, joiner: str = "") -> Result:
    """The whole report on one line (scrapers that drop every newline)."""
    parts = [ln.strip() for ln in text.split("\n") if ln.strip()]
    return Result(joiner.join(parts), dict(expected))


# ---------------------------------------------------------------------------------------------
# Containers and encodings


def as_html(text: str, expected: Expected, rng: random.Random, charset: str = "utf-8") -> Result:
    """A realistic page: <title>, nav, breadcrumb, one <p> per paragraph, footer, scripts."""
    county = expected["county"]
    title = _title(text, expected)
    paras = "\n".join(f"<p style=\"text-indent:2em\">{html.escape(ln.strip())}</p>" for ln in text.split("\n") if ln.strip())
    page = (
        f"<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"{charset}\">\n"
        f"<meta name=\"ArticleTitle\" content=\"{html.escape(title)}\">\n"
        f"<title>{html.escape(title)}_{county}人民政府</title>\n"
        "<link rel=\"stylesheet\" href=\"/css/main.css\">\n<style>.content p{line-height:2}</style>\n"
        "<script>var _hmt = _hmt || [];</script>\n</head>\n<body>\n"
        f"<header><div class=\"logo\">{county}人民政府</div></header>\n"
        "<nav><ul><li><a href=\"/\">首页</a></li><li><a href=\"/zwgk/\">政务公开</a></li>"
        "<li><a href=\"/hdjl/\">互动交流</a></li><li><a href=\"/bsfw/\">办事服务</a></li></ul></nav>\n"
        "<div class=\"crumb\">当前位置：<a href=\"/\">首页</a> &gt; <a href=\"/zwgk/\">政务公开</a> &gt; 政府工作报告</div>\n"
        f"<div class=\"content\">\n<h1>{html.escape(title)}</h1>\n"
        f"<div class=\"info\">来源：{county}人民政府办公室 浏览次数：{rng.randint(100, 5000)}</div>\n"
        f"{paras}\n</div>\n"
        "<div class=\"share\">分享到：</div>\n"
        f"<footer><p>版权所有：{county}人民政府办公室</p><p>网站标识码：{expected['adcode'][:6]}0001</p></footer>\n"
        "<script src=\"/js/jquery.min.js\"></script>\n</body>\n</html>\n"
    )
    if charset != "utf-8":
        return Result(page.encode(charset), dict(expected), suffix=".html")
    return Result(page, dict(expected), suffix=".html")


def gb18030(text: str, expected: Expected) -> Result:
    """The same text, saved as GB18030 bytes."""
    return Result(text.encode("gb18030"), dict(expected))


# ---------------------------------------------------------------------------------------------
# Groups: one parameter set applied to every seed


Step = Callable[[str, Expected], Result]


@dataclass
class Group:
    name: str
    steps: list[Step]
    text_level: bool  # each step keeps quotes verbatim in the raw text (no wrapping, encoding)


def _apply(steps: list[Step], text: str, expected: Expected) -> Result:
    data: str | bytes = text
    gold: GoldMap = _identity_map
    suffix = ".txt"
    for step in steps:
        if not isinstance(data, str):
            raise ValueError("an encoding step must come last")
        res = step(data, expected)
        data, expected, gold = res.data, res.expected, _compose(gold, res.gold)
        suffix = res.suffix if res.suffix != ".txt" else suffix
    return Result(data, expected, gold, suffix)


# Composition order: content, then script, then layout, then container and encoding.
ORDER = ["rename", "shift", "drop_suffix", "chrome", "notice", "traditional", "wrap", "oneline", "html", "gb18030"]
TEXT_LEVEL = {"rename", "shift", "drop_suffix", "chrome", "notice", "traditional"}


def _make_step(kind: str, rng: random.Random, counties: list[str]) -> Step:
    srng = random.Random(rng.random())
    if kind == "rename":
        plan = plan_renames(srng, counties)
        return lambda t, e: rename(t, e, plan)
    if kind == "shift":
        k = srng.choice([-7, -5, -3, -2, -1, 1, 2, 3])
        return lambda t, e: shift_years(t, e, k)
    if kind == "drop_suffix":
        return drop_suffix
    if kind.startswith("chrome"):
        site = kind.partition(":")[2] or srng.choice(["portal", "forum", "docsite"])
        return lambda t, e: swap_chrome(t, e, site, random.Random(srng.random()))
    if kind == "notice":
        return lambda t, e: notice_header(t, e, random.Random(srng.random()))
    if kind == "traditional":
        return traditional
    if kind.startswith("wrap"):
        width = int(kind.partition(":")[2] or srng.randint(28, 80))
        return lambda t, e: hard_wrap(t, e, width, random.Random(srng.random()))
    if kind.startswith("oneline"):
        joiner = " " if kind.endswith(":spaces") else ""
        return lambda t, e: one_line(t, e, joiner)
    if kind.startswith("html"):
        charset = kind.partition(":")[2] or "utf-8"
        return lambda t, e: as_html(t, e, random.Random(srng.random()), charset)
    if kind == "gb18030":
        return gb18030
    raise ValueError(kind)


def groups(seed: int = 0, counties: list[str] | None = None, compositions: int = 5) -> list[Group]:
    """Every single transformation (each wrap width, chrome kind, one-line joiner) and a few random
    compositions of 2-3, each with its own parameters."""
    rng = random.Random(seed)
    counties = counties or sorted({f[0] for f in SEED_FACTS.values()})
    width = rng.randint(29, 79)
    singles = ["identity", "rename", "shift", "traditional", "wrap:28", f"wrap:{width}", "wrap:80", "drop_suffix",
               "chrome:portal", "chrome:forum", "chrome:docsite", "notice", "html", "html:gb18030", "gb18030",
               "oneline", "oneline:spaces"]
    out = []
    for kind in singles:
        steps = [] if kind == "identity" else [_make_step(kind, rng, counties)]
        name = kind.replace(":", "-")
        out.append(Group(name, steps, kind.partition(":")[0] in TEXT_LEVEL | {"identity"}))
    seen = set()
    while len(seen) < compositions:
        n = rng.choice([2, 3, 3])
        kinds = sorted(rng.sample(ORDER, n), key=ORDER.index)
        layout = {"wrap", "oneline"} & set(kinds)
        if len(layout) > 1 or (layout and "html" in kinds) or tuple(kinds) in seen:
            continue
        seen.add(tuple(kinds))
        # An HTML page saved as GB18030 declares it: one step, not a page re-encoded afterwards.
        specs = ["html:gb18030" if k == "html" and "gb18030" in kinds else k for k in kinds
                 if not (k == "gb18030" and "html" in kinds)]
        steps = [_make_step(k, rng, counties) for k in specs]
        out.append(Group("+".join(kinds), steps, set(kinds) <= TEXT_LEVEL))
    return out


# ---------------------------------------------------------------------------------------------
# Corpus


def read_gold(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def map_gold(row: dict, gold_by_file: dict[str, GoldMap], rename_file: dict[str, str], group: str) -> dict:
    """A gold question moved like its documents: question, answer and required strings by the
    first document's mapping (a group maps shared names alike), each evidence quote by its own
    document's mapping."""
    files = [f for f in row.get("file", "").split(";") if f]
    primary = gold_by_file[files[0]] if files else next(iter(gold_by_file.values()))
    out = dict(row)
    out["id"] = f"{row['id']}@{group}"
    out["question"] = primary(row["question"], "question")
    out["answer"] = primary(row["answer"], "answer")
    out["must_contain"] = [primary(m, "must_contain") for m in row.get("must_contain") or []]
    if row.get("evidence"):
        quotes = row["evidence"].split(QUOTE_SEPARATOR)
        mapped = []
        for i, quote in enumerate(quotes):
            f = files[i] if i < len(files) else (files[-1] if files else None)
            fn = gold_by_file.get(f, primary) if f else primary
            lead = quote[: len(quote) - len(quote.lstrip())]
            trail = quote[len(quote.rstrip()) :]
            mapped.append(lead + fn(quote.strip(), "evidence") + trail)
        out["evidence"] = QUOTE_SEPARATOR.join(mapped)
    out["file"] = ";".join(rename_file[f] for f in files)
    return out


def _write_document(target: Path, data: str | bytes) -> None:
    """A transformed document: bytes as they are (GB18030), text as UTF-8."""
    if isinstance(data, bytes):
        target.write_bytes(data)
    else:
        target.write_text(data, "utf-8")


def _write_expectations(out_dir: Path, expected: dict, questions: list[dict]) -> None:
    """``expected.json`` (file -> metadata) and ``qa.jsonl`` (the moved gold questions)."""
    (out_dir / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1), "utf-8")
    with open(out_dir / "qa.jsonl", "w", encoding="utf-8") as fh:
        for row in questions:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def transform_corpus(seed_dir: Path, out_dir: Path, seed: int = 0, only: list[str] | None = None,
                     qa: Path | None = None) -> dict:
    """Write every seed x every group (``only``: those groups) into ``out_dir`` with
    ``expected.json`` (file -> expected metadata, plus its group and seed) and ``qa.jsonl``
    (the gold questions of ``qa`` or ``seed_dir/eval/qa.jsonl``, moved per group).
    Returns {"expected": ..., "groups": [names], "questions": n}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    seeds = {p.name.split("_")[0]: p for p in sorted(seed_dir.glob("*.txt")) if p.name.split("_")[0] in SEED_FACTS}
    texts = {prefix: p.read_text("utf-8") for prefix, p in seeds.items()}
    base = seed_expectations()
    gold_rows = read_gold(qa or seed_dir / "eval" / "qa.jsonl")
    expected_all: dict[str, dict] = {}
    questions: list[dict] = []
    chosen = [g for g in groups(seed) if only is None or g.name in only]
    for group in chosen:
        gold_by_file: dict[str, GoldMap] = {}
        names: dict[str, str] = {}
        for prefix, path in seeds.items():
            res = _apply(group.steps, texts[prefix], base[prefix])
            name = f"{prefix}.{group.name}{res.suffix}"
            _write_document(out_dir / name, res.data)
            expected_all[name] = {**res.expected, "group": group.name, "seed": path.name, "text_level": group.text_level}
            gold_by_file[path.name] = res.gold
            names[path.name] = name
        questions.extend(map_gold(row, gold_by_file, names, group.name) for row in gold_rows)
    _write_expectations(out_dir, expected_all, questions)
    return {"expected": expected_all, "groups": [g.name for g in chosen], "questions": len(questions)}


def mixed_corpus(seed_dir: Path, out_dir: Path, seed: int = 0, qa: Path | None = None) -> dict:
    """One transformed copy of each seed, for the answer eval: every document moved to another
    county (one plan for the corpus) and by one year shift, then each given its own random mix of
    script, suffix, chrome, header, layout and encoding. The gold questions move with their
    documents, so the eval on this corpus is comparable with the eval on the seeds."""
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    seeds = {p.name.split("_")[0]: p for p in sorted(seed_dir.glob("*.txt")) if p.name.split("_")[0] in SEED_FACTS}
    base = seed_expectations()
    counties = sorted({f[0] for f in SEED_FACTS.values()})
    shared = [_make_step("rename", rng, counties), _make_step("shift", rng, counties)]
    extras = ["drop_suffix", "chrome", "notice", "traditional", "wrap", "oneline", "html", "gb18030"]
    expected_all: dict[str, dict] = {}
    gold_by_file: dict[str, GoldMap] = {}
    names: dict[str, str] = {}
    for prefix, path in seeds.items():
        while True:
            kinds = sorted(rng.sample(extras, rng.choice([1, 2, 2, 3])), key=ORDER.index)
            layout = {"wrap", "oneline"} & set(kinds)
            if len(layout) <= 1 and not (layout and "html" in kinds):
                break
        specs = ["html:gb18030" if k == "html" and "gb18030" in kinds else k for k in kinds
                 if not (k == "gb18030" and "html" in kinds)]
        res = _apply(shared + [_make_step(k, rng, counties) for k in specs], path.read_text("utf-8"), base[prefix])
        group = "+".join(["rename", "shift", *kinds])
        name = f"{prefix}.mixed{res.suffix}"
        _write_document(out_dir / name, res.data)
        expected_all[name] = {**res.expected, "group": group, "seed": path.name, "text_level": False}
        gold_by_file[path.name], names[path.name] = res.gold, name
    rows = [map_gold(row, gold_by_file, names, "mixed") for row in read_gold(qa or seed_dir / "eval" / "qa.jsonl")]
    _write_expectations(out_dir, expected_all, rows)
    return {"expected": expected_all, "groups": sorted({e["group"] for e in expected_all.values()}), "questions": len(rows)}


__all__ = [
    "CHECKED", "Group", "RenamePlan", "Result", "as_html", "drop_suffix", "expected_for", "gb18030", "groups",
    "hard_wrap", "map_gold", "mixed_corpus", "notice_header", "one_line", "plan_renames", "rename", "seed_expectations",
    "shift_years", "shift_years_in", "swap_chrome", "traditional", "transform_corpus",
]
