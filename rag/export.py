"""Rendering briefs (Markdown, one-page HTML, CSV, JSON lines) and the resumable batch export.

``export_briefs`` writes a brief for every indexed document. Each brief's validated JSON is
written first (atomically), then its ``manifest.json`` entry: document, status, output path,
timings, model and settings hash. A rerun skips documents whose content and brief settings
are unchanged, so an interrupted export picks up where it stopped; one failing document is
recorded and the batch goes on.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rag.brief import brief_document, brief_settings_hash
from rag.brief_layout import (
    HTML_RISKS_WITH_STRATEGY,
    article_note,
    html_block,
    html_rows,
    html_strategy,
    markdown_block,
    section_order,
)
from rag.brief_schema import CountyBrief, Indicator, Source
from rag.errors import GovbriefError, InputError, redact
from rag.llm import ChatClient
from rag.settings import Settings
from rag.store import ChunkStore

FORMATS = ("json", "jsonl", "csv", "md", "html")
CSV_COLUMNS = ["county", "year", "kind", "name", "value", "unit", "growth", "qualifier", "quote", "file"]
AGGREGATE_FILES = {"jsonl": "briefs.jsonl", "csv": "indicators.csv"}
MANIFEST = "manifest.json"


def atomic_write(path: Path, text: str) -> None:
    """Write to a temporary file beside ``path``, then rename: readers never see half a file."""
    folder = writable_dir(path.parent)
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}.") from None


def writable_dir(folder: Path) -> Path:
    """``folder``, created if needed, or an ``InputError``: checked before minutes of generation.

    Checked by creating a file there, not with ``os.access``: for root, access() says yes to
    read-only mounts and pseudo-filesystems (/sys, /proc) where every write then fails.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".govbrief-write-check-{os.getpid()}"
        with open(probe, "w", encoding="utf-8"):
            pass
        probe.unlink()
    except OSError as exc:
        raise InputError(f"cannot write to {folder}: {exc.strerror or exc}.") from None
    return folder


def writable_file(path: Path) -> Path:
    """``path``, if a file can be written there (its folder created if needed), else an ``InputError``.

    For commands that write one file at the end (``eval --output``, ``brief -o``, ``facts --out``):
    called before any model work, so a bad path costs nothing.
    """
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder; give a file name.")
    writable_dir(path.parent)
    if path.exists():
        try:
            with open(path, "a", encoding="utf-8"):
                pass
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror or exc}.") from None
    return path


def check_format(fmt: str, allowed: tuple[str, ...] = FORMATS) -> str:
    """The format, or an ``InputError`` naming the choices."""
    if fmt not in allowed:
        raise InputError(f"unknown format {fmt!r}: use one of {', '.join(allowed)}.")
    return fmt


# ---------------------------------------------------------------------------------------------
# Rows and documents


def csv_rows(brief: CountyBrief) -> list[dict]:
    """One row per indicator and target: county, year, kind, name, value, unit, growth, qualifier, quote, file."""
    rows = []
    for kind, items in (("actual", brief.indicators), ("target", brief.targets)):
        for item in items:
            rows.append({
                "county": brief.county, "year": item.year or "", "kind": kind, "name": item.name,
                "value": item.value or "", "unit": item.unit or "", "growth": item.growth or "",
                "qualifier": item.qualifier or "", "quote": item.source.quote, "file": brief.document.file,
            })
    return rows


def to_csv(briefs: list[CountyBrief]) -> str:
    """The indicator table of several briefs as CSV (UTF-8 with a BOM, so spreadsheet apps read Chinese)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for brief in briefs:
        writer.writerows(csv_rows(brief))
    return "\ufeff" + buf.getvalue()


def to_jsonl(briefs: list[CountyBrief]) -> str:
    """One brief per line."""
    return "".join(b.model_dump_json() + "\n" for b in briefs)


def to_json(briefs: list[CountyBrief]) -> str:
    """One brief as an object, several as a list."""
    data = [b.model_dump(mode="json") for b in briefs]
    return json.dumps(data[0] if len(data) == 1 else data, ensure_ascii=False, indent=2) + "\n"


class Footnotes:
    """Numbers each distinct (chunk, quote) once, in order of first use."""

    def __init__(self) -> None:
        self.sources: list[Source] = []
        self._index: dict[tuple[str, str], int] = {}

    def ref(self, source: Source) -> int:
        """The footnote number of ``source``."""
        key = (source.chunk_id, source.quote)
        if key not in self._index:
            self.sources.append(source)
            self._index[key] = len(self.sources)
        return self._index[key]


# Dropped entries that record a field corrected in place (a count the model filed as a rate,
# a 0 for "none", garbled figures re-read from the quote), not an item left out of the brief.
CORRECTIONS = ("growth", "zero", "figures")


def split_dropped(brief: CountyBrief) -> tuple[list, list]:
    """(items dropped from the brief, fields corrected in place); the JSON keeps both in ``dropped``."""
    removed = [x for x in brief.dropped if x.section not in CORRECTIONS]
    return removed, [x for x in brief.dropped if x.section in CORRECTIONS]


def corrections_note(corrected: list) -> str:
    """One line for the corrections, which would otherwise crowd a one-page brief."""
    return f"另有 {len(corrected)} 处模型误填的数字已按原文更正（详见 JSON 的 dropped）。" if corrected else ""


def _doc_line(brief: CountyBrief) -> str:
    d = brief.document
    place = "".join(x for x in (brief.province, brief.prefecture) if x)
    parts = [place, d.doc_type, d.date, d.meeting, d.speaker]
    return " · ".join(p for p in parts if p)


def _value(item: Indicator) -> str:
    if item.value:
        return f"{item.value}{item.unit or ''}"
    return item.unit if item.unit and item.unit != "%" else ""


def _growth(item: Indicator) -> str:
    if not item.growth:
        return ""
    return f"下降{item.growth.lstrip('-')}" if item.growth.startswith("-") else f"增长{item.growth}"


def _table_title(brief: CountyBrief, kind: str) -> str:
    d = brief.document
    if kind == "actual":
        return f"{d.year_under_review}年主要指标" if d.year_under_review else "主要指标"
    return f"{d.plan_year}年目标" if d.plan_year else "目标"


def _year_note(item: Indicator, default: int | None) -> str:
    return f"（{item.year}年）" if item.year and default and item.year != default else ""


def render_markdown(brief: CountyBrief) -> str:
    """A one-page brief in Markdown, with numbered footnotes quoting the sources; its sections
    come in the order its document type leads with (``rag.brief_layout``)."""
    notes = Footnotes()
    d = brief.document
    out = [f"# {brief.county} · {d.title or d.file}", "", f"*{_doc_line(brief)}*", ""]
    if note := article_note(brief):
        out += [f"> {note}", ""]
    if brief.headline:
        refs = "".join(f"[^{notes.ref(s)}]" for s in brief.headline.sources)
        out += [f"> {brief.headline.text}{refs}", ""]
    for section in section_order(d.doc_type):
        out += _markdown_section(section, brief, notes)
    removed, corrected = split_dropped(brief)
    if removed or corrected:
        out += ["## 未通过核对而删除的内容", ""]
        out += [f"- {x.section}: {x.item} — {x.reason}" for x in removed]
        out += [corrections_note(corrected)] if corrected else []
        out.append("")
    out += ["## 来源", ""]
    out += [f"[^{i}]: `{s.chunk_id}` “{s.quote}”" for i, s in enumerate(notes.sources, 1)]
    if brief.generation:
        g = brief.generation
        out += ["", f"<sub>{d.file} · {g.model} · {g.seconds:.0f} s · {g.llm_calls} LLM calls · settings {g.settings_hash}</sub>"]
    return "\n".join(out) + "\n"


_LIST_TITLES = {"tasks": ("重点任务", "text"), "projects": ("重大项目", "name"), "risks": ("问题与风险", "text")}


def _markdown_section(section: str, brief: CountyBrief, notes: Footnotes) -> list[str]:
    d = brief.document
    if section in ("indicators", "targets"):
        kind, default = ("actual", d.year_under_review) if section == "indicators" else ("target", d.plan_year)
        items = getattr(brief, section)
        if not items:
            return []
        out = [f"## {_table_title(brief, kind)}", "", "| 指标 | 数值 | 增速 | 备注 |", "|---|---:|---:|---|"]
        for item in items:
            note = " ".join(x for x in (item.qualifier or "", _year_note(item, default)) if x)
            out.append(f"| {item.name}[^{notes.ref(item.source)}] | {_value(item)} | {_growth(item)} | {note} |")
        return out + [""]
    if section in _LIST_TITLES:
        title, attr = _LIST_TITLES[section]
        items = getattr(brief, section)
        if not items:
            return []
        out = [f"## {title}", ""]
        for i, item in enumerate(items, 1):
            bullet = f"{i}." if section == "tasks" else "-"
            out.append(f"{bullet} {getattr(item, attr)}[^{notes.ref(item.source)}]")
        return out + [""]
    if section == "policy_terms":
        if not brief.policy_terms:
            return []
        out = ["## 政策术语", ""]
        for term in brief.policy_terms:
            explanation = f"：{term.explanation}" if term.explanation else ""
            out.append(f"- **{term.term}**{explanation}[^{notes.ref(term.source)}]")
        return out + [""]
    return markdown_block(section, brief, notes.ref)


_CSS = """
@page { size: A4; margin: 9mm 10mm; }
* { box-sizing: border-box; }
body { margin: 0; color: #1a1a1a; font: 8.2pt/1.3 "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
  "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; }
.brief { max-width: 190mm; margin: 0 auto; }
.brief + .brief { break-before: page; }
h1 { font-size: 13pt; margin: 0; }
.meta { color: #555; font-size: 7.6pt; margin: 0.5mm 0 2mm; }
.headline { margin: 0 0 2mm; padding: 1.4mm 2.5mm; border-left: 2.5pt solid #a3262a; background: #f6f1ee; font-size: 9.2pt; }
h2 { font-size: 8.8pt; margin: 2mm 0 0.8mm; padding-bottom: 0.3mm; border-bottom: 0.7pt solid #a3262a; }
.cols { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); column-gap: 5mm; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: 0.35mm 1mm; border-bottom: 0.3pt solid #d6d6d6; text-align: left; vertical-align: top; }
th { font-weight: 600; color: #555; font-size: 7.4pt; }
td.n { text-align: right; white-space: nowrap; }
ol, ul { margin: 0; padding-left: 4.2mm; }
li { margin: 0.2mm 0; }
sup { color: #a3262a; font-size: 5.8pt; margin-left: 0.3mm; }
.terms span { white-space: nowrap; margin-right: 1.5mm; }
.sources { margin: 0; padding-left: 0; list-style: none; columns: 4; column-gap: 3mm; font-size: 5.8pt; line-height: 1.3; color: #444; }
/* one line per note on paper; the full quote is in the tooltip, the Markdown and the JSON */
.sources li { break-inside: avoid; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
h2 small { font-weight: normal; color: #777; font-size: 6.4pt; }
.sources b { color: #a3262a; font-weight: 600; }
.dropped { font-size: 6.2pt; color: #777; margin-top: 1mm; }
.foot { font-size: 6pt; color: #888; margin-top: 1mm; }
.note { margin: 0 0 1.5mm; font-size: 7.6pt; color: #a3262a; }
/* qualitative sections: one printed line per item, the full text in the tooltip and the Markdown */
ul.q { list-style: none; padding-left: 0; }
ul.q li { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
ul.q li::before { content: "· "; color: #a3262a; }
ul.q .part { color: #555; font-size: 7pt; margin-left: 1.5mm; }
ul.q .part::before { content: "｜"; color: #bbb; }
ul.q li.more { color: #777; font-size: 6.6pt; }
ul.q li.more::before { content: ""; }
.strategy p { margin: 0.3mm 0; }
.strategy b { color: #a3262a; font-weight: 600; margin-right: 1mm; }
.strategy span + span::before { content: "；"; color: #999; }
.strategy .more { color: #777; }
"""

def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _brief_html(brief: CountyBrief) -> str:
    notes = Footnotes()
    d = brief.document

    def sup(source: Source) -> str:
        return f"<sup>{notes.ref(source)}</sup>"

    parts = [f"<section class='brief'><h1>{_e(brief.county)} · {_e(d.title or d.file)}</h1>",
             f"<div class='meta'>{_e(_doc_line(brief))}</div>"]
    if note := article_note(brief):
        parts.append(f"<p class='note'>{_e(note)}</p>")
    if brief.headline:
        parts.append(f"<p class='headline'>{_e(brief.headline.text)}{''.join(sup(s) for s in brief.headline.sources)}</p>")
    # Rows of two balanced columns in the order the document type leads with (rag.brief_layout).
    for left, right in html_rows(d.doc_type):
        cols = ["".join(_html_section(name, brief, sup) for name in column) for column in (left, right)]
        filled = [c for c in cols if c]
        if len(filled) == 2:
            parts.append(f"<div class='cols'><div>{cols[0]}</div><div>{cols[1]}</div></div>")
        elif filled:
            parts.append(f"<div>{filled[0]}</div>")
    # Chunk ids of one document share their prefix: print it once, then the position per note.
    prefix = os.path.commonprefix([s.chunk_id for s in notes.sources]).rpartition("-")[0]
    cut = len(prefix) + 1 if prefix else 0
    label = f" <small>分块 {_e(prefix)}-…</small>" if prefix else ""
    parts.append(f"<h2>来源{label}</h2><ol class='sources'>")
    for n, s in enumerate(notes.sources, 1):
        parts.append(f"<li title='{_e(s.quote)}'><b>{n}</b> {_e(s.chunk_id[cut:])} “{_e(s.quote)}”</li>")
    parts.append("</ol>")
    removed, corrected = split_dropped(brief)
    if removed or corrected:
        listed = (f"未通过核对而删除 {len(removed)} 项：" + "；".join(_e(f"{x.item}（{x.reason}）") for x in removed[:6])
                  + ("……" if len(removed) > 6 else "")) if removed else ""
        parts.append(f"<div class='dropped'>{listed} {_e(corrections_note(corrected))}</div>")
    if brief.generation:
        g = brief.generation
        parts.append(f"<div class='foot'>{_e(d.file)} · {_e(g.model)} · settings {_e(g.settings_hash)} · {_e(g.generated_at)}</div>")
    parts.append("</section>")
    return "".join(parts)


def _html_section(section: str, brief: CountyBrief, sup) -> str:
    d = brief.document
    if section in ("indicators", "targets"):
        kind, default = ("actual", d.year_under_review) if section == "indicators" else ("target", d.plan_year)
        items = getattr(brief, section)
        if not items:
            return ""
        rows = "".join(
            f"<tr><td>{_e(i.name)}{sup(i.source)}{_e(_year_note(i, default))}</td><td class='n'>{_e(_value(i))}</td>"
            f"<td class='n'>{_e(_growth(i))}</td><td>{_e(i.qualifier or '')}</td></tr>" for i in items)
        return (f"<h2>{_e(_table_title(brief, kind))}</h2><table><tr><th>指标</th><th>数值</th><th>增速</th>"
                f"<th></th></tr>{rows}</table>")
    if section == "tasks" and brief.tasks:
        return "<h2>重点任务</h2><ol>" + "".join(f"<li>{_e(t.text)}{sup(t.source)}</li>" for t in brief.tasks) + "</ol>"
    if section == "projects" and brief.projects:
        return "<h2>重大项目</h2><ul>" + "".join(f"<li>{_e(p.name)}{sup(p.source)}</li>" for p in brief.projects) + "</ul>"
    if section == "risks" and brief.risks:
        on_page = any(name == "strategy" for row in html_rows(d.doc_type) for column in row for name in column)
        risks = brief.risks[:HTML_RISKS_WITH_STRATEGY] if on_page and html_strategy(brief, lambda s: "") else brief.risks
        return "<h2>问题与风险</h2><ul>" + "".join(f"<li>{_e(r.text)}{sup(r.source)}</li>" for r in risks) + "</ul>"
    if section == "policy_terms" and brief.policy_terms:
        return "<h2>政策术语</h2><div class='terms'>" + "".join(
            f"<span title='{_e(t.explanation or '')}'>{_e(t.term)}{sup(t.source)}</span> " for t in brief.policy_terms) + "</div>"
    if section in ("tasks", "projects", "risks", "policy_terms"):
        return ""
    if section == "strategy":
        return html_strategy(brief, sup)
    return html_block(section, brief, sup)


def render_html(briefs: list[CountyBrief]) -> str:
    """A self-contained HTML page (no external resources); each brief prints on one A4 page."""
    title = "、".join(dict.fromkeys(b.county for b in briefs)) + " · 简报"
    body = "\n".join(_brief_html(b) for b in briefs)
    return (f"<!DOCTYPE html>\n<html lang='zh-CN'><head><meta charset='utf-8'><title>{_e(title)}</title>"
            f"<style>{_CSS}</style></head><body>\n{body}\n</body></html>\n")


def render(briefs: list[CountyBrief], fmt: str) -> str:
    """Briefs in any export format (Markdown briefs are separated by a rule)."""
    check_format(fmt)
    if fmt == "json":
        return to_json(briefs)
    if fmt == "jsonl":
        return to_jsonl(briefs)
    if fmt == "csv":
        return to_csv(briefs)
    if fmt == "html":
        return render_html(briefs)
    return "\n---\n\n".join(render_markdown(b) for b in briefs)


# ---------------------------------------------------------------------------------------------
# Batch export


@dataclass
class DocResult:
    """What happened to one document in an export run."""

    file: str
    county: str
    status: str  # done | skipped | failed
    output: str = ""
    seconds: float = 0.0
    error: str = ""


@dataclass
class ExportReport:
    """Summary of an export run."""

    out_dir: Path
    format: str
    results: list[DocResult] = field(default_factory=list)
    seconds: float = 0.0
    aggregate: str = ""

    @property
    def failed(self) -> list[DocResult]:
        """Documents whose brief could not be made."""
        return [r for r in self.results if r.status == "failed"]


EventFn = Callable[[str, dict], None]


def load_manifest(out_dir: Path) -> dict:
    """The manifest of an export folder (an unreadable one means redoing, not failing)."""
    path = out_dir / MANIFEST
    try:
        data = json.loads(path.read_text("utf-8"))
        return data if isinstance(data.get("documents"), dict) else {"documents": {}}
    except (OSError, ValueError, AttributeError):
        return {"documents": {}}


def _stem(file: str) -> str:
    return Path(file).stem


def output_names(docs: list[dict]) -> dict[str, str]:
    """The name of each document's outputs and manifest entry, by source: its file name, or where
    two indexed documents share one (a/report.txt, b/report.txt), that name with a short hash of
    the source path (report-3f2a9c1d.txt), so neither brief overwrites the other. Stable: the same
    documents give the same names on every run."""
    counts = Counter(d["file"] for d in docs)
    names = {}
    for d in docs:
        name = d["file"]
        if counts[name] > 1:
            digest = hashlib.sha256(d["source"].encode("utf-8")).hexdigest()[:8]
            name = f"{Path(name).stem}-{digest}{Path(name).suffix}"
        names[d["source"]] = name
    return names


def _entry_of(entries: dict[str, dict], name: str, doc: dict) -> tuple[str | None, dict | None]:
    """(key, entry) of ``doc`` in the manifest: under its name, or under the plain file name an
    earlier run gave it before a second document of that name was indexed."""
    entry = entries.get(name)
    if entry is not None and entry.get("source") in (None, doc["source"]):
        return name, entry
    for key, entry in entries.items():
        if entry.get("source") == doc["source"]:
            return key, entry
    return None, None


def _cached_brief(out_dir: Path, entry: dict | None, doc: dict, settings_hash: str) -> CountyBrief | None:
    """The brief from an earlier run, if its document and settings are unchanged and it still reads."""
    if not entry or entry.get("status") != "ok" or entry.get("doc_hash") != doc.get("doc_hash") \
            or entry.get("settings_hash") != settings_hash:
        return None
    try:
        return CountyBrief.model_validate_json((out_dir / entry["brief"]).read_text("utf-8"))
    except (OSError, ValueError, KeyError):
        return None


def export_briefs(store: ChunkStore, llm_factory: Callable[[], ChatClient], settings: Settings, out_dir: Path,
                  fmt: str = "json", *, force: bool = False, on_event: EventFn | None = None,
                  concurrency: int = 1, store_factory: Callable[[], ChunkStore] | None = None) -> ExportReport:
    """Brief every indexed document into ``out_dir``; resumable, atomic, failure-tolerant.

    ``llm_factory`` is called only when some document needs generating, so a rerun with
    nothing to do never starts the model. ``on_event`` receives ("start", {documents, todo,
    work}), ("document", {...}), ("stage", {stage, detail}) and ("done", {...}) for progress.

    With ``concurrency`` > 1 that many documents are briefed at once on threads, each with its
    own store handles (``store_factory``, default a new ``ChunkStore``) and the one shared LLM
    client, for a remote endpoint that serves requests in parallel. Results are still written,
    and the manifest saved, one document at a time in document order, so the files are the
    same as with one thread and a killed run resumes without duplicates.
    """
    check_format(fmt)
    emit = on_event or (lambda event, data: None)
    started = time.perf_counter()
    writable_dir(out_dir)
    docs = store.documents()
    if not docs:
        raise GovbriefError(f"the index at {settings.store.path} holds no documents: run `govbrief index seeds/` first.")
    settings_hash = brief_settings_hash(settings)
    manifest = load_manifest(out_dir)
    entries: dict[str, dict] = manifest["documents"]
    names = output_names(docs)
    cached = {d["source"]: None if force else _cached_brief(out_dir, _entry_of(entries, names[d["source"]], d)[1], d,
                                                            settings_hash) for d in docs}
    todo = [d for d in docs if cached[d["source"]] is None]
    emit("start", {"documents": len(docs), "todo": len(todo), "work": sum(d["chunks"] for d in todo)})
    report = ExportReport(out_dir=out_dir, format=fmt)
    llm: ChatClient | None = None
    briefs: list[CountyBrief] = []
    futures: dict = {}
    pool = None
    if concurrency > 1 and len(todo) > 1:
        llm = llm_factory()  # one client, made here, shared by the threads
        getattr(llm, "wait_ready", lambda: None)()
        pool, futures = _brief_in_parallel(todo, llm, settings, concurrency, store_factory or (lambda: ChunkStore(settings)))
    try:
        for doc in docs:
            file, name = doc["file"], names[doc["source"]]
            stem, brief = _stem(name), cached[doc["source"]]
            emit("document", {"file": file, "county": doc["county"], "cached": brief is not None, "chunks": doc["chunks"]})
            if brief is not None:
                output = _write_per_document(out_dir, stem, brief, fmt)
                key, entry = _entry_of(entries, name, doc)
                entries[name] = {**entries.pop(key), "output": output, "format": fmt}
                report.results.append(DocResult(file, doc["county"], "skipped", output))
                briefs.append(brief)
                emit("done", {"file": file, "status": "skipped", "chunks": doc["chunks"]})
                continue
            t0 = time.perf_counter()
            entry = {"document": file, "source": doc["source"], "county": doc["county"], "doc_type": doc["doc_type"],
                     "doc_hash": doc.get("doc_hash"), "model": settings.llm.model, "settings_hash": settings_hash,
                     "format": fmt}
            try:
                if doc["source"] in futures:
                    brief = futures[doc["source"]].result()
                else:
                    if llm is None:
                        llm = llm_factory()
                    brief = brief_document(store, doc, llm, settings,
                                           on_progress=lambda stage, detail: emit("stage", {"stage": stage, "detail": detail}))
                atomic_write(out_dir / f"{stem}.json", brief.model_dump_json(indent=2))
                output = _write_per_document(out_dir, stem, brief, fmt)
                gen = brief.generation
                entry.update(status="ok", brief=f"{stem}.json", output=output, error=None,
                             seconds=round(time.perf_counter() - t0, 2),
                             llm_calls=gen.llm_calls if gen else 0, llm_seconds=gen.llm_seconds if gen else 0.0,
                             indicators=len(brief.indicators), targets=len(brief.targets), dropped=len(brief.dropped))
                briefs.append(brief)
                report.results.append(DocResult(file, doc["county"], "done", output, entry["seconds"]))
            except GovbriefError as exc:
                entry.update(status="failed", error=str(exc), seconds=round(time.perf_counter() - t0, 2), output=None)
                report.results.append(DocResult(file, doc["county"], "failed", seconds=entry["seconds"], error=str(exc)))
            except Exception as exc:  # a bug on one document must not cost the other documents
                error = f"internal error: {exc.__class__.__name__}: {exc}"
                entry.update(status="failed", error=error, seconds=round(time.perf_counter() - t0, 2), output=None)
                report.results.append(DocResult(file, doc["county"], "failed", seconds=entry["seconds"], error=error))
            entry["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            entries[name] = entry
            _save_manifest(out_dir, manifest, docs, fmt)
            emit("done", {"file": file, "status": report.results[-1].status, "chunks": doc["chunks"]})
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)  # interrupted: documents not started never start
    if fmt in AGGREGATE_FILES:
        report.aggregate = AGGREGATE_FILES[fmt]
        atomic_write(out_dir / report.aggregate, render(briefs, fmt))
    _save_manifest(out_dir, manifest, docs, fmt)
    report.seconds = time.perf_counter() - started
    return report


def _brief_in_parallel(todo: list[dict], llm: ChatClient, settings: Settings, concurrency: int,
                       store_factory: Callable[[], ChunkStore]):
    """Start briefing ``todo`` on ``concurrency`` threads: (pool, {source: future of its brief})."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    local = threading.local()

    def work(doc: dict) -> CountyBrief:
        if not hasattr(local, "store"):
            local.store = store_factory()  # SQLite handles belong to the thread that opens them
        return brief_document(local.store, doc, llm, settings)

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="export")
    return pool, {d["source"]: pool.submit(work, d) for d in todo}


def _write_per_document(out_dir: Path, stem: str, brief: CountyBrief, fmt: str) -> str:
    """Write the per-document file of ``fmt`` (json is always there); returns the output's name."""
    json_path = out_dir / f"{stem}.json"
    if not json_path.is_file():
        atomic_write(json_path, brief.model_dump_json(indent=2))
    if fmt == "md":
        atomic_write(out_dir / f"{stem}.md", render_markdown(brief))
        return f"{stem}.md"
    if fmt == "html":
        atomic_write(out_dir / f"{stem}.html", render_html([brief]))
        return f"{stem}.html"
    if fmt in AGGREGATE_FILES:
        return AGGREGATE_FILES[fmt]
    return f"{stem}.json"


def _save_manifest(out_dir: Path, manifest: dict, docs: list[dict], fmt: str) -> None:
    """Write the manifest atomically; entries of documents no longer indexed are left out."""
    current = set(output_names(docs).values())
    data = {**manifest, "format": fmt, "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "documents": {k: v for k, v in manifest["documents"].items() if k in current}}
    atomic_write(out_dir / MANIFEST, redact(json.dumps(data, ensure_ascii=False, indent=1)))  # errors may echo a key


__all__ = [
    "CORRECTIONS", "CSV_COLUMNS", "FORMATS", "ExportReport", "atomic_write", "csv_rows", "export_briefs", "load_manifest",
    "render", "render_html", "render_markdown", "split_dropped", "to_csv", "writable_dir",
]
