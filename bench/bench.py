"""Benchmark govbrief on the seeds: prints figures, asserts nothing.

    .venv/bin/python bench/bench.py [--questions 5] [--models qwen2.5-coder-1.5b,qwen2.5-coder-0.5b]

Measures, each as a user would run it (fresh processes, models already materialised):
index time cold and with no change, chunk count, embedding passages/s, warm retrieval
latency p50/p95, `ask` end-to-end p50 and time to first token per LLM, `--help`, peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXE = str(Path(sys.executable).parent / "govbrief")
QUESTIONS = [
    "兴山县2023年地区生产总值是多少",
    "兴山县2024年固定资产投资增长目标是多少",
    "芦山县2024年地方一般公共预算收入增长目标是多少",
    "通江县2022年全社会固定资产投资增长多少",
    "兴山县2023年接待游客多少人次",
    "芦山县县委十五届六次全会于何时召开",
    "兴山县2023年新增市场主体多少家",
    "兴山县2024年社会消费品零售总额增长目标是多少",
]


def run(args: list[str], env: dict) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.strip()[-300:]}")
    return time.perf_counter() - start, proc


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def peak_rss_mb() -> float:
    """Largest resident set of any finished child process tree so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--models", default="qwen2.5-coder-1.5b,qwen2.5-coder-0.5b")
    opts = parser.parse_args()
    env = {**os.environ, "GOVBRIEF_STORE__PATH": tempfile.mkdtemp(prefix="govbrief-bench-")}
    rows: list[tuple[str, str]] = []

    help_s, _ = run([EXE, "--help"], env)
    rows.append(("govbrief --help", f"{help_s:.2f} s"))

    cold, _ = run([EXE, "index", "seeds"], env)
    rows.append(("index cold (models materialised)", f"{cold:.1f} s, peak RSS {peak_rss_mb():.0f} MB"))
    warm, _ = run([EXE, "index", "seeds"], env)
    rows.append(("index, no change", f"{warm:.2f} s"))

    # In-process figures: chunk count, embedding throughput, warm retrieval latency.
    sys.path.insert(0, str(REPO))
    os.environ["GOVBRIEF_STORE__PATH"] = env["GOVBRIEF_STORE__PATH"]
    from rag.engine import Engine
    from rag.settings import Settings

    engine = Engine(Settings())
    chunks = engine.store.all_chunks()
    rows.append(("chunks", str(len(chunks))))
    texts = [f"{c.county}｜{c.heading}\n{c.text}" for c in chunks]
    engine.embedder.embed_documents(texts[:4])  # load and warm up
    start = time.perf_counter()
    engine.embedder.embed_documents(texts)
    rate = len(texts) / (time.perf_counter() - start)
    mean_chars = statistics.mean(len(t) for t in texts)
    rows.append(("embedding (sentence-transformers)", f"{rate:.1f} passages/s (mean {mean_chars:.0f} chars)"))
    retriever = engine.retriever
    retriever.retrieve(QUESTIONS[0])
    latencies = []
    for _ in range(5):
        for q in QUESTIONS:
            t = time.perf_counter()
            retriever.retrieve(q)
            latencies.append((time.perf_counter() - t) * 1000)
    rows.append(("retrieval, warm", f"p50 {pct(latencies, 50):.0f} ms, p95 {pct(latencies, 95):.0f} ms"))

    for model in [m for m in opts.models.split(",") if m]:
        # Cold: a fresh server per question (keep-alive 0), so the model start is in every figure.
        # Warm: the keep-alive server a previous command left running, as in everyday use.
        for label, keep_alive in (("cold, model start included", "0"), ("warm server", "300")):
            walls, ttfts, parts = [], [], []
            run_env = {**env, "GOVBRIEF_LLM__KEEP_ALIVE": keep_alive}
            if keep_alive != "0":
                run([EXE, "ask", QUESTIONS[-1], "--json", "--model", model], run_env)  # leave a server up
            for q in QUESTIONS[: opts.questions]:
                wall, proc = run([EXE, "ask", q, "--json", "--model", model], run_env)
                timings = json.loads(proc.stdout)["timings"]
                walls.append(wall)
                # First token as the user sees it: the whole run minus the generation after it.
                after_first = timings.get("generate", 0) - timings.get("first_token", 0)
                ttfts.append(wall - after_first)
                parts.append({
                    "process start and imports": wall - timings.get("command", wall),
                    "settings and engine": timings.get("command_setup", 0),
                    "retrieval (embedder load included)": timings.get("retrieve", 0),
                    "model ready and prompt prefill": timings.get("first_token", 0),
                    "generation": after_first,
                    "rest (checks, exit)": timings.get("command", 0) - timings.get("command_setup", 0)
                    - timings.get("total", 0),
                })
            rows.append((f"ask {model}, {label}",
                         f"p50 {statistics.median(walls):.1f} s, first token p50 {statistics.median(ttfts):.1f} s, "
                         f"max {max(walls):.1f} s over {len(walls)}"))
            for part in parts[0]:
                rows.append((f"  {part}", f"p50 {statistics.median(p[part] for p in parts):.2f} s"))
    rows.append(("peak RSS of any process (ask/index)", f"{peak_rss_mb():.0f} MB"))

    width = max(len(k) for k, _ in rows)
    print(f"govbrief bench · {os.cpu_count()} cores · {time.strftime('%Y-%m-%d')}")
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
