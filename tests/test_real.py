"""The real tier: the real e5 model, real Chroma (embedded and as a server) and the local LLM.

Run alone with ``pytest -m real``; skip with ``pytest -m "not real"``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from rag.engine import Engine
from rag.indexer import index_paths
from rag.prompts import CANNOT_ANSWER
from rag.settings import Settings, default_cache_dir
from tests.conftest import REPO, SEEDS

pytestmark = pytest.mark.real


@pytest.fixture(scope="module")
def real_settings(tmp_path_factory):
    s = Settings()
    s.store.path = tmp_path_factory.mktemp("index")
    s.cache_dir = default_cache_dir()  # materialised weights are shared across runs
    return s


@pytest.fixture(scope="module")
def real_engine(real_settings):
    engine = Engine(real_settings)
    report = index_paths([SEEDS], engine.store, lambda: engine.embedder)
    assert not report.failed and report.embedded == sum(f.chunks for f in report.files)
    yield engine
    engine.close()


def test_sample_question_is_answered_with_a_citation(real_engine):
    answer = real_engine.ask("兴山县2023年地区生产总值是多少")
    assert not answer.refused, answer.reason
    assert "170亿元" in answer.answer
    assert any("170亿元" in c.text and c.file.startswith("003_") for c in answer.citations)


def test_question_answered_by_no_report_is_refused(real_engine):
    answer = real_engine.ask("兴山县2023年城镇登记失业率是多少")
    assert answer.refused and answer.answer.startswith(CANNOT_ANSWER)
    answer = real_engine.ask("北川县2024年地区生产总值增长目标是多少")
    assert answer.refused


def test_dense_retrieval_alone_finds_the_evidence(real_engine):
    real_engine.settings.retrieval.keyword_weight = 0.0
    try:
        hits = real_engine.retriever.retrieve("兴山县2024年固定资产投资增长目标", k=5).hits
    finally:
        real_engine.settings.retrieval.keyword_weight = 1.0
    assert any("固定资产投资增长12%" in h.text for h in hits)


def test_fast_query_path_matches_sentence_transformers(real_engine):
    embedder = real_engine.embedder
    question = "兴山县2023年地区生产总值是多少"
    fast = embedder.embed_query(question)
    slow = embedder._encode([embedder.query_prefix + question])[0]
    assert sum(a * b for a, b in zip(fast, slow)) > 0.999


def test_reindex_is_a_no_op(real_engine):
    report = index_paths([SEEDS], real_engine.store, lambda: pytest.fail("must not load the embedder"))
    assert {f.status for f in report.files} == {"unchanged"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_chroma_server_backend(tmp_path, real_engine):
    """The same index and question through a Chroma server instead of the embedded store."""
    port = _free_port()
    chroma = os.path.join(os.path.dirname(sys.executable), "chroma")
    server = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "srv"), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.3)
        s = Settings()
        s.store.host, s.store.port = "127.0.0.1", port
        s.cache_dir = default_cache_dir()
        engine = Engine(s, embedder=real_engine.embedder, llm=real_engine.llm)
        first = index_paths([SEEDS], engine.store, lambda: engine.embedder)
        assert {f.status for f in first.files} == {"indexed"}
        again = index_paths([SEEDS], engine.store, lambda: engine.embedder)
        assert {f.status for f in again.files} == {"unchanged"}  # checked against the server itself
        answer = engine.ask("兴山县2023年地区生产总值是多少")
        assert "170亿元" in answer.answer
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_cli_end_to_end(tmp_path):
    """`govbrief index` then `govbrief ask --json` as a user runs them, with the 0.5B model."""
    env = {**os.environ, "GOVBRIEF_STORE__PATH": str(tmp_path / "idx")}
    exe = os.path.join(os.path.dirname(sys.executable), "govbrief")
    out = subprocess.run([exe, "index", str(SEEDS)], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    out = subprocess.run([exe, "ask", "兴山县2024年固定资产投资增长目标是多少", "--json", "--model", "qwen2.5-coder-0.5b"],
                         cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert "12%" in data["answer"] and data["citations"]


def test_chat_in_a_pseudo_terminal(real_engine, tmp_path):
    """Drive `govbrief chat` as a user would: a question, then a follow-up, with the local model."""
    import pexpect

    env = {**os.environ, "GOVBRIEF_STORE__PATH": str(real_engine.settings.store.path), "TERM": "dumb",
           "PROMPT_TOOLKIT_NO_CPR": "1", "COLUMNS": "120", "LINES": "40"}
    exe = os.path.join(os.path.dirname(sys.executable), "govbrief")
    child = pexpect.spawn(exe, ["chat"], cwd=str(REPO), env=env, encoding="utf-8", timeout=180, dimensions=(40, 120),
                          use_poll=True)  # poll: select() fails on descriptors above 1024
    try:
        child.expect("模型已就绪")
        child.expect("问>")
        child.sendline("兴山县2023年地区生产总值是多少")
        child.expect("170亿元")
        child.expect("003_a378347d771fafc0.txt")  # the citation panel
        child.expect("问>")
        child.sendline("那固定资产投资呢？")
        child.expect("兴山县2023年固定资产投资")  # the dimmed rewrite
        child.expect("71.6亿元")
        child.expect("问>")
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_gold_subset_eval(real_engine, tmp_path):
    """A test-sized slice of the gold set through the real pipeline, scored by the real metrics."""
    from rag.evals import load_items, run_eval, summarize, write_records

    items = load_items(SEEDS / "eval" / "qa.jsonl")
    subset = [item for i, item in enumerate(items) if i % 9 == 0]  # 10 items across every type and file
    records = run_eval(subset, real_engine.ask)
    write_records(records, tmp_path / "subset.jsonl")
    summary = summarize(records)
    print(json.dumps(summary, ensure_ascii=False))
    assert summary["citation_support"] == 1.0
    assert summary["recall_at_k"] >= 0.9
    assert summary["accuracy"] >= 0.6, [(r["id"], r["answer"]) for r in records if not r["metrics"]["correct"]]


def test_transformed_corpus_sample_eval(tmp_path):
    """The seeds moved to other counties and years, in other scripts, layouts and encodings:
    metadata exact on each document, and a sample of the moved gold questions answered."""
    from rag.evals import load_items, run_eval, summarize
    from rag.ingest import load_document
    from tests.metamorphic import mixed_corpus

    corpus = tmp_path / "mm"
    expected = mixed_corpus(SEEDS, corpus, seed=0)["expected"]
    for name, want in expected.items():
        meta = load_document(corpus / name).meta
        assert (meta.county, meta.doc_type, meta.year_under_review, meta.plan_year) == (
            want["county"], want["doc_type"], want["year_under_review"], want["plan_year"]), name
    settings = Settings()
    settings.store.path = tmp_path / "index"
    settings.cache_dir = default_cache_dir()
    engine = Engine(settings)
    try:
        report = index_paths([corpus], engine.store, lambda: engine.embedder)
        assert not report.failed
        items = load_items(corpus / "qa.jsonl")
        subset = [item for i, item in enumerate(items) if i % 11 == 0]  # 9 items across types and files
        summary = summarize(run_eval(subset, engine.ask))
    finally:
        engine.close()
    print(json.dumps(summary, ensure_ascii=False))
    assert summary["citation_support"] == 1.0
    assert summary["accuracy"] >= 0.6


def test_brief_of_a_full_report_with_the_local_model(real_engine):
    """兴山县's report briefed by the default local model: valid, grounded, and carrying its key facts."""
    from rag.brief import CountyBrief, brief_document, verify_brief
    from rag.brief_eval import load_facts, score_brief

    file = "003_a378347d771fafc0.txt"
    doc = next(d for d in real_engine.store.documents() if d["file"] == file)
    brief = brief_document(real_engine.store, doc, real_engine.llm, real_engine.settings)
    CountyBrief.model_validate_json(brief.model_dump_json())
    assert verify_brief(brief, real_engine.store.all_chunks(where={"source": doc["source"]})) == []
    gdp = [i for i in brief.indicators if "生产总值" in i.name]
    assert any((i.value, i.unit, i.growth) == ("170", "亿元", "8%") for i in gdp), gdp
    coverage = score_brief(file, brief, load_facts(SEEDS / "eval" / "brief_facts.json")[file]["facts"])
    assert coverage.score >= 0.7, [(r.fact, r.status) for r in coverage.results if r.status != "found"]
    assert brief.generation.seconds < 300  # 2 cores, nothing else running: ~2 minutes


def _index_seeds(exe: str, env: dict, cwd) -> None:
    out = subprocess.run([exe, "index", str(SEEDS)], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr


def test_two_commands_share_the_kept_alive_server(tmp_path):
    """Two `ask` at once on one kept-alive local server: both finish with whole, cited answers.

    llama-cpp-python's server cuts a streaming answer short when another request waits
    (interrupt_requests); ours queues them, and the one waiting has no read deadline.
    """
    env = {**os.environ, "GOVBRIEF_STORE__PATH": str(tmp_path / "idx"), "GOVBRIEF_CACHE_DIR": str(tmp_path / "cache"),
           "GOVBRIEF_LLM__KEEP_ALIVE": "60", "GOVBRIEF_LLM__TIMEOUT": "5"}
    # The weights come from the shared cache; the server state file stays private to this test.
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "models").symlink_to(default_cache_dir() / "models")
    exe = os.path.join(os.path.dirname(sys.executable), "govbrief")
    _index_seeds(exe, env, REPO)
    questions = ["兴山县2023年地区生产总值是多少", "兴山县2024年固定资产投资增长目标是多少"]
    # Plain `ask` streams its answer: the case that llama-cpp-python's interrupt_requests cut short.
    procs = [subprocess.Popen([exe, "ask", q, "--model", "qwen2.5-coder-0.5b"], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for q in questions]
    results = [p.communicate(timeout=600) for p in procs]
    try:
        for proc, (out, err) in zip(procs, results):
            assert proc.returncode == 0, err
            assert CANNOT_ANSWER not in out and "来源" in out, out
        assert "170" in results[0][0] and "12%" in results[1][0]
    finally:
        state = next((tmp_path / "cache").glob("llm-server-*.json"), None)
        if state and not state.name.endswith(".exit.json"):
            with __import__("contextlib").suppress(OSError, ValueError):
                os.killpg(json.loads(state.read_text())["pid"], 9)


def test_a_normal_install_works_from_another_directory(tmp_path):
    """`pip install .` (not editable) into a new venv; `govbrief ask` from elsewhere finds its prompts and server."""
    import site

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    vpy = venv / "bin" / "python"
    # Dependencies from our venv by a plain path entry: its editable-install hook is not loaded.
    vsite = next((venv / "lib").glob("python3*/site-packages"))
    (vsite / "deps.pth").write_text(site.getsitepackages()[0] + "\n")
    out = subprocess.run([str(vpy), "-m", "pip", "install", "--quiet", "--no-deps", str(REPO)],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    where = subprocess.run([str(vpy), "-c", "import rag, rag.prompts as p; print(rag.__file__); print(p.PROMPTS_DIR)"],
                           cwd=tmp_path, capture_output=True, text=True, check=True).stdout.split()
    assert all(str(venv) in w for w in where), where  # the installed copy, not the checkout
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update({"GOVBRIEF_STORE__PATH": str(work / "idx"), "GOVBRIEF_LLM__KEEP_ALIVE": "0"})
    exe = str(venv / "bin" / "govbrief")
    _index_seeds(exe, env, work)
    out = subprocess.run([exe, "ask", "兴山县2023年地区生产总值是多少", "--json", "--model", "qwen2.5-coder-0.5b"],
                         cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "170" in json.loads(out.stdout)["answer"]
