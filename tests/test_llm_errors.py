"""An LLM endpoint that is down, slow or answers garbage gives one clear LLMError."""

from __future__ import annotations

import http.server
import socket
import threading
import time

import pytest

from rag.errors import LLMError
from rag.llm import OpenAIChat
from rag.settings import LLMSettings


def serve(handler_body):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            handler_body(self)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


def client(base_url, timeout=5.0):
    return OpenAIChat(LLMSettings(base_url=base_url, model="m", timeout=timeout), cache_dir=None)


MESSAGES = [{"role": "user", "content": "hi"}]


def test_endpoint_down():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(LLMError, match="cannot reach the LLM endpoint"):
        client(f"http://127.0.0.1:{port}/v1").complete(MESSAGES)


def reply(status: int, body: bytes):
    """A handler answering every POST with this status and body."""

    def handler(h):
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.end_headers()
        h.wfile.write(body)

    return handler


@pytest.mark.parametrize(
    "status, body, message",
    [
        (200, b"<html>not a completion</html>", "not a chat completion|without choices"),
        (200, b'{"hello": "world"}', "not a chat completion|without choices"),
        (500, b'{"error": {"message": "boom"}}', "HTTP 500"),
        (401, b'{"error": {"message": "bad key"}}', "rejected the API key"),
    ],
)
def test_bad_replies_are_one_clear_error(status, body, message):
    server, url = serve(reply(status, body))
    settings = LLMSettings(base_url=url, model="m", api_key="sk-secret-123")
    try:
        with pytest.raises(LLMError, match=message) as info:
            OpenAIChat(settings, cache_dir=None).complete(MESSAGES)
        assert "sk-secret-123" not in str(info.value)  # keys never reach messages
        assert "sk-secret-123" not in repr(settings)
    finally:
        server.shutdown()


def test_endpoint_times_out():
    server, url = serve(lambda h: time.sleep(3))
    try:
        with pytest.raises(LLMError, match="timed out"):
            client(url, timeout=0.5).complete(MESSAGES)
    finally:
        server.shutdown()


def test_a_busy_local_server_is_reused_not_duplicated(tmp_path):
    """A kept-alive server that is busy (accepts, answers nothing yet) is reused; a dead one is not."""
    import json
    import os

    from rag.llm import LocalServer

    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()  # accepts connections, never answers: a server generating for someone else
    server = LocalServer(LLMSettings(model="qwen2.5-coder-0.5b"), tmp_path)
    port = busy.getsockname()[1]
    server.state_path.write_text(json.dumps({"pid": os.getpid(), "port": port}), "utf-8")
    started = time.perf_counter()
    assert server._running() == f"http://127.0.0.1:{port}/v1"
    assert time.perf_counter() - started < 1.0
    busy.close()
    assert server._running() is None  # the port is closed: start a new one
