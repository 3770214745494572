"""Brief quality on the seeds: key-fact coverage per report and grounding violations.

    .venv/bin/python bench/brief_quality.py [--model qwen2.5-coder-0.5b] [--from-export exports/]

Generates a brief per report listed in ``seeds/eval/brief_facts.json`` (or reads the briefs an
``govbrief export --format json`` wrote) and prints, per report, how many of its hand-listed
key facts the brief carries with the right values, which are wrong or missing, and how many
items break the rule that every number sits in its cited quote (re-checked against the index).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--facts", type=Path, default=REPO / "seeds/eval/brief_facts.json")
    parser.add_argument("--model", default=None, help="LLM model (default: settings)")
    parser.add_argument("--from-export", type=Path, default=None, help="Score the JSON briefs in this export folder.")
    parser.add_argument("--save", type=Path, default=None, help="Write the generated briefs (JSON) into this folder.")
    parser.add_argument("--verbose", "-v", action="store_true", help="List every fact, not only the misses.")
    parser.add_argument("--only", default="", help="Comma-separated file prefixes to score (default: all).")
    opts = parser.parse_args()

    from rag.brief import CountyBrief, brief_document, verify_brief
    from rag.brief_eval import load_facts, score_brief
    from rag.engine import Engine
    from rag.errors import GovbriefError
    from rag.settings import Settings

    facts = load_facts(opts.facts)
    settings = Settings()
    if opts.model:
        settings.llm.model = opts.model
    engine = Engine(settings)
    docs = {d["file"]: d for d in engine.store.documents()}
    rows, failed = [], []
    try:
        for file, entry in facts.items():
            if opts.only and not any(file.startswith(x) for x in opts.only.split(",")):
                continue
            if file not in docs:
                print(f"{file}: not indexed, skipped")
                continue
            started = time.perf_counter()
            try:
                if opts.from_export:
                    brief = CountyBrief.model_validate_json((opts.from_export / f"{Path(file).stem}.json").read_text("utf-8"))
                else:
                    brief = brief_document(engine.store, docs[file], engine.llm, settings)
            except (GovbriefError, OSError, ValueError) as exc:  # one failure must not hide the other reports
                print(f"\n{file} {entry['county']}: FAILED: {exc}")
                failed.append(file)
                continue
            seconds = time.perf_counter() - started
            if opts.save:
                opts.save.mkdir(parents=True, exist_ok=True)
                (opts.save / f"{Path(file).stem}.json").write_text(brief.model_dump_json(indent=2), "utf-8")
            coverage = score_brief(file, brief, entry["facts"])
            violations = verify_brief(brief, engine.store.all_chunks(where={"source": docs[file]["source"]}))
            numbers = sum(1 for i in brief.indicators + brief.targets)
            rows.append((file, entry["county"], coverage, violations, numbers, len(brief.dropped), seconds, brief))
            print(f"\n{file} {entry['county']}: {coverage.found}/{len(coverage.results)} key facts "
                  f"({coverage.score:.0%}), {coverage.wrong} wrong, {len(violations)} grounding violations, "
                  f"{numbers} figures, {len(brief.dropped)} dropped" + ("" if opts.from_export else f", {seconds:.1f} s"))
            for r in coverage.results:
                if r.status != "found" or opts.verbose:
                    fact = r.fact.get("names", [r.fact.get("text") or r.fact.get("field")])[0]
                    want = " ".join(r.fact.get("values", [])) or r.fact.get("value", "")
                    print(f"   {r.status:7} {r.fact['kind']:8} {fact} {want}  {('-> ' + r.matched) if r.matched else ''}")
            for v in violations:
                print(f"   VIOLATION {v}")
    finally:
        engine.close()
    if not rows:
        return
    # Briefs read from an export name the model that wrote them; settings name the one asked for.
    models = sorted({r[7].generation.model for r in rows if r[7].generation}) or [settings.llm.model]
    model = ", ".join(models)
    found = sum(r[2].found for r in rows)
    total = sum(len(r[2].results) for r in rows)
    print("\n| report | county | key facts found | coverage | wrong | grounding violations | figures | dropped |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for file, county, cov, violations, numbers, dropped, _, _ in rows:
        print(f"| {file[:3]} | {county} | {cov.found}/{len(cov.results)} | {cov.score:.0%} | {cov.wrong} | "
              f"{len(violations)} | {numbers} | {dropped} |")
    mean = sum(r[2].score for r in rows) / len(rows)
    print(f"\nall reports: {found}/{total} key facts ({found / total:.0%}), mean per-report coverage {mean:.0%}, "
          f"lowest {min(r[2].score for r in rows):.0%}, grounding violations {sum(len(r[3]) for r in rows)} "
          f"(model {model})" + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    print(json.dumps({"model": model, "coverage": {r[0]: round(r[2].score, 3) for r in rows},
                      "violations": sum(len(r[3]) for r in rows)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
