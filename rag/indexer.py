"""Incremental indexing: unchanged files embed nothing, changed files are replaced in place."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rag.chunking import chunk_document, document_id
from rag.embeddings import Embedder
from rag.errors import InputError
from rag.ingest import Document, iter_report_files, load_document
from rag.ledger import document_row, facts_for_document
from rag.store import ChunkStore


@dataclass
class FileResult:
    """What happened to one file."""

    file: str
    status: str  # indexed | unchanged | failed
    chunks: int = 0
    removed: int = 0
    county: str = ""
    error: str = ""


@dataclass
class IndexReport:
    """Summary of an index run."""

    files: list[FileResult] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    embedded: int = 0
    facts: int = 0  # ledger rows written
    llm_facts: int = 0  # LLM rows written (the pass of ``rag.ledger_llm``)
    seconds: float = 0.0

    @property
    def failed(self) -> list[FileResult]:
        """Files that could not be indexed."""
        return [f for f in self.files if f.status == "failed"]


def chunk_metadata(doc: Document, source: str, chunk) -> dict:
    """Chroma metadata for a chunk: document facts plus position and keyword tokens."""
    from rag.text import keyword_tokens

    meta = {k: v for k, v in doc.meta.to_dict().items() if v not in (None, "")}
    meta.update(
        source=source,
        file=doc.name,
        doc_hash=doc.content_hash,
        index=chunk.index,
        heading=chunk.heading,
        # Tokenised once here so keyword retrieval never re-runs jieba over the corpus.
        tokens=" ".join(keyword_tokens(chunk.labelled_text(doc.meta.county))),
    )
    return meta


def _type_figures(store, doc, chunks, source, llm_factory, on_event) -> int:
    """The LLM pass over one document when it is on; the rows it stored."""
    if not (store.settings.ledger.llm_typing and llm_factory):
        return 0
    from rag.ledger_llm import type_document

    on_event("typing", {"file": doc.name})
    stored, _ = type_document(store.ledger, doc, chunks, source, llm_factory(), store.settings)
    return stored


def index_paths(
    paths: list[Path],
    store: ChunkStore,
    embedder_factory: Callable[[], Embedder],
    *,
    prune: bool = False,
    on_event: Callable[[str, dict], None] = lambda event, data: None,
    overrides: dict | None = None,
    llm_factory: Callable[[], object] | None = None,
) -> IndexReport:
    """Index every supported file under ``paths``; bad files are reported, not fatal.

    With ``settings.ledger.llm_typing`` on and an ``llm_factory``, the LLM types the figures the
    ledger's rules leave out (``rag.ledger_llm``), once per document content and model.

    ``on_event`` receives ("file", {...}), ("embedded", {"n": ...}) for progress display.
    The embedder is created only if some file actually needs embedding.
    """
    started = time.perf_counter()
    report = IndexReport()
    files: list[Path] = []
    for given in paths:
        try:
            files.extend(iter_report_files([given]))
        except InputError as exc:  # a missing path costs only itself: the other paths are still indexed
            report.files.append(FileResult(given.name or str(given), "failed", error=str(exc)))
    settings = store.settings
    embedder: Embedder | None = None
    on_event("start", {"files": len(files)})
    for path in files:
        source = str(path.resolve())
        on_event("file", {"file": path.name})
        try:
            doc = load_document(path, overrides, max_bytes=settings.ingest.max_bytes)
            chunks = chunk_document(
                doc.text, document_id(source, doc.content_hash), settings.chunking.max_chars, settings.chunking.overlap_chars
            )
            if store.is_current(source, doc.content_hash, len(chunks)):
                if not store.ledger.is_current(source, doc.content_hash):  # an index built before the ledger
                    report.facts += store.ledger.put_document(source, doc.content_hash,
                                                              facts_for_document(doc, chunks, source), **document_row(doc))
                report.llm_facts += _type_figures(store, doc, chunks, source, llm_factory, on_event)
                report.files.append(FileResult(path.name, "unchanged", len(chunks), county=doc.meta.county))
                on_event("done", {"file": path.name, "chunks": len(chunks), "status": "unchanged"})
                continue
            ids = [c.id for c in chunks]
            metas = [chunk_metadata(doc, source, c) for c in chunks]
            # Each batch is saved as soon as it is embedded, so an interrupted run loses at most one
            # batch; the next run embeds only the chunks not saved yet (same ids: no duplicates).
            saved = store.saved_ids(ids)
            todo = [i for i, c in enumerate(chunks) if c.id not in saved]
            if todo and embedder is None:
                on_event("loading", {"model": settings.embedding.model})
                embedder = embedder_factory()
            batch = settings.embedding.batch_size
            for start in range(0, len(todo), batch):
                part = todo[start : start + batch]
                vectors = embedder.embed_documents([chunks[i].labelled_text(doc.meta.county) for i in part])
                store.put_chunks([ids[i] for i in part], [chunks[i].text for i in part], [metas[i] for i in part], vectors)
                report.embedded += len(part)
                on_event("embedded", {"n": len(part)})
            # Complete only now: stale chunks go and the manifest records the document.
            removed = store.put_document(
                source,
                doc.content_hash,
                ids=ids,
                texts=[c.text for c in chunks],
                metas=metas,
                vectors=None,
                doc_meta=doc.meta.to_dict(),
            )
            # After the chunks: a ledger row always has its chunk in the store.
            report.facts += store.ledger.put_document(source, doc.content_hash, facts_for_document(doc, chunks, source), **document_row(doc))
            report.llm_facts += _type_figures(store, doc, chunks, source, llm_factory, on_event)
            report.files.append(FileResult(path.name, "indexed", len(chunks), removed, county=doc.meta.county))
            on_event("done", {"file": path.name, "chunks": len(chunks), "status": "indexed"})
        except InputError as exc:
            report.files.append(FileResult(path.name, "failed", error=str(exc)))
            on_event("done", {"file": path.name, "chunks": 0, "status": "failed"})
    if prune:
        report.pruned = store.prune()
    if any(f.status == "indexed" for f in report.files) or report.pruned:
        store.keyword_index.refresh()  # the BM25 matrix is rebuilt now, not on the first query
    report.seconds = time.perf_counter() - started
    return report
