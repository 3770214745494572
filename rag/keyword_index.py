"""The keyword index: BM25 (bm25s) over the jieba tokens each chunk stores, persisted beside Chroma.

It lives in ``{store.path}/{collection}.bm25/``, on local disk even when the chunks are on a
Chroma server (like the ledger: it is derived from the chunks and rebuilt from them):

- ``segments.sqlite`` is the source of truth: one row per chunk (id, source, county, token ids and
  their counts as int32 blobs, length), one per document (source, content hash), an append-only
  vocabulary, and a generation counter that every change bumps.
- ``matrix-{generation}/`` is the bm25s index built from those rows (its CSC score matrix,
  vocabulary and parameters, saved by bm25s) plus ``rows.json``: chunk id, source and county of
  each matrix row.

bm25s cannot change a matrix in place, so putting or removing a document only rewrites that
document's rows (no re-tokenising: the tokens come from ``meta["tokens"]``) and bumps the
generation; the matrix is rebuilt from the stored counts, vectorised in numpy, at the end of an
index run or on the next query (11 s at 100k chunks on 2 busy cores; loading it, 0.5 s). Scores follow bm25s' ``lucene``
variant (k1 1.5, b 0.75), whose idf is never negative, so a pool of one or two chunks needs no
special case. A missing, corrupt or foreign (other collection, other format) index is wiped and
filled again from Chroma's stored tokens by the store (``ChunkStore.keyword_index``).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import numpy as np

FORMAT = 1  # bump when the stored layout or the scoring changes: older indexes are rebuilt
K1, B = 1.5, 0.75
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vocab (token TEXT PRIMARY KEY, id INTEGER NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS docs (source TEXT PRIMARY KEY, doc_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, county TEXT NOT NULL, pos INTEGER NOT NULL,
    length INTEGER NOT NULL, terms BLOB NOT NULL, tfs BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_source ON chunks (source);
"""


class KeywordIndexError(Exception):
    """The files on disk cannot be used (corrupt, foreign); the caller rebuilds them."""


class KeywordIndex:
    """Per-document token counts in SQLite and a bm25s matrix built from them on demand."""

    def __init__(self, folder: Path, identity: dict):
        self.folder = Path(folder)
        self.identity = {**identity, "format": FORMAT, "k1": K1, "b": B, "method": "lucene"}
        self.rebuilt = False  # True when the files were unusable and this object started empty
        self._vocab: dict[str, int] | None = None
        self._bm25 = None
        self._built: int | None = None  # generation of the loaded matrix
        self._rows: list[list[str]] = []  # [chunk id, source, county] per matrix row
        self._by: dict[int, dict[str, np.ndarray]] = {}  # field -> value -> matrix rows
        try:
            self._open()
        except (sqlite3.DatabaseError, KeywordIndexError, OSError, ValueError):
            self._wipe()
            self._open()
            self.rebuilt = True

    # -- files --------------------------------------------------------------------------------

    @property
    def _db_path(self) -> Path:
        return self.folder / "segments.sqlite"

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self._db_path, isolation_level=None)
        try:
            self._conn.executescript(SCHEMA)
            stored = self._conn.execute("SELECT value FROM meta WHERE key = 'identity'").fetchone()
            if stored is None:
                if self._conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]:
                    raise KeywordIndexError("rows without an identity")
                with self._conn:
                    self._conn.execute("BEGIN")
                    self._set("identity", json.dumps(self.identity, sort_keys=True))
                    self._set("generation", "0")
            elif json.loads(stored[0]) != json.loads(json.dumps(self.identity, sort_keys=True)):
                raise KeywordIndexError(f"built for {stored[0]}")
            self._conn.execute("SELECT id, length, terms FROM chunks LIMIT 1").fetchall()
        except BaseException:
            self._conn.close()
            raise

    def _wipe(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.folder.exists():  # a file where the folder should be
            self.folder.unlink()

    def _set(self, key: str, value: str) -> None:
        self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """Bumped by every change; another process's changes show up here too."""
        return int(self._conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    def close(self) -> None:
        """Close the SQLite connection."""
        self._conn.close()

    # -- writing ------------------------------------------------------------------------------

    def documents(self) -> dict[str, str]:
        """source -> content hash of every document the index holds."""
        return dict(self._conn.execute("SELECT source, doc_hash FROM docs"))

    def __len__(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def _token_ids(self, tokens: Iterable[str]) -> dict[str, int]:
        if self._vocab is None:
            self._vocab = dict(self._conn.execute("SELECT token, id FROM vocab"))
        new = [t for t in dict.fromkeys(tokens) if t not in self._vocab]
        start = len(self._vocab)
        for i, token in enumerate(new):
            self._vocab[token] = start + i
        self._conn.executemany("INSERT INTO vocab (token, id) VALUES (?, ?)", [(t, start + i) for i, t in enumerate(new)])
        return self._vocab

    def put_documents(self, docs: Iterable[tuple[str, str, list[str], list[dict]]]) -> None:
        """Replace each (source, doc_hash, chunk ids, chunk metadatas) in one transaction.

        The tokens are read from each chunk's ``meta["tokens"]`` (space-separated, as the indexer
        stores them); nothing is tokenised here.
        """
        with self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            self._vocab = None  # another process may have grown it
            try:
                for source, doc_hash, ids, metas in docs:
                    self._conn.execute("DELETE FROM chunks WHERE source = ?", (source,))
                    rows = []
                    for pos, (chunk_id, meta) in enumerate(zip(ids, metas)):
                        tokens = (meta.get("tokens") or "").split()
                        vocab = self._token_ids(tokens)
                        counts = Counter(vocab[t] for t in tokens)
                        terms = np.fromiter(counts.keys(), dtype=np.int32, count=len(counts))
                        tfs = np.fromiter(counts.values(), dtype=np.int32, count=len(counts))
                        rows.append((chunk_id, source, meta.get("county", ""), meta.get("index", pos), len(tokens),
                                     terms.tobytes(), tfs.tobytes()))
                    self._conn.executemany("INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                    self._conn.execute("INSERT OR REPLACE INTO docs (source, doc_hash) VALUES (?, ?)", (source, doc_hash))
                self._bump()
            except BaseException:
                self._vocab = None
                raise

    def put_document(self, source: str, doc_hash: str, ids: list[str], metas: list[dict]) -> None:
        """Replace one document's chunks (see ``put_documents``)."""
        self.put_documents([(source, doc_hash, ids, metas)])

    def remove(self, sources: Iterable[str]) -> None:
        """Drop every chunk of these documents."""
        sources = list(sources)
        if not sources:
            return
        with self._conn:
            self._conn.execute("BEGIN IMMEDIATE")
            for source in sources:
                self._conn.execute("DELETE FROM chunks WHERE source = ?", (source,))
                self._conn.execute("DELETE FROM docs WHERE source = ?", (source,))
            self._bump()

    def prune(self, keep_sources: Iterable[str]) -> list[str]:
        """Remove every document not in ``keep_sources``; returns the sources removed."""
        keep = set(keep_sources)
        gone = sorted(s for s in self.documents() if s not in keep)
        self.remove(gone)
        return gone

    def _bump(self) -> None:
        self._set("generation", str(self.generation() + 1))

    # -- the matrix ---------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Make the matrix match the rows: load the saved one, or build and save it. True if built."""
        generation = self.generation()
        if self._bm25 is not None and self._built == generation:
            return False
        folder = self.folder / f"matrix-{generation}"
        if folder.is_dir():
            try:
                self._load(folder, generation)
                return False
            except (OSError, ValueError, KeyError, json.JSONDecodeError):
                shutil.rmtree(folder, ignore_errors=True)  # a torn or corrupt save: build it again
        self._build(generation)
        self._save(folder)
        for old in self.folder.glob("matrix-*"):
            if old != folder:
                shutil.rmtree(old, ignore_errors=True)
        return True

    def _build(self, generation: int) -> None:
        import bm25s

        rows, terms, tfs, lengths = [], [], [], []
        for chunk_id, source, county, length, t, f in self._conn.execute(
            "SELECT id, source, county, length, terms, tfs FROM chunks ORDER BY source, pos"
        ):
            rows.append([chunk_id, source, county])
            terms.append(np.frombuffer(t, dtype=np.int32))
            tfs.append(np.frombuffer(f, dtype=np.int32))
            lengths.append(length)
        n_vocab = self._conn.execute("SELECT COUNT(*) FROM vocab").fetchone()[0]
        data, indices, indptr = bm25_matrix(terms, tfs, np.asarray(lengths, dtype=np.float32), n_vocab)
        bm25 = bm25s.BM25(k1=K1, b=B, method="lucene")
        bm25.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": len(rows)}
        bm25.vocab_dict = dict(self._conn.execute("SELECT token, id FROM vocab"))
        bm25.unique_token_ids_set = set(bm25.vocab_dict.values())
        bm25.nonoccurrence_array = None
        self._set_matrix(bm25, rows, generation)

    def _save(self, folder: Path) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        self._bm25.save(str(tmp), show_progress=False)
        (tmp / "rows.json").write_text(json.dumps(self._rows, ensure_ascii=False), "utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        tmp.rename(folder)  # readers only ever see a complete folder

    def _load(self, folder: Path, generation: int) -> None:
        import bm25s

        rows = json.loads((folder / "rows.json").read_text("utf-8"))
        bm25 = bm25s.BM25.load(str(folder), show_progress=False, verbosity=0)
        indptr = bm25.scores["indptr"]
        if bm25.scores["num_docs"] != len(rows) or len(indptr) - 1 < len(bm25.vocab_dict):
            raise ValueError("matrix and rows disagree")
        self._set_matrix(bm25, rows, generation)

    def _set_matrix(self, bm25, rows: list[list[str]], generation: int) -> None:
        self._bm25, self._rows, self._built, self._by = bm25, rows, generation, {}

    def _positions(self, field: int, values: Iterable[str]) -> np.ndarray:
        """Matrix rows whose source (field 1) or county (field 2) is one of ``values``."""
        if field not in self._by:
            groups: dict[str, list[int]] = {}
            for i, row in enumerate(self._rows):
                groups.setdefault(row[field], []).append(i)
            self._by[field] = {name: np.asarray(idx, dtype=np.int64) for name, idx in groups.items()}
        found = [self._by[field][v] for v in values if v in self._by[field]]
        return np.concatenate(found) if found else np.empty(0, dtype=np.int64)

    # -- reading ------------------------------------------------------------------------------

    def search(self, query_tokens: list[str], n: int, counties: Iterable[str] | None = None,
               sources: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """The ``n`` best (chunk id, score) for the query tokens, best first, scores > 0 only.

        ``counties`` and ``sources`` restrict the candidates (both given: chunks in both); the
        idf stays the whole index's, so a place's ranking does not hinge on how few chunks it has.
        """
        self.refresh()
        if not query_tokens or not self._rows:
            return []
        ids = self._bm25.get_tokens_ids(query_tokens)
        if not ids:
            return []
        scores = self._bm25.get_scores_from_ids(ids)
        if counties is not None or sources is not None:
            mask = np.ones(len(self._rows), dtype=bool)
            for field, values in ((2, counties), (1, sources)):
                if values is not None:
                    keep = np.zeros(len(self._rows), dtype=bool)
                    keep[self._positions(field, values)] = True
                    mask &= keep
            scores = np.where(mask, scores, 0.0)
        hit = np.flatnonzero(scores > 0)
        if len(hit) > n:
            hit = hit[np.argpartition(-scores[hit], n - 1)[:n]]
        # Ties broken by row order (document, then position) so rankings are reproducible.
        hit = hit[np.lexsort((hit, -scores[hit]))]
        return [(self._rows[i][0], float(scores[i])) for i in hit]


def bm25_matrix(terms: list[np.ndarray], tfs: list[np.ndarray], lengths: np.ndarray,
                n_vocab: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """bm25s' CSC score matrix (data, row indices, indptr) for the ``lucene`` method.

    ``terms[i]``/``tfs[i]`` are chunk i's distinct token ids and their counts, ``lengths[i]`` its
    token count. This is what ``bm25s.BM25(method="lucene").index(...)`` computes, in a few numpy
    passes instead of a Python loop per chunk (the test checks the two agree).
    """
    n_docs = len(terms)
    counts = np.fromiter((len(t) for t in terms), dtype=np.int64, count=n_docs)
    term = np.concatenate(terms).astype(np.int64) if n_docs else np.empty(0, dtype=np.int64)
    tf = np.concatenate(tfs).astype(np.float32) if n_docs else np.empty(0, dtype=np.float32)
    row = np.repeat(np.arange(n_docs, dtype=np.int32), counts)
    df = np.bincount(term, minlength=n_vocab)
    idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
    avg = float(lengths.mean()) if n_docs else 1.0
    norm = K1 * ((1 - B) + B * lengths / (avg or 1.0))
    data = (idf[term] * (tf / (norm[row] + tf))).astype(np.float32)
    order = np.argsort(term, kind="stable")  # by column, rows ascending inside each
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    return data[order], row[order], indptr
