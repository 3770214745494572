"""Corpus-level figures computed in code from the ledger: a place × year matrix, and targets
tracked against outcomes.

Nothing here calls a model. Every cell and every verdict carries the ledger rows it rests on,
so each shown figure has its quote.

**Tolerance rule for ``track``** (how a target's qualifier is read):

- no qualifier, 以上, 不低于, 突破, 确保 (``>=``/``>``/``=``): met when the outcome is at least the
  target;
- 左右 (``~``): met when the outcome is at least the target minus a tolerance: 0.5 percentage
  points for a rate, 1% of the target for a level;
- 以内, 以下, 不超过, 控制在 (``<=``/``<``): met when the outcome is at most the target;
- a reduction target (降低3%, a negative growth) reverses the first two: met when the outcome
  falls at least as far (``<= target``, plus the tolerance for 左右).

An outcome that is an estimate (预计) still decides, and is marked as one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rag.figures import ACTUAL, ESTIMATE, STRETCH, TARGET
from rag.ledger import GROWTH, LEVEL, LEVEL_GROWTH, Fact, comparator_of, indicator_table

MISSING = "未提及"
KIND_GROUPS = {"actual": (ACTUAL, ESTIMATE), "target": (TARGET, STRETCH)}
# Scale to one unit per family, so 亿元 and 万元 levels compare and chart together.
_SCALE = {"万亿元": (1e4, "亿元"), "亿元": (1.0, "亿元"), "万元": (1e-4, "亿元"), "元": (1e-8, "亿元"),
          "万吨": (1.0, "万吨"), "吨": (1e-4, "万吨"),
          # grain is often counted in 斤 (1吨 = 2000斤): 20.58亿斤 is 102.9万吨
          "亿斤": (5.0, "万吨"), "万斤": (5e-4, "万吨"), "斤": (5e-8, "万吨"), "公斤": (1e-7, "万吨"), "千克": (1e-7, "万吨"),
          "万人": (1.0, "万人"), "人": (1e-4, "万人"),
          "万人次": (1.0, "万人次"), "人次": (1e-4, "万人次"), "万亩": (1.0, "万亩"), "亩": (1e-4, "万亩")}
# Qualifiers that bound a figure, shown with it as the report writes them.
BOUND_BEFORE = ("突破", "不低于", "不少于", "超过", "控制在", "不超过")
BOUND_AFTER = ("左右", "以上", "以内", "以下")
RATE_TOLERANCE = 0.5  # percentage points, for 左右 on a rate
LEVEL_TOLERANCE = 0.01  # share of the target, for 左右 on a level


@dataclass(frozen=True)
class Reading:
    """One figure of a fact as a comparable number: a level or a growth rate."""

    fact: Fact
    measure: str  # level or growth
    number: float  # in ``unit``; levels scaled to one unit per family
    unit: str
    shown: str  # as the report writes it (170亿元, 增长8%, 下降3%)

    @property
    def comparator(self) -> str:
        """The qualifier's comparison for this figure (>=, ~, <=, …; '=' when unqualified)."""
        if self.measure == GROWTH and self.fact.measure == LEVEL_GROWTH:
            return comparator_of(self.fact.growth_qualifier)  # the row's comparator is its level's
        return self.fact.comparator or "="


def averaged(fact: Fact) -> bool:
    """Whether the fact's growth is a yearly average over a span (年均增长7.2%), not one year's."""
    return "年均" in (fact.growth_qualifier if fact.measure == LEVEL_GROWTH else fact.qualifier)


def reading(fact: Fact, measure: str) -> Reading | None:
    """The fact's level (``measure='level'``) or growth (``'growth'``); None when it has none."""
    if measure == GROWTH:
        if fact.growth is None:
            return _index_rise(fact)
        word = ("年均" if averaged(fact) else "") + ("下降" if fact.growth < 0 else "增长")
        shown = f"{word}{_written_growth(fact)}{fact.growth_unit}"
        return Reading(fact, GROWTH, fact.growth, fact.growth_unit, shown)
    if fact.measure not in (LEVEL, LEVEL_GROWTH):
        return None
    scale, unit = _SCALE.get(fact.unit, (1.0, fact.unit))
    return Reading(fact, LEVEL, fact.value_num * scale, unit, f"{fact.value}{fact.unit}")


def _index_rise(fact: Fact) -> Reading | None:
    """A price index's rise from its level written as an index (总指数为100.8%: 0.8 above last year's
    100), shown as the text writes it; None for any other row without a growth."""
    known = indicator_table().get(fact.indicator)
    if not (known and known.price_index and fact.unit in ("%", "％") and fact.value_num and 50 <= fact.value_num <= 200):
        return None
    return Reading(fact, GROWTH, round(fact.value_num - 100, 6), "%", f"总指数{fact.value}{fact.unit}")


def _plain(x: float) -> str:
    return f"{x:g}"


def _written_growth(fact: Fact) -> str:
    """The growth's digits as the quote writes them (9.0, not 9), where its span says so."""
    if fact.spans:
        s, e = fact.spans[-1]
        written = fact.quote[s - fact.start : e - fact.start]
        try:
            if abs(float(written) - abs(fact.growth)) < 1e-9:
                return written
        except ValueError:
            pass
    return _plain(abs(fact.growth))


@dataclass
class Cell:
    """One place and year: the reading shown, and every reading that disagrees with it."""

    chosen: Reading | None = None
    conflicts: list[Reading] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The cell as shown: the figure (with a conflict mark) or 未提及."""
        if self.chosen is None:
            return MISSING
        return self.chosen.shown + ("（有不同数字）" if self.conflicts else "")


@dataclass
class Matrix:
    """``compare``'s result: rows are places, columns years."""

    indicator: str
    kind: str
    measure: str
    places: list[str]
    years: list[int]
    cells: dict[tuple[str, int], Cell]

    def cell(self, place: str, year: int) -> Cell:
        """The cell for (place, year); an empty one when the reports are silent."""
        return self.cells.get((place, year), Cell())

    def citations(self) -> list[Reading]:
        """Every reading shown, in table order: the footnotes."""
        return [c.chosen for p in self.places for y in self.years if (c := self.cell(p, y)).chosen]


def _prefer(r: Reading) -> tuple:
    # An actual beats an estimate (a later report's final figure); then document order.
    return (r.fact.kind != ACTUAL, r.fact.source, r.fact.chunk_id, r.fact.start)


def compare(facts: Iterable[Fact], indicator: str, *, places: Iterable[str] = (), years: Iterable[int] = (),
            kind: str = "actual", measure: str | None = None) -> Matrix:
    """The place × year matrix of ``indicator`` from ``facts`` (already filtered to it or not).

    ``places`` lists every place to show (those without a figure get 未提及); ``measure`` is
    ``level`` or ``growth``, by default level when any fact gives one.
    """
    kinds = KIND_GROUPS[kind]
    rows = [f for f in facts if f.indicator == indicator and f.kind in kinds and f.year]
    if measure is None:
        measure = LEVEL if any(reading(f, LEVEL) for f in rows) else GROWTH
    readings = [r for f in rows if (r := reading(f, measure))]
    by_cell: dict[tuple[str, int], list[Reading]] = {}
    for r in readings:
        by_cell.setdefault((r.fact.place, r.fact.year), []).append(r)
    cells = {}
    for key, group in by_cell.items():
        group.sort(key=_prefer)
        chosen = group[0]
        conflicts = [r for r in group[1:] if abs(r.number - chosen.number) > 1e-9 and r.unit == chosen.unit
                     and r.fact.kind == chosen.fact.kind]
        cells[key] = Cell(chosen, conflicts)
    all_places = list(dict.fromkeys([*places, *sorted({p for p, _ in by_cell})]))
    all_years = sorted(set(years) or {y for _, y in by_cell})
    return Matrix(indicator, kind, measure, all_places, all_years, cells)


# ---------------------------------------------------------------------------------------------
# Targets against outcomes

MET, MISSED, NOT_REPORTED = "met", "missed", "not reported"
VERDICT_ZH = {MET: "完成", MISSED: "未完成", NOT_REPORTED: "未报告"}


@dataclass
class Tracked:
    """One target and what the next report says happened."""

    target: Reading
    outcome: Reading | None
    status: str
    rule: str  # the comparison applied, e.g. "≥ 8 − 0.5"

    @property
    def indicator(self) -> str:
        return self.target.fact.indicator

    @property
    def year(self) -> int:
        return self.target.fact.year


def _written(r: Reading, number: float) -> str:
    """A bound as the target is written: 9%, 185亿元 (levels back in the target's own unit)."""
    if r.measure == GROWTH:
        return f"{_plain(number)}{r.unit}"
    scale = _SCALE.get(r.fact.unit, (1.0, r.fact.unit))[0]
    return f"{_plain(round(number / scale, 6))}{r.fact.unit}"


def judge(target: Reading, outcome: Reading) -> tuple[str, str]:
    """(met|missed, the rule applied) under the tolerance rule in the module docstring."""
    comparator = target.comparator
    rate = target.measure == GROWTH or target.unit in ("%", "个百分点")
    tolerance = (RATE_TOLERANCE if rate else abs(target.number) * LEVEL_TOLERANCE) if comparator == "~" else 0.0
    slack = ("" if not tolerance else f" + {_plain(tolerance)}个百分点" if rate else " + 1%")
    goal, got = target.number, outcome.number
    ceiling = comparator in ("<=", "<") or _lower_is_better(target.fact.indicator) or (goal < 0 and rate)
    if ceiling:  # a ceiling, or a reduction target: falling further is meeting it
        return (MET if got <= goal + tolerance + 1e-9 else MISSED), f"≤ {_written(target, goal)}{slack}"
    return (MET if got >= goal - tolerance - 1e-9 else MISSED), f"≥ {_written(target, goal)}{slack.replace('+', '−')}"


def _lower_is_better(indicator: str) -> bool:
    known = indicator_table().get(indicator)
    return bool(known and known.lower_is_better)


def bounds(r: Reading) -> tuple[str, str]:
    """The qualifier words written before and after the figure (突破 …; … 左右), for display."""
    f = r.fact
    words = (f.growth_qualifier if r.measure == GROWTH and f.measure == LEVEL_GROWTH else f.qualifier).split()
    return "".join(w for w in words if w in BOUND_BEFORE), "".join(w for w in words if w in BOUND_AFTER)


def track(facts: Iterable[Fact], place: str) -> list[Tracked]:
    """Each target a report of ``place`` sets for year N, joined to the outcome reported for N.

    Targets and outcomes are joined on (indicator, year, measure): a growth target with a
    growth outcome, a level target with a level outcome. The outcome must come from another
    document (the next year's report or that year's 统计公报), never the plan itself. Targets
    for a year that no other document reports on yet are left out (see ``pending_years``).
    """
    rows = [f for f in facts if f.place == place and f.year]
    outcomes = [f for f in rows if f.kind in KIND_GROUPS["actual"]]
    # A year no other document reports on yet (this year's own plan) is pending, not "not reported".
    reported = {(f.year, f.source) for f in outcomes}
    targets = [f for f in rows if f.kind in KIND_GROUPS["target"]
               and any(y == f.year and src != f.source for y, src in reported)]
    tracked, seen = [], set()
    for t in sorted(targets, key=lambda f: (f.year, f.indicator, f.source, f.start)):
        for measure in (GROWTH, LEVEL):
            goal = reading(t, measure)
            if goal is None or (t.indicator, t.year, measure) in seen:
                continue
            seen.add((t.indicator, t.year, measure))
            candidates = sorted((r for f in outcomes if f.indicator == t.indicator and f.year == t.year
                                 and f.source != t.source and (r := reading(f, measure)) and r.unit == goal.unit),
                                key=_prefer)
            if not candidates:
                tracked.append(Tracked(goal, None, NOT_REPORTED, ""))
                continue
            status, rule = judge(goal, candidates[0])
            tracked.append(Tracked(goal, candidates[0], status, rule))
    return tracked


def pending_years(facts: Iterable[Fact], place: str) -> list[int]:
    """Years ``place``'s reports set targets for that no other indexed document reports on yet."""
    rows = [f for f in facts if f.place == place and f.year]
    reported = {(f.year, f.source) for f in rows if f.kind in KIND_GROUPS["actual"]}
    return sorted({f.year for f in rows if f.kind in KIND_GROUPS["target"]
                   and not any(y == f.year and src != f.source for y, src in reported)})
