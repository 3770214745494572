"""Hybrid retrieval: county routing, jieba+BM25 beside embeddings, reciprocal-rank fusion."""

from __future__ import annotations

from dataclasses import dataclass, field

from rag.embeddings import Embedder
from rag.settings import RetrievalSettings
from rag.store import ChunkStore, StoredChunk
from rag.text import keyword_tokens, years

RRF_K = 60


@dataclass
class Retrieval:
    """Ranked chunks plus how the question was scoped."""

    hits: list[StoredChunk]
    scope: list[str] = field(default_factory=list)  # counties retrieval was limited to
    unknown_places: list[str] = field(default_factory=list)  # places asked about but not indexed


class Retriever:
    """Retrieves from one ChunkStore; the corpus (for routing) is read once; BM25 comes from the store's keyword index."""

    def __init__(self, store: ChunkStore, embedder: Embedder | None, settings: RetrievalSettings):
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self._corpus: list[StoredChunk] | None = None
        self._by_county: dict[str, list[StoredChunk]] | None = None
        self._by_id: dict[str, StoredChunk] | None = None
        self._names: dict[str, str] | None = None  # derived from the corpus, read once with it
        self._longest_first: list[str] = []  # the names, longest first, for routing

    @property
    def corpus(self) -> list[StoredChunk]:
        """Every chunk in the index, loaded on first use."""
        if self._corpus is None:
            self._corpus = self.store.all_chunks()
        return self._corpus

    def _all_by_id(self) -> dict[str, StoredChunk]:
        """id -> chunk over the whole corpus, built once (an unscoped question ranks over it)."""
        if self._by_id is None:
            self._by_id = {c.id: c for c in self.corpus}
        return self._by_id

    def in_counties(self, counties: list[str]) -> list[StoredChunk]:
        """The corpus's chunks of these counties, in corpus order, without scanning the corpus.

        At 100k chunks a scan per question cost tens of milliseconds (bench/scale.py).
        """
        if self._by_county is None:
            by_county: dict[str, list[StoredChunk]] = {}
            for chunk in self.corpus:
                by_county.setdefault(chunk.county, []).append(chunk)
            self._by_county = by_county
        if len(counties) == 1:
            return list(self._by_county.get(counties[0], ()))
        wanted = set(counties)
        return [c for c in self.corpus if c.county in wanted]

    def counties(self) -> dict[str, str]:
        """Names a question may use for an indexed place -> the place's full name.

        The forms come from the national division table (黎平, 黎平县; 德宏, 德宏州 and the full
        autonomous-prefecture name), so every indexed place is reachable however it is written.
        """
        if self._names is not None:
            return self._names
        from rag.places import get

        names: dict[str, str] = {}
        for chunk in self.corpus:
            county = chunk.county
            if not county or county in names:
                continue
            names[county] = county
            division = get(chunk.meta.get("adcode", ""))
            for alias in division.aliases if division else ():
                if len(alias) >= 2:
                    names.setdefault(alias, county)
        self._names = names
        self._longest_first = sorted(names, key=len, reverse=True)
        return names

    def route(self, question: str) -> tuple[list[str], list[str]]:
        """(indexed places the question names, in order; places it names that are not indexed).

        The question is matched in simplified script (黎平縣 is 黎平县). A place counts as not
        indexed only when the division table knows it and no indexed place answers to that name.
        """
        from rag.places import find_mentions, normalize

        question = normalize(question)
        known = self.counties()
        found: list[tuple[int, str]] = []
        taken: list[tuple[int, int]] = []
        for name in self._longest_first:
            start = question.find(name)
            while start >= 0:
                end = start + len(name)
                if not any(a < end and start < b for a, b in taken):
                    taken.append((start, end))
                    if known[name] not in [c for _, c in found]:
                        found.append((start, known[name]))
                start = question.find(name, end)
        unknown: list[str] = []
        for mention in find_mentions(question):
            inside = any(a <= mention.start and mention.end <= b for a, b in taken)
            if not inside and mention.division.name not in unknown and mention.division.name not in known.values():
                unknown.append(mention.division.name)
        return [c for _, c in sorted(found)], unknown

    def retrieve(self, question: str, k: int | None = None, counties: list[str] | None = None) -> Retrieval:
        """Top-k chunks for the question, scoped to the named (or given) counties."""
        k = k or self.settings.k
        routed, unknown = self.route(question)
        aliases = self.counties()
        scope = [aliases.get(c, c) for c in counties] if counties else routed  # 兴山 -> 兴山县
        if unknown and not scope:
            return Retrieval(hits=[], scope=[], unknown_places=unknown)
        if len(scope) > 1:
            # Cross-county questions: each county gets its own top-k, interleaved, so one
            # county's wording cannot crowd the other out.
            per_county = [self.retrieve(question, k, [county]).hits for county in scope]
            hits = [h for group in zip(*per_county) for h in group]
            hits += [h for group in per_county for h in group[len(min(per_county, key=len)):]]
            return Retrieval(hits=hits, scope=scope, unknown_places=unknown)
        pool = self.in_counties(scope) if scope else self.corpus
        sources = documents_for_year(question, pool) if scope else None
        if sources:
            pool = [c for c in pool if c.meta.get("source") in sources]
        if not pool:
            return Retrieval(hits=[], scope=scope, unknown_places=unknown)

        keyword = self._bm25(question, scope or None, sources)
        rankings: list[tuple[float, list[str]]] = [(self.settings.keyword_weight, keyword)]
        if self.embedder is not None and self.settings.dense_weight > 0:
            rankings.append((self.settings.dense_weight, self._dense(question, scope, sources, pool)))

        fused: dict[str, float] = {}
        for weight, ids in rankings:
            for rank, chunk_id in enumerate(ids):
                fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (RRF_K + rank + 1)
        by_id = self._all_by_id() if pool is self.corpus else {c.id: c for c in pool}
        ranked = sorted((cid for cid in fused if cid in by_id), key=lambda cid: -fused[cid])
        hits = []
        for cid in ranked[:k]:
            chunk = by_id[cid]
            hits.append(StoredChunk(chunk.id, chunk.text, chunk.meta, score=round(fused[cid], 5)))
        return Retrieval(hits=hits, scope=scope, unknown_places=unknown)

    def _dense(self, question: str, scope: list[str], sources: set[str] | None, pool: list[StoredChunk]) -> list[str]:
        """Chunk ids by embedding similarity within the scope: exact over a small scoped pool,
        Chroma's (filtered) HNSW query otherwise."""
        vector = self.embedder.embed_query(question)
        if scope and len(pool) <= self.settings.exact_dense_max:
            return [cid for cid, _ in self.store.nearest_among(vector, [c.id for c in pool], self.settings.candidates)]
        where = {"county": scope[0]} if scope else None
        if sources:
            where = {"$and": [where, {"source": {"$in": sorted(sources)}}]}
        return [c.id for c in self.store.query(vector, self.settings.candidates, where=where)]

    def _bm25(self, question: str, counties: list[str] | None, sources: set[str] | None) -> list[str]:
        """Chunk ids by BM25 from the persisted keyword index, restricted to the scope."""
        query = keyword_tokens(question)
        if not query:
            return []
        found = self.store.keyword_index.search(query, self.settings.candidates, counties=counties, sources=sources)
        return [chunk_id for chunk_id, _ in found]


def documents_for_year(question: str, pool: list[StoredChunk]) -> set[str] | None:
    """When one place has several documents, the ones the question's year points to.

    A year's targets stand in the report that plans it; its outcomes in the next year's report,
    which reviews it (and in that year's 统计公报). None means no narrowing: one document, no
    year asked, or no document of that year (then every document stays in play).
    """
    from rag.figures import TARGET, asked_kind

    asked = set(years(question))
    docs = {c.meta.get("source"): c.meta for c in pool}
    if len(docs) < 2 or not asked:
        return None
    planning = {s for s, m in docs.items() if m.get("plan_year") in asked}
    reviewing = {s for s, m in docs.items() if m.get("year_under_review") in asked}
    first, second = (planning, reviewing) if asked_kind(question) == TARGET else (reviewing, planning)
    return first or second or None
