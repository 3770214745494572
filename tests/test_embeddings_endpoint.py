"""The embedder as an OpenAI-compatible embeddings endpoint (issue 12 item 3), against a real HTTP server."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from rag.embeddings import OpenAIEmbedder, SentenceTransformerEmbedder, make_embedder
from rag.errors import LLMError
from tests.fakes import HashEmbedder


class EmbeddingsServer:
    """/v1/embeddings on 127.0.0.1: hash-embedder vectors (scaled by 3, so normalising shows), or a fixed error."""

    def __init__(self, status: int = 200, echo_key: bool = False, drop_one: bool = False):
        self.inputs: list[list[str]] = []
        self.models: list[str] = []
        outer, hasher = self, HashEmbedder()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
                outer.inputs.append(request["input"])
                outer.models.append(request["model"])
                if status != 200:
                    key = self.headers.get("Authorization", "") if echo_key else ""
                    body = {"error": {"message": f"bad request {key}", "type": "invalid_request_error"}}
                else:
                    texts = request["input"][:-1] if drop_one else request["input"]
                    data = [{"object": "embedding", "index": i, "embedding": [3 * x for x in hasher.embed_query(t)]}
                            for i, t in reversed(list(enumerate(texts)))]  # out of order: the index field orders
                    body = {"object": "list", "data": data, "model": request["model"], "usage": {}}
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _settings(url: str, **kw):
    from rag.settings import EmbeddingSettings

    return EmbeddingSettings(model="intfloat/multilingual-e5-small", base_url=url, batch_size=2, max_retries=0, **kw)


def test_the_endpoint_embeds_in_batches_in_order_with_prefixes_and_unit_vectors():
    with EmbeddingsServer() as server:
        embedder = OpenAIEmbedder(_settings(server.url))
        texts = ["地区生产总值170亿元", "增长8%", "固定资产投资", "兴山县", "芦山县"]
        vectors = embedder.embed_documents(texts)
        query = embedder.embed_query("兴山县2023年地区生产总值")
    assert server.inputs[:3] == [["passage: " + t for t in texts[i:i + 2]] for i in (0, 2, 4)]
    assert server.inputs[3] == ["query: 兴山县2023年地区生产总值"] and set(server.models) == {"intfloat/multilingual-e5-small"}
    expected = HashEmbedder().embed_query("passage: 固定资产投资")
    assert vectors[2] == pytest.approx(expected)  # the third text's own vector, though the server sent them reversed
    assert all(sum(x * x for x in v) == pytest.approx(1.0) for v in [*vectors, query])


def test_an_endpoint_that_rejects_the_request_is_one_line_without_the_key():
    with EmbeddingsServer(status=401, echo_key=True) as server:
        embedder = OpenAIEmbedder(_settings(server.url, api_key="sk-secret-embed-123"))
        with pytest.raises(LLMError) as err:
            embedder.embed_documents(["兴山县"])
    assert "rejected the API key" in str(err.value) and "sk-secret-embed-123" not in str(err.value)
    assert "\n" not in str(err.value)


def test_too_few_embeddings_and_an_endpoint_that_is_down_are_errors():
    with EmbeddingsServer(drop_one=True) as server, pytest.raises(LLMError, match="1 embeddings for 2 texts"):
        OpenAIEmbedder(_settings(server.url)).embed_documents(["兴山县", "芦山县"])
    with pytest.raises(LLMError, match="cannot reach the embeddings endpoint"):
        OpenAIEmbedder(_settings("http://127.0.0.1:9/v1")).embed_documents(["兴山县"])


def test_the_endpoint_is_chosen_only_when_configured_and_indexes_and_retrieves(settings, fake_llm, seeds_dir):
    from rag.engine import Engine
    from rag.indexer import index_paths
    from rag.settings import EmbeddingSettings

    assert isinstance(make_embedder(EmbeddingSettings(), settings.cache_dir), SentenceTransformerEmbedder)
    with EmbeddingsServer() as server:
        settings.embedding.base_url = server.url
        settings.embedding.batch_size = 16
        engine = Engine(settings, llm=fake_llm)
        try:
            assert isinstance(engine.embedder, OpenAIEmbedder)
            report = index_paths([next(seeds_dir.glob("003_*.txt"))], engine.store, lambda: engine.embedder)
            assert report.files[0].status == "indexed" and len(engine.store.all_chunks()) == report.files[0].chunks
            hits = engine.store.query(engine.embedder.embed_query("地区生产总值"), 3)
            assert len(hits) == 3
        finally:
            engine.store.close()
