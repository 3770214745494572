"""Read report files, strip web-scraping noise, re-join hard-wrapped lines and derive metadata.

The rules here are about the *kinds* of noise Chinese government pages carry (forum chrome,
site footers, document-site banners, PDF line wrapping), never about particular files.
"""

from __future__ import annotations

import hashlib
import json
import re
import stat
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

from rag.errors import InputError
from rag.text import strip_controls, strip_pinyin_glosses

SUPPORTED_SUFFIXES = {".txt", ".md", ".html", ".htm"}

# Sentence-final punctuation: a line ending in one of these ends its paragraph.
SENTENCE_END = "。！？；：:;!?」”』)）>》"

CJK = r"\u4e00-\u9fff"

# Closing quotes and brackets, and semicolons: at the wrap margin they do not end a paragraph.
_CLOSERS = "」”』)）>》；;"
# Punctuation no line of prose starts with: such a line was cut off the one above.
_CONTINUES = "。，、；：！？,;:!?」”』)）》%"

# Lines that are site chrome when they stand (nearly) alone on a line. Matched against the
# whole stripped line, so report sentences that merely contain these words survive.
def _chrome_pattern() -> re.Pattern:
    """One whole-line pattern from ``rag/data/site_chrome.toml`` (the site furniture lists, with their sources)."""
    import tomllib

    data = tomllib.loads((Path(__file__).parent / "data" / "site_chrome.toml").read_text("utf-8"))
    patterns = [p for group in data["group"] for p in group["patterns"]]
    return re.compile("^(?:" + "|".join(patterns) + ")$", re.IGNORECASE)


_CHROME_LINE = _chrome_pattern()

# Page numbers a PDF leaves between pages ("- 3 -", "— 3 —", "第3页 共27页", "3/27"): layout, not
# structure, so they go without ending the paragraph that runs across the page break.
_PAGE_NUMBER = re.compile(
    r"^(?:[-－—–]+\s*\d{1,4}\s*[-－—–]+|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})$"
)

# Long boilerplate paragraphs (disclaimers) recognised by how they start.
_BOILERPLATE_START = re.compile(
    r"^(?:本文仅代表|本站声明|免责声明|声明[:：]|凡注明为|版权声明|转载请注明|如有侵权|"
    r"本网站所刊登|未经许可,?不得转载)"
)

HEADING_L1 = re.compile(r"^[一二三四五六七八九十]+、")
HEADING_L2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
HEADING_NUM = re.compile(r"^\d{1,2}[.．、](?!\d)")
HEADING_DASH = re.compile(r"^——")
GLOSSARY = re.compile(r"^(?:附[:：]?\s*)?名词解释[:：]?$")


def is_heading_line(line: str) -> bool:
    """True for lines that open a section (一、 / (一) / 1. / —— / 名词解释)."""
    return bool(
        HEADING_L1.match(line)
        or HEADING_L2.match(line)
        or HEADING_NUM.match(line)
        or HEADING_DASH.match(line)
        or GLOSSARY.match(line)
    )


@dataclass
class DocMeta:
    """What we could tell about a document; any field may be empty.

    ``county`` is the document's own place, full name from the division table (a county, or a
    prefecture for a prefecture's report); ``sources`` says for each field where it came from:
    title, filename, text, division table, override, or unknown.
    """

    county: str = ""
    adcode: str = ""
    short_name: str = ""
    province: str = ""
    prefecture: str = ""
    doc_type: str = ""
    title: str = ""
    year_under_review: int | None = None
    plan_year: int | None = None
    meeting: str = ""
    chair: str = ""
    date: str = ""
    speaker: str = ""
    sources: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Plain dict for JSON output; ``sources`` as a JSON string so Chroma metadata can hold it."""
        out = asdict(self)
        out["sources"] = json.dumps(self.sources, ensure_ascii=False, sort_keys=True)
        return out


@dataclass
class Document:
    """A cleaned report and what cleaning removed."""

    path: Path
    text: str
    meta: DocMeta
    content_hash: str
    removed: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The file name, as shown in citations."""
        return self.path.name


# ---------------------------------------------------------------------------------------------
# Decoding


# Big5 (Taiwan, Hong Kong and Macao sites; cp950 is Windows' Big5, HKSCS Hong Kong's) after
# GB18030. GB18030 decodes almost any byte string, Big5 bytes included, as garbled rare
# characters; so when both decode, the reading whose characters are common Chinese wins.
_BIG5 = ("cp950", "big5hkscs")
# A real report has about 99% of its Han characters in GB2312 once in simplified script; Big5
# read as GB18030 (or the reverse) has under half. Below this share neither reading is trusted.
_MIN_COMMON = 0.8


def decode_bytes(data: bytes, source: str = "file") -> str:
    """Decode UTF-8 (with or without BOM), GB18030/GBK or Big5; refuse binary and unknown encodings."""
    if not data.strip():
        raise InputError(f"{source} is empty: nothing to index.")
    head = data[:8192]
    if b"\x00" in head:
        raise InputError(f"{source} looks binary (NUL bytes): give a .txt, .md or .html report.")
    text = _decode(data, source)
    controls = sum(1 for ch in text[:4096] if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f")
    if controls > max(8, len(text[:4096]) // 50):
        raise InputError(f"{source} looks binary (control characters): give a text report.")
    return text


def _decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    readings: dict[str, str] = {}
    for encoding in ("gb18030", *_BIG5):
        if encoding in _BIG5 and any(e in readings for e in _BIG5):
            continue
        try:
            readings[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    if not readings:
        raise InputError(f"{source} is neither UTF-8 nor GB18030/GBK nor Big5: re-save it as UTF-8 and retry.")
    scores = {encoding: common_han_share(text) for encoding, text in readings.items()}
    best = max(scores, key=scores.get)
    if scores[best] < _MIN_COMMON:  # e.g. Big5 with a byte outside Big5, which only GB18030 decodes
        tried = " and as ".join("GB18030" if e == "gb18030" else "Big5" for e in readings)
        raise InputError(f"{source} reads as garbled text as {tried} (only {scores[best]:.0%} common characters): "
                         f"re-save it as UTF-8 and retry.")
    return readings[best]


def common_han_share(text: str, sample: int = 20000) -> float:
    """Share of the Han characters among the first ``sample`` that are common ones (GB2312, in simplified script).

    Text with under 50 Han characters counts as 1.0: too little to call garbled.
    """
    from rag.places import normalize as to_simplified

    han = [ch for ch in to_simplified(text[:sample]) if "\u4e00" <= ch <= "\u9fff"]
    return sum(map(_in_gb2312, han)) / len(han) if len(han) >= 50 else 1.0


@cache
def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


class _TextFromHTML(HTMLParser):
    """Collect visible text, one line per block element; drop scripts, styles and nav."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article"}
    SKIP = {"script", "style", "nav", "header", "footer", "noscript", "iframe"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip_depth += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip_depth:
            self._skip_depth -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML page with block elements on their own lines.

    A block boundary is one line break, not a blank line: pages converted from PDFs put every
    wrapped line in its own ``<p>`` or ``<div>``, and whether a break ends a paragraph is then
    decided as for a text file (by punctuation and line widths), not by the markup.
    """
    parser = _TextFromHTML()
    parser.feed(html)
    return re.sub(r"\n(?:[ \t\u3000\xa0]*\n)+", "\n", "".join(parser.parts))


# ---------------------------------------------------------------------------------------------
# Cleaning


def normalize_whitespace(line: str) -> str:
    """NBSP and ideographic spaces to plain spaces; drop the spaces PDF extraction puts
    between Chinese and digits (``2023 年`` -> ``2023年``); collapse runs."""
    line = line.replace("\u00a0", " ").replace("\u3000", " ").replace("\u200b", "").replace("\ufeff", "")
    line = re.sub(r"[ \t]+", " ", line).strip().lstrip("•·▪●◆■□○").strip()
    line = re.sub(rf"(?<=[{CJK}，。、；：“”（）,:;%])\s+(?=[0-9A-Za-z“（(])", "", line)
    line = re.sub(rf"(?<=[0-9A-Za-z%”）)])\s+(?=[{CJK}，。、；：“”（）,:;%])", "", line)
    wide = rf"[{CJK}，。、；：“”‘’（）《》！？【】—…]"
    line = re.sub(rf"(?<={wide})\s+(?={wide})", "", line)
    return line


# A line this long that has a full stop is report prose even if it starts like chrome ("设为首页…"
# glued to the report when a scraper dropped the line breaks): chrome lines are short.
CHROME_MAX_CHARS = 120

# A line this long is not a paragraph but a whole page whose line breaks were lost.
RUN_ON_CHARS = 2000


def _is_noise(line: str) -> bool:
    if _BOILERPLATE_START.match(line):
        return True
    if len(line) > CHROME_MAX_CHARS and re.search(r"[。！？]", line):
        return False
    return bool(_CHROME_LINE.match(line))


def _drop_noise_spans(line: str) -> tuple[str, list[str]]:
    """A long line's sentences that are boilerplate or chrome, cut out: (the rest, the sentences cut).

    The rules above judge a whole line, which is right for a page with its line breaks; a
    scraper that dropped them glues a disclaimer or a breadcrumb to the report (免责声明：….利川市
    2024年政府工作报告…), and judging that line whole deleted the report with its chrome. Here
    each sentence (up to 。！？) is judged on its own, so only the chrome's sentences go.
    """
    kept, cut = [], []
    for span in re.split(r"(?<=[。！？])", line):
        if span.strip() and _is_noise(span.strip()):
            cut.append(span.strip())
        else:
            kept.append(span)
    return ("".join(kept).strip(), cut) if cut else (line, [])


def _split_run_on(line: str) -> list[str]:
    """A page that lost its line breaks, cut back into sentences (a sentence ends at 。！？)."""
    if len(line) <= RUN_ON_CHARS:
        return [line]
    return [s for s in re.split(r"(?<=[。！？])", line) if s.strip()]


def _looks_wrapped(lines: list[str]) -> tuple[bool, int]:
    """Hard-wrapped text (PDF extraction) has many long-ish lines that stop mid-sentence."""
    content = [ln for ln in lines if len(ln) >= 8]
    if len(content) < 20:
        return False, 0
    open_ended = [ln for ln in content if ln[-1] not in SENTENCE_END]
    lengths = sorted(len(ln) for ln in content)
    width = lengths[int(len(lengths) * 0.9)]
    # Wrapped lines run to about the same width (PDFs wrap at 20 to 90 characters); paragraphs
    # one to a line are far longer and mostly end their sentence.
    return len(open_ended) / len(content) >= 0.4 and width <= 90, width


def _rejoin_wrapped(lines: list[str], width: int) -> list[str]:
    """Join lines that a PDF wrapped mid-sentence (even mid-number) back into paragraphs.

    Each paragraph grows as a list of lines, joined once at the end: the lines are already
    normalised and stripped, so a junction adds no whitespace to normalise, and re-normalising
    the whole paragraph at every join was quadratic in its length.
    """
    paragraphs: list[list[str]] = []
    prev_len, prev_last = 0, ""  # the paragraph being built: its length and last character
    last_raw_len = 0
    for line in lines:
        if not line:
            last_raw_len = 0
            paragraphs.append([])
            prev_len, prev_last = 0, ""
            continue
        # A closing quote, bracket or semicolon ends a paragraph only short of the margin: a line that
        # runs to the wrap width and ends in ” or ； was cut there (“小城市、大农村”|特征突出).
        ended = prev_len and prev_last in SENTENCE_END and not (prev_last in _CLOSERS and last_raw_len >= 0.9 * width)
        if prev_len and line[0] in _CONTINUES:  # a line opening on 。 or ， continues the one above
            paragraphs[-1].append(line)
            prev_len, prev_last = prev_len + len(line), line[-1]
            last_raw_len = len(line)
            continue
        can_join = (
            prev_len
            and not ended
            and not is_heading_line(line)
            # A heading line stands alone unless it runs to the wrap width (then it wrapped).
            and not (prev_len < 0.8 * width and is_heading_line("".join(paragraphs[-1])))
            and (last_raw_len >= 0.6 * width or prev_len > last_raw_len)
        )
        if can_join:
            paragraphs[-1].append(line)
            prev_len, prev_last = prev_len + len(line), line[-1]
        else:
            paragraphs.append([line])
            prev_len, prev_last = len(line), line[-1]
        last_raw_len = len(line)
    return ["".join(parts) for parts in paragraphs]


# Finding an earlier copy of a paragraph's opening: the text so far is indexed by the _GRAM
# characters at every _STEP-th position, so each lookup costs _STEP dictionary probes however
# long the document is (a substring search of everything before each paragraph was quadratic:
# 16 MB took a minute). Any copy of _GRAM + _STEP - 1 or more characters covers an indexed
# position; a gram seen more than _BUCKET times keeps only its first positions, the earliest
# copies, which are the ones a repeat is compared with.
_GRAM, _STEP, _BUCKET = 16, 32, 4
_PROBE_MIN, _PROBE_CHARS = 60, 80


def _drop_duplicate_abstracts(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Document sites append an abstract that repeats the report's opening; drop such copies.

    A paragraph goes when the first 80 characters of its squashed form (60 at least) occur
    anywhere in the text before it, or when it repeats the paragraph kept just above it. A teaser
    that comes first, the text's opening cut off mid-sentence a line or three above the text
    itself, is the copy that goes: the full text after it stays.
    Linear in the length of the document.
    """
    squashed = [re.sub(r"\s+", "", p) for p in paragraphs]
    joined = "".join(squashed)
    grams: dict[str, list[int]] = {}
    indexed = 0  # positions below this (multiples of _STEP) are in ``grams``
    end = 0  # ``joined[:end]`` is the text before the current paragraph
    kept, removed = [], []
    kept_flat: list[str] = []  # the squashed form of each paragraph kept
    for para, flat in zip(paragraphs, squashed):
        while indexed + _GRAM <= end:
            bucket = grams.setdefault(joined[indexed : indexed + _GRAM], [])
            if len(bucket) < _BUCKET:
                bucket.append(indexed)
            indexed += _STEP
        probe = flat.rstrip(".。…")[:_PROBE_CHARS]
        start, end = end, end + len(flat)
        teaser = _teaser_above(flat, kept_flat[-_TEASER_REACH:])
        if teaser is not None:
            # The page's teaser came first and the full text after it: the teaser goes, the text stays.
            at = len(kept) - len(kept_flat[-_TEASER_REACH:]) + teaser
            removed.append(kept.pop(at))
            kept_flat.pop(at)
            kept.append(para)
            kept_flat.append(flat)
            continue
        # The copy comes after the original; compare a prefix because the abstract is truncated.
        if len(probe) >= _PROBE_MIN and _occurs_before(probe, joined, start, grams):
            removed.append(para)
            continue
        if kept and para == kept[-1]:  # a banner title repeated right above the real one
            removed.append(para)
            continue
        kept.append(para)
        kept_flat.append(flat)
    return kept, removed


_TEASER_REACH = 3  # paragraphs above a text where its teaser may stand (title and site stamp between)


def _teaser_above(flat: str, above: list[str]) -> int | None:
    """The index in ``above`` of a truncated copy of ``flat``'s opening (a site's teaser, cut off
    mid-sentence: …并请县), or None. Only a teaser of _PROBE_MIN characters or more counts."""
    for i, prev in enumerate(above):
        stem = prev.rstrip(".。…")
        if len(stem) >= _PROBE_MIN and len(flat) > len(prev) and flat.startswith(stem):
            return i
    return None


def _occurs_before(probe: str, joined: str, limit: int, grams: dict[str, list[int]]) -> bool:
    """True when ``probe`` (at least _GRAM + _STEP - 1 characters) occurs in ``joined[:limit]``."""
    for offset in range(_STEP):
        for position in grams.get(probe[offset : offset + _GRAM], ()):
            begin = position - offset
            if begin >= 0 and begin + len(probe) <= limit and joined.startswith(probe, begin):
                return True
    return False


def clean_text(raw: str, *, markdown: bool = False) -> tuple[str, list[str]]:
    """Return (clean text with one paragraph per line, the lines that were removed)."""
    removed: list[str] = []
    lines = []
    # Terminal escapes and other controls inside a document never reach the store (issue 12, found 8).
    raw_lines = strip_controls(raw.replace("\r\n", "\n").replace("\r", "\n")).split("\n")
    for piece in (p for raw_line in raw_lines for p in _split_run_on(raw_line)):
        # Pinyin glosses (戰(zhàn)略) split the words every reader matches: they go at cleaning.
        line = strip_pinyin_glosses(normalize_whitespace(piece))
        if markdown:
            line = re.sub(r"^#{1,6}\s*", "", line)
        if line and _PAGE_NUMBER.match(line):
            removed.append(line)
            continue
        if len(line) > CHROME_MAX_CHARS:
            line, cut = _drop_noise_spans(line)
            removed.extend(cut)
            if not line:
                lines.append("")
                continue
        if line and _is_noise(line):
            removed.append(line)
            lines.append("")  # removed chrome still separates paragraphs
            continue
        lines.append(line)
    wrapped, width = _looks_wrapped([ln for ln in lines if ln])
    paragraphs = _rejoin_wrapped(lines, width) if wrapped else lines
    paragraphs = [p for p in paragraphs if p]
    paragraphs, dupes = _drop_duplicate_abstracts(paragraphs)
    removed.extend(dupes)
    return "\n".join(paragraphs), removed


# ---------------------------------------------------------------------------------------------
# Metadata

# The fields an override (``index --place/--year/--type`` or a ``FILE.meta.toml`` sidecar) may set.
OVERRIDE_KEYS = {"place", "year", "type", "review_year", "plan_year"}


def extract_metadata(text: str, filename: str | None = None, overrides: dict | None = None) -> DocMeta:
    """Place (from the national division table), type, years, meeting, date and speaker.

    ``rag.identity`` decides place, type, years, date and meeting, each with its source; a field
    it cannot settle stays empty and its source "unknown". ``overrides`` win over both.
    """
    from rag.identity import identify

    found = identify(text, filename=filename)
    meta = DocMeta(title=found.title[:60])
    place = found.place.value
    if place is not None:
        meta.county, meta.adcode, meta.short_name = place.name, place.adcode, place.short
    meta.province = found.province.value or ""
    meta.prefecture = found.prefecture.value or ""
    meta.doc_type = found.doc_type.value or ""
    meta.year_under_review = found.review_year.value
    meta.plan_year = found.plan_year.value
    meta.date = found.date.value or ""
    meta.meeting = found.meeting.value or ""
    meta.chair = found.chair.value or ""
    meta.sources = {"county": found.place.source, "province": found.province.source,
                    "prefecture": found.prefecture.source, "doc_type": found.doc_type.source,
                    "year_under_review": found.review_year.source, "plan_year": found.plan_year.source,
                    "date": found.date.source, "meeting": found.meeting.source, "chair": found.chair.source}
    speaker = find_speaker(text)
    if speaker:
        meta.speaker = speaker
        meta.sources["speaker"] = "text"
    if overrides:
        apply_overrides(meta, overrides)
    return meta


# Who delivers a report: an office title (县长, 代州长, 区长(提名人选), 财政局局长), then a name of two
# to four characters, or a minority name joined by · (木合塔尔·丝迪克), ending the line or followed
# by what a speaker does (作, 代表, 向大会, 在会上). Matched in simplified script.
_OFFICE = r"(?:代理?)?(?:[县市区州旗盟]长|局长|主任|(?<!总)书记)(?:[(（][^)）\n]{1,8}[)）])?"
_NAME = rf"[{CJK}]{{1,8}}·[{CJK}]{{1,8}}|[{CJK}](?:\s?[{CJK}]){{1,3}}?"
_SPEAKER = re.compile(rf"{_OFFICE}[ \t　]*({_NAME})(?=[ \t　]*$|作了?(?:政府|报告|讲话|重要讲话|说明|工作报告)|代表|各位|向大会|向会议|在会|在大会|同志)", re.M)


def find_speaker(text: str, head_chars: int = 1500) -> str:
    """The name of whoever delivers the report, from its opening ('' when the text does not say)."""
    from rag.places import normalize as to_simplified

    head = text[:head_chars]
    found = _SPEAKER.search(to_simplified(head))  # same length: the name is cut from the original
    return re.sub(r"\s+", "", head[found.start(1):found.end(1)]) if found else ""


def apply_overrides(meta: DocMeta, overrides: dict) -> None:
    """Set the fields a user gave; the place is looked up in the division table (黎平 → 黎平县)."""
    from rag.places import resolve

    unknown = set(overrides) - OVERRIDE_KEYS
    if unknown:
        raise InputError(f"unknown metadata override {', '.join(sorted(unknown))}: use {', '.join(sorted(OVERRIDE_KEYS))}.")
    if overrides.get("place"):
        name = str(overrides["place"])
        matches = resolve(name)
        if len(matches) != 1:
            hint = "、".join(f"{d.name}（{d.province}{d.prefecture or ''}）" for d in matches[:5])
            raise InputError(f"place {name!r} " + (f"is ambiguous: {hint}; give the full name." if matches
                                                  else "is not in the national division table: check the name."))
        place = matches[0]
        meta.county, meta.adcode, meta.short_name = place.name, place.adcode, place.short
        meta.province, meta.prefecture = place.province or "", place.prefecture or ""
        meta.sources.update(county="override", province="division table", prefecture="division table")
    if overrides.get("type"):
        from rag.identity import DOC_TYPES

        if overrides["type"] not in DOC_TYPES:
            raise InputError(f"unknown document type {overrides['type']!r}: use one of {', '.join(DOC_TYPES)}.")
        meta.doc_type, meta.sources["doc_type"] = overrides["type"], "override"
    if overrides.get("year"):
        # A report's year is the year it plans; a statistics communiqué's is the year it reports.
        year = _override_year(overrides["year"], "year")
        if meta.doc_type == "统计公报":
            meta.year_under_review, meta.plan_year = year, None
        else:
            meta.plan_year, meta.year_under_review = year, year - 1
        meta.sources.update(year_under_review="override", plan_year="override")
    for key, attr in (("review_year", "year_under_review"), ("plan_year", "plan_year")):
        if overrides.get(key):
            setattr(meta, attr, _override_year(overrides[key], key))
            meta.sources[attr] = "override"


def _override_year(value, key: str) -> int:
    """A year given by the user (flag or sidecar), checked: 1949-2100."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        year = 0
    if not 1949 <= year <= 2100:
        raise InputError(f"metadata override {key} = {value!r} is not a year: give four digits, e.g. 2024.")
    return year


def read_sidecar(path: Path) -> dict:
    """Overrides from ``FILE.meta.toml`` (or ``FILE.txt.meta.toml``) next to a report, if present."""
    import tomllib

    for sidecar in (path.with_suffix(".meta.toml"), path.with_name(path.name + ".meta.toml")):
        if sidecar.is_file():
            try:
                return tomllib.loads(sidecar.read_text("utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise InputError(f"{sidecar} is not valid TOML ({exc}): fix or remove it.") from None
            except OSError as exc:
                raise InputError(f"{sidecar} cannot be read ({exc.strerror or exc}): check its permissions.") from None
    return {}


# ---------------------------------------------------------------------------------------------
# Files


def iter_report_files(paths: list[Path]) -> list[Path]:
    """Expand folders into supported files, sorted; a missing path is an error."""
    files: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"{path} does not exist: check the path.")
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES)
        else:
            files.append(path)
    return files


def read_report_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of one report file; missing, unreadable, special and oversized files are an ``InputError``.

    The size is checked before reading, so a file over the limit costs nothing; a FIFO or device
    is refused rather than read (reading one can block forever).
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"{path} is a folder: give a file.")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{path} is not a regular file (a pipe, socket or device): give a report file.")
        if max_bytes is not None and info.st_size > max_bytes:
            raise InputError(f"{path} is {info.st_size / 2**20:.3g} MB, over the {max_bytes / 2**20:.3g} MB limit for one "
                             f"file: split it, or raise GOVBRIEF_INGEST__MAX_FILE_MB.")
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist: check the path.") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder: give a file.") from None
    except OSError as exc:  # permissions, I/O errors, a file vanishing mid-read
        raise InputError(f"{path} cannot be read ({exc.strerror or exc}): check its permissions.") from None


def load_document(path: Path, overrides: dict | None = None, *, max_bytes: int | None = None) -> Document:
    """Read, decode, clean and describe one report file.

    Metadata overrides come from a ``FILE.meta.toml`` sidecar, then from ``overrides`` (the
    command line). They are part of the content hash, so changing one re-indexes the file.
    ``max_bytes`` refuses larger files before reading them (``ingest.max_file_mb``).
    """
    raw = decode_bytes(read_report_bytes(path, max_bytes), source=str(path))
    if path.suffix.lower() in {".html", ".htm"}:
        raw = html_to_text(raw)
    text, removed = clean_text(raw, markdown=path.suffix.lower() == ".md")
    if len(re.findall(rf"[{CJK}]", text)) < 20:
        raise InputError(f"{path} has no Chinese report text after cleaning: is it the right file?")
    given = {**read_sidecar(path), **{k: v for k, v in (overrides or {}).items() if v}}
    digest = hashlib.sha256(text.encode("utf-8"))
    if given:
        digest.update(json.dumps(given, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8"))
    meta = extract_metadata(text, filename=path.name, overrides=given)
    return Document(path=path, text=text, meta=meta, content_hash=digest.hexdigest(), removed=removed)
