"""Scale benchmark: index and query a synthetic corpus of N chunks, embedded Chroma or a server.

    .venv/bin/python bench/scale.py --chunks 10000 [--server] [--json] [--corpus DIR]
    .venv/bin/python bench/scale.py --seeds-overlap     # old vs new keyword ranking on the seeds
    .venv/bin/python bench/scale.py --chunks 100000 --keyword-only   # the keyword index alone
    .venv/bin/python bench/scale.py --chunks 100000 --fill replicate [--base 3000] [--server]

The corpus is the transformed-corpus generator's (``tests.metamorphic.mixed_corpus``): each draw
moves the five seeds to other counties of the division table and other years, with its own mix
of script, chrome, layout and encoding, and moves the 90 gold questions with them; draws are
added until the real chunker gives N chunks (``--corpus DIR`` keeps and reuses it). Vectors come
from a stand-in embedder, random unit vectors seeded by a hash of the text (384 dims, like
multilingual-e5-small): store latency does not depend on what the vectors mean, so dense ranks
are meaningless here and only their timing counts. Measures index throughput (ingest, chunk,
tokenise, Chroma, keyword index and ledger), keyword / dense / hybrid query p50/p95 over the moved
gold questions, peak RSS, and the per-query ``rank_bm25`` path that the keyword index replaced.
Prints figures, asserts nothing, runs no model.

``--fill replicate`` (the 100k rows: the real indexer runs ~45 chunks/s here): only the first
``--base`` chunks (default 3000) go through the real indexer, and index throughput is theirs;
their stored chunks are then copied, one whole document at a time, straight into the Chroma
collection (large ``add`` batches) and the keyword index (one bulk ``put_documents``) until N,
each copy moved to another county of the division table (``rag.places.divisions()``: county,
adcode, prefecture, province and the county's name in text and tokens rewritten, fresh ids and
source), with its own stand-in vectors. The copies get manifest entries but no ledger rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rag.chunking import chunk_document  # noqa: E402
from rag.errors import InputError  # noqa: E402
from rag.ingest import iter_report_files, load_document  # noqa: E402

STANDIN = "stand-in: random unit vectors seeded by a text hash, 384 dims (not a model)"


class StandInEmbedder:
    """Random unit vectors seeded by the text's hash: as fast as it gets, meaningless ranks."""

    name = "standin-random-384"

    def __init__(self, dims: int = 384):
        self.dims = dims

    def _vec(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        v = np.random.default_rng(seed).standard_normal(self.dims)
        return (v / np.linalg.norm(v)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def count_chunks(folder: Path, settings) -> int:
    n = 0
    for path in iter_report_files([folder]):
        try:
            doc = load_document(path)
        except InputError:
            continue
        n += len(chunk_document(doc.text, "x", settings.chunking.max_chars, settings.chunking.overlap_chars))
    return n


def build_corpus(folder: Path, n_chunks: int, settings) -> dict:
    """Draws of the transformed corpus until the chunker gives ``n_chunks``; reuses what is there."""
    from tests.metamorphic import mixed_corpus

    folder.mkdir(parents=True, exist_ok=True)
    info_path = folder / "corpus.json"
    info = json.loads(info_path.read_text()) if info_path.exists() else {"draws": [], "chunks": 0}
    started = time.perf_counter()
    draw = len(info["draws"])
    while info["chunks"] < n_chunks:
        sub = folder / f"draw{draw:04d}"
        shutil.rmtree(sub, ignore_errors=True)
        mixed_corpus(REPO / "seeds", sub, seed=1000 + draw)
        n = count_chunks(sub, settings)
        info["draws"].append({"dir": sub.name, "chunks": n})
        info["chunks"] += n
        draw += 1
        info_path.write_text(json.dumps(info))
    info["seconds"] = round(time.perf_counter() - started, 1)
    return info


def questions(folder: Path, draws: list[dict], n: int) -> list[str]:
    pool = []
    for d in draws:
        qa = folder / d["dir"] / "qa.jsonl"
        pool += [json.loads(line)["question"] for line in qa.read_text("utf-8").splitlines() if line.strip()]
    return random.Random(0).sample(pool, min(n, len(pool)))


def subset(folder: Path, draws: list[dict], n_chunks: int) -> tuple[list[Path], list[dict], int]:
    """The first draws that hold ``n_chunks`` (a 1k run reuses the 100k corpus's first draws)."""
    paths, used, total = [], [], 0
    for d in draws:
        if total >= n_chunks:
            break
        paths.append(folder / d["dir"])
        used.append(d)
        total += d["chunks"]
    return paths, used, total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(path: Path) -> tuple[subprocess.Popen, int]:
    """A real ``chroma run`` on 127.0.0.1, waited for until it answers a heartbeat."""
    import chromadb

    port = free_port()
    exe = Path(sys.executable).parent / "chroma"
    proc = subprocess.Popen([str(exe), "run", "--path", str(path), "--port", str(port), "--host", "127.0.0.1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            return proc, port
        except Exception:
            if proc.poll() is not None:
                raise SystemExit(f"chroma run exited with {proc.returncode}") from None
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("chroma run did not answer within 60 s")


def old_keyword(question: str, pool: list, candidates: int) -> list[str]:
    """Today's path before the keyword index: rank_bm25 rebuilt over the pool on every query."""
    from rank_bm25 import BM25Okapi

    from rag.text import keyword_tokens

    query = keyword_tokens(question)
    if not query:
        return []
    bm25 = BM25Okapi([c.meta.get("tokens", "").split() or ["∅"] for c in pool])
    scores = bm25.get_scores(query)
    key = (lambda i: -scores[i]) if max(scores, default=0) > 0 else (lambda i: -abs(scores[i]))
    order = sorted(range(len(pool)), key=key)
    return [pool[i].id for i in order[:candidates] if scores[i] != 0]


def scope_of(retriever, question: str) -> tuple[list[str], set[str] | None, list]:
    """The scope and pool retrieval uses for a question (single place or none)."""
    from rag.retrieval import documents_for_year

    routed, _ = retriever.route(question)
    scope = routed[:1]
    pool = retriever.in_counties(scope) if scope else retriever.corpus
    sources = documents_for_year(question, pool) if scope else None
    if sources:
        pool = [c for c in pool if c.meta.get("source") in sources]
    return scope, sources, pool


def replicate(store, target: int, embedder: StandInEmbedder) -> dict:
    """Copy the store's documents, moved to other counties, into Chroma and the keyword index until
    ``target`` chunks; returns the figures of the fill."""
    from rag.places import divisions, get

    started = time.perf_counter()
    base = store.all_chunks()
    by_source: dict[str, list] = {}
    for c in base:
        by_source.setdefault(c.meta["source"], []).append(c)
    taken = {c.county for c in base}
    places = [d for d in divisions() if d.level == "county" and d.name not in taken]
    rng = random.Random(0)
    col = store.collection()
    batch = min(5000, store.client.get_max_batch_size())
    pending: tuple[list, list, list, list] = ([], [], [], [])
    keyword_docs, total, copy, used = [], len(base), 0, set()

    def flush() -> None:
        if pending[0]:
            col.add(ids=pending[0], documents=pending[1], metadatas=pending[2], embeddings=pending[3])
            for part in pending:
                part.clear()

    while total < target:
        copy += 1
        for source in sorted(by_source):
            if total >= target:
                break
            chunks = by_source[source]
            place = rng.choice(places)
            used.add(place.name)
            first = chunks[0].meta
            old = get(first.get("adcode", ""))
            swaps = [(first.get("county", ""), place.name)] + ([(old.short, place.short)] if old and old.short != old.name else [])
            new_source = f"{source}#copy{copy}"
            moved = {"county": place.name, "adcode": place.adcode, "province": place.province,
                     "prefecture": place.prefecture, "source": new_source}
            ids, metas = [], []
            for c in chunks:
                text, tokens = c.text, c.meta.get("tokens", "")
                for a, b in swaps:
                    if a:
                        text, tokens = text.replace(a, b), " ".join(b if t == a else t for t in tokens.split())
                meta = {**c.meta, **{k: v for k, v in moved.items() if v}, "tokens": tokens}
                for k in ("prefecture", "province"):
                    if not moved[k]:
                        meta.pop(k, None)
                chunk_id = f"{c.id}#copy{copy}"
                ids.append(chunk_id)
                metas.append(meta)
                pending[0].append(chunk_id)
                pending[1].append(text)
                pending[2].append(meta)
                pending[3].append(embedder._vec(f"{chunk_id}\n{text}"))
                if len(pending[0]) >= batch:
                    flush()
            keyword_docs.append((new_source, first.get("doc_hash", ""), ids, metas))
            entry = store.manifest.docs.get(source)
            if entry is not None:
                store.manifest.docs[new_source] = {**entry, "meta": {**entry.get("meta", {}), **moved}}
            total += len(chunks)
    flush()
    chroma_s = time.perf_counter() - started
    t = time.perf_counter()
    store.manifest.save()
    store.keyword_index.put_documents(keyword_docs)
    store.keyword_index.refresh()
    keyword_s = time.perf_counter() - t
    return {"replicated_chunks": total - len(base), "replicated_documents": len(keyword_docs),
            "replicated_counties": len(used),
            "replicate_chroma_s": round(chroma_s, 1), "replicate_keyword_s": round(keyword_s, 1)}


def run_scale(opts) -> dict:
    from rag.indexer import index_paths
    from rag.retrieval import Retriever
    from rag.settings import Settings
    from rag.store import ChunkStore
    from rag.text import keyword_tokens

    settings = Settings()
    settings.embedding.model = StandInEmbedder.name
    corpus_dir = opts.corpus or Path(tempfile.mkdtemp(prefix="govbrief-scale-corpus-"))
    indexed = min(opts.base, opts.chunks) if opts.fill == "replicate" else opts.chunks
    info = build_corpus(corpus_dir, indexed, settings)
    paths, draws, planned = subset(corpus_dir, info["draws"], indexed)
    work = Path(tempfile.mkdtemp(prefix="govbrief-scale-"))
    settings.store.path = work / "index"
    server = None
    try:
        if opts.server:
            server, port = start_server(work / "chroma-server")
            settings.store.host, settings.store.port = "127.0.0.1", port
        store = ChunkStore(settings)
        embedder = StandInEmbedder()
        t0 = time.perf_counter()
        report = index_paths(paths, store, lambda: embedder)
        index_s = time.perf_counter() - t0
        n = sum(f.chunks for f in report.files if f.status == "indexed")
        base_n, fill = n, {}
        if opts.fill == "replicate":
            fill = replicate(store, opts.chunks, embedder)
            n = store.collection().count()
        store.close()

        store = ChunkStore(settings)  # a fresh process's view: keyword index read from disk
        retriever = Retriever(store, embedder, settings.retrieval)
        t0 = time.perf_counter()
        _ = retriever.corpus
        store.keyword_index.refresh()
        first_s = time.perf_counter() - t0
        qs = questions(corpus_dir, draws, opts.questions)
        keyword_tokens("预热")  # jieba's dictionary loads once per process
        kw, dense, filtered, hybrid, old, old_pool = [], [], [], [], [], []
        for q in qs:
            scope, sources, pool = scope_of(retriever, q)
            t = time.perf_counter()
            retriever._bm25(q, scope or None, sources)
            kw.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            retriever._dense(q, scope, sources, pool)  # what retrieve() runs: exact over a small scope
            dense.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            where = {"county": scope[0]} if scope else None
            store.query(embedder.embed_query(q), settings.retrieval.candidates, where=where)
            filtered.append((time.perf_counter() - t) * 1000)  # Chroma's filtered HNSW, for comparison
            t = time.perf_counter()
            retriever.retrieve(q)
            hybrid.append((time.perf_counter() - t) * 1000)
        if n <= opts.old_max:
            for q in qs:
                _, _, pool = scope_of(retriever, q)
                t = time.perf_counter()
                old_keyword(q, pool, settings.retrieval.candidates)
                old.append((time.perf_counter() - t) * 1000)
            # The old path over the whole corpus: a question that names no indexed place.
            for q in qs[:10]:
                t = time.perf_counter()
                old_keyword(q, retriever.corpus, settings.retrieval.candidates)
                old_pool.append((time.perf_counter() - t) * 1000)
        unscoped = []
        for q in qs[:10]:
            t = time.perf_counter()
            retriever._bm25(q, None, None)
            unscoped.append((time.perf_counter() - t) * 1000)
        kw_dir = store.settings.store.path / f"{store.name}.bm25"
        out = {
            "chunks": n, "documents": len(report.files) + fill.get("replicated_documents", 0), "store": "server" if opts.server else "embedded",
            "fill": "index" if opts.fill == "index" else
                    f"replicate: {base_n} chunks indexed, copies moved to other counties added to Chroma and the keyword index",
            "embedder": STANDIN, "questions": len(qs),
            "index_s": round(index_s, 1), "index_chunks_per_s": round(base_n / index_s, 1), **fill,
            "ledger_rows": report.facts, "first_query_load_s": round(first_s, 2),
            "keyword_p50_ms": round(pct(kw, 50), 2), "keyword_p95_ms": round(pct(kw, 95), 2),
            "keyword_unscoped_p50_ms": round(pct(unscoped, 50), 2),
            "dense_p50_ms": round(pct(dense, 50), 2), "dense_p95_ms": round(pct(dense, 95), 2),
            "chroma_filtered_p50_ms": round(pct(filtered, 50), 2), "chroma_filtered_p95_ms": round(pct(filtered, 95), 2),
            "query_p50_ms": round(pct(hybrid, 50), 2), "query_p95_ms": round(pct(hybrid, 95), 2),
            "old_keyword_p50_ms": round(pct(old, 50), 2) if old else None,
            "old_keyword_p95_ms": round(pct(old, 95), 2) if old else None,
            "old_keyword_unscoped_p50_ms": round(pct(old_pool, 50), 2) if old_pool else None,
            "keyword_index_mb": round(sum(f.stat().st_size for f in kw_dir.rglob("*") if f.is_file()) / 2**20, 1),
            "keyword_chunks": len(store.keyword_index),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "corpus_build_s": info.get("seconds"),
        }
        if server is not None:
            out["server_peak_rss_mb"] = round(_rss_mb(server.pid))
        store.close()
        return out
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        if not opts.keep:
            shutil.rmtree(work, ignore_errors=True)
            if opts.corpus is None:
                shutil.rmtree(corpus_dir, ignore_errors=True)


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def seeds_overlap() -> dict:
    """Top-5 chunk ids, old (rank_bm25 per pool) vs new (keyword index), on the seed questions."""
    from rag.indexer import index_paths
    from rag.retrieval import Retriever
    from rag.settings import Settings
    from rag.store import ChunkStore
    from tests.fakes import HashEmbedder

    settings = Settings()
    settings.embedding.model = "hash-embedder"
    settings.store.path = Path(tempfile.mkdtemp(prefix="govbrief-overlap-")) / "index"
    store = ChunkStore(settings)
    index_paths([REPO / "seeds"], store, HashEmbedder)
    rows = []
    for f in sorted((REPO / "seeds" / "eval").glob("*.jsonl")):
        rows += [json.loads(line) for line in f.read_text("utf-8").splitlines() if line.strip()]
    new_r = Retriever(store, HashEmbedder(), settings.retrieval)

    class Old(Retriever):
        def _bm25(self, question, counties, sources):
            pool = [c for c in self.corpus if not counties or c.county in counties]
            if sources:
                pool = [c for c in pool if c.meta.get("source") in sources]
            return old_keyword(question, pool, self.settings.candidates)

    old_r = Old(store, HashEmbedder(), settings.retrieval)
    result = {"questions": len(rows)}
    for mode, weight in (("keyword", 0.0), ("hybrid", 1.0)):
        settings.retrieval.dense_weight = weight
        overlap, same_first = [], 0
        for row in rows:
            a = [h.id for h in old_r.retrieve(row["question"], 5).hits]
            b = [h.id for h in new_r.retrieve(row["question"], 5).hits]
            overlap.append(len(set(a) & set(b)) / max(1, len(a)))
            same_first += bool(a and b and a[0] == b[0])
        result[f"{mode}_top5_overlap_mean"] = round(statistics.mean(overlap), 3)
        result[f"{mode}_top5_identical"] = sum(o == 1.0 for o in overlap)
        result[f"{mode}_top1_same"] = same_first
    store.close()
    shutil.rmtree(settings.store.path.parent, ignore_errors=True)
    return result


def keyword_replicated(opts) -> dict:
    """The keyword index alone at ``--chunks`` rows: the first ~1k chunks of the corpus copied with
    fresh ids and places until the size is reached (no Chroma, no re-tokenising); times the rows'
    write, the matrix build, scoped and unscoped queries, and the old rank_bm25 path over it all."""
    from rag.indexer import index_paths
    from rag.keyword_index import KeywordIndex
    from rag.settings import Settings
    from rag.store import ChunkStore, StoredChunk
    from rag.text import keyword_tokens

    settings = Settings()
    settings.embedding.model = StandInEmbedder.name
    corpus_dir = opts.corpus or Path(tempfile.mkdtemp(prefix="govbrief-scale-corpus-"))
    info = build_corpus(corpus_dir, 1000, settings)
    paths, draws, _ = subset(corpus_dir, info["draws"], 1000)
    work = Path(tempfile.mkdtemp(prefix="govbrief-scale-kw-"))
    settings.store.path = work / "index"
    try:
        store = ChunkStore(settings)
        index_paths(paths, store, StandInEmbedder)
        base = store.all_chunks()
        store.close()
        copies = -(-opts.chunks // len(base))
        index = KeywordIndex(work / "replicated.bm25", {"collection": "replicated"})
        docs: dict[str, list] = {}
        corpus = []
        for r in range(copies):
            for c in base:
                meta = {**c.meta, "county": f"{c.county}#{r}", "source": f"{c.meta['source']}#{r}"}
                docs.setdefault(meta["source"], []).append((f"{c.id}#{r}", meta))
                corpus.append(StoredChunk(f"{c.id}#{r}", "", meta))
        t = time.perf_counter()
        index.put_documents((s, "h", [i for i, _ in rows], [m for _, m in rows]) for s, rows in docs.items())
        put_s = time.perf_counter() - t
        t = time.perf_counter()
        index.refresh()
        build_s = time.perf_counter() - t
        index.close()
        t = time.perf_counter()
        index = KeywordIndex(work / "replicated.bm25", {"collection": "replicated"})
        index.refresh()
        load_s = time.perf_counter() - t
        qs = questions(corpus_dir, draws, opts.questions)
        keyword_tokens("预热")
        counties = sorted({c.meta["county"] for c in corpus})
        rng = random.Random(0)
        scoped, unscoped = [], []
        for q in qs:
            t = time.perf_counter()
            index.search(keyword_tokens(q), 30, counties=[rng.choice(counties)])
            scoped.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            index.search(keyword_tokens(q), 30)
            unscoped.append((time.perf_counter() - t) * 1000)
        old = []
        for q in qs[: opts.old_queries]:
            t = time.perf_counter()
            old_keyword(q, corpus, 30)
            old.append((time.perf_counter() - t) * 1000)
        out = {
            "chunks": len(corpus), "mode": "keyword index only, 1k real chunks replicated", "questions": len(qs),
            "rows_write_s": round(put_s, 1), "matrix_build_s": round(build_s, 2), "load_s": round(load_s, 2),
            "keyword_p50_ms": round(pct(scoped, 50), 2), "keyword_p95_ms": round(pct(scoped, 95), 2),
            "keyword_unscoped_p50_ms": round(pct(unscoped, 50), 2), "keyword_unscoped_p95_ms": round(pct(unscoped, 95), 2),
            "old_keyword_unscoped_p50_ms": round(pct(old, 50), 1) if old else None, "old_queries": len(old),
            "keyword_index_mb": round(sum(f.stat().st_size for f in (work / "replicated.bm25").rglob("*") if f.is_file()) / 2**20, 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        index.close()
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chunks", type=int, default=1000, help="corpus size in chunks (default 1000)")
    parser.add_argument("--server", action="store_true", help="use a real `chroma run` server on 127.0.0.1")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--questions", type=int, default=100, help="questions timed (default 100)")
    parser.add_argument("--corpus", type=Path, help="folder to build the corpus in, kept and reused across runs")
    parser.add_argument("--old-max", type=int, default=20000, help="time the old rank_bm25 path only up to this many chunks")
    parser.add_argument("--fill", choices=("index", "replicate"), default="index",
                        help="index: all N chunks through the indexer; replicate: --base chunks indexed, copied to N")
    parser.add_argument("--base", type=int, default=3000, help="chunks indexed before copying with --fill replicate")
    parser.add_argument("--keep", action="store_true", help="keep the index folder")
    parser.add_argument("--keyword-only", action="store_true",
                        help="time the keyword index alone at --chunks, from the first 1k chunks replicated")
    parser.add_argument("--old-queries", type=int, default=3, help="old-path queries timed with --keyword-only")
    parser.add_argument("--seeds-overlap", action="store_true", help="compare old and new keyword rankings on the seeds")
    opts = parser.parse_args(argv)
    out = seeds_overlap() if opts.seeds_overlap else keyword_replicated(opts) if opts.keyword_only else run_scale(opts)
    if opts.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        width = max(len(k) for k in out)
        for key, value in out.items():
            print(f"{key.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
