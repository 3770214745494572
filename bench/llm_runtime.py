"""Speed of each llama.cpp build on this machine, in one run: prompt and generation tokens/s.

    .venv/bin/python bench/llm_runtime.py [--model qwen2.5-coder-1.5b] [--runs 3] [--json]

Every wheel that ``scripts/llm_runtime.py`` has built lies in ``~/.cache/govbrief/wheels/<sig>/``
with a ``build.json`` naming its flags. Each is unpacked into a temporary folder and run in its own
process (that folder first on ``sys.path``), so one build's crash (a SIGILL) is a row in the table
and not the end of the benchmark. Prints figures; it is not a timed test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import llm_runtime  # noqa: E402

CHILD = r"""
import json, statistics, sys, time
from llama_cpp import Llama
model, runs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
llm = Llama(model_path=model, n_ctx=2048, n_threads=threads, n_threads_batch=threads, n_batch=512, verbose=False)
# ~500 prompt tokens of Chinese report text, different each run so no KV prefix is reused.
base = "2023年全县地区生产总值预计完成170亿元，增长8%；规模以上工业增加值增长10%；固定资产投资增长12%。"
prompt_s, gen_s, n_prompt, n_gen = [], [], 0, 0
llm.create_completion("warm up", max_tokens=4, temperature=0)
for i in range(runs):
    llm.reset()
    text = f"第{i}次：" + base * 12
    n_prompt = len(llm.tokenize(text.encode()))
    t = time.perf_counter(); llm.create_completion(text, max_tokens=1, temperature=0); prompt_s.append(time.perf_counter() - t)
    t = time.perf_counter(); out = llm.create_completion(text, max_tokens=64, temperature=0)
    n_gen = out["usage"]["completion_tokens"]; gen_s.append((time.perf_counter() - t) / max(n_gen, 1))
print(json.dumps({"prompt_tokens": n_prompt, "prompt_tok_s": n_prompt / statistics.median(prompt_s),
                  "gen_tok_s": 1 / statistics.median(gen_s), "gen_tokens": n_gen}))
"""


def builds() -> list[tuple[str, Path, dict]]:
    """(label, wheel, build.json) for every cached build."""
    found = []
    for folder in sorted(llm_runtime.WHEEL_CACHE.glob("llama_cpp_python-*")):
        wheels = sorted(folder.glob("*.whl"))
        info = json.loads((folder / "build.json").read_text()) if (folder / "build.json").is_file() else {}
        if wheels:
            found.append((label(info.get("cmake_args", "")), wheels[0], info))
    return found


def label(args: str) -> str:
    """A short name for a flag set: native, or the highest groups it enables."""
    if "GGML_NATIVE=ON" in args or not args:
        return "native (-march=native)"
    on = {a.split("=")[0].removeprefix("-D") for a in args.split() if a.endswith("=ON")}
    names = [g for g, (opts, _, _) in llm_runtime.PROBES.items() if set(opts) <= on]
    return "explicit: " + " ".join(names)


def run_build(wheel: Path, model: str, runs: int, threads: int) -> dict:
    """Unpack the wheel and benchmark it in a child process; a crash becomes the result."""
    with tempfile.TemporaryDirectory(prefix="govbrief-bench-") as tmp:
        zipfile.ZipFile(wheel).extractall(tmp)
        env = {**os.environ, "PYTHONPATH": tmp}
        ran = subprocess.run([sys.executable, "-c", CHILD, model, str(runs), str(threads)], env=env,
                             capture_output=True, text=True, timeout=900)
    if ran.returncode != 0:
        return {"error": llm_runtime.describe_exit(ran.returncode),
                "stderr": (ran.stderr.strip().splitlines() or [""])[-1][:160]}
    return json.loads(ran.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--json", action="store_true")
    opts = parser.parse_args()
    from rag.llm import LocalServer
    from rag.settings import Settings

    settings = Settings()
    settings.llm.model = opts.model
    model = str(LocalServer(settings.llm, settings.cache_dir).model_path())
    rows = []
    for name, wheel, info in builds():
        result = run_build(wheel, model, opts.runs, opts.threads)
        rows.append({"build": name, "cmake_args": info.get("cmake_args"), "build_s": info.get("seconds"), **result})
        if not opts.json:
            if "error" in result:
                print(f"| {name} | {result['error']} | — | {info.get('seconds', '?')} s |", flush=True)
            else:
                print(f"| {name} | {result['prompt_tok_s']:.0f} | {result['gen_tok_s']:.1f} | "
                      f"{info.get('seconds', '?')} s |", flush=True)
    if opts.json:
        print(json.dumps({"model": opts.model, "threads": opts.threads, "runs": opts.runs, "rows": rows},
                         ensure_ascii=False, indent=2))
    else:
        print(f"(columns: build | prompt tok/s | generation tok/s | build time; {opts.model}, "
              f"{opts.threads} threads, median of {opts.runs})")


if __name__ == "__main__":
    main()
