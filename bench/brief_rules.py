"""What the brief's rules alone find: qualitative key facts per document type, no index, no LLM.

    .venv/bin/python bench/brief_rules.py [--facts seeds/eval/brief_facts.json] [--dir seeds]
    .venv/bin/python bench/brief_rules.py --facts bench/real_brief_facts.json --dir /tmp/realbriefs
    .venv/bin/python bench/brief_rules.py --facts bench/real_brief_facts.json --dir /tmp/realbriefs --llm

Each listed file is cleaned and chunked as ``govbrief index`` would, then briefed by the rule
readers only (``rag.brief_qualitative``, plan headings, risks, terms; figures need the ledger or
the LLM and are scored by ``bench/brief_quality.py``). Prints, per document and per document
type, the qualitative facts found, and the numbers the brief states that its source never does
(must be 0). Prints figures; asserts nothing.

``--ledger`` adds the figures the ledger's rules read from the file (``rag.ledger``), as
``govbrief brief`` puts them in the indicator and target tables before any model runs, and then
also scores the facts of kind ``figure``: a key fact whose point is a number is found there.

``--llm`` adds the model's qualitative step (``rag.brief_qualitative_llm``, the configured LLM,
local by default) after the rules, as ``govbrief brief`` runs it, and prints its time per
document: the two columns measure the rules and the rules plus the model.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def ledger_tables(path: Path, settings):
    """The brief's indicator and target tables from the file's ledger rows alone (no model)."""
    from rag.brief import _reduce_indicators, ledger_indicator
    from rag.chunking import chunk_document
    from rag.ingest import load_document
    from rag.ledger import facts_for_document

    doc = load_document(path)
    chunks = chunk_document(doc.text, doc.content_hash[:12], max_chars=settings.chunking.max_chars,
                            overlap=settings.chunking.overlap_chars)
    found = [("target" if f.kind in ("target", "stretch") else "actual", 1.0, n, ledger_indicator(f))
             for n, f in enumerate(facts_for_document(doc, chunks))]
    cfg = settings.brief
    return _reduce_indicators(found, "actual", cfg.max_indicators), _reduce_indicators(found, "target", cfg.max_targets)


def rules_brief(path: Path, settings, structured=None, ledger: bool = False):
    """The brief of one file from the rules alone, or with ``structured`` (a StructuredLLM) the
    rules plus the model's qualitative step; with ``ledger`` its figures from the ledger's rows
    too; grounded like any brief."""
    from rag.brief_check import drop_ungrounded
    from rag.brief_qualitative import chunks_of_file, read_qualitative
    from rag.brief_read import admitted_risks, policy_terms, read_units, structural_tasks
    from rag.brief_schema import CountyBrief, DocumentInfo

    chunks = chunks_of_file(path, settings)
    meta, units = chunks[0].meta, read_units(chunks)
    qualitative, dropped = read_qualitative(chunks, units, meta), []
    if structured is not None:
        from rag.brief_qualitative_llm import map_qualitative

        added = map_qualitative(units, qualitative, structured, settings, dropped, lambda *_: None, meta.get("plan_year"))
        qualitative = {k: v + added.get(k, []) for k, v in qualitative.items()}
    brief = CountyBrief(
        county=meta.get("county", ""), document=DocumentInfo(
            file=path.name, title=meta.get("title"), doc_type=meta.get("doc_type"), date=meta.get("date"),
            meeting=meta.get("meeting"), speaker=meta.get("speaker"), year_under_review=meta.get("year_under_review"),
            plan_year=meta.get("plan_year")),
        tasks=structural_tasks(units), risks=admitted_risks(units, settings.brief.max_risks),
        policy_terms=policy_terms(chunks, settings.brief.max_terms), dropped=dropped, **qualitative)
    if ledger:
        brief.indicators, brief.targets = ledger_tables(path, settings)
    return drop_ungrounded(brief, {c.id: c for c in chunks}), chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--facts", type=Path, default=REPO / "seeds/eval/brief_facts.json")
    parser.add_argument("--dir", type=Path, default=REPO / "seeds")
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("--llm", action="store_true", help="add the model's qualitative step (the configured LLM)")
    parser.add_argument("--ledger", action="store_true", help="add the ledger's figures; score figure facts too")
    opts = parser.parse_args()

    from rag.brief_eval import load_facts, numbers_absent, score_brief
    from rag.settings import Settings

    settings = Settings()
    structured = None
    if opts.llm:
        from rag.engine import Engine
        from rag.structured import StructuredLLM, pick_mode

        cfg = settings.brief
        structured = StructuredLLM(Engine(settings).llm, mode=pick_mode(cfg.output_mode, settings.llm.is_local),
                                   max_retries=cfg.max_retries, max_tokens=cfg.max_tokens)
    by_type: dict[str, list[int]] = {}
    print("| document | county | type | qualitative facts found | numbers absent from source | dropped |")
    print("|---|---|---|---:|---:|---:|")
    misses = []
    for file, entry in load_facts(opts.facts).items():
        path = opts.dir / file
        if not path.is_file():
            print(f"| {file} | missing, skipped | | | | |")
            continue
        started = time.perf_counter()
        brief, chunks = rules_brief(path, settings, structured, ledger=opts.ledger)
        seconds = time.perf_counter() - started
        facts = [f for f in entry["facts"] if f["kind"] == "qualitative" or opts.ledger and f["kind"] == "figure"]
        coverage = score_brief(file, brief, facts)
        absent = numbers_absent(brief, "\n".join(c.heading + "\n" + c.text for c in chunks))
        doc_type = brief.document.doc_type or "?"
        row = by_type.setdefault(doc_type, [0, 0, 0])
        row[0] += coverage.found
        row[1] += len(coverage.results)
        row[2] += len(absent)
        print(f"| {file[:24]} | {entry.get('county', brief.county)} | {doc_type} | {coverage.found}/{len(coverage.results)} "
              f"({coverage.score:.0%}) | {len(absent)} | {len(brief.dropped)} |" + (f" {seconds:.1f} s" if opts.llm else ""))
        misses += [(file, r) for r in coverage.results if r.status != "found" or opts.verbose]
    print("\n| document type | qualitative facts found | numbers absent from source |")
    print("|---|---:|---:|")
    for doc_type, (found, total, absent) in by_type.items():
        print(f"| {doc_type} | {found}/{total} ({found / total:.0%}) | {absent} |" if total else f"| {doc_type} | 0/0 | {absent} |")
    for file, r in misses:
        print(f"   {r.status:7} {file[:12]} {r.fact.get('type', '')}: {' + '.join(r.fact['terms'])}  {r.matched}")


if __name__ == "__main__":
    main()
