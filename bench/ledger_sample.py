"""Draw ledger rows at random for checking by hand, and score the verdicts given on them.

    .venv/bin/python bench/ledger_sample.py seeds DIR --n 100 --seed 0 --out /tmp/sample.jsonl
    .venv/bin/python bench/ledger_sample.py seeds DIR --n 100 --seed 0 --verdicts bench/ledger_precision.jsonl

Every report in the folders is loaded and chunked with ``Settings()`` chunking and the content
hash as the document id (so chunk ids are the same on any machine, unlike the indexer's, which
include the file's path), its rows come from ``rag.ledger.facts_for_document``, and ``--n`` rows are drawn uniformly over
all rows of all documents with ``--seed``. Each sampled row keeps its keys (file, chunk_id, start,
end, indicator, value) and the fields a reader judges. The quote is written only for files under
``seeds/``; for any other file (third-party text, never committed) ``quote_sha1`` stands instead.

With ``--verdicts`` the sample is joined to a verdict file: JSONL lines with the same keys plus
``ok``, ``wrong_fields`` (a subset of ``FIELDS``) and ``note`` (``checked`` says in which round a
verdict was given; the join ignores it). A verdict holds for a row only
if the fields it judged are still the row's fields; a row whose fields changed since, and a row
with no verdict, are listed and left out of the scores. Precision is printed overall, per field
and per document type.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rag.chunking import chunk_document  # noqa: E402
from rag.ingest import iter_report_files, load_document  # noqa: E402
from rag.ledger import facts_for_document  # noqa: E402
from rag.settings import Settings  # noqa: E402

KEYS = ("file", "chunk_id", "start", "end", "indicator", "value")
# What a reader judges on a row: these are the names ``wrong_fields`` may use.
FIELDS = ("place", "year", "kind", "indicator", "value_unit", "growth", "qualifier")
# The row fields a verdict was given on; if one changes the verdict no longer holds.
JUDGED = (
    "place",
    "year",
    "kind",
    "indicator",
    "indicator_text",
    "value",
    "unit",
    "growth",
    "growth_unit",
    "qualifier",
    "growth_qualifier",
)
SEEDS = (REPO / "seeds").resolve()


def file_key(path: Path, folder: Path) -> str:
    """A file's name in the sample: its folder's name and its path inside that folder."""
    try:
        inside = path.resolve().relative_to(folder.resolve())
    except ValueError:
        return path.name
    return f"{folder.resolve().name}/{inside.as_posix()}"


def is_seed(path: Path) -> bool:
    """True for a file under the repository's seeds/ (its text may be quoted in a committed file)."""
    return path.resolve().is_relative_to(SEEDS)


def sample_row(fact, file: str, doc_type: str, seed: bool) -> dict:
    """The sample line for one ledger row: keys, judged fields, and the quote or its SHA-1."""
    row = {
        "file": file,
        "chunk_id": fact.chunk_id,
        "start": fact.start,
        "end": fact.end,
        "doc_type": doc_type,
        "place": fact.place,
        "year": fact.year,
        "kind": fact.kind,
        "indicator": fact.indicator,
        "indicator_text": fact.indicator_text,
        "value": fact.value,
        "unit": fact.unit,
        "growth": fact.growth,
        "growth_unit": fact.growth_unit,
        "qualifier": fact.qualifier,
        "growth_qualifier": fact.growth_qualifier,
    }
    if seed:
        row["section"] = fact.section
        row["quote"] = fact.quote
    else:
        row["quote_sha1"] = hashlib.sha1(fact.quote.encode("utf-8")).hexdigest()
    return row


def all_rows(folders: list[Path], settings: Settings) -> list[dict]:
    """Every ledger row of every report under ``folders``, in file and text order."""
    rows = []
    for folder in folders:
        for path in iter_report_files([folder]):
            doc = load_document(path)
            chunks = chunk_document(
                doc.text, doc.content_hash[:12], settings.chunking.max_chars, settings.chunking.overlap_chars
            )
            name = file_key(path, folder) if folder.is_dir() else path.name
            for fact in facts_for_document(doc, chunks):
                rows.append(sample_row(fact, name, doc.meta.doc_type or "unknown", is_seed(path)))
    return rows


def draw(rows: list[dict], n: int, seed: int) -> list[dict]:
    """``n`` rows drawn uniformly without replacement, in file and text order."""
    picked = random.Random(seed).sample(range(len(rows)), min(n, len(rows)))
    return [rows[i] for i in sorted(picked)]


def key_of(row: dict) -> tuple:
    """The keys a sample row and its verdict are joined on."""
    return tuple(row[k] for k in KEYS)


def join(sample: list[dict], verdicts: list[dict]) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """(row, verdict) pairs, rows without a verdict, and rows whose judged fields changed since."""
    by_key: dict[tuple, list[dict]] = {}
    for v in verdicts:
        by_key.setdefault(key_of(v), []).append(v)
    pairs, missing, changed = [], [], []
    for row in sample:
        found = by_key.get(key_of(row), [])
        same = [v for v in found if all(v.get(k, row[k]) == row[k] for k in JUDGED)]
        if same:
            pairs.append((row, same[-1]))
        elif found:
            changed.append(row)
        else:
            missing.append(row)
    return pairs, missing, changed


def precision(pairs: list[tuple[dict, dict]]) -> dict:
    """Overall, per-field and per-document-type precision of judged rows.

    A field's precision counts the rows that have the field: growth only where a growth is given,
    qualifier only where one is.
    """
    out = {"rows": len(pairs), "ok": sum(bool(v["ok"]) for _, v in pairs), "fields": {}, "doc_types": {}}
    for name in FIELDS:
        have = [(r, v) for r, v in pairs if _has(r, name)]
        right = sum(name not in v.get("wrong_fields", []) for _, v in have)
        out["fields"][name] = (right, len(have))
    types: dict[str, list[int]] = {}
    for r, v in pairs:
        t = types.setdefault(r["doc_type"], [0, 0])
        t[0] += bool(v["ok"])
        t[1] += 1
    out["doc_types"] = {k: tuple(t) for k, t in sorted(types.items())}
    return out


def _has(row: dict, name: str) -> bool:
    if name == "growth":
        return row["growth"] is not None
    if name == "qualifier":
        return bool(row["qualifier"])
    return True


def _pct(right: int, total: int) -> str:
    return f"{right}/{total} = {right / total:.1%}" if total else "-"


def _line(row: dict) -> str:
    growth = "" if row["growth"] is None else f" growth {row['growth']:+g}{row['growth_unit']}"
    return (
        f"{row['file']} {row['chunk_id']} {row['start']}:{row['end']} {row['year']} {row['kind']} "
        f"{row['indicator']} = {row['value']}{row['unit']}{growth} {row['qualifier']}"
    )


def main() -> None:
    """Draw the sample, write it, and score it against a verdict file when one is given."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="+", type=Path, help="report folders (or files)")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="write the sample here (JSONL); default: not written")
    ap.add_argument("--verdicts", type=Path, help="JSONL verdicts to join and score")
    args = ap.parse_args()

    rows = all_rows(args.folders, Settings())
    sample = draw(rows, args.n, args.seed)
    files = Counter(r["file"] for r in rows)
    print(f"{len(rows)} rows in {len(files)} documents; sampled {len(sample)} with seed {args.seed}")
    if args.out:
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in sample), "utf-8")
        print(f"sample written to {args.out}")
    if not args.verdicts:
        return
    verdicts = [json.loads(x) for x in args.verdicts.read_text("utf-8").splitlines() if x.strip()]
    pairs, missing, changed = join(sample, verdicts)
    score = precision(pairs)
    print(f"\njudged {score['rows']} of {len(sample)} sampled rows")
    print(f"precision overall   {_pct(score['ok'], score['rows'])}")
    for name, (right, total) in score["fields"].items():
        print(f"  {name:17} {_pct(right, total)}")
    print("per document type:")
    for name, (right, total) in score["doc_types"].items():
        print(f"  {name:17} {_pct(right, total)}")
    wrong = [(r, v) for r, v in pairs if not v["ok"]]
    if wrong:
        print("\nwrong rows:")
        for r, v in wrong:
            print(f"  {_line(r)}  [{', '.join(v.get('wrong_fields', []))}] {v.get('note', '')}")
    for label, group in (("without a verdict", missing), ("changed since their verdict", changed)):
        if group:
            print(f"\n{len(group)} rows {label}:")
            for r in group:
                print(f"  {_line(r)}")


if __name__ == "__main__":
    main()
