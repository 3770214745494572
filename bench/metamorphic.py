"""Metamorphic corpus for the answer eval, and metadata accuracy per transformation.

    .venv/bin/python bench/metamorphic.py --out /tmp/mm [--seed N] [--grid]
    govbrief index /tmp/mm && govbrief eval --questions /tmp/mm/qa.jsonl

``DIR`` gets one transformed copy of each seed (moved to other counties and years, each with its
own mix of script, suffix, chrome, header, layout and encoding: ``tests.metamorphic.mixed_corpus``),
``expected.json`` and ``qa.jsonl`` (the 90 gold questions moved the same way), so the eval on it
compares with the eval on ``seeds/``. ``--grid`` writes instead every seed x every transformation
(many questions: for metadata, not for an LLM eval). Either way the script prints, for every
transformation of the full grid, how many documents get each checked field exactly right.
Prints figures, asserts nothing, runs no model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rag.errors import InputError  # noqa: E402
from rag.ingest import load_document  # noqa: E402
from tests.metamorphic import CHECKED, mixed_corpus, transform_corpus  # noqa: E402

SHORT = {"county": "place", "adcode": "adcode", "province": "prov", "prefecture": "pref", "doc_type": "type",
         "year_under_review": "review", "plan_year": "plan"}


def score(folder: Path, expected: dict[str, dict]) -> dict[str, dict[str, list[int]]]:
    """group -> field (and "all") -> [right, total]."""
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for name, exp in expected.items():
        try:
            meta = load_document(folder / name).meta
            got = {k: getattr(meta, k) for k in CHECKED}
        except InputError:
            got = dict.fromkeys(CHECKED)
        row = table[exp["group"]]
        for k in CHECKED:
            row[k][0] += got[k] == exp[k]
            row[k][1] += 1
        row["all"][0] += all(got[k] == exp[k] for k in CHECKED)
        row["all"][1] += 1
    return table


def print_table(table: dict[str, dict[str, list[int]]]) -> None:
    cols = [*CHECKED, "all"]
    width = max(len(g) for g in table) + 2
    print("transformation".ljust(width) + "".join(SHORT.get(c, c).rjust(8) for c in cols))
    totals = defaultdict(lambda: [0, 0])
    for group, row in table.items():
        cells = []
        for c in cols:
            right, n = row[c]
            totals[c][0] += right
            totals[c][1] += n
            cells.append(f"{right}/{n}".rjust(8))
        print(group.ljust(width) + "".join(cells))
    print("total".ljust(width) + "".join(f"{totals[c][0]}/{totals[c][1]}".rjust(8) for c in cols))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder to write the corpus into")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--grid", action="store_true", help="write every seed x every transformation instead")
    parser.add_argument("--seeds", type=Path, default=REPO / "seeds", help="seed reports (with eval/qa.jsonl)")
    args = parser.parse_args(argv)

    if args.grid:
        info = transform_corpus(args.seeds, args.out, seed=args.seed)
        grid_dir, grid = args.out, info["expected"]
    else:
        info = mixed_corpus(args.seeds, args.out, seed=args.seed)
        tmp = tempfile.TemporaryDirectory(prefix="metamorphic-grid-")
        grid_dir = Path(tmp.name)
        grid = transform_corpus(args.seeds, grid_dir, seed=args.seed)["expected"]
    print(f"wrote {len(info['expected'])} documents and {info['questions']} questions to {args.out}")
    if not args.grid:
        for name, exp in info["expected"].items():
            print(f"  {name}: {exp['county']} {exp['plan_year'] or exp['year_under_review']} ({exp['group']})")
        mixed = score(args.out, info["expected"])
        right = sum(r["all"][0] for r in mixed.values())
        print(f"metadata exact on the eval corpus: {right}/{len(info['expected'])}")
    print(f"\nmetadata accuracy per transformation (seed {args.seed}, fields exactly right / documents):")
    print_table(score(grid_dir, grid))
    print(f"\nnext: govbrief index {args.out} && govbrief eval --questions {args.out / 'qa.jsonl'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
