"""Found 13 (issue 12): concurrent writers on one store, and on the local server's state file.

Two `index` runs into one store lost manifest entries (so chunks were embedded again), and two
commands started together with no server running started two servers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import pytest

from tests.conftest import REPO

# `govbrief index` as its own process, with the hash embedder slowed down so two runs overlap.
INDEX_PROC = textwrap.dedent("""
    import sys, time
    import cli.main as m
    from rag.engine import Engine
    from tests.fakes import HashEmbedder

    class Slow(HashEmbedder):
        def embed_documents(self, texts):
            time.sleep(0.1)
            return super().embed_documents(texts)

    m.make_engine = lambda s: Engine(s, embedder=Slow())
    sys.argv = ["govbrief", "index", *sys.argv[1:]]
    m.main()
""")


def _env(settings, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVBRIEF_")}
    env.update(GOVBRIEF_STORE__PATH=str(settings.store.path), GOVBRIEF_CACHE_DIR=str(settings.cache_dir),
               GOVBRIEF_EMBEDDING__MODEL="hash-embedder", PYTHONPATH=str(REPO), COLUMNS="200", **extra)
    return env


def _stored(settings) -> tuple[list[str], dict]:
    from rag.store import ChunkStore

    store = ChunkStore(settings)
    try:
        ids = store.collection().get(include=[])["ids"]
        return ids, store.manifest.docs
    finally:
        store.close()


@pytest.mark.found(13)
def test_two_index_processes_serialise_and_lose_nothing(settings, seeds_dir, tmp_path):
    env = _env(settings)
    procs = [subprocess.Popen([sys.executable, "-c", INDEX_PROC, str(seeds_dir)], cwd=tmp_path, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outs]
    waited = [e for _, e in outs if "another index run holds the store; waiting…" in e]
    assert len(waited) == 1, [e for _, e in outs]
    # The one that waited found every document done by the other: nothing embedded twice.
    second = next(o for o, e in outs if e in waited)
    assert "0 chunks embedded" in second and "indexed" not in second.replace("index:", ""), second
    ids, manifest = _stored(settings)
    files = sorted(p.name for p in seeds_dir.glob("*.txt"))
    assert sorted(os.path.basename(s) for s in manifest) == files
    assert len(ids) == len(set(ids)) == sum(e["n_chunks"] for e in manifest.values())

    # And as many chunks as one run alone makes in a fresh store.
    single = settings.model_copy(deep=True)
    single.store.path = tmp_path / "single"
    alone = subprocess.run([sys.executable, "-c", INDEX_PROC, str(seeds_dir)], cwd=tmp_path, env=_env(single),
                           capture_output=True, text=True, timeout=300)
    assert alone.returncode == 0, alone.stderr
    assert len(_stored(single)[0]) == len(ids)


@pytest.mark.found(13)
def test_with_lock_wait_0_the_second_writer_refuses_in_one_line(cli_runner, engine, settings, seeds_dir):
    from filelock import FileLock

    settings.store.lock_wait = 0
    settings.store.path.mkdir(parents=True)
    run = cli_runner(lambda s: engine)
    with FileLock(settings.store.path / "writer.lock"):  # another run, mid-way
        code, out, err = run("index", str(seeds_dir))
    assert code == 7, err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert lines[0] == "another index run holds the store; waiting…"
    assert len(lines) == 2 and lines[1].startswith("error: another index run holds the store"), err
    assert "GOVBRIEF_STORE__LOCK_WAIT" in lines[1] and "Traceback" not in err
    assert not engine.store.manifest.docs  # it wrote nothing
    code, out, err = run("index", str(seeds_dir))  # once free, the run goes ahead
    assert code == 0, err
    assert "waiting" not in err


# Two commands at once with no server running: each calls LocalServer.start() in its own process.
START_PROC = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from rag.llm import LocalServer
    from rag.settings import LLMSettings

    real = LocalServer.command
    LocalServer.model_path = lambda self: Path(sys.argv[2])
    LocalServer.command = lambda self, path, port: [*real(self, path, port), "--child", "tests.fake_llm_server"]
    server = LocalServer(LLMSettings(model="qwen2.5-coder-0.5b", keep_alive=30, start_timeout=20), Path(sys.argv[1]))
    url = server.start()
    server.wait()
    print(json.dumps({"url": url, "pid": server.pid}))
""")


@pytest.mark.found(13)
def test_two_commands_started_together_start_one_server(tmp_path):
    cache, model = tmp_path / "cache", tmp_path / "fake.gguf"
    model.write_bytes(b"GGUF")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", START_PROC, str(cache), str(model)], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    pids = set()
    try:
        assert [p.returncode for p in procs] == [0, 0, 0], [e for _, e in outs]
        found = [json.loads(o) for o, _ in outs]
        pids = {f["pid"] for f in found}
        assert len(pids) == 1 and len({f["url"] for f in found}) == 1, found
        assert len(list(cache.glob("llm-server-*.log"))) == 1
    finally:
        state = next((p for p in cache.glob("llm-server-*.json") if not p.name.endswith(".exit.json")), None)
        if state:
            pids.add(json.loads(state.read_text())["pid"])
        for pid in pids:
            with __import__("contextlib").suppress(OSError):
                os.killpg(pid, 9)
        time.sleep(0.1)
