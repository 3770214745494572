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


def test_endpoint_answers_garbage():
    def body(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.end_headers()
        h.wfile.write(b"<html>not a completion</html>")

    server, url = serve(body)
    try:
        with pytest.raises(LLMError, match="not a chat completion|without choices|empty"):
            client(url).complete(MESSAGES)
    finally:
        server.shutdown()


def test_endpoint_answers_json_without_choices():
    def body(h):
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.end_headers()
        h.wfile.write(b'{"hello": "world"}')

    server, url = serve(body)
    try:
        with pytest.raises(LLMError):
            client(url).complete(MESSAGES)
    finally:
        server.shutdown()


def test_endpoint_times_out():
    def body(h):
        time.sleep(3)

    server, url = serve(body)
    try:
        with pytest.raises(LLMError, match="timed out"):
            client(url, timeout=0.5).complete(MESSAGES)
    finally:
        server.shutdown()


def test_http_error_is_one_line():
    def body(h):
        h.send_response(500)
        h.send_header("Content-Type", "application/json")
        h.end_headers()
        h.wfile.write(b'{"error": {"message": "boom"}}')

    server, url = serve(body)
    try:
        with pytest.raises(LLMError, match="HTTP 500"):
            client(url).complete(MESSAGES)
    finally:
        server.shutdown()


def test_api_key_never_appears_in_errors():
    def body(h):
        h.send_response(401)
        h.send_header("Content-Type", "application/json")
        h.end_headers()
        h.wfile.write(b'{"error": {"message": "bad key"}}')

    server, url = serve(body)
    settings = LLMSettings(base_url=url, model="m", api_key="sk-secret-123")
    try:
        with pytest.raises(LLMError) as info:
            OpenAIChat(settings, cache_dir=None).complete(MESSAGES)
        assert "sk-secret-123" not in str(info.value)
        assert "sk-secret-123" not in repr(settings)
    finally:
        server.shutdown()
