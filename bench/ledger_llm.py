"""Measure the ledger's LLM pass (``rag.ledger_llm``) with the real model: prints figures, asserts nothing.

    .venv/bin/python bench/ledger_llm.py                          # seeds/, the local model
    .venv/bin/python bench/ledger_llm.py --dir /tmp/mm_llm --files 2 --rows /tmp/llm_rows.jsonl
    .venv/bin/python bench/ledger_llm.py --verdicts bench/ledger_llm_precision.jsonl   # score, no model

Per document: rule rows, the figures they leave out (sent to the model), the LLM rows code kept,
coverage (share of the text's figures in some row, as ``bench/ledger.py`` counts it) with the
rules alone and with both, and the pass's seconds. ``--rows`` writes every LLM row in the
``bench/ledger_sample.py`` sample format, for checking by hand; ``--verdicts`` scores such a file
once each row carries ``ok``, ``wrong_fields`` and ``note`` (``bench/ledger_llm_precision.jsonl``).
Chunking is the indexer's (``Settings().chunking``), ids from the content hash as in the sample.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ledger import coverage  # noqa: E402  (bench/ is the script's folder)
from ledger_sample import file_key, is_seed, precision, sample_row  # noqa: E402

from rag.chunking import chunk_document  # noqa: E402
from rag.ingest import iter_report_files, load_document  # noqa: E402
from rag.ledger import facts_for_document  # noqa: E402
from rag.ledger_llm import llm_facts  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.structured import StructuredLLM, pick_mode  # noqa: E402


def main() -> None:
    """Run the rules and the LLM pass over a folder and print rows, coverage and time per document."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=REPO / "seeds")
    ap.add_argument("--files", type=int, default=0, help="only the N largest files (0: all)")
    ap.add_argument("--rows", type=Path, help="write the LLM rows here (JSONL, sample format)")
    ap.add_argument("--verdicts", type=Path, help="score hand verdicts on LLM rows (JSONL) and exit")
    args = ap.parse_args()
    if args.verdicts:
        rows = [json.loads(x) for x in args.verdicts.read_text("utf-8").splitlines() if x.strip()]
        score = precision([(r, r) for r in rows])
        print(f"LLM rows checked by hand: {score['ok']}/{score['rows']} = {score['ok'] / max(score['rows'], 1):.1%}")
        for name, (right, total) in score["fields"].items():
            print(f"  {name:17} {right}/{total}")
        for r in rows:
            if not r["ok"]:
                print(f"  wrong: {r['indicator']} = {r['value']}{r['unit']} {r['kind']} {r['year']} "
                      f"[{', '.join(r['wrong_fields'])}] {r['note']} | {r.get('quote', '')}")
        return

    from rag.llm import OpenAIChat

    settings = Settings()
    llm = OpenAIChat(settings.llm, settings.cache_dir)
    paths = iter_report_files([args.dir])
    # Largest first: a run cut short has measured the documents with the most figures.
    paths = sorted(paths, key=lambda p: -p.stat().st_size)[: args.files or None]
    out_rows = []
    totals = {"rules": 0, "sent": 0, "llm": 0, "figs": 0, "used0": 0, "used1": 0, "sec": 0.0, "calls": 0,
              "null": 0, "dropped": 0, "kind": 0, "year": 0}
    print(f"{'document':28} {'rules':>5} {'sent':>5} {'llm':>4} {'figures':>7} {'cov rules':>9} {'cov both':>8} "
          f"{'calls':>5} {'s':>6} {'s/doc':>6}")
    try:
        for path in paths:
            doc = load_document(path)
            chunks = chunk_document(doc.text, doc.content_hash[:12], settings.chunking.max_chars,
                                    settings.chunking.overlap_chars)
            rules = facts_for_document(doc, chunks)
            structured = StructuredLLM(llm, mode=pick_mode(settings.brief.output_mode, settings.llm.is_local),
                                       max_retries=settings.brief.max_retries, max_tokens=settings.ledger.llm_max_tokens)
            started = time.perf_counter()
            name = file_key(path, args.dir)
            kept = list(out_rows)

            def progress(done, total, so_far, name=name, kept=kept, doc=doc, path=path, started=started):
                print(f"  {doc.name}: call {done}/{total}, {len(so_far)} rows, {time.perf_counter() - started:.0f} s",
                      file=sys.stderr, flush=True)
                if args.rows:  # written as it goes: a run cut short keeps its rows
                    rows = kept + [{**sample_row(f, name, doc.meta.doc_type or "unknown", is_seed(path)),
                                    "origin": f.origin} for f in so_far]
                    args.rows.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")

            added, stats = llm_facts(doc, chunks, rules, structured, source=str(path.resolve()),
                                     max_chars=settings.ledger.llm_batch_chars,
                                     max_figures=settings.ledger.llm_batch_figures, on_batch=progress)
            seconds = time.perf_counter() - started
            figs, used0 = coverage(doc, chunks, rules)
            _, used1 = coverage(doc, chunks, rules + added)
            out_rows += [{**sample_row(f, name, doc.meta.doc_type or "unknown", is_seed(path)), "origin": f.origin}
                         for f in added]
            for k, v in (("rules", len(rules)), ("sent", stats.candidates), ("llm", len(added)), ("figs", figs),
                         ("used0", used0), ("used1", used1), ("sec", seconds), ("calls", stats.calls),
                         ("null", stats.not_indicator), ("dropped", len(stats.dropped)),
                         ("kind", stats.kind_overridden), ("year", stats.year_overridden)):
                totals[k] += v
            print(f"{doc.name[:28]:28} {len(rules):5} {stats.candidates:5} {len(added):4} {figs:7} "
                  f"{used0 / max(figs, 1):9.0%} {used1 / max(figs, 1):8.0%} {stats.calls:5} {seconds:6.1f} {seconds:6.1f}",
                  flush=True)
            for line in stats.dropped:
                print("    dropped:", line)
    finally:
        close = getattr(llm, "close", None)
        if close:
            close()
    t = totals
    n = len(paths)
    print(f"{'all':28} {t['rules']:5} {t['sent']:5} {t['llm']:4} {t['figs']:7} {t['used0'] / max(t['figs'], 1):9.1%} "
          f"{t['used1'] / max(t['figs'], 1):8.1%} {t['calls']:5} {t['sec']:6.1f} {t['sec'] / max(n, 1):6.1f}")
    print(f"model said not an indicator: {t['null']}; answers code refused: {t['dropped']}; "
          f"kinds overridden by the text: {t['kind']}; years overridden: {t['year']}")
    if args.rows:
        print(f"{len(out_rows)} LLM rows written to {args.rows}")


if __name__ == "__main__":
    main()
