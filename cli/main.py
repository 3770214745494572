"""The ``govbrief`` command: a thin Typer layer over ``rag``.

Heavy imports (chromadb, torch, openai) happen inside commands, never here: ``--help`` is instant.
Every ``GovbriefError`` becomes one red line and its exit code in ``main``; ``--debug`` shows
tracebacks.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli import render

_IMPORTED = time.perf_counter()  # for the `ask --json` time breakdown: what runs before the command

app = typer.Typer(
    name="govbrief",
    help="Ask questions about Chinese county government work reports, with cited answers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True, soft_wrap=True)  # one error, one line, however narrow the terminal
STATE = {"debug": False}


def load_settings(model: str | None = None, base_url: str | None = None):
    """Settings from env and config file, with command-line overrides applied."""
    from rag.settings import Settings

    settings = Settings()
    if model:
        settings.llm.model = model
    if base_url:
        settings.llm.base_url = base_url
    return settings


def make_engine(settings):
    """Build the pipeline; tests replace this to inject fakes."""
    from rag.engine import Engine

    return Engine(settings, on_notice=lambda line: err.print(f"[dim]{line}[/]"))


@app.callback()
def _root(debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False) -> None:
    STATE["debug"] = debug


@app.command()
def index(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or folders (default: seeds/).")] = None,
    prune: Annotated[bool, typer.Option("--prune", help="Remove chunks of files that no longer exist.")] = False,
    place: Annotated[str | None, typer.Option("--place", help="The documents' place, e.g. 德宏州 (overrides detection).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="The report's year: the plan year (a 统计公报: the year it reports).")] = None,
    doc_type: Annotated[str | None, typer.Option("--type", help="Document type: 政府工作报告, 全会公报, 党代会文件, 统计公报, 关于政府工作报告的文章, 预算报告.")] = None,
    llm_facts: Annotated[bool, typer.Option("--llm-facts", help="Let the LLM type the figures the ledger's rules leave out (slow on CPU; checked in code).")] = False,
) -> None:
    """Clean, chunk and embed reports into the Chroma index (incremental).

    Metadata a document does not state can be given with --place/--year/--type (for every file
    of this run) or in a FILE.meta.toml sidecar (place = "德宏州", year = 2024, type = "政府工作报告").
    """
    from rag.indexer import index_paths

    settings = load_settings()
    if llm_facts:
        settings.ledger.llm_typing = True
    overrides = {k: v for k, v in {"place": place, "year": year, "type": doc_type}.items() if v}
    if overrides:
        from rag.ingest import DocMeta, apply_overrides

        apply_overrides(DocMeta(), overrides)  # a bad place fails here, in one line, before any work
    engine = make_engine(settings)
    # One writer at a time: a second run waits, then sees the first one's documents as unchanged.
    with engine.store.writer_lock(on_wait=lambda: err.print("another index run holds the store; waiting…")):
        report = render.run_index(console, lambda on_event: index_paths(
            paths or [Path("seeds")], engine.store, lambda: engine.embedder, prune=prune, on_event=on_event,
            overrides=overrides, llm_factory=lambda: engine.llm))
    engine.close()  # the local LLM server, if --llm-facts started one
    render.index_summary(console, report, settings)
    if report.failed:
        for failure in report.failed:
            err.print(f"[red]error:[/red] {failure.error}")
        raise typer.Exit(2)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Chinese.")],
    county: Annotated[list[str] | None, typer.Option("--county", "-c", help="Limit to this county (repeatable).")] = None,
    k: Annotated[int | None, typer.Option("--k", min=1, help="Chunks to retrieve (at least 1).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print answer, citations, chunks and timings as JSON.")] = False,
    model: Annotated[str | None, typer.Option("--model", help="LLM model (local: qwen2.5-coder-1.5b or qwen2.5-coder-0.5b).")] = None,
) -> None:
    """Answer one question from the indexed reports, with citations."""
    settings = load_settings(model)
    engine = make_engine(settings)
    try:
        if as_json:
            before = time.perf_counter()
            result = engine.ask(question, counties=county, k=k)
            data = result.to_dict()
            # From this module's import: settings and engine set-up, then the whole command.
            data["timings"]["command_setup"] = round(before - _IMPORTED, 3)
            data["timings"]["command"] = round(time.perf_counter() - _IMPORTED, 3)
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            render.ask(console, engine, question, counties=county, k=k)
    finally:
        engine.close()


@app.command()
def chat(
    county: Annotated[list[str] | None, typer.Option("--county", "-c", help="Start scoped to this county.")] = None,
    model: Annotated[str | None, typer.Option("--model", help="LLM model.")] = None,
) -> None:
    """Ask questions in a terminal chat: follow-ups, streaming, citations, /help for commands."""
    from cli.chat import run_chat

    settings = load_settings(model)
    engine = make_engine(settings)
    try:
        run_chat(engine, console, county, settings.cache_dir / "chat_history")
    finally:
        engine.close()


@app.command("list")
def list_documents(
    as_json: Annotated[bool, typer.Option("--json", help="Print one object per document, for scripts.")] = False,
) -> None:
    """Show the indexed documents: place, type, years (each with its source), chunk counts."""
    settings = load_settings()
    engine = make_engine(settings)
    docs = engine.store.documents()
    if as_json:
        keys = ("file", "county", "adcode", "prefecture", "province", "doc_type", "year_under_review", "plan_year",
                "sources", "chunks")
        rows = [{("place" if k == "county" else k): d.get(k) for k in keys} for d in docs]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    render.documents(console, docs, settings)


@app.command()
def inspect(
    file: Annotated[Path, typer.Argument(help="A report file.")],
    full: Annotated[bool, typer.Option("--full", help="Print the whole cleaned text.")] = False,
) -> None:
    """Show a file's cleaned text, metadata, what cleaning removed, and its chunks."""
    from rag.chunking import chunk_document, document_id
    from rag.ingest import load_document

    settings = load_settings()
    doc = load_document(file, max_bytes=settings.ingest.max_bytes)
    chunks = chunk_document(doc.text, document_id(str(file.resolve()), doc.content_hash),
                            settings.chunking.max_chars, settings.chunking.overlap_chars)
    render.inspect(console, doc, chunks, full=full)


@app.command("eval")
def evaluate(
    questions: Annotated[Path, typer.Option("--questions", "-q", help="JSONL question file.")] = Path("seeds/eval/qa.jsonl"),
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write one record per question here.")] = None,
    k: Annotated[int | None, typer.Option("--k", min=1, help="Chunks to retrieve (at least 1).")] = None,
    model: Annotated[str | None, typer.Option("--model", help="LLM model.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="Only the first N questions.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    concurrency: Annotated[int, typer.Option("--concurrency", "-j", min=1, help="Questions in flight at once, for a "
                                             "remote endpoint that serves requests in parallel (records stay in order).")] = 1,
) -> None:
    """Run a question file through the `ask` code path and score answers against known facts."""
    from rag.evals import load_items, run_eval, summarize, write_records

    if output:
        from rag.export import writable_file

        writable_file(output)  # before a single question reaches the model
    items = load_items(questions)[:limit]
    settings = load_settings(model)
    from rag.llm import check_concurrency

    check_concurrency(settings.llm, concurrency)
    engine = make_engine(settings)
    try:
        if concurrency > 1:
            ready = getattr(engine.llm, "wait_ready", None)
            if ready:
                ready()  # the client is made once, here, and shared by the threads
        # With --json, stdout carries only the JSON: progress goes to stderr.
        records = render.run_eval(err if as_json else console, items,
                                  lambda run: run_eval(items, engine.ask, k=k, on_item=run, concurrency=concurrency,
                                                       make_ask=lambda: engine.fork().ask))
    finally:
        engine.close()
    if output:
        write_records(records, output)
    summary = {"overall": summarize(records), "by_type": summarize(records, "type"),
               "by_file": summarize(records, "file"), "model": settings.llm.model,
               "embedding_model": settings.embedding.model, "questions": str(questions)}
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        render.eval_summary(console, summary)


# brief/export/schema live in their own module; it imports nothing heavy at load time.
from cli import briefs as _briefs  # noqa: E402

_briefs.register(app)
from cli import ledger as _ledger  # noqa: E402

_ledger.register(app)


def main() -> None:
    """Console-script entry point: one red line per user-facing error, tracebacks only with --debug."""
    import click

    from rag.errors import GovbriefError

    # Typer >= 0.22 raises its own (vendored click) Exit/Abort/usage errors; older ones raise click's.
    exits = (click.exceptions.Exit, typer.Exit)
    aborts = (click.exceptions.Abort, typer.Abort)
    usage_errors = (click.ClickException, typer.exceptions.TyperException)
    try:  # Typer >= 0.22 vendors click: its UsageError is not click's
        from typer._click.exceptions import UsageError as _VendoredUsageError
    except ImportError:
        _VendoredUsageError = click.UsageError
    usage_lines = (click.UsageError, _VendoredUsageError)
    try:
        code = app(standalone_mode=False)  # Exit codes are returned (not raised) in this mode
        if isinstance(code, int) and code:
            sys.exit(code)
    except GovbriefError as exc:
        if STATE["debug"]:
            err.print_exception()
        err.print(f"[red]error:[/red] {render.escape(str(exc))}", highlight=False)
        sys.exit(exc.exit_code)
    except exits as exc:
        sys.exit(exc.exit_code)
    except aborts:
        err.print("[yellow]aborted[/yellow]")
        sys.exit(130)
    except usage_errors as exc:
        ctx = getattr(exc, "ctx", None)
        if isinstance(exc, usage_lines):  # one line, not click's usage block (`--k 0`, a missing argument)
            hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            from rich.markup import escape

            err.print(f"[red]error:[/red] {escape(exc.format_message() + hint)}", highlight=False)
        elif hasattr(exc, "show"):
            exc.show()
        else:
            err.print(f"[red]error:[/red] {exc.format_message()}", highlight=False)
        sys.exit(getattr(exc, "exit_code", 2) or 2)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/yellow]: the next run completes any unfinished work.")
        sys.exit(130)
    except Exception as exc:  # a bug: say so in one line unless debugging
        if STATE["debug"]:
            raise
        err.print(f"[red]internal error:[/red] {exc.__class__.__name__}: {exc} (run with --debug for details)",
                  highlight=False)
        sys.exit(70)


if __name__ == "__main__":
    main()
