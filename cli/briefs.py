"""CLI commands for issue 4: ``brief``, ``export`` and ``schema brief``.

Thin: parse arguments, call ``rag.brief`` / ``rag.export``, show progress and results with
rich. Registered by ``cli.main``; everything heavy is imported inside the commands so that
``govbrief --help`` stays instant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from cli.render import escape
from rag.text import strip_controls

BRIEF_FORMATS = ("md", "json", "html")
MODEL_HELP = "LLM model (local: qwen2.5-coder-1.5b or qwen2.5-coder-0.5b)."


def _cli():
    # cli.main imports this module; importing it back at call time avoids the cycle and lets
    # tests replace cli.main.make_engine to inject fakes.
    from cli import main

    return main


def brief(
    target: Annotated[str, typer.Argument(help="A county (兴山县, 芦山) or a report file / indexed file name.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="md, json or html.")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")] = None,
    doc: Annotated[str | None, typer.Option("--doc", "--file", help="When several documents match, brief only this one "
                                              "(file name, its prefix, or document type such as 全会公报).")] = None,
    model: Annotated[str | None, typer.Option("--model", help=MODEL_HELP)] = None,
) -> None:
    """Write a one-page brief of a county's report: figures, targets, tasks, projects, risks, sources."""
    from rag.brief import brief_document, find_documents, pick_document
    from rag.errors import InputError
    from rag.export import atomic_write, check_format, render, writable_file

    cli = _cli()
    check_format(fmt, BRIEF_FORMATS)
    if fmt == "html" and output is None and sys.stdout.isatty():
        raise InputError("an HTML brief is a file: add -o brief.html.")
    if output is not None:
        writable_file(output)  # before the model spends a minute on it
    engine = cli.make_engine(cli.load_settings(model))
    settings = engine.settings
    try:
        docs = find_documents(engine.store, target)
        if doc:
            docs = [pick_document(docs, doc)]
        elif len(docs) > 1:
            listed = "; ".join(f"{d['file']} ({d['doc_type'] or '?'})" for d in docs)
            cli.err.print(f"[yellow]{escape(target)} matches {len(docs)} documents: {escape(listed)}. "
                          f"Briefing each; pick one with --doc FILE.[/]", highlight=False)
        briefs = []
        for d in docs:
            with cli.err.status(f"{d['county']} · {d['file']}", spinner="dots") as status:
                def on_progress(stage: str, detail: str, _d=d, _s=status) -> None:
                    _s.update(f"{_d['county']} · {_d['file']} · {stage} {detail}")

                result = brief_document(engine.store, d, engine.llm, settings, on_progress=on_progress)
            briefs.append(result)
            _summary_line(cli.err, result)
    finally:
        engine.close()
    if output is not None:
        atomic_write(output, render(briefs, fmt))
        cli.err.print(f"wrote {output}", highlight=False)
    elif fmt == "md" and cli.console.is_terminal:
        for b in briefs:
            show(cli.console, b)
    else:
        sys.stdout.write(strip_controls(render(briefs, fmt)))


def _summary_line(console: Console, brief) -> None:
    g = brief.generation
    timing = f" · {g.seconds:.1f} s · {g.llm_calls} LLM calls · {g.model}" if g else ""
    console.print(f"[dim]{escape(brief.document.file)}: {len(brief.indicators)} indicators, {len(brief.targets)} targets, "
                  f"{len(brief.tasks)} tasks, {len(brief.projects)} projects, {len(brief.dropped)} dropped{timing}[/]")


def show(console: Console, brief) -> None:
    """A brief in the terminal: headline, the two tables, lists, then numbered sources."""
    from rag.export import Footnotes, _growth, _table_title, _value, corrections_note, split_dropped

    notes = Footnotes()
    d = brief.document
    console.print(f"[bold]{escape(brief.county)} · {escape(d.title or d.file)}[/]")
    console.print(f"[dim]{escape(' · '.join(x for x in (d.doc_type, d.date, d.meeting, d.speaker) if x))}[/]")
    if brief.headline:
        refs = "".join(f"[{notes.ref(s)}]" for s in brief.headline.sources)
        console.print(Panel(escape(brief.headline.text + refs), border_style="red"))
    for kind, items in (("actual", brief.indicators), ("target", brief.targets)):
        if items:
            table = Table(title=_table_title(brief, kind), title_justify="left")
            for col, justify in (("指标", "left"), ("数值", "right"), ("增速", "right"), ("", "left"), ("来源", "right")):
                table.add_column(col, justify=justify)
            for i in items:
                table.add_row(escape(i.name), escape(_value(i)), escape(_growth(i)), escape(i.qualifier or ""),
                              f"[{notes.ref(i.source)}]")
            console.print(table)
    for title, items, attr in (("重点任务", brief.tasks, "text"), ("重大项目", brief.projects, "name"),
                               ("问题与风险", brief.risks, "text"), ("政策术语", brief.policy_terms, "term")):
        if items:
            console.print(f"[bold]{title}[/]")
            for n, item in enumerate(items, 1):
                console.print(f"  {n}. {escape(getattr(item, attr))} [cyan][{notes.ref(item.source)}][/]")
    removed, corrected = split_dropped(brief)
    if removed or corrected:
        console.print("[bold yellow]未通过核对而删除[/]")
        for x in removed:
            console.print(f"  [dim]{escape(x.section)}: {escape(x.item)} — {escape(x.reason)}[/]")
        if corrected:
            console.print(f"  [dim]{escape(corrections_note(corrected))}[/]")
    lines = [f"[cyan][{n}][/] {escape(s.chunk_id)} [dim]“{escape(s.quote)}”[/]" for n, s in enumerate(notes.sources, 1)]
    console.print(Panel("\n".join(lines), title="来源", border_style="cyan"))


def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, jsonl, csv, md or html.")] = "json",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: brief.export_dir, ./exports).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Redo briefs even when document and settings are unchanged.")] = False,
    model: Annotated[str | None, typer.Option("--model", help=MODEL_HELP)] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, help="Documents briefed at once, for a "
                                             "remote endpoint that serves requests in parallel (files stay the same).")] = 1,
) -> None:
    """Brief every indexed document into a folder (resumable; see manifest.json there)."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from rag.export import check_format, export_briefs

    cli = _cli()
    check_format(fmt)
    from rag.llm import check_concurrency

    engine = cli.make_engine(cli.load_settings(model))
    settings = engine.settings
    check_concurrency(settings.llm, concurrency)
    out_dir = out or settings.brief.export_dir
    progress = Progress(SpinnerColumn(), TextColumn("[bold]{task.fields[docs]}"), BarColumn(),
                        TextColumn("{task.description}"), TimeElapsedColumn(), TextColumn("ETA"),
                        TimeRemainingColumn(), console=cli.err, transient=False)
    state = {"task": None, "done": 0, "total": 0, "current": ""}

    def on_event(event: str, data: dict) -> None:
        task = state["task"]
        if event == "start":
            state["total"] = data["documents"]
            state["task"] = progress.add_task("", total=max(data["work"], 1), docs=f"0/{data['documents']} documents")
        elif event == "document":
            state["current"] = f"{data['county']} {data['file'][:12]}"
            progress.update(task, description=escape(state["current"] + (" (unchanged)" if data["cached"] else "")))
        elif event == "stage":
            progress.update(task, description=escape(f"{state['current']} · {data['stage']} {data['detail']}"))
        elif event == "done":
            state["done"] += 1
            progress.update(task, docs=f"{state['done']}/{state['total']} documents",
                            advance=0 if data["status"] == "skipped" else data["chunks"])

    try:
        with progress:
            report = export_briefs(engine.store, lambda: engine.llm, settings, out_dir, fmt, force=force,
                                   on_event=on_event, concurrency=concurrency)
    finally:
        engine.close()
    table = Table(title=f"export: {out_dir} · {fmt} · {settings.llm.model}")
    for col in ("file", "county", "status", "output", "seconds"):
        table.add_column(col)
    colors = {"done": "green", "skipped": "dim", "failed": "red"}
    for r in report.results:
        table.add_row(r.file, r.county, f"[{colors[r.status]}]{r.status}[/]", r.output or "-",
                      f"{r.seconds:.1f}" if r.status != "skipped" else "")
    cli.console.print(table)
    counts = {s: sum(r.status == s for r in report.results) for s in ("done", "skipped", "failed")}
    aggregate = f"; wrote {report.aggregate}" if report.aggregate else ""
    cli.console.print(f"{counts['done']} briefed, {counts['skipped']} unchanged, {counts['failed']} failed "
                      f"in {report.seconds:.1f} s{aggregate}; manifest: {out_dir / 'manifest.json'}", highlight=False)
    if report.failed:
        for r in report.failed:
            cli.err.print(f"[red]failed:[/red] {escape(r.file)}: {escape(r.error)}", highlight=False)
        raise typer.Exit(1)


def schema_brief() -> None:
    """Print the JSON schema of a county brief."""
    from rag.brief import brief_schema

    print(json.dumps(brief_schema(), ensure_ascii=False, indent=2))


def register(app: typer.Typer) -> None:
    """Add ``brief``, ``export`` and ``schema brief`` to the govbrief app."""
    app.command("brief")(brief)
    app.command("export")(export)
    schema_app = typer.Typer(help="Print the JSON schemas of govbrief's outputs.", no_args_is_help=True)
    schema_app.command("brief")(schema_brief)
    app.add_typer(schema_app, name="schema")
