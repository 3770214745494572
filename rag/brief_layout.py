"""What a brief leads with, by document type, and how its qualitative sections render (issue 13).

A 全会公报 is about its meeting, what it decided and the goals it set; a 政府工作报告 about last
year's results, this year's targets and the tasks; an article about a report says that it is
one and gives what it reports; a 统计公报 is its table of indicators. ``section_order`` gives the
Markdown order and ``html_rows`` the one-page layout; ``rag.export`` renders both.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from rag.brief_schema import CountyBrief, Source

PLENUM, REPORT, ARTICLE, STATS = "全会公报", "政府工作报告", "关于政府工作报告的文章", "统计公报"
CONGRESS = "党代会文件"  # laid out as a plenum: the meeting, its decisions, its goals

_REST = ("projects", "risks", "policy_terms")
ORDERS: dict[str, tuple[str, ...]] = {
    PLENUM: ("meeting", "decisions", "commitments", "targets", "frameworks", "tasks", "risks", "indicators",
             "outcomes", "honours", "projects", "policy_terms"),
    REPORT: ("indicators", "outcomes", "honours", "targets", "commitments", "tasks", "frameworks", *_REST,
             "meeting", "decisions"),
    ARTICLE: ("outcomes", "indicators", "honours", "targets", "commitments", "tasks", "frameworks", *_REST,
              "meeting", "decisions"),
    STATS: ("indicators", "targets", "outcomes", "honours", "commitments", "frameworks", "tasks", *_REST,
            "meeting", "decisions"),
}
ORDERS[CONGRESS] = ORDERS[PLENUM]
BUDGET = "预算报告"  # a finance bureau's report: its tables first, as a statistics communiqué's
ORDERS[BUDGET] = ORDERS[STATS]

# One page: rows of (left column, right column), each a tuple of section names; empty sections
# and empty rows are left out, and a row with one filled column spans the page.
HTML_ROWS: dict[str, tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]] = {
    PLENUM: ((("meeting",), ("decisions",)), (("commitments", "targets"), ("frameworks",)),
             (("tasks",), ("risks", "policy_terms"))),
    # A report's tables fill most of the page: what it decides goes in one dense block of runs.
    REPORT: ((("indicators",), ("targets",)), (("tasks", "projects"), ("strategy", "risks", "policy_terms"))),
    # An article leads with what it reports: its outcomes and honours first, beside the figures.
    ARTICLE: ((("strategy",), ("indicators",)), (("targets", "projects"), ("tasks", "risks", "policy_terms"))),
    STATS: ((("indicators",), ("targets",)), (("tasks", "projects"), ("strategy", "risks", "policy_terms"))),
}
HTML_ROWS[CONGRESS] = HTML_ROWS[PLENUM]
HTML_ROWS[BUDGET] = HTML_ROWS[STATS]
# The sections of the dense block, with the most items of each it shows.
STRATEGY = (("frameworks", 2), ("commitments", 4), ("honours", 3), ("outcomes", 2))
# On a page with the dense block, risks (two printed lines each) give up room to it.
HTML_RISKS_WITH_STRATEGY = 3

# The most items of each qualitative section one printed page shows (Markdown and JSON keep all).
HTML_CAPS = {"meeting": 7, "decisions": 3, "frameworks": 4, "commitments": 6, "honours": 5, "outcomes": 5}

TITLES = {"meeting": "会议概况", "decisions": "审议通过的决定与文件", "commitments": "目标与承诺",
          "frameworks": "发展格局与提法", "honours": "荣誉与称号", "outcomes": "未给数字的成效"}
MEETING_LABELS = {"name": "会议", "date": "时间", "attendance": "出席", "presided": "主持", "spoke": "讲话与报告", "agenda": "议程"}


def section_order(doc_type: str | None) -> tuple[str, ...]:
    """The order of a brief's sections for its document type (a report's for an unknown type)."""
    return ORDERS.get(doc_type or "", ORDERS[REPORT])


def html_rows(doc_type: str | None):
    """The one-page layout for the document type."""
    return HTML_ROWS.get(doc_type or "", HTML_ROWS[REPORT])


def title_of(section: str, brief: CountyBrief) -> str:
    """A qualitative section's heading; an article's outcomes are what it reports."""
    if section == "outcomes" and brief.document.doc_type == ARTICLE:
        return "文章转述的成效"
    return TITLES[section]


def article_note(brief: CountyBrief) -> str:
    """For an article about a report: one line saying so, before anything it reports."""
    if brief.document.doc_type != ARTICLE:
        return ""
    return f"本文是一篇介绍{brief.county}政府工作报告的文章，不是报告原文；以下内容是文章对报告的转述。"


def lines(section: str, brief: CountyBrief) -> list[tuple[str, Source, list[tuple[str, Source]]]]:
    """(line, source, sub-lines) for each item of a qualitative section, in the brief's order."""
    out = []
    if section == "meeting":
        for m in brief.meeting:
            out.append((f"{MEETING_LABELS[m.kind]}：{m.text}", m.source, []))
    elif section == "decisions":
        for d in sorted(brief.decisions, key=lambda d: not d.own):
            whose = "" if d.own else f"（转述{d.by or '上级'}）"
            out.append((f"{d.action or ''}{d.title}{whose}", d.source, []))
    elif section == "frameworks":
        for f in brief.frameworks:
            out.append((f"{f.name}（{f.kind}）", f.source, [(e.text, e.source) for e in f.expansion]))
    elif section == "commitments":
        for c in brief.commitments:
            out.append(((f"{c.year}年：" if c.year else "") + c.text, c.source, []))
    elif section == "honours":
        for h in brief.honours:
            out.append((h.text + (f"（{h.level}）" if h.level else ""), h.source, []))
    elif section == "outcomes":
        out = [(o.text, o.source, []) for o in brief.outcomes]
    return out


def markdown_block(section: str, brief: CountyBrief, ref: Callable[[Source], int]) -> list[str]:
    """The Markdown lines of a qualitative section (empty when it has no items)."""
    items = lines(section, brief)
    if not items:
        return []
    out = [f"## {title_of(section, brief)}", ""]
    for text, source, subs in items:
        out.append(f"- {text}[^{ref(source)}]")
        out += [f"  - {sub}[^{ref(s)}]" for sub, s in subs]
    return out + [""]


def html_strategy(brief: CountyBrief, sup: Callable[[Source], str]) -> str:
    """Frameworks, commitments, honours and outcomes as runs of one dense block (a report's page)."""
    runs = []
    order = sorted(STRATEGY, key=lambda sc: sc[0] not in ("outcomes", "honours")) \
        if brief.document.doc_type == ARTICLE else STRATEGY
    for section, cap in order:
        items = lines(section, brief)
        if not items:
            continue
        shown = "".join(f"<span>{html.escape(text)}{sup(source)}</span>" for text, source, _ in items[:cap])
        more = f"<span class='more'>等{len(items)}项</span>" if len(items) > cap else ""
        runs.append(f"<p><b>{html.escape(title_of(section, brief))}</b>{shown}{more}</p>")
    heading = "文章转述的成效与荣誉" if brief.document.doc_type == ARTICLE else "战略、承诺与荣誉"
    return f"<h2>{heading}</h2><div class='strategy'>{''.join(runs)}</div>" if runs else ""


def html_block(section: str, brief: CountyBrief, sup: Callable[[Source], str]) -> str:
    """The HTML of a qualitative section, at most ``HTML_CAPS`` items, each one printed line."""
    items = lines(section, brief)
    if not items:
        return ""
    cap = HTML_CAPS[section]
    rows = []
    for text, source, subs in items[:cap]:
        parts = "".join(f"<span class='part'>{html.escape(sub)}{sup(s)}</span>" for sub, s in subs[:3])
        rows.append(f"<li title='{html.escape(text, quote=True)}'>{html.escape(text)}{sup(source)}{parts}</li>")
    more = f"<li class='more'>另有 {len(items) - cap} 项，见 Markdown 与 JSON</li>" if len(items) > cap else ""
    return f"<h2>{html.escape(title_of(section, brief))}</h2><ul class='q'>{''.join(rows)}{more}</ul>"
