"""Split a cleaned report along its own heading hierarchy into labelled chunks.

Levels: 1 ``一、``, 2 ``（一）``, 3 ``1.`` / ``——…。`` lead-ins, 4 a short lead sentence
(``多措并举抓招引。``). A trailing ``名词解释`` glossary is its own level-1 section. Sections longer
than ``max_chars`` are split at sentence ends with a small overlap, never inside a number.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from rag.ingest import GLOSSARY, HEADING_DASH, HEADING_L1, HEADING_L2, HEADING_NUM

HEADING_MAX_CHARS = 40
_LEAD_SENTENCE = re.compile(r"^([^。！？!?,，;；:：]{3,14}[。！!])")
_FIRST_SENTENCE = re.compile(r"^(.+?[。！？!?；;])")
# Split long text at sentence ends first, then at semicolons, then at clause commas that are
# not thousands separators. There is deliberately no character-level fallback: a chunk that
# cannot be split cleanly stays a little long rather than cutting a number in half.
_SEPARATORS = [r"\n", "。", "！", "？", r"\?", "!", "；", ";", "，", r",(?!\d)"]


@dataclass
class Chunk:
    """One retrievable passage with the heading path it sits under."""

    id: str
    index: int
    heading_path: list[str]
    text: str
    meta: dict = field(default_factory=dict)

    @property
    def heading(self) -> str:
        """The heading path joined for display, e.g. ``二、… > (一)…``."""
        return " > ".join(self.heading_path)

    def labelled_text(self, county: str = "") -> str:
        """The text we embed and keyword-index: county and heading path give it context."""
        label = "｜".join(x for x in (county, self.heading) if x)
        return f"{label}\n{self.text}" if label else self.text


def heading_level(paragraph: str) -> int:
    """0 for body text, else the heading level the paragraph opens."""
    if HEADING_L1.match(paragraph) or GLOSSARY.match(paragraph):
        return 1
    if HEADING_L2.match(paragraph):
        return 2
    if HEADING_NUM.match(paragraph) or HEADING_DASH.match(paragraph):
        return 3
    if _LEAD_SENTENCE.match(paragraph) and len(paragraph) > 30:
        return 4
    return 0


def heading_text(paragraph: str) -> str:
    """The heading itself: the whole line if short, else its first sentence or clause."""
    if len(paragraph) <= HEADING_MAX_CHARS:
        return paragraph.rstrip("。")
    first = _FIRST_SENTENCE.match(paragraph)
    if first and len(first.group(1)) <= HEADING_MAX_CHARS:
        return first.group(1).rstrip("。；;")
    clause = re.match(r"^(.+?)[，,:：]", paragraph)
    if clause and len(clause.group(1)) <= HEADING_MAX_CHARS:
        return clause.group(1)
    return paragraph[:HEADING_MAX_CHARS] + "…"


def _split_long(text: str, max_chars: int, overlap: int) -> list[str]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        separators=_SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=max_chars,
        chunk_overlap=overlap,
        strip_whitespace=True,
    )
    return splitter.split_text(text)


def sections(text: str) -> list[tuple[list[str], str]]:
    """(heading path, paragraph) pairs in document order."""
    stack: dict[int, str] = {}
    out: list[tuple[list[str], str]] = []
    for para in (p.strip() for p in text.split("\n")):
        if not para:
            continue
        level = heading_level(para)
        if level == 0:
            out.append(([stack[k] for k in sorted(stack)], para))
            continue
        title = heading_text(para)
        for deeper in [k for k in stack if k >= level]:
            del stack[deeper]
        is_bare_heading = len(para) <= HEADING_MAX_CHARS and title == para.rstrip("。")
        if is_bare_heading or level <= 2:
            stack[level] = title
            # Short numbered items (glossary entries, one-line list items) are content too.
            if not is_bare_heading or level >= 3:
                out.append(([stack[k] for k in sorted(stack)], para))
        else:
            # A lead-in heads only its own paragraph; the next paragraph is not under it.
            out.append(([stack[k] for k in sorted(stack)] + [title], para))
    return out


def document_id(source: str, content_hash: str) -> str:
    """The id prefix of a document's chunks: its path and content, so two copies of one report
    in two folders never share (and overwrite) chunks, and an interrupted run rewrites the same ids."""
    return hashlib.sha256(f"{source}\0{content_hash}".encode()).hexdigest()[:12]


def chunk_document(text: str, doc_id: str, max_chars: int = 360, overlap: int = 60) -> list[Chunk]:
    """Chunks in document order; ids are ``{doc_id}-{position}`` so they are stable per content."""
    groups: list[tuple[list[str], list[str]]] = []
    for path, para in sections(text):
        if groups and groups[-1][0] == path and sum(map(len, groups[-1][1])) + len(para) <= max_chars:
            groups[-1][1].append(para)
        else:
            groups.append((path, [para]))
    chunks: list[Chunk] = []
    for path, paras in groups:
        body = "\n".join(paras)
        pieces = [body] if len(body) <= max_chars else _split_long(body, max_chars, overlap)
        for piece in pieces:
            index = len(chunks)
            chunks.append(Chunk(id=f"{doc_id}-{index:04d}", index=index, heading_path=list(path), text=piece))
    return chunks
