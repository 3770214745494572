"""Score document identification against hand-written expectations: prints figures, asserts nothing.

    .venv/bin/python bench/identity.py --dir /tmp/identity-work/real

The folder holds report texts (.txt/.html/.md) and ``expected.json``: for each file name,
{"place": full name, "province": ..., "doc_type": ..., "review_year": ..., "plan_year": ...,
"date": "YYYY-MM-DD"}, null where the document does not tell. Two columns: ``identify`` on the
raw text, and what the index stores (``rag.ingest.extract_metadata`` on the cleaned text, which
wraps ``identify``). The regexes that ``identify`` replaced scored 53/132 on the same 22 files
(commit 38cf635, this bench's first version); they are gone from the code.

A file named in ``expected.json`` but absent from the folder is skipped and listed (a rebuilt
corpus may lack some excerpts). The last lines count documents whose four ``govbrief list``
columns (place, type, review year, plan year) are all right, per file-name prefix: ``h`` held
out, ``r`` the set the rules were refined on, any other a fresh set.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rag.identity import identify  # noqa: E402
from rag.ingest import clean_text, decode_bytes, extract_metadata, html_to_text  # noqa: E402
from rag.places import normalize, resolve  # noqa: E402

FIELDS = ["place", "province", "doc_type", "review_year", "plan_year", "date"]
# The columns `govbrief list` shows; the target is all four right on a document.
LISTED = ["place", "doc_type", "review_year", "plan_year"]


def _read(path: Path) -> str:
    raw = decode_bytes(path.read_bytes(), source=str(path))
    return html_to_text(raw) if path.suffix.lower() in {".html", ".htm"} else raw


def _new(raw: str, name: str) -> dict:
    ident = identify(raw, filename=name)
    return {
        "place": ident.place.value.name if ident.place.value else None,
        "province": ident.province.value,
        "doc_type": ident.doc_type.value,
        "review_year": ident.review_year.value,
        "plan_year": ident.plan_year.value,
        "date": ident.date.value,
    }


def _old(raw: str, name: str) -> dict:
    meta = extract_metadata(clean_text(raw)[0], filename=name)
    county = normalize(meta.county)
    # Count a name right when it denotes one place and that place is the expected one.
    matches = resolve(county) if county else []
    return {
        "place": matches[0].name if len(matches) == 1 else (county or None),
        "province": meta.province or None,
        "doc_type": meta.doc_type or None,
        "review_year": meta.year_under_review,
        "plan_year": meta.plan_year,
        "date": meta.date or None,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, required=True, help="folder with report files and expected.json")
    args = ap.parse_args(argv)
    expected: dict[str, dict] = json.loads((args.dir / "expected.json").read_text(encoding="utf-8"))
    missing = sorted(name for name in expected if not (args.dir / name).exists())
    expected = {name: want for name, want in expected.items() if name not in missing}

    listed_ok: dict[str, list[int]] = {}  # prefix -> [documents with all listed fields right, documents]
    right = {who: dict.fromkeys(FIELDS, 0) for who in ("new", "old")}
    misses: dict[str, list[str]] = {"new": [], "old": []}
    for name, want in sorted(expected.items()):
        raw = _read(args.dir / name)
        got = {"new": _new(raw, name), "old": _old(raw, name)}
        tally = listed_ok.setdefault(name[0], [0, 0])
        tally[0] += all(got["new"][f] == want.get(f) for f in LISTED)
        tally[1] += 1
        for who, values in got.items():
            for f in FIELDS:
                if values[f] == want.get(f):
                    right[who][f] += 1
                else:
                    misses[who].append(f"{name}: {f} = {values[f]!r}, expected {want.get(f)!r}")

    n = len(expected)
    print(f"{n} documents, {len(FIELDS)} fields each" + (f"; missing, skipped: {', '.join(missing)}" if missing else "") + "\n")
    print(f"{'field':<12} {'identify':>10} {'as indexed (cleaned)':>22}")
    for f in FIELDS:
        print(f"{f:<12} {right['new'][f]:>7}/{n:<2} {right['old'][f]:>19}/{n:<2}")
    total_new, total_old = sum(right["new"].values()), sum(right["old"].values())
    print(f"{'all':<12} {total_new:>6}/{n * len(FIELDS):<3} {total_old:>18}/{n * len(FIELDS):<3}")
    for who, label in (("new", "identify"), ("old", "as indexed (cleaned)")):
        print(f"\nmisses, {label} ({len(misses[who])}):")
        for line in misses[who]:
            print("  " + line)
    print(f"\ndocuments with {', '.join(LISTED)} all right (identify):")
    for prefix, (ok, total) in sorted(listed_ok.items()):
        print(f"  {prefix}*: {ok}/{total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
