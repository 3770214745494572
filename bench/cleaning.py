"""Time cleaning (``rag.ingest.clean_text``) on synthetic big files: prints figures, asserts nothing.

    .venv/bin/python bench/cleaning.py                      # 4, 8, 16 and 50 MB, several lines and one line
    .venv/bin/python bench/cleaning.py --mb 4 8 --layout lines --timeout 120 --json

A file of N MB is the seed reports concatenated until it reaches N MB of UTF-8 (each copy's
lines kept: ``lines``), or the same text with every line break dropped (``oneline``, a scraper
that lost the page's line breaks). Each size runs in its own process with a time limit, so a
super-linear step shows as a timeout rather than a hung bench. Cleaning is timed alone (the
text is decoded first), and ``MB/s`` should stay flat as the size grows if cleaning is linear.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def synthetic(mb: float, layout: str = "lines") -> str:
    """The seeds concatenated to ``mb`` MB of UTF-8; ``oneline`` drops every line break."""
    seeds = [p.read_text("utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    unit = "\n".join(seeds)
    if layout == "oneline":
        unit = "".join(line.strip() for line in unit.split("\n"))
    target = int(mb * 1024 * 1024)
    copies = target // len(unit.encode("utf-8")) + 1
    text = (unit + ("" if layout == "oneline" else "\n")) * copies
    return text[: int(len(text) * target / len(text.encode("utf-8")))]


def _run(mb: float, layout: str, queue) -> None:
    import resource

    from rag.ingest import clean_text

    text = synthetic(mb, layout)
    started = time.perf_counter()
    cleaned, removed = clean_text(text)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"seconds": round(seconds, 2), "peak_mb": round(peak), "paragraphs": cleaned.count("\n") + 1,
               "removed": len(removed)})


def measure(mb: float, layout: str, timeout: float) -> dict:
    """Clean one synthetic file in a child process; ``seconds`` is None when it ran past ``timeout``."""
    queue = mp.get_context("fork").Queue()
    child = mp.get_context("fork").Process(target=_run, args=(mb, layout, queue))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return {"mb": mb, "layout": layout, "seconds": None, "note": f"not done in {timeout:.0f} s"}
    result = queue.get() if not queue.empty() else {"seconds": None, "note": f"exit {child.exitcode}"}
    if result.get("seconds"):
        result["mb_per_s"] = round(mb / result["seconds"], 2)
    return {"mb": mb, "layout": layout, **result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, nargs="+", default=[4, 8, 16, 50])
    parser.add_argument("--layout", choices=["lines", "oneline", "both"], default="both")
    parser.add_argument("--timeout", type=float, default=400.0, help="Seconds per size before giving up.")
    parser.add_argument("--json", action="store_true", help="One JSON object per measurement.")
    args = parser.parse_args()
    layouts = ["lines", "oneline"] if args.layout == "both" else [args.layout]
    for layout in layouts:
        for mb in args.mb:
            row = measure(mb, layout, args.timeout)
            if args.json:
                print(json.dumps(row), flush=True)
            elif row["seconds"] is None:
                print(f"{layout:8} {mb:6.0f} MB  {row['note']}", flush=True)
            else:
                print(f"{layout:8} {mb:6.0f} MB  {row['seconds']:7.2f} s  {row['mb_per_s']:6.2f} MB/s  "
                      f"peak {row['peak_mb']} MB  {row['paragraphs']} paragraphs", flush=True)


if __name__ == "__main__":
    main()
