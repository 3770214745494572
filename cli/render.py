"""Rich rendering for the CLI; no pipeline logic lives here."""

from __future__ import annotations

import time
from collections import Counter

from rich.console import Console
from rich.markup import escape as _escape_markup
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from rag.text import strip_controls


def escape(text) -> str:
    """Text safe to show: no terminal escapes or controls (a document's ``\\x1b]0;…\\x07`` would
    retitle the terminal, ``\\x1b[2J`` clear it), no rich markup. Every render path uses it."""
    return _escape_markup(strip_controls(str(text)))


def run_index(console: Console, run):
    """Run an indexing function with a progress bar: files, chunks, embeddings/s."""
    stats = {"chunks": 0, "embedded": 0, "t0": time.perf_counter()}
    progress = Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), console=console, transient=False,
    )
    task = None

    def on_event(event: str, data: dict) -> None:
        nonlocal task
        if event == "start":
            task = progress.add_task("files", total=data["files"], detail="")
        elif event == "file":
            progress.update(task, description=data["file"][:28])
        elif event == "loading":
            progress.update(task, detail=f"loading {data['model']}…")
        elif event == "typing":
            progress.update(task, detail="LLM typing figures the rules left out…")
        elif event == "embedded":
            stats["embedded"] += data["n"]
            rate = stats["embedded"] / max(time.perf_counter() - stats["t0"], 1e-6)
            progress.update(task, detail=f"{stats['embedded']} embedded, {rate:.1f}/s")
        elif event == "done":
            stats["chunks"] += data["chunks"]
            progress.advance(task)
            progress.update(task, description="files")

    with progress:
        return run(on_event)


def index_summary(console: Console, report, settings) -> None:
    """The table that ends ``govbrief index``."""
    table = Table(title=f"index: {settings.store.host or settings.store.path} · {settings.embedding.model}")
    for col in ("file", "county", "status", "chunks", "stale removed"):
        table.add_column(col)
    colors = {"indexed": "green", "unchanged": "dim", "failed": "red"}
    for f in report.files:
        table.add_row(escape(f.file), escape(f.county), f"[{colors[f.status]}]{f.status}[/]", str(f.chunks),
                      str(f.removed or ""))
    console.print(table)
    counts = Counter(f.status for f in report.files)
    line = ", ".join(f"{n} {s}" for s, n in counts.items())
    rate = f", {report.embedded / report.seconds:.1f} chunks/s" if report.embedded else ""
    facts = f"; {report.facts} figures in the ledger" if report.facts else ""
    if getattr(report, "llm_facts", 0):
        facts += f" (+{report.llm_facts} typed by the LLM)"
    console.print(f"{line}; {report.embedded} chunks embedded in {report.seconds:.1f} s{rate}{facts}")
    if report.pruned:
        console.print(f"pruned {len(report.pruned)} missing file(s): " + escape(", ".join(report.pruned)))


def citations(console: Console, answer, *, full: bool = False) -> None:
    """Each citation as [n] file · heading, then the quoted sentences."""
    if not answer.citations:
        return
    lines = []
    for c in answer.citations:
        quote = c.text if full or len(c.text) <= 160 else c.text[:160] + "…"
        # A passage compiled from the document's metadata is not a quote: no quotation marks.
        shown = f"（文档信息，非原文）{escape(quote)}" if getattr(c, "derived", False) else f"“{escape(quote)}”"
        lines.append(f"[bold cyan][{c.n}][/] {escape(c.file)} · {escape(c.heading or '(开头)')}\n    [dim]{shown}[/]")
    console.print(Panel("\n".join(lines), title="来源", border_style="cyan", expand=True))


def ask(console: Console, engine, question: str, *, counties=None, k=None) -> None:
    """Stream an answer, then show scope, citations and timing."""
    streamed: list[str] = []

    def on_token(piece: str) -> None:
        streamed.append(piece)

    with console.status("检索并生成中…", spinner="dots"):
        answer = engine.ask(question, counties=counties, k=k, on_token=on_token)
    if answer.scope:
        console.print(f"[dim]范围：{'、'.join(answer.scope)}[/]")
    style = "yellow" if answer.refused else "bold"
    console.print(f"[{style}]{escape(answer.answer)}[/]")
    if answer.dropped:
        console.print(f"[dim]已删除无出处的内容：{escape('；'.join(answer.dropped))}[/]")
    citations(console, answer)
    t = answer.timings
    console.print(f"[dim]retrieve {t.get('retrieve', 0):.2f}s · first token {t.get('first_token', 0):.2f}s · "
                  f"total {t.get('total', t.get('retrieve', 0)):.2f}s[/]")


def documents(console: Console, docs: list[dict], settings) -> None:
    """The ``list`` table."""
    table = Table(title=f"{len(docs)} document(s) · embedding model {settings.embedding.model}")
    for col in ("file", "place", "prefecture · province", "type", "review year", "plan year", "chunks"):
        table.add_column(col)

    def cell(d: dict, key: str) -> str:
        value, source = d.get(key), d.get("sources", {}).get(key, "")
        if value in (None, ""):
            return "[dim]unknown[/]"
        return f"{escape(str(value))} [dim]({SOURCE_LABEL.get(source, source)})[/]" if source else escape(str(value))

    for d in docs:
        where = " · ".join(x for x in (d.get("prefecture"), d.get("province")) if x)
        table.add_row(escape(d["file"]), cell(d, "county"), escape(where), cell(d, "doc_type"), cell(d, "year_under_review"),
                      cell(d, "plan_year"), str(d["chunks"]))
    console.print(table)
    console.print("[dim]sources: T title, F file name, X text, D division table, O override[/]")


SOURCE_LABEL = {"title": "T", "filename": "F", "text": "X", "division table": "D", "override": "O"}


def inspect(console: Console, doc, chunks, *, full: bool = False) -> None:
    """Metadata, removed noise, chunk sizes and the cleaned text of one file."""
    meta = Table(show_header=False, title=f"{escape(doc.name)} · sha256 {doc.content_hash[:12]}")
    sources = doc.meta.sources
    for key, value in doc.meta.to_dict().items():
        if key == "sources":
            continue
        shown = escape(str(value)) if value not in (None, "") else "[dim]unknown[/]"
        source = sources.get(key, "")
        meta.add_row(key, shown + (f"  [dim]← {source}[/]" if source and source != "unknown" else ""))
    console.print(meta)
    if doc.removed:
        console.print(Panel("\n".join(escape(r[:120]) for r in doc.removed), title=f"removed ({len(doc.removed)} lines)",
                            border_style="red"))
    sizes = sorted(len(c.text) for c in chunks)
    buckets = Counter(min(s // 100, 5) for s in sizes)
    hist = "  ".join(f"{b * 100}-{b * 100 + 99 if b < 5 else '+'}: {buckets[b]}" for b in range(6) if buckets[b])
    console.print(f"{len(chunks)} chunks · chars min {sizes[0]} / median {sizes[len(sizes) // 2]} / max {sizes[-1]} · {hist}")
    table = Table("id", "heading path", "chars", "start")
    for c in chunks:
        table.add_row(c.id, escape(c.heading), str(len(c.text)), escape(c.text[:30]))
    console.print(table)
    text = doc.text if full else doc.text[:1500] + ("…" if len(doc.text) > 1500 else "")
    console.print(Panel(escape(text), title="cleaned text" + ("" if full else " (first 1500 chars; --full for all)")))


def run_eval(console: Console, items, run):
    """Run the eval behind a progress bar that shows the running accuracy."""
    done = {"n": 0, "correct": 0}
    progress = Progress(SpinnerColumn(), TextColumn("[bold]eval"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), console=console)
    with progress:
        task = progress.add_task("eval", total=len(items), detail="")

        def on_item(item, record) -> None:
            done["n"] += 1
            done["correct"] += bool(record["metrics"]["correct"])
            progress.update(task, advance=1, detail=f"accuracy {done['correct'] / done['n']:.0%} · {item.id}")

        return run(on_item)


def _pct(value) -> str:
    return "-" if value is None else f"{value:.0%}"


def eval_summary(console: Console, summary: dict) -> None:
    """Tables by type and by file, then the overall line."""
    for key, title in (("by_type", "by type"), ("by_file", "by file")):
        table = Table(title=title)
        for col in ("group", "n", "accuracy", "refusal acc.", "false refusals", "recall@k", "citation support", "p50 s"):
            table.add_column(col)
        for group, m in summary[key].items():
            table.add_row(escape(group), str(m["n"]), _pct(m["accuracy"]), _pct(m["refusal_accuracy"]),
                          _pct(m["false_refusal_rate"]), _pct(m["recall_at_k"]), _pct(m["citation_support"]),
                          f"{m['latency_p50']:.1f}")
        console.print(table)
    m = summary["overall"]
    console.print(
        f"[bold]{m['n']} questions · accuracy {_pct(m['accuracy'])} · refusal accuracy {_pct(m['refusal_accuracy'])} · "
        f"false refusals {_pct(m['false_refusal_rate'])} · recall@k {_pct(m['recall_at_k'])} · "
        f"citation support {_pct(m['citation_support'])} · latency p50 {m['latency_p50']:.1f} s / p95 {m['latency_p95']:.1f} s[/]"
        f"  ({summary['model']}, {summary['embedding_model']})"
    )
    if m.get("false_refusals_by_stage"):
        stages = ", ".join(f"{stage} {n}" for stage, n in m["false_refusals_by_stage"].items())
        console.print(f"false refusals by stage: {stages}")
