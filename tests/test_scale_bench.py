"""bench/scale.py runs end to end on a small corpus and reports every figure the README table uses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_scale_bench_small_embedded(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "scale.py"), "--chunks", "150", "--questions", "8", "--json",
         "--corpus", str(tmp_path / "corpus")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in ("index_chunks_per_s", "keyword_p50_ms", "keyword_p95_ms", "dense_p50_ms", "dense_p95_ms", "chroma_filtered_p50_ms",
                "query_p50_ms", "query_p95_ms", "old_keyword_p50_ms", "peak_rss_mb", "keyword_index_mb"):
        assert isinstance(out[key], (int, float)) and out[key] > 0, key
    assert out["store"] == "embedded" and out["questions"] == 8
    assert out["chunks"] >= 150 and out["documents"] >= 5 and out["ledger_rows"] > 0
    assert out["embedder"].startswith("stand-in")
    corpus = json.loads((tmp_path / "corpus" / "corpus.json").read_text())
    assert corpus["chunks"] >= 150  # kept for reuse


def test_scale_bench_replicate_fill(tmp_path):
    """--fill replicate: the base goes through the indexer, copies moved to other counties fill the
    collection and the keyword index to N, and the output says so."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "scale.py"), "--chunks", "400", "--base", "100", "--fill", "replicate",
         "--questions", "5", "--json", "--corpus", str(tmp_path / "corpus")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    base = int(out["fill"].split()[1])
    assert out["fill"].startswith("replicate: ") and 100 <= base < 400
    assert out["chunks"] >= 400 and out["replicated_chunks"] == out["chunks"] - base
    assert out["replicated_counties"] >= 2 and out["documents"] > out["replicated_documents"] > 0
    # The keyword index holds every chunk, copies included, after a fresh open.
    assert out["keyword_chunks"] == out["chunks"]
    for key in ("index_chunks_per_s", "query_p50_ms", "dense_p50_ms", "keyword_p50_ms"):
        assert isinstance(out[key], (int, float)) and out[key] > 0, key
