"""CLI commands over the ledger of figures: ``facts``, ``compare`` and ``track``.

No model is loaded: the ledger is SQLite beside the index, and everything is computed in code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.render import escape
from rag.errors import InputError

FACT_FORMATS = ("table", "csv", "json", "xlsx")
COMPARE_FORMATS = ("md", "csv", "html")
KIND_CHOICES = ("target", "stretch", "estimate", "actual")


def _cli():
    from cli import main

    return main


def _ledger():
    """The store's ledger; an index without one says what to run."""
    cli = _cli()
    ledger = cli.make_engine(cli.load_settings()).store.ledger
    if not ledger.sources():
        raise InputError("the ledger is empty: run `govbrief index` first (it records every figure it finds).")
    return ledger


def _place(ledger, place: str | None) -> str | None:
    """A place as the user writes it (黎平, 黎平縣) -> the indexed full name; unknown: one line."""
    if not place:
        return None
    from rag.places import get, normalize

    names: dict[str, str] = {}
    for doc in ledger.documents():
        if not doc["place"]:
            continue
        names[doc["place"]] = doc["place"]
        division = get(doc["adcode"] or "")
        for alias in division.aliases if division else ():
            names.setdefault(alias, doc["place"])
    hit = names.get(normalize(place))
    if hit is None:
        indexed = "、".join(sorted(set(names.values()))) or "无"
        raise InputError(f"no document about {place} is indexed (indexed: {indexed}).")
    return hit


def _check_out(out: Path | None) -> None:
    """A bad --out path fails in one line before any work (issue 12, found 13)."""
    if out is not None:
        from rag.export import writable_file

        writable_file(out)


def _write(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(text, "utf-8")
        tmp.replace(out)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from exc
    _cli().err.print(f"wrote {out}", highlight=False)


def facts(
    place: Annotated[str | None, typer.Option("--place", help="A place, e.g. 兴山 or 兴山县.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="The year the figures are about.")] = None,
    indicator: Annotated[str | None, typer.Option("--indicator", help="An indicator, e.g. 地区生产总值 or GDP.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="target, stretch, estimate or actual.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, json or xlsx.")] = "table",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file (required for xlsx).")] = None,
    origin: Annotated[str | None, typer.Option("--origin", help="rule or llm: rows the rules made, or the LLM pass (index --llm-facts).")] = None,
) -> None:
    """Every figure the indexed reports state, typed: place, year, kind, indicator, value, quote."""
    from rag.ledger import canonical
    from rag.ledger_output import KIND_ZH, facts_csv, facts_json, write_xlsx

    if fmt not in FACT_FORMATS:
        raise InputError(f"unknown format {fmt!r}: use one of {', '.join(FACT_FORMATS)}.")
    if kind and kind not in KIND_CHOICES:
        raise InputError(f"unknown kind {kind!r}: use one of {', '.join(KIND_CHOICES)}.")
    if indicator and not canonical(indicator):
        raise InputError(f"unknown indicator {indicator!r}: `govbrief facts` lists the indicators found.")
    if origin and origin not in ("rule", "llm"):
        raise InputError(f"unknown origin {origin!r}: use rule or llm.")
    if fmt == "xlsx" and out is None:
        raise InputError("--format xlsx needs --out FILE.xlsx.")
    _check_out(out)
    ledger = _ledger()
    rows = ledger.query(place=_place(ledger, place), year=year, indicator=indicator, kind=kind, origin=origin)
    if fmt == "csv":
        _write(facts_csv(rows), out)
    elif fmt == "json":
        _write(facts_json(rows) + "\n", out)
    elif fmt == "xlsx":
        write_xlsx(rows, out)
        _cli().err.print(f"wrote {out} ({len(rows)} rows)", highlight=False)
    else:
        table = Table(title=f"{len(rows)} figures", show_lines=False)
        for col in ("地区", "年份", "类型", "指标", "数值", "增长", "原文", "抽取"):
            table.add_column(col, overflow="fold")
        for f in rows:
            growth = f"{f.growth:g}{f.growth_unit}" if f.growth is not None else ""
            value = f"{f.value}{f.unit}" if f.measure != "growth" else ""
            table.add_row(escape(f.place), str(f.year or "?"), KIND_ZH.get(f.kind, "?"), escape(f.indicator),
                          escape(value), escape(growth), escape(f.quote), f.origin)
        _cli().console.print(table)


def compare(
    indicator: Annotated[str, typer.Argument(help="An indicator, e.g. 地区生产总值, GDP, 一般公共预算收入.")],
    year: Annotated[list[int] | None, typer.Option("--year", help="Years to show (repeatable; default: all).")] = None,
    kind: Annotated[str, typer.Option("--kind", help="actual (outcomes and estimates) or target.")] = "actual",
    measure: Annotated[str | None, typer.Option("--measure", help="level or growth (default: level if any).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="md, csv or html.")] = "md",
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")] = None,
) -> None:
    """A place × year table of one indicator, a citation in every cell, 未提及 where a report is silent."""
    from rag.compare import compare as build
    from rag.ledger import canonical
    from rag.ledger_output import compare_csv, compare_html, compare_markdown

    if fmt not in COMPARE_FORMATS:
        raise InputError(f"unknown format {fmt!r}: use one of {', '.join(COMPARE_FORMATS)}.")
    if kind not in ("actual", "target"):
        raise InputError(f"unknown kind {kind!r}: use actual or target.")
    if measure not in (None, "level", "growth"):
        raise InputError(f"unknown measure {measure!r}: use level or growth.")
    name = canonical(indicator)
    if not name:
        raise InputError(f"unknown indicator {indicator!r}: `govbrief facts` lists the indicators found.")
    _check_out(out)
    ledger = _ledger()
    places = [d["place"] for d in ledger.documents() if d["place"]]
    matrix = build(ledger.query(indicator=name), name, places=places, years=year or (), kind=kind, measure=measure)
    render = {"md": compare_markdown, "csv": compare_csv, "html": compare_html}[fmt]
    _write(render(matrix), out)


def track(
    place: Annotated[str, typer.Argument(help="A place with reports of consecutive years, e.g. 兴山县.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the Markdown to this file.")] = None,
) -> None:
    """Targets set in year N's report against the outcomes reported for N: met, missed or not reported."""
    from rag.compare import pending_years
    from rag.compare import track as join
    from rag.ledger_output import track_markdown

    _check_out(out)
    ledger = _ledger()
    full = _place(ledger, place)
    rows = ledger.query(place=full)
    tracked, pending = join(rows, full), pending_years(rows, full)
    if not tracked and not pending:
        raise InputError(f"no targets found for {full}: its reports state no target figure the ledger could read.")
    _write(track_markdown(full, tracked, pending), out)


def register(app: typer.Typer) -> None:
    """Add ``facts``, ``compare`` and ``track`` to the govbrief app."""
    app.command("facts")(facts)
    app.command("compare")(compare)
    app.command("track")(track)
