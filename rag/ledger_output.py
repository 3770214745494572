"""Ledger rows, compare matrices and tracked targets as CSV, JSON, xlsx, Markdown and HTML.

Every figure shown keeps its citation: the document, the section and the quote.
"""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

from rag.compare import MISSING, VERDICT_ZH, Matrix, Reading, Tracked, bounds
from rag.errors import InputError
from rag.ledger import Fact

FACT_COLUMNS = ("place", "adcode", "year", "kind", "indicator", "indicator_text", "value", "unit", "growth",
                "growth_unit", "qualifier", "doc", "section", "quote", "origin")
KIND_ZH = {"target": "目标", "stretch": "力争", "estimate": "预计", "actual": "实际"}


def facts_rows(facts: list[Fact]) -> list[dict]:
    """One flat dict per fact, in ``FACT_COLUMNS`` order."""
    return [{c: getattr(f, c) for c in FACT_COLUMNS} for f in facts]


def facts_csv(facts: list[Fact]) -> str:
    """CSV with a header row (UTF-8; open in a spreadsheet as such)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FACT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(facts_rows(facts))
    return out.getvalue()


def facts_json(facts: list[Fact]) -> str:
    """A JSON array of every field of every fact (offsets included)."""
    return json.dumps([f.to_dict() for f in facts], ensure_ascii=False, indent=2)


def write_xlsx(facts: list[Fact], path: Path) -> None:
    """An Excel workbook with one sheet of facts; written to a temporary file, then moved."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "facts"
    sheet.append(list(FACT_COLUMNS))
    for row in facts_rows(facts):
        sheet.append([row[c] for c in FACT_COLUMNS])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        book.save(tmp)
        tmp.replace(path)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc


# ---------------------------------------------------------------------------------------------
# compare


def _title(m: Matrix) -> str:
    what = "增长" if m.measure == "growth" else "总量"
    return f"{m.indicator}（{what}，{'目标' if m.kind == 'target' else '实际'}）"


def _footnotes(m: Matrix) -> dict[int, int]:
    """id(reading) -> footnote number, in table order."""
    return {id(r): n for n, r in enumerate(m.citations(), 1)}


def _cite(r: Reading) -> str:
    f = r.fact
    return f"{f.place}｜{f.doc}｜{f.section or '-'}：“{f.quote}”"


def compare_markdown(m: Matrix) -> str:
    """The matrix as a Markdown table with a numbered citation under it for every figure."""
    notes = _footnotes(m)
    lines = [f"### {_title(m)}", "", "| 地区 | " + " | ".join(f"{y}年" for y in m.years) + " |",
             "|---|" + "---|" * len(m.years)]
    for place in m.places:
        cells = []
        for year in m.years:
            cell = m.cell(place, year)
            cells.append(cell.text + (f" [{notes[id(cell.chosen)]}]" if cell.chosen else ""))
        lines.append(f"| {place} | " + " | ".join(cells) + " |")
    lines.append("")
    for r in m.citations():
        lines.append(f"[{notes[id(r)]}] {_cite(r)}")
    conflicts = [(p, y, c) for p in m.places for y in m.years if (c := m.cell(p, y)).conflicts]
    for place, year, cell in conflicts:
        others = "；".join(f"{r.shown}（“{r.fact.quote}”，{r.fact.doc}）" for r in cell.conflicts)
        lines.append(f"注：{place}{year}年另有不同数字：{others}")
    return "\n".join(lines) + "\n"


def compare_csv(m: Matrix) -> str:
    """One row per (place, year): value, unit, and the citation; 未提及 where silent."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["place", "year", "indicator", "kind", "measure", "shown", "number", "unit", "doc", "section",
                     "quote", "conflicts"])
    for place in m.places:
        for year in m.years:
            cell = m.cell(place, year)
            r = cell.chosen
            if r is None:
                writer.writerow([place, year, m.indicator, m.kind, m.measure, MISSING, "", "", "", "", "", ""])
                continue
            writer.writerow([place, year, m.indicator, r.fact.kind, m.measure, r.shown, f"{r.number:g}", r.unit,
                             r.fact.doc, r.fact.section, r.fact.quote, "；".join(c.shown for c in cell.conflicts)])
    return out.getvalue()


def bar_chart_svg(m: Matrix, width: int = 640) -> str:
    """A horizontal bar per (place, year) with a figure; bars of one unit only (the most common)."""
    bars = [(f"{p} {y}", c.chosen) for p in m.places for y in m.years if (c := m.cell(p, y)).chosen]
    units = [r.unit for _, r in bars]
    if not bars:
        return ""
    unit = max(set(units), key=units.count)
    bars = [(name, r) for name, r in bars if r.unit == unit]
    top = max(abs(r.number) for _, r in bars) or 1.0
    row, label_w, pad = 26, 150, 8
    height = row * len(bars) + 2 * pad + 18
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="{html.escape(_title(m))}" font-family="sans-serif" font-size="13">',
             f'<text x="{pad}" y="{pad + 12}" fill="#555">单位：{html.escape(unit)}</text>']
    for i, (name, r) in enumerate(bars):
        y = pad + 18 + i * row
        w = max(1.0, (width - label_w - 90) * abs(r.number) / top)
        color = "#c0392b" if r.number < 0 else "#2e6da4"
        parts.append(f'<text x="{pad}" y="{y + 16}">{html.escape(name)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{color}"/>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 16}">{html.escape(r.shown)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def compare_html(m: Matrix) -> str:
    """A standalone HTML page: the bar chart, the table, and the citations."""
    notes = _footnotes(m)
    head = "".join(f"<th>{y}年</th>" for y in m.years)
    body = []
    for place in m.places:
        cells = []
        for year in m.years:
            cell = m.cell(place, year)
            ref = f' <sup><a href="#c{notes[id(cell.chosen)]}">{notes[id(cell.chosen)]}</a></sup>' if cell.chosen else ""
            cls = ' class="missing"' if cell.chosen is None else ""
            cells.append(f"<td{cls}>{html.escape(cell.text)}{ref}</td>")
        body.append(f"<tr><th>{html.escape(place)}</th>{''.join(cells)}</tr>")
    cites = "".join(f'<li id="c{notes[id(r)]}">{html.escape(_cite(r))}</li>' for r in m.citations())
    title = html.escape(_title(m))
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}td.missing{{color:#999}}
ol{{font-size:90%;color:#333}}</style></head>
<body><h1>{title}</h1>
{bar_chart_svg(m)}
<table><tr><th>地区</th>{head}</tr>{''.join(body)}</table>
<h2>来源</h2><ol>{cites}</ol>
</body></html>
"""


# ---------------------------------------------------------------------------------------------
# track


def track_markdown(place: str, tracked: list[Tracked], pending: list[int] = ()) -> str:
    """Targets against outcomes, with both quotes and the comparison applied."""
    lines = [f"### {place}：目标完成情况", "",
             "| 年份 | 指标 | 目标 | 结果 | 判定 | 规则 |", "|---|---|---|---|---|---|"]
    for t in tracked:
        outcome = t.outcome.shown + ("（预计）" if t.outcome and t.outcome.fact.kind == "estimate" else "") \
            if t.outcome else MISSING
        lines.append(f"| {t.year} | {t.indicator} | {_bounded(t.target)} | {outcome} | "
                     f"{VERDICT_ZH[t.status]} | {t.rule or '-'} |")
    if pending:
        lines += ["", f"{'、'.join(map(str, pending))}年的目标尚无下一年的报告可对照。"]
    lines.append("")
    for n, t in enumerate(tracked, 1):
        lines.append(f"[{n}] 目标：{t.target.fact.doc}｜{t.target.fact.section or '-'}：“{t.target.fact.quote}”")
        if t.outcome:
            lines.append(f"    结果：{t.outcome.fact.doc}｜{t.outcome.fact.section or '-'}：“{t.outcome.fact.quote}”")
    return "\n".join(lines) + "\n"


def _bounded(r: Reading) -> str:
    before, after = bounds(r)
    return f"{before}{r.shown}{after}"
