"""Measure the ledger's rule extraction over a folder of reports: prints figures, asserts nothing.

    .venv/bin/python bench/ledger.py                       # seeds/, gold bench/ledger_gold.jsonl
    .venv/bin/python bench/ledger.py --dir REPORTS --gold none --chunk 360 --overlap 60
    .venv/bin/python bench/ledger.py --brief-facts seeds/eval/brief_facts.json   # recall of a brief's figures

Per document: rows, and coverage, the share of the figures in the text (a number with a unit,
or an X∶1 ratio, counted once where chunks overlap) that became part of a row. Many figures are
rightly left out (项目415个, 年产30万吨), so coverage is a ceiling on recall, not a score.

Against the gold (``ledger_gold.jsonl``): ``scope`` lines name stretches of a document in which
every ledger-worthy figure was written down by hand; ``fact`` lines are those rows (place, year,
kind, indicator, value, unit). Precision counts the predicted rows whose quote lies inside a scope;
recall counts the gold rows found. A row matches when all six fields are equal; the lenient line
also accepts target for stretch and actual for estimate (what ``rag.figures.kind_matches`` allows).

Against a brief fact file (``--brief-facts``): the share of its numeric facts (``actual`` and
``target`` lines, each an indicator with its values) that some ledger row of the same document
carries, scored with the brief eval's own name and value matching (``rag.brief_eval``), so the
figure is the ledger's recall of what a one-page brief should state.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rag.chunking import chunk_document  # noqa: E402
from rag.figures import ACTUAL, ESTIMATE, STRETCH, TARGET  # noqa: E402
from rag.ingest import iter_report_files, load_document  # noqa: E402
from rag.ledger import Fact, facts_for_document, figure_spans  # noqa: E402

FIELDS = ("place", "year", "kind", "indicator", "value", "unit")
_GROUP = {TARGET: "goal", STRETCH: "goal", ACTUAL: "outcome", ESTIMATE: "outcome"}


def row_key(row: dict, lenient: bool = False) -> tuple:
    """The fields a predicted row and a gold row are compared on."""
    kind = _GROUP.get(row["kind"], row["kind"]) if lenient else row["kind"]
    return (row["doc"], row["place"], row["year"], kind, row["indicator"], row["value"], row["unit"])


def score(predicted: list[dict], gold: list[dict], lenient: bool = False) -> dict:
    """Precision and recall of predicted rows against gold rows (both dicts with ``FIELDS`` and ``doc``).

    Each gold row is matched at most once, so a figure extracted twice costs precision.
    """
    left = Counter(row_key(g, lenient) for g in gold)
    hits = 0
    wrong = []
    for p in predicted:
        key = row_key(p, lenient)
        if left[key] > 0:
            left[key] -= 1
            hits += 1
        else:
            wrong.append(p)
    missed = []
    for g in gold:
        key = row_key(g, lenient)
        if left[key] > 0:
            left[key] -= 1
            missed.append(g)
    return {
        "predicted": len(predicted),
        "gold": len(gold),
        "hits": hits,
        "precision": hits / len(predicted) if predicted else 1.0,
        "recall": hits / len(gold) if gold else 1.0,
        "wrong": wrong,
        "missed": missed,
    }


def in_scope(quote: str, text: str, scopes: list[dict]) -> bool:
    """True when ``quote`` lies inside one of the document's scopes ('from' to the end of 'to')."""
    for s in scopes:
        if not s.get("from"):
            return True
        start = text.find(s["from"])
        end = text.find(s["to"], start)
        if start >= 0 and end >= 0 and quote in text[start : end + len(s["to"])]:
            return True
    return False


def coverage(doc, chunks, facts: list[Fact]) -> tuple[int, int]:
    """(figures in the document, figures that are part of a row), overlapping chunks counted once."""
    offsets: dict[str, int] = {}
    cursor = 0
    for chunk in chunks:
        at = doc.text.find(chunk.text, max(0, cursor - len(chunk.text)))
        if at < 0:
            at = doc.text.find(chunk.text)
        offsets[chunk.id] = at
        cursor = at + len(chunk.text) if at >= 0 else cursor
    seen, used = set(), set()
    for chunk in chunks:
        base = offsets[chunk.id]
        if base < 0:
            continue
        seen.update(base + s for s, _ in figure_spans(chunk.text))
    for f in facts:
        base = offsets.get(f.chunk_id, -1)
        if base >= 0:
            used.update(base + s for s, _ in f.spans)
    return len(seen), len(used & seen)


def row_values(fact: Fact) -> set[str]:
    """The ways a row states its figures, as the brief eval compares them: ``170亿元``, ``170``, ``8%``."""
    from rag.text import normalize

    out = {normalize(fact.value + fact.unit), normalize(fact.value)}
    if fact.growth is not None:
        magnitude = f"{abs(fact.growth):g}{fact.growth_unit}"
        out |= {normalize(magnitude), normalize(f"{fact.growth:g}{fact.growth_unit}")}
    return out


def brief_fact_recall(facts_by_doc: dict[str, list[Fact]], fact_file: Path) -> list[tuple[str, dict, bool]]:
    """(document, fact, found) for every numeric fact of ``fact_file`` whose document was read."""
    from rag.brief_eval import load_facts, name_matches
    from rag.text import normalize

    out = []
    for file, entry in load_facts(fact_file).items():
        if file not in facts_by_doc:
            continue
        for fact in entry["facts"]:
            if fact["kind"] not in ("actual", "target"):
                continue
            rows = [r for r in facts_by_doc[file] if _GROUP.get(r.kind) == ("outcome" if fact["kind"] == "actual" else "goal")]
            wanted = {normalize(v) for v in fact["values"]}
            named = [r for r in rows if name_matches(fact["names"], r.indicator) or name_matches(fact["names"], r.indicator_text)]
            have = set().union(*(row_values(r) for r in named)) if named else set()
            found = wanted <= have or any(wanted <= row_values(r) for r in rows)
            out.append((file, fact, found))
    return out


def main() -> None:
    """Run the ledger over a folder and print rows, coverage, kinds and gold precision/recall."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=REPO / "seeds")
    ap.add_argument("--gold", default=str(REPO / "bench" / "ledger_gold.jsonl"), help="JSONL gold, or 'none'")
    ap.add_argument("--chunk", type=int, default=1200, help="chunk size (the indexer's max_chars)")
    ap.add_argument("--overlap", type=int, default=150)
    ap.add_argument("--show", action="store_true", help="print every row")
    ap.add_argument("--brief-facts", type=Path, help="a brief fact file: print the ledger's recall of its figures")
    args = ap.parse_args()

    docs = {}
    by_doc: dict[str, list[Fact]] = {}
    all_facts: list[Fact] = []
    kinds: Counter = Counter()
    measures: Counter = Counter()
    tot_figs = tot_used = 0
    print(f"{'document':28} {'place':8} {'chunks':>6} {'rows':>5} {'figures':>8} {'in rows':>8} {'coverage':>8}")
    for path in iter_report_files([args.dir]):
        doc = load_document(path)
        chunks = chunk_document(doc.text, doc.content_hash[:12], args.chunk, args.overlap)
        facts = facts_for_document(doc, chunks)
        docs[doc.name] = doc
        by_doc[doc.name] = facts
        all_facts.extend(facts)
        kinds.update(f.kind or "unknown" for f in facts)
        measures.update(f.measure for f in facts)
        figs, used = coverage(doc, chunks, facts)
        tot_figs, tot_used = tot_figs + figs, tot_used + used
        share = f"{used / figs:.0%}" if figs else "-"
        print(f"{doc.name:28} {doc.meta.county:8} {len(chunks):6} {len(facts):5} {figs:8} {used:8} {share:>8}")
        if args.show:
            for f in facts:
                growth = "" if f.growth is None else f" growth {f.growth:+g}{f.growth_unit}"
                print(f"    {f.year} {f.kind:8} {f.indicator} = {f.value}{f.unit}{growth} {f.qualifier} | {f.quote}")
    share = f"{tot_used / tot_figs:.1%}" if tot_figs else "-"
    print(f"{'all':28} {'':8} {'':6} {len(all_facts):5} {tot_figs:8} {tot_used:8} {share:>8}")
    print("rows by kind:", ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    print("rows by measure:", ", ".join(f"{k} {n}" for k, n in measures.most_common()))
    print("indicators:", len({f.indicator for f in all_facts}))

    if args.brief_facts:
        results = brief_fact_recall(by_doc, args.brief_facts)
        print(f"\nbrief facts ({args.brief_facts.name}): figures a brief should state, found in the ledger")
        for file in sorted({f for f, _, _ in results}):
            mine = [ok for f, _, ok in results if f == file]
            print(f"  {file:28} {sum(mine):3}/{len(mine):<3} {sum(mine) / len(mine):.0%}")
        hits = sum(ok for _, _, ok in results)
        print(f"  {'all':28} {hits:3}/{len(results):<3} {hits / len(results):.1%}" if results else "  no numeric facts")
        for file, fact, ok in results:
            if not ok:
                print(f"  missed: {file} {fact['kind']} {'/'.join(fact['names'])} {' '.join(fact['values'])}")
    if args.gold == "none":
        return
    lines = [json.loads(x) for x in Path(args.gold).read_text("utf-8").splitlines() if x.strip()]
    scopes: dict[str, list[dict]] = {}
    for line in lines:
        if line["type"] == "scope":
            scopes.setdefault(line["doc"], []).append(line)
    gold = [x for x in lines if x["type"] == "fact" and x["doc"] in docs]
    predicted = [
        {"doc": f.doc, **{k: getattr(f, k) for k in FIELDS}, "quote": f.quote}
        for f in all_facts
        if f.doc in scopes and in_scope(f.quote, docs[f.doc].text, scopes[f.doc])
    ]
    print(
        f"\ngold: {len(gold)} rows in {sum(len(v) for k, v in scopes.items() if k in docs)} scopes of {len(scopes)} documents"
    )
    for lenient in (False, True):
        s = score(predicted, gold, lenient)
        label = "lenient kind" if lenient else "strict"
        print(
            f"{label:13} precision {s['hits']}/{s['predicted']} = {s['precision']:.1%}   "
            f"recall {s['hits']}/{s['gold']} = {s['recall']:.1%}"
        )
        if not lenient:
            for w in s["wrong"]:
                print("  wrong: ", " ".join(str(w[k]) for k in FIELDS), "|", w["quote"])
            for m in s["missed"]:
                print("  missed:", " ".join(str(m[k]) for k in FIELDS), f"({m['note']})" if m.get("note") else "")


if __name__ == "__main__":
    main()
