"""Wires settings into the store, embedder, retriever and LLM, each created on first use.

One ``Engine`` per process loads each model once; ``ask``, ``chat`` and ``eval`` share it.
Tests pass fakes for ``embedder`` and ``llm``.
"""

from __future__ import annotations

from collections.abc import Callable

from rag.answer import Answer, answer_question, validate_question
from rag.embeddings import Embedder, make_embedder
from rag.llm import ChatClient, OpenAIChat
from rag.retrieval import Retriever
from rag.settings import Settings
from rag.store import ChunkStore


class Engine:
    """Lazily built pipeline components for one set of settings."""

    def __init__(self, settings: Settings, *, embedder: Embedder | None = None, llm: ChatClient | None = None,
                 on_notice: Callable[[str], None] | None = None):
        self.settings = settings
        self.on_notice = on_notice  # status lines for the user (e.g. waiting for a shared local server)
        self.store = ChunkStore(settings)
        self._embedder = embedder
        self._llm = llm
        self._retriever: Retriever | None = None

    @property
    def embedder(self) -> Embedder:
        """The embedding model (loaded on first use)."""
        if self._embedder is None:
            self._embedder = make_embedder(self.settings.embedding, self.settings.cache_dir)
        return self._embedder

    @property
    def llm(self) -> ChatClient:
        """The chat client; for the local model this starts the server in the background."""
        if self._llm is None:
            self._llm = OpenAIChat(self.settings.llm, self.settings.cache_dir, on_notice=self.on_notice)
        return self._llm

    @property
    def retriever(self) -> Retriever:
        """Hybrid retriever over the store."""
        if self._retriever is None:
            self._retriever = Retriever(self.store, self.embedder, self.settings.retrieval)
        return self._retriever

    def fork(self) -> Engine:
        """An engine for another thread: the same embedder and LLM client, its own store handles.

        The LLM client (openai's) and the embedder are shared and thread-safe; the store's SQLite
        connections (ledger, keyword index) belong to the thread that opens them.
        """
        return Engine(self.settings, embedder=self.embedder, llm=self.llm, on_notice=self.on_notice)

    def warm_up(self, wait: bool = False) -> None:
        """Start the local LLM server and check the index, so the first question is not slow.

        With ``wait`` (an interactive session) also block until the server answers and load
        the retrieval corpus and query embedder, so every later turn is fast.
        """
        start = getattr(self.llm, "start", None)
        if start:
            start()
        self.store.collection()
        if wait:
            _ = self.retriever.corpus  # read once, now rather than on the first question
            self.embedder.embed_query("预热")
            ready = getattr(self.llm, "wait_ready", None)
            if ready:
                ready()

    def switch_model(self, model: str) -> None:
        """Use another LLM from the next question on (the old local server is released)."""
        self.close()
        self.settings.llm.model = model
        self._llm = None

    def ask(self, question: str, *, counties: list[str] | None = None, k: int | None = None,
            on_token: Callable[[str], None] | None = None) -> Answer:
        """Answer one question with citations (see ``rag.answer``)."""
        question = validate_question(question, self.settings)
        self.warm_up()  # the server loads its model while we embed and retrieve
        return answer_question(question, self.retriever, self.llm, self.settings, counties=counties, k=k,
                               on_token=on_token)

    def close(self) -> None:
        """Stop anything we started (the local LLM server) and close the ledger."""
        close = getattr(self._llm, "close", None)
        if close:
            close()
        self.store.close()
