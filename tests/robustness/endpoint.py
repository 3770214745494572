"""A real HTTP stand-in for an OpenAI-compatible endpoint, for the bad-reply cases of issue 12.

``Endpoint(status, body)`` answers every POST with that status and body (bytes, or a dict sent
as JSON); ``completion(content)`` builds a chat-completion body whose message content is
``content`` (None included). ``engine_at(settings, endpoint)`` is an Engine with the hash embedder
and the real ``OpenAIChat`` client pointed at it.
"""

from __future__ import annotations

import http.server
import json
import threading

from tests.fakes import HashEmbedder


def completion(content) -> dict:
    """A chat-completion body with this message content."""
    return {"id": "x", "object": "chat.completion", "created": 0, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]}


class Endpoint:
    """A threaded HTTP server on 127.0.0.1 answering every POST alike; a context manager."""

    def __init__(self, status: int, body):
        payload = json.dumps(body, ensure_ascii=False).encode() if isinstance(body, dict) else body
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                outer.requests += 1
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if request.get("stream") and status == 200 and isinstance(body, dict) and "choices" in body:
                    return self._stream(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _stream(self, body):  # the same content as server-sent chunks, as a streaming client asks
                content = body["choices"][0]["message"]["content"]
                chunk = {**body, "object": "chat.completion.chunk",
                         "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}]}
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\ndata: [DONE]\n\n".encode())

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> Endpoint:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def engine_at(settings, endpoint: Endpoint, api_key: str = "sk-local"):
    """An Engine whose LLM is the real openai client talking to ``endpoint``."""
    from pydantic import SecretStr

    from rag.engine import Engine
    from rag.llm import OpenAIChat

    settings.llm.base_url = endpoint.url
    settings.llm.model = "m"
    settings.llm.timeout = 5.0
    settings.llm.api_key = SecretStr(api_key)
    return Engine(settings, embedder=HashEmbedder(), llm=OpenAIChat(settings.llm, settings.cache_dir))
