"""`eval --concurrency N` (issue 12 item 4): records identical to N=1 and in item order; bounded
retries on 429/5xx against a remote endpoint, never on 400; N>1 refused on the one-slot local server."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import time

import pytest

from rag.evals import load_items, run_eval
from tests.conftest import SEEDS

REPLIES = ["根据文档，见[1]。", "文档中未提及。", "数据见[1][2]。"]


class PromptLLM:
    """A thread-safe fake whose reply depends only on the prompt, after a delay like a remote model's."""

    model = "fake"

    def __init__(self, delay: float = 0.15):
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()

    def complete(self, messages, *, max_tokens=None, on_token=None, response_format=None) -> str:
        with self._lock:
            self.calls += 1
        time.sleep(self.delay)
        digest = hashlib.md5(json.dumps(messages, ensure_ascii=False).encode()).digest()
        return REPLIES[digest[0] % len(REPLIES)]


def _strip(records):
    return [{k: v for k, v in r.items() if k != "latency"} for r in records]


def test_eval_with_4_threads_gives_the_same_records_in_order_and_is_faster(indexed):
    from rag.engine import Engine

    llm = PromptLLM()
    engine = Engine(indexed.settings, embedder=indexed.embedder, llm=llm)
    items = load_items(SEEDS / "eval" / "qa.jsonl")[:12]
    t0 = time.perf_counter()
    serial = run_eval(items, engine.ask)
    t_serial, calls = time.perf_counter() - t0, llm.calls
    assert calls >= 6  # the model is really asked (not all answered from the gate)
    seen = []
    t0 = time.perf_counter()
    parallel = run_eval(items, engine.ask, concurrency=4, make_ask=lambda: engine.fork().ask,
                        on_item=lambda item, record: seen.append(item.id))
    t_parallel = time.perf_counter() - t0
    assert _strip(parallel) == _strip(serial)
    assert seen == [i.id for i in items] and llm.calls == 2 * calls
    print(f"\neval, 12 questions, 0.15 s per reply: N=1 {t_serial:.1f} s, N=4 {t_parallel:.1f} s")
    assert t_parallel < t_serial * 0.75, (t_serial, t_parallel)
    engine.store.close()


def test_three_failures_in_a_row_stop_a_parallel_eval(indexed):
    from rag.errors import LLMError

    def ask(question, k=None):
        raise LLMError("endpoint down")

    items = load_items(SEEDS / "eval" / "qa.jsonl")[:20]
    with pytest.raises(LLMError, match="endpoint down"):
        run_eval(items, ask, concurrency=4)


def test_concurrency_above_the_local_servers_slots_is_one_line_exit_2(cli_runner, indexed):
    run = cli_runner(lambda s: indexed)
    code, out, err = run("eval", "--questions", str(SEEDS / "eval" / "qa.jsonl"), "--limit", "2", "--concurrency", "2")
    assert code == 2
    assert err.strip().startswith("error: --concurrency 2 needs an endpoint that answers requests in parallel")
    assert len(err.strip().splitlines()) == 1 and "GOVBRIEF_LLM__BASE_URL" in err


class _Endpoint(http.server.BaseHTTPRequestHandler):
    """Answers with the queued statuses, then a chat completion."""

    statuses: list[int] = []
    hits: list[int] = []

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status = self.statuses.pop(0) if self.statuses else 200
        self.hits.append(status)
        body = json.dumps({"error": {"message": "busy"}} if status != 200 else {
            "id": "x", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "好"}, "finish_reason": "stop"}]}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("retry-after-ms", "10")  # keep the test fast; the backoff itself is openai's
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


@pytest.fixture
def endpoint():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Endpoint.hits = []
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.mark.parametrize("statuses, retries, ok, hits", [
    ([429, 503], 3, True, [429, 503, 200]),  # transient: retried, then answered
    ([500, 500, 500, 500], 2, False, [500, 500, 500]),  # bounded: 1 + max_retries requests
    ([400], 3, False, [400]),  # a bad request is never retried
    ([401], 3, False, [401]),
])
def test_remote_requests_retry_429_and_5xx_only_and_boundedly(tmp_path, endpoint, statuses, retries, ok, hits):
    from rag.errors import LLMError
    from rag.llm import OpenAIChat
    from rag.settings import LLMSettings

    _Endpoint.statuses = list(statuses)
    chat = OpenAIChat(LLMSettings(base_url=endpoint, model="m", max_retries=retries), tmp_path)
    messages = [{"role": "user", "content": "hi"}]
    if ok:
        assert chat.complete(messages) == "好"
    else:
        with pytest.raises(LLMError):
            chat.complete(messages)
    assert _Endpoint.hits == hits


# ---------------------------------------------------------------------------------------------
# export --concurrency


@pytest.fixture
def briefing(indexed):
    """The indexed engine with the scripted brief model of tests/test_brief.py, slowed like a remote one."""
    from tests.test_brief import ScriptedLLM, careful_model

    def slow(messages):
        time.sleep(0.15)
        return careful_model(messages)

    indexed._llm = ScriptedLLM(slow)
    indexed.settings.brief.ledger_figures = False
    return indexed


def _briefs(out):
    """Each brief's JSON without its timings."""
    found = {}
    for path in sorted(out.glob("*.json")):
        if path.name == "manifest.json":
            continue
        data = json.loads(path.read_text("utf-8"))
        gen = data.get("generation") or {}
        for timed in [gen, *gen.get("calls", [])]:
            for key in ("seconds", "llm_seconds", "generated_at"):
                timed.pop(key, None)
        found[path.name] = data
    return found


def test_export_with_4_threads_writes_the_same_briefs_and_is_faster(briefing, tmp_path):
    from rag.export import export_briefs, load_manifest

    store, settings, llm = briefing.store, briefing.settings, briefing._llm
    t0 = time.perf_counter()
    one = export_briefs(store, lambda: llm, settings, tmp_path / "one", "md")
    t_one = time.perf_counter() - t0
    t0 = time.perf_counter()
    four = export_briefs(store, lambda: llm, settings, tmp_path / "four", "md", concurrency=4)
    t_four = time.perf_counter() - t0
    assert [(r.file, r.status, r.output) for r in four.results] == [(r.file, r.status, r.output) for r in one.results]
    assert {r.status for r in four.results} == {"done"}
    assert _briefs(tmp_path / "four") == _briefs(tmp_path / "one") and len(_briefs(tmp_path / "one")) == 5
    for name in (p.name for p in (tmp_path / "one").glob("*.md")):
        one_md = (tmp_path / "one" / name).read_text("utf-8").rsplit("<sub>", 1)[0]  # the footer holds the timing
        assert (tmp_path / "four" / name).read_text("utf-8").rsplit("<sub>", 1)[0] == one_md
    assert list(load_manifest(tmp_path / "four")["documents"]) == list(load_manifest(tmp_path / "one")["documents"])
    print(f"\nexport, 5 documents, 0.15 s per reply: N=1 {t_one:.1f} s, N=4 {t_four:.1f} s")
    assert t_four < t_one * 0.75, (t_one, t_four)


def test_an_interrupted_parallel_export_resumes_without_duplicates(briefing, tmp_path):
    from rag.export import export_briefs, load_manifest
    from tests.test_brief import ScriptedLLM, careful_model

    store, settings, out = briefing.store, briefing.settings, tmp_path / "exports"

    def interrupted(messages):
        if "170亿元" in messages[-1]["content"]:  # 兴山县, the 4th document
            raise KeyboardInterrupt
        return careful_model(messages)

    with pytest.raises(KeyboardInterrupt):
        export_briefs(store, lambda: ScriptedLLM(interrupted), settings, out, "md", concurrency=4)
    entries = load_manifest(out)["documents"]
    assert sorted(entries) == ["000_887c7b99a7c32d83.txt", "001_1a4c49b44fdde90d.txt", "002_b36dca1533704f70.txt"]
    resumed = ScriptedLLM()
    report = export_briefs(store, lambda: resumed, settings, out, "md", concurrency=4)
    assert [r.status for r in report.results] == ["skipped"] * 3 + ["done"] * 2
    assert sorted(p.name for p in out.glob("*.md")) == sorted(f"{d['file'][:-4]}.md" for d in store.documents())
    assert len(load_manifest(out)["documents"]) == 5
