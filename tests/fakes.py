"""Fakes for the fast tier: a deterministic hash embedder and an LLM with queued replies."""

from __future__ import annotations

import hashlib
import math


class HashEmbedder:
    """Bag of character bigrams hashed into 64 dims: deterministic, similar texts score close."""

    name = "hash-embedder"

    def __init__(self, dims: int = 64):
        self.dims = dims
        self.calls = 0

    def _vec(self, text: str) -> list[float]:
        vec = [0.0] * self.dims
        for i in range(len(text) - 1):
            h = int(hashlib.md5(text[i : i + 2].encode()).hexdigest()[:8], 16)
            vec[h % self.dims] += 1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls += len(texts)
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


class FakeLLM:
    """Returns queued replies in order and records every call's messages."""

    model = "fake"

    def __init__(self, *replies: str):
        self.replies = list(replies)
        self.calls: list[list[dict]] = []

    def queue(self, *replies: str) -> None:
        self.replies.extend(replies)

    def complete(self, messages, *, max_tokens=None, on_token=None, response_format=None) -> str:
        self.calls.append(messages)
        if not self.replies:
            raise AssertionError("FakeLLM got an unexpected call")
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        if on_token:
            for ch in reply:
                on_token(ch)
        return reply
