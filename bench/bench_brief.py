"""Benchmark briefs: seconds per brief and for the whole export, per model, and peak RSS.

    .venv/bin/python bench/bench_brief.py [--models qwen2.5-coder-1.5b,qwen2.5-coder-0.5b] [--out DIR]

For each model, as a user runs it: the model server is warmed up first (its load is timed
separately), then ``govbrief export --format json --force`` runs in a fresh process over the
indexed seeds. Prints the wall time of the export, each document's seconds and LLM calls from
its manifest, and the peak resident memory of the CLI process and of the model server.
Prints figures; asserts nothing. The machine has 2 cores: run it when nothing else is busy.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
EXE = str(Path(sys.executable).parent / "govbrief")


def server_peak_rss_mb(settings) -> tuple[int | None, float | None]:
    """(pid, peak RSS in MB) of the live local server for ``settings``, read from /proc (VmHWM)."""
    from rag.llm import LocalServer

    state = LocalServer(settings.llm, settings.cache_dir).state_path
    try:
        pid = json.loads(state.read_text("utf-8"))["pid"]
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return pid, int(line.split()[1]) / 1024
    except (OSError, ValueError, KeyError):
        pass
    return None, None


def warm_up(settings) -> float:
    """Start (or reuse) the model server and answer one token; returns the seconds it took."""
    from rag.llm import OpenAIChat

    started = time.perf_counter()
    OpenAIChat(settings.llm, settings.cache_dir).complete([{"role": "user", "content": "你好"}], max_tokens=1)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="qwen2.5-coder-1.5b,qwen2.5-coder-0.5b")
    parser.add_argument("--out", type=Path, default=None, help="Keep the exports here (default: a temp folder).")
    opts = parser.parse_args()

    from rag.settings import Settings

    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores; other work skews every figure)")
    summary = []
    for model in opts.models.split(","):
        settings = Settings()
        settings.llm.model = model
        load = warm_up(settings)
        out = (opts.out / model) if opts.out else Path(tempfile.mkdtemp(prefix=f"govbrief-briefs-{model}-"))
        env = {**os.environ, "GOVBRIEF_LLM__MODEL": model}
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        proc = subprocess.run([EXE, "export", "--format", "json", "--force", "--out", str(out)], cwd=REPO, env=env,
                              capture_output=True, text=True)
        wall = time.perf_counter() - started
        cli_rss = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
        pid, server_rss = server_peak_rss_mb(settings)
        manifest = json.loads((out / "manifest.json").read_text("utf-8")) if (out / "manifest.json").is_file() else {}
        entries = manifest.get("documents", {})
        print(f"\n== {model}: export of {len(entries)} documents in {wall:.1f} s (exit {proc.returncode}); "
              f"server warm-up {load:.1f} s")
        if proc.returncode:
            print(proc.stderr.strip()[-600:])
        print("| document | county | status | seconds | LLM calls | LLM s | indicators | targets | dropped |")
        print("|---|---|---|---:|---:|---:|---:|---:|---:|")
        for file, e in sorted(entries.items()):
            print(f"| {file[:3]} | {e.get('county')} | {e.get('status')} | {e.get('seconds', 0):.1f} | "
                  f"{e.get('llm_calls', '')} | {e.get('llm_seconds', '')} | {e.get('indicators', '')} | "
                  f"{e.get('targets', '')} | {e.get('dropped', '')} |")
        full = entries.get("003_a378347d771fafc0.txt", {}).get("seconds")
        per_brief = [e["seconds"] for e in entries.values() if e.get("status") == "ok"]
        line = {
            "model": model, "export_s": round(wall, 1), "full_report_s": full,
            "mean_brief_s": round(sum(per_brief) / len(per_brief), 1) if per_brief else None,
            "max_brief_s": max(per_brief) if per_brief else None,
            "peak_rss_cli_mb": round(cli_rss), "peak_rss_server_mb": round(server_rss) if server_rss else None,
            "server_pid": pid, "warm_up_s": round(load, 1),
        }
        summary.append(line)
        print(f"full report (003 兴山县): {full} s; peak RSS: CLI {cli_rss:.0f} MB, model server "
              f"{server_rss:.0f} MB" if server_rss else f"full report: {full} s; peak RSS: CLI {cli_rss:.0f} MB")
    print("\n" + json.dumps(summary, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
