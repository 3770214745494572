"""Read report files, strip web-scraping noise, re-join hard-wrapped lines and derive metadata.

The rules here are about the *kinds* of noise Chinese government pages carry (forum chrome,
site footers, document-site banners, PDF line wrapping), never about particular files.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from rag.errors import InputError

SUPPORTED_SUFFIXES = {".txt", ".md", ".html", ".htm"}

# Sentence-final punctuation: a line ending in one of these ends its paragraph.
SENTENCE_END = "。！？；：:;!?」”』)）>》"

CJK = r"\u4e00-\u9fff"

# Lines that are site chrome when they stand (nearly) alone on a line. Matched against the
# whole stripped line, so report sentences that merely contain these words survive.
_CHROME_LINE = re.compile(
    r"^(?:"
    r"导航菜单|设为首页.*|收藏本站|网站首页|首页|当前位置.*|您的位置.*|"
    r"查看[:：]\s*\d+.*|回复[:：]\s*\d+|\[复制链接\]|复制链接|阅读模式|"
    r"TA的每日心情|签到天数[:：].*|\[LV\.\d+\].*|Rank[:：].*|"
    r"\d+(?:\.\d+)?万?|主题|帖子|积分|版主|管理员|注册会员|奋斗|开心|"
    r"\d+\s*(?:小时|分钟|天)前|"
    r"发表于.*|.*显示全部楼层.*|.*只看该作者.*|"
    r"您需要登录后才可以回帖.*|本版积分规则|客服中心|关闭|在线时间[:：]?|"
    r"周[一二三四五六日]\s*[~～至-]\s*周[一二三四五六日]|\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}|"
    r"联系电话[:：]?.*|在线咨询|Powered by.*|快速回复.*|返回顶部.*|返回列表|"
    r"来源[:：].{0,30}|浏览[:：]?\s*\d*|作者[:：].{0,20}|编辑[:：].{0,20}|责任编辑[:：].{0,20}|"
    r"收藏\s*打印.*|打印\s*关闭.*|字号[:：].*|【?\s*字体[:：].*|分享到[:：]?.*|"
    r"扫一扫.*|主办[:：].*|承办[:：].*|.*网站标识码.*|.*公网安备.*|.*ICP备.*|.*ICP证.*|"
    r"版权所有.*|Copyright.*|©.*|"
    r"本文地址[:：].*|留言与评论.*|验证码[:：]?.*|发表评论|相关阅读|上一篇[:：].*|下一篇[:：].*|"
    r"VIP专免|VIP|\d+\+|\d+(?:\.\d+)?\s*[KMG]B|\d+\s*页|海报|侵权投诉|举报|下载|"
    r"标签[:：].*|摘要[:：]?|展开\s*>>|收起\s*<<|"
    r"\d{4}-\d{1,2}-\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?|[\d-]{7,}"
    r")$",
    re.IGNORECASE,
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
    """What we could tell about a document; any field may be empty."""

    county: str = ""
    province: str = ""
    prefecture: str = ""
    doc_type: str = ""
    title: str = ""
    year_under_review: int | None = None
    plan_year: int | None = None
    meeting: str = ""
    date: str = ""
    speaker: str = ""

    def to_dict(self) -> dict:
        """Plain dict for JSON output and Chroma metadata (no None values there)."""
        return asdict(self)


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


def decode_bytes(data: bytes, source: str = "file") -> str:
    """Decode UTF-8 (with or without BOM) or GB18030/GBK; refuse binary and unknown encodings."""
    if not data.strip():
        raise InputError(f"{source} is empty: nothing to index.")
    head = data[:8192]
    if b"\x00" in head:
        raise InputError(f"{source} looks binary (NUL bytes): give a .txt, .md or .html report.")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text[:4096] if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f")
        if controls > max(8, len(text[:4096]) // 50):
            raise InputError(f"{source} looks binary (control characters): give a text report.")
        return text
    raise InputError(f"{source} is neither UTF-8 nor GB18030/GBK: re-save it as UTF-8 and retry.")


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
    """Visible text of an HTML page with block elements on their own lines."""
    parser = _TextFromHTML()
    parser.feed(html)
    return "".join(parser.parts)


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


def _is_noise(line: str) -> bool:
    return bool(_CHROME_LINE.match(line) or _BOILERPLATE_START.match(line))


def _looks_wrapped(lines: list[str]) -> tuple[bool, int]:
    """Hard-wrapped text (PDF extraction) has many long-ish lines that stop mid-sentence."""
    content = [ln for ln in lines if len(ln) >= 8]
    if len(content) < 20:
        return False, 0
    open_ended = [ln for ln in content if ln[-1] not in SENTENCE_END]
    lengths = sorted(len(ln) for ln in content)
    width = lengths[int(len(lengths) * 0.9)]
    return len(open_ended) / len(content) >= 0.4 and width <= 60, width


def _rejoin_wrapped(lines: list[str], width: int) -> list[str]:
    """Join lines that a PDF wrapped mid-sentence (even mid-number) back into paragraphs."""
    paragraphs: list[str] = []
    last_raw_len = 0
    for line in lines:
        if not line:
            last_raw_len = 0
            paragraphs.append("")
            continue
        prev = paragraphs[-1] if paragraphs else ""
        can_join = (
            prev
            and prev[-1] not in SENTENCE_END
            and not is_heading_line(line)
            # A heading line stands alone unless it runs to the wrap width (then it wrapped).
            and not (is_heading_line(prev) and len(prev) < 0.8 * width)
            and (last_raw_len >= 0.6 * width or len(prev) > last_raw_len)
        )
        if can_join:
            paragraphs[-1] = normalize_whitespace(prev + line)
        else:
            paragraphs.append(line)
        last_raw_len = len(line)
    return paragraphs


def _drop_duplicate_abstracts(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Document sites append an abstract that repeats the report's opening; drop such copies."""
    squashed = [re.sub(r"\s+", "", p) for p in paragraphs]
    kept, removed = [], []
    for i, (para, flat) in enumerate(zip(paragraphs, squashed)):
        probe = flat.rstrip(".。…")
        # The copy comes after the original; compare a prefix because the abstract is truncated.
        if len(probe) >= 60 and probe[:80] in "".join(squashed[:i]):
            removed.append(para)
            continue
        if kept and para == kept[-1]:  # a banner title repeated right above the real one
            removed.append(para)
            continue
        kept.append(para)
    return kept, removed


def clean_text(raw: str, *, markdown: bool = False) -> tuple[str, list[str]]:
    """Return (clean text with one paragraph per line, the lines that were removed)."""
    removed: list[str] = []
    lines = []
    for raw_line in raw.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = normalize_whitespace(raw_line)
        if markdown:
            line = re.sub(r"^#{1,6}\s*", "", line)
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

PROVINCES = ["北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门"]

_NAME = rf"[{CJK}]{{1,5}}?[县市区旗]"
_PLACE_BEFORE = re.compile(
    rf"(?:中国共产党|中共)?(?P<name>{_NAME})(?=人民政府|政府工作报告|\d{{4}}年政府工作报告|第[一二三四五六七八九十]+届|委员会|人民代表大会|经济社会发展)"
)
_BAD_NAME_START = re.compile(r"^(?:.*?年|.*?省|.*?代表|.*?召开|.*?[）)\]】]|关于|全|本|我|各|在|的|和|与|及)")


def _county_candidates(text: str) -> list[str]:
    names = []
    for m in _PLACE_BEFORE.finditer(text):
        name = _BAD_NAME_START.sub("", m.group("name"))
        if 2 <= len(name) <= 6 and name[:-1] and not name.startswith(("县", "市", "区")):
            names.append(name)
    return names


def extract_metadata(text: str) -> DocMeta:
    """Derive county, type, years, meeting, date and speaker from the cleaned text."""
    meta = DocMeta()
    head = text[:600]
    lines = text.split("\n")
    title = next((ln for ln in lines[:5] if "报告" in ln or "公报" in ln), lines[0])
    meta.title = re.sub(r"》.*$", "", title).strip("《 ")[:60]

    candidates = _county_candidates(head) or _county_candidates(text)
    if candidates:
        # The name the title region uses most; ties go to the earliest.
        meta.county = max(dict.fromkeys(candidates), key=lambda n: (candidates.count(n) + text.count(n)))

    for prov in PROVINCES:
        if re.search(rf"{prov}(?:省|市|自治区|壮族自治区|回族自治区|维吾尔自治区)|[\[【（(]{prov}[\]】）)]", head):
            meta.province = prov + ("省" if prov not in {"北京", "天津", "上海", "重庆"} and len(prov) == 2 else "")
            break
    # Only where the text spells the hierarchy out (省…市…县); guessing from 市委 mentions misfires.
    pref = re.search(rf"[省区]([{CJK}]{{2,4}}?市)(?:{re.escape(meta.county)})", text) if meta.county else None
    if pref:
        meta.prefecture = pref.group(1)

    if re.search(r"全体会议公报|全会公报|会议公报", head):
        meta.doc_type = "全会公报"
    elif "政府工作报告" in head:
        article_markers = ("该报告", "这份报告", "以下围绕", "报告》")
        if "各位代表" not in text and any(m in text for m in article_markers):
            meta.doc_type = "关于政府工作报告的文章"
        else:
            meta.doc_type = "政府工作报告"
    elif "公报" in head:
        meta.doc_type = "全会公报"

    date = re.search(r"(20\d{2})年(\d{1,2})月(\d{1,2})日", head)
    if date:
        meta.date = f"{date.group(1)}-{int(date.group(2)):02d}-{int(date.group(3)):02d}"

    review = re.search(r"(20\d{2})年(?:工作回顾|主要工作|工作总结)", text)
    plan = re.search(r"(20\d{2})年(?:工作思路|工作安排|重点工作|主要任务|政府工作的总体|经济社会发展的总体|主要预期目标|总体要求)", text)
    title_year = re.search(r"(20\d{2})年", meta.title)
    if plan:
        meta.plan_year = int(plan.group(1))
    elif title_year and meta.doc_type != "全会公报":
        meta.plan_year = int(title_year.group(1))
    elif date:
        meta.plan_year = int(date.group(1))
    if review:
        meta.year_under_review = int(review.group(1))
    elif meta.plan_year:
        meta.year_under_review = meta.plan_year - 1

    meeting = re.search(
        rf"([{CJK}]{{0,12}}第[一二三四五六七八九十]+届[{CJK}]{{0,12}}?第[一二三四五六七八九十]+次(?:全体)?会议)", head
    )
    if meeting:
        meta.meeting = re.sub(r"^.*?[在于](?=.{6})", "", meeting.group(1))

    speaker = re.search(rf"(?:代?[县市区]\s*长|书记)\s*([{CJK}]\s*[{CJK}]\s*[{CJK}]?)(?=\s*$|\s*\n|作|代表)", head, re.M)
    if speaker:
        meta.speaker = re.sub(r"\s+", "", speaker.group(1))
    return meta


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


def load_document(path: Path) -> Document:
    """Read, decode, clean and describe one report file."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist: check the path.") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder: give a file.") from None
    raw = decode_bytes(data, source=str(path))
    if path.suffix.lower() in {".html", ".htm"}:
        raw = html_to_text(raw)
    text, removed = clean_text(raw, markdown=path.suffix.lower() == ".md")
    if len(re.findall(rf"[{CJK}]", text)) < 20:
        raise InputError(f"{path} has no Chinese report text after cleaning: is it the right file?")
    content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Document(path=path, text=text, meta=extract_metadata(text), content_hash=content_hash, removed=removed)
