"""The Chroma store: one collection per index identity, chunks keyed by stable ids.

Vectors are always computed by us and passed in, so Chroma never loads (or downloads) its
default embedding model. A small manifest beside a local store records which documents are
completely indexed, so a no-change re-index needs neither Chroma nor the embedding model.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.errors import GovbriefError, IndexMismatchError
from rag.settings import Settings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@dataclass
class StoredChunk:
    """A chunk as read back from the store."""

    id: str
    text: str
    meta: dict
    score: float = 0.0

    @property
    def heading(self) -> str:
        """Heading path as stored."""
        return self.meta.get("heading", "")

    @property
    def file(self) -> str:
        """Source file name."""
        return self.meta.get("file", "")

    @property
    def county(self) -> str:
        """County named by the chunk's document."""
        return self.meta.get("county", "")

    def label(self) -> str:
        """〔county｜heading〕, falling back to the document title for preamble chunks."""
        return f"〔{self.county or '?'}｜{self.heading or self.meta.get('title', '')}〕"


class Manifest:
    """Completed documents of a local index: source -> {doc_hash, n_chunks, ids, meta}."""

    def __init__(self, path: Path | None):
        self.path = path
        self.docs: dict[str, dict] = {}
        if path and path.is_file():
            try:
                self.docs = json.loads(path.read_text("utf-8"))
            except (OSError, json.JSONDecodeError):
                self.docs = {}  # a torn manifest only costs a re-check against Chroma

    def save(self) -> None:
        """Write atomically so an interrupted run never leaves half a manifest."""
        if not self.path:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.docs, ensure_ascii=False, indent=1), "utf-8")
        os.replace(tmp, self.path)


class ChunkStore:
    """Chunks of one index identity in Chroma (embedded on disk or on a server)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.name = settings.collection_name()
        local = settings.store.host is None
        self.manifest = Manifest(settings.store.path / f"{self.name}.manifest.json" if local else None)
        self._client = None
        self._collection = None
        self._ledger = None
        self._keyword = None

    @property
    def ledger(self):
        """The SQLite ledger of figures beside the collection (``rag.ledger``), opened on first use.

        It lives on local disk under ``store.path`` even when the chunks are on a Chroma server:
        it is derived from the same documents and rebuilt from them by ``index``.
        """
        if self._ledger is None:
            from rag.ledger import Ledger

            self._ledger = Ledger(self.settings.store.path / f"{self.name}.ledger.sqlite")
        return self._ledger

    @property
    def keyword_index(self):
        """The persisted BM25 index (``rag.keyword_index``) beside the collection, opened once.

        Like the ledger it lives under the local ``store.path`` even for a Chroma server. On
        opening it is checked against what Chroma holds (the manifest locally, the chunk count
        on a server); documents it lacks or holds stale are filled in from the tokens Chroma
        stores with each chunk, so a missing or corrupt index is rebuilt, never re-tokenised.
        """
        if self._keyword is None:
            from rag.keyword_index import KeywordIndex

            index = KeywordIndex(self.settings.store.path / f"{self.name}.bm25", {"collection": self.name})
            self._keyword = index
            self._sync_keyword(index)
        return self._keyword

    def _sync_keyword(self, index) -> None:
        if self.name not in {c.name for c in self.client.list_collections()}:
            return
        col = self.collection()
        have = index.documents()
        if self.manifest.path is not None and self.manifest.docs:
            want = {s: e["doc_hash"] for s, e in self.manifest.docs.items()}
        elif len(index) == col.count():
            return
        else:
            want = None  # a server (or a lost manifest): read every chunk's metadata once
        if want is not None and want == have:
            return
        if want is None or sum(have.get(s) != h for s, h in want.items()) > 50:
            got = _get_all(col, ["metadatas"])
        else:
            missing = sorted(s for s, h in want.items() if have.get(s) != h)
            got = _get_all(col, ["metadatas"], where={"source": {"$in": missing}}) if missing else {"ids": [], "metadatas": []}
        docs: dict[tuple[str, str], list[tuple[str, dict]]] = {}
        for chunk_id, meta in zip(got["ids"], got["metadatas"]):
            docs.setdefault((meta["source"], meta.get("doc_hash", "")), []).append((chunk_id, meta))
        fresh = []
        for (source, doc_hash), rows in docs.items():
            if have.get(source) != doc_hash and (want is None or want.get(source) == doc_hash):
                rows.sort(key=lambda r: r[1].get("index", 0))
                fresh.append((source, doc_hash, [r[0] for r in rows], [_with_tokens(r[1], r[0], col) for r in rows]))
        index.put_documents(fresh)
        present = {source for source, _ in docs} if want is None else set(want)
        index.prune(present)

    @contextlib.contextmanager
    def writer_lock(self, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Hold the store's writer lock (a ``filelock`` file under ``store.path``) for one index run.

        A second writer calls ``on_wait`` and waits (up to ``store.lock_wait`` seconds), then
        re-reads the manifest: the first writer's entries must not be overwritten by a stale copy.
        The OS releases the lock when its holder dies, so a killed run never leaves it stuck.
        """
        from filelock import FileLock, Timeout

        from rag.errors import StoreLockedError

        folder = Path(self.settings.store.path)
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(folder / "writer.lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait:
                on_wait()
            wait = self.settings.store.lock_wait
            try:
                lock.acquire(timeout=-1 if wait is None else wait)
            except Timeout:
                raise StoreLockedError(
                    f"another index run holds the store {folder} (waited {wait:.0f} s): "
                    "run again when it is done, or raise GOVBRIEF_STORE__LOCK_WAIT."
                ) from None
        try:
            self.manifest = Manifest(self.manifest.path)
            if self._keyword is not None:  # opened before the other writer finished: stale
                self._keyword.close()
                self._keyword = None
            yield
        finally:
            lock.release()

    def close(self) -> None:
        """Close the ledger's and keyword index's SQLite connections (Chroma's client needs no closing)."""
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        if self._keyword is not None:
            self._keyword.close()
            self._keyword = None

    # -- connection ---------------------------------------------------------------------------

    @property
    def client(self):
        """The Chroma client, created on first use (importing chromadb costs about a second)."""
        if self._client is None:
            import chromadb
            from chromadb.config import Settings as ChromaSettings

            chroma_settings = ChromaSettings(anonymized_telemetry=False)
            store = self.settings.store
            try:
                if store.host:
                    self._client = chromadb.HttpClient(host=store.host, port=store.port, settings=chroma_settings)
                    self._client.heartbeat()
                else:
                    store.path.mkdir(parents=True, exist_ok=True)
                    self._client = chromadb.PersistentClient(path=str(store.path), settings=chroma_settings)
            except Exception as exc:  # chromadb raises many types for "cannot connect"
                where = f"{store.host}:{store.port}" if store.host else str(store.path)
                raise GovbriefError(f"cannot open the Chroma store at {where}: {exc}") from exc
        return self._client

    def _foreign_indexes(self) -> list[dict]:
        found = []
        for col in self.client.list_collections():
            meta = col.metadata or {}
            if col.name.startswith("govbrief-") and col.name != self.name:
                found.append(meta)
        return found

    def collection(self, create: bool = False):
        """Our collection; without ``create``, a missing one is an error that says what to do."""
        if self._collection is not None:
            return self._collection
        names = {c.name for c in self.client.list_collections()}
        if self.name not in names and not create:
            foreign = self._foreign_indexes()
            if foreign:
                other = foreign[0]
                raise IndexMismatchError(
                    f"the index in {self._where()} was built with embedding model "
                    f"{other.get('embedding_model')!r} (chunks {other.get('max_chars')}/{other.get('overlap_chars')}), "
                    f"not {self.settings.embedding.model!r}: run `govbrief index` to build one for this model, "
                    f"or set GOVBRIEF_EMBEDDING__MODEL={other.get('embedding_model')}."
                )
            raise GovbriefError(f"no index in {self._where()}: run `govbrief index seeds/` first.")
        metadata = {"hnsw:space": "cosine", **self.settings.index_identity()}
        self._collection = self.client.get_or_create_collection(self.name, embedding_function=None, metadata=metadata)
        return self._collection

    def _where(self) -> str:
        store = self.settings.store
        return f"{store.host}:{store.port}" if store.host else str(store.path)

    # -- writing ------------------------------------------------------------------------------

    def is_current(self, source: str, doc_hash: str, n_chunks: int) -> bool:
        """True when the document is already completely indexed with this content."""
        entry = self.manifest.docs.get(source)
        if self.manifest.path is not None:
            return bool(entry and entry["doc_hash"] == doc_hash and entry["n_chunks"] == n_chunks)
        got = self.collection(create=True).get(where={"source": source}, include=["metadatas"])
        hashes = {m.get("doc_hash") for m in got["metadatas"]}
        return hashes == {doc_hash} and len(got["ids"]) == n_chunks

    def saved_ids(self, ids: list[str]) -> set[str]:
        """Those of ``ids`` Chroma already holds: chunks an interrupted run saved before it stopped.

        A chunk id derives from the file's path, its content hash and the chunk's position, and
        the collection from the chunking settings, so a saved id is that very chunk, embedded.
        """
        col = self.collection(create=True)
        found: set[str] = set()
        for start in range(0, len(ids), 500):
            found.update(col.get(ids=ids[start : start + 500], include=[])["ids"])
        return found

    def put_chunks(self, ids: list[str], texts: list[str], metas: list[dict], vectors: list[list[float]]) -> None:
        """Upsert some of a document's chunks (one embedding batch), so an interruption keeps them.

        The document is not complete (``is_current``) until ``put_document`` records it.
        """
        col = self.collection(create=True)
        batch = 64
        for start in range(0, len(ids), batch):
            end = start + batch
            col.upsert(ids=ids[start:end], documents=texts[start:end], metadatas=metas[start:end],
                       embeddings=vectors[start:end])

    def put_document(self, source: str, doc_hash: str, ids: list[str], texts: list[str], metas: list[dict],
                     vectors: list[list[float]] | None, doc_meta: dict) -> int:
        """Upsert a document's chunks, then delete its stale ones; returns chunks removed.

        Ids are deterministic, so re-running after an interruption overwrites rather than
        duplicates; the manifest entry is written last, only once Chroma holds the document.
        ``vectors=None``: every chunk is already saved (``put_chunks``, batch by batch); this
        only removes the stale ones and records the document as complete.
        """
        col = self.collection(create=True)
        if vectors is not None:
            self.put_chunks(ids, texts, metas, vectors)
        old = col.get(where={"source": source}, include=[])
        stale = sorted(set(old["ids"]) - set(ids))
        if stale:
            col.delete(ids=stale)
        # Before the manifest: a document recorded as done is always in the keyword index.
        self.keyword_index.put_document(source, doc_hash, ids, metas)
        self.manifest.docs[source] = {"doc_hash": doc_hash, "n_chunks": len(ids), "meta": doc_meta}
        self.manifest.save()
        return len(stale)

    def prune(self, keep_sources: set[str] | None = None) -> list[str]:
        """Delete chunks whose source file no longer exists (or is not in ``keep_sources``)."""
        col = self.collection(create=True)
        got = _get_all(col, ["metadatas"])
        gone = {
            m["source"] for m in got["metadatas"]
            if not Path(m["source"]).exists() or (keep_sources is not None and m["source"] not in keep_sources)
        }
        for source in sorted(gone):
            col.delete(where={"source": source})
            self.manifest.docs.pop(source, None)
        self.manifest.save()
        kept = {m["source"] for m in got["metadatas"]} - gone
        self.ledger.prune(kept)
        self.keyword_index.prune(kept)
        return sorted(gone)

    # -- reading ------------------------------------------------------------------------------

    def all_chunks(self, where: dict | None = None) -> list[StoredChunk]:
        """Every chunk (optionally filtered), in document order."""
        got = _get_all(self.collection(), ["documents", "metadatas"], where=where)
        chunks = [StoredChunk(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])]
        return sorted(chunks, key=lambda c: (c.meta.get("source", ""), c.meta.get("index", 0)))

    def query(self, vector: list[float], n: int, where: dict | None = None) -> list[StoredChunk]:
        """Nearest chunks by cosine similarity (score = 1 - distance)."""
        col = self.collection()
        count = col.count()
        if count == 0:
            return []
        got = col.query(query_embeddings=[vector], n_results=min(n, count), where=where,
                        include=["documents", "metadatas", "distances"])
        return [
            StoredChunk(i, t, m, score=1.0 - d)
            for i, t, m, d in zip(got["ids"][0], got["documents"][0], got["metadatas"][0], got["distances"][0])
        ]

    def nearest_among(self, vector: list[float], ids: list[str], n: int) -> list[tuple[str, float]]:
        """The ``n`` of ``ids`` nearest to ``vector`` by cosine similarity, computed exactly.

        For a scoped question (one county's few hundred chunks) this replaces Chroma's filtered
        HNSW query, which walks the whole graph rejecting other counties' nodes: 160-180 ms at
        100k chunks against 2.5 ms to read the scope's vectors by id (bench/scale.py).
        """
        if not ids:
            return []
        col = self.collection()
        found_ids: list[str] = []
        vectors: list = []
        for start in range(0, len(ids), 500):
            got = col.get(ids=ids[start : start + 500], include=["embeddings"])
            found_ids += got["ids"]
            vectors += list(got["embeddings"])
        if not found_ids:
            return []
        import numpy as np

        matrix = np.asarray(vectors, dtype=np.float32)
        query = np.asarray(vector, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(query) or 1.0)
        scores = matrix @ query / np.where(norms == 0, 1.0, norms)
        order = sorted(range(len(found_ids)), key=lambda i: (-scores[i], found_ids[i]))[:n]
        return [(found_ids[i], float(scores[i])) for i in order]

    def documents(self) -> list[dict]:
        """One summary per indexed document: file, county, type, years, chunk count."""
        docs: dict[str, dict] = {}
        for chunk in self.all_chunks():
            m = chunk.meta
            entry = docs.setdefault(m["source"], {
                "source": m["source"], "file": m["file"], "county": m.get("county", ""),
                "adcode": m.get("adcode", ""), "prefecture": m.get("prefecture", ""), "province": m.get("province", ""),
                "doc_type": m.get("doc_type", ""), "title": m.get("title", ""),
                "year_under_review": m.get("year_under_review"), "plan_year": m.get("plan_year"),
                "sources": json.loads(m.get("sources") or "{}"),
                "doc_hash": m.get("doc_hash"), "chunks": 0,
            })
            entry["chunks"] += 1
        return sorted(docs.values(), key=lambda d: d["file"])


GET_PAGE = 10_000


def _get_all(col, include: list[str], where: dict | None = None) -> dict:
    """``col.get`` in pages of ``GET_PAGE``: one call over ~100k chunks fails in embedded Chroma
    ("too many SQL variables", measured with bench/scale.py at 100k)."""
    out: dict[str, list] = {"ids": [], **{key: [] for key in include}}
    offset = 0
    while True:
        got = col.get(where=where, include=include, limit=GET_PAGE, offset=offset)
        out["ids"] += got["ids"]
        for key in include:
            out[key] += got[key]
        if len(got["ids"]) < GET_PAGE:
            return out
        offset += GET_PAGE


def _with_tokens(meta: dict, chunk_id: str, col) -> dict:
    """A chunk's metadata with its keyword tokens; an index from before tokens were stored
    has them computed once from the chunk's text."""
    if "tokens" in meta:
        return meta
    from rag.text import keyword_tokens

    text = col.get(ids=[chunk_id], include=["documents"])["documents"][0]
    label = "｜".join(x for x in (meta.get("county", ""), meta.get("heading", "")) if x)
    return {**meta, "tokens": " ".join(keyword_tokens(f"{label}\n{text}" if label else text))}
