"""Incremental indexing, pruning, identity mismatch and interrupted runs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from rag.errors import IndexMismatchError
from rag.indexer import index_paths
from rag.store import ChunkStore
from tests.conftest import REPO
from tests.fakes import HashEmbedder


def run_index(store, folder, embedder, **kw):
    return index_paths([folder], store, lambda: embedder, **kw)


def chunk_ids(store):
    got = store.collection().get(include=[])
    return got["ids"]


def test_unchanged_files_embed_nothing(settings, seeds_dir):
    store, embedder = ChunkStore(settings), HashEmbedder()
    first = run_index(store, seeds_dir, embedder)
    assert {f.status for f in first.files} == {"indexed"}
    total = sum(f.chunks for f in first.files)
    assert embedder.calls == total == len(chunk_ids(store))

    again = run_index(ChunkStore(settings), seeds_dir, HashEmbedder())
    assert {f.status for f in again.files} == {"unchanged"}
    assert again.embedded == 0


def test_changed_file_is_replaced_without_stale_or_duplicate_chunks(settings, seeds_dir):
    store, embedder = ChunkStore(settings), HashEmbedder()
    run_index(store, seeds_dir, embedder)
    target = next(seeds_dir.glob("001_*.txt"))
    old_hash_prefix = None
    for chunk in store.all_chunks():
        if chunk.file == target.name:
            old_hash_prefix = chunk.id.split("-")[0]
    target.write_text(target.read_text("utf-8").replace("一、2023年工作回顾", "一、2023年工作回顾\n新增一段:全年新增就业岗位1234个。"), "utf-8")

    report = run_index(store, seeds_dir, embedder)
    statuses = {f.file: f.status for f in report.files}
    assert statuses[target.name] == "indexed"
    assert sum(s == "unchanged" for s in statuses.values()) == 4
    chunks = [c for c in store.all_chunks() if c.file == target.name]
    assert any("1234个" in c.text for c in chunks)
    assert not any(c.id.startswith(old_hash_prefix) for c in chunks)
    ids = chunk_ids(store)
    assert len(ids) == len(set(ids))
    assert len(chunks) == report.files[[f.file for f in report.files].index(target.name)].chunks


def test_prune_removes_chunks_of_deleted_files(settings, seeds_dir):
    store = ChunkStore(settings)
    run_index(store, seeds_dir, HashEmbedder())
    gone = next(seeds_dir.glob("002_*.txt"))
    gone.unlink()
    report = run_index(store, seeds_dir, HashEmbedder(), prune=True)
    assert report.pruned == [str(gone.resolve())]
    assert not [c for c in store.all_chunks() if c.file == gone.name]


def test_bad_file_is_reported_and_the_rest_indexed(settings, seeds_dir):
    (seeds_dir / "empty.txt").write_bytes(b"")
    (seeds_dir / "blob.txt").write_bytes(b"\x00\x01\x02binary")
    report = run_index(ChunkStore(settings), seeds_dir, HashEmbedder())
    failed = {f.file: f.error for f in report.failed}
    assert set(failed) == {"empty.txt", "blob.txt"}
    assert "empty" in failed["empty.txt"] and "binary" in failed["blob.txt"]
    assert sum(f.status == "indexed" for f in report.files) == 5


def test_index_built_with_another_model_gives_a_clear_error(settings, seeds_dir):
    run_index(ChunkStore(settings), seeds_dir, HashEmbedder())
    settings.embedding.model = "some/other-model"
    with pytest.raises(IndexMismatchError, match="hash-embedder"):
        ChunkStore(settings).collection()


KILLER = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {repo!r})
    from pathlib import Path
    from rag.settings import Settings
    from rag.store import ChunkStore
    from rag.indexer import index_paths
    from tests.fakes import HashEmbedder

    class SlowEmbedder(HashEmbedder):
        def embed_documents(self, texts):
            print("EMBED", flush=True)
            time.sleep(0.05)
            return super().embed_documents(texts)

    s = Settings()
    s.store.path = Path({index!r}); s.embedding.model = "hash-embedder"; s.embedding.batch_size = 4
    index_paths([Path({seeds!r})], ChunkStore(s), SlowEmbedder)
    print("DONE", flush=True)
    """
)


def test_kill_9_mid_index_then_rerun_completes_without_duplicates(settings, seeds_dir, tmp_path):
    script = tmp_path / "killer.py"
    script.write_text(KILLER.format(repo=str(REPO), index=str(settings.store.path), seeds=str(seeds_dir)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVBRIEF_")}
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True, env=env)
    seen = 0
    deadline = time.monotonic() + 60
    while seen < 12 and time.monotonic() < deadline:  # let it get well into the run
        line = proc.stdout.readline()
        seen += line.startswith("EMBED")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert seen >= 12

    store = ChunkStore(settings)
    report = run_index(store, seeds_dir, HashEmbedder())
    assert any(f.status == "indexed" for f in report.files)  # the interrupted work was redone
    ids = chunk_ids(store)
    assert len(ids) == len(set(ids)) == sum(f.chunks for f in report.files)
    final = run_index(ChunkStore(settings), seeds_dir, HashEmbedder())
    assert {f.status for f in final.files} == {"unchanged"}
