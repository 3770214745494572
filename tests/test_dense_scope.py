"""Dense ranking within a scope: exact cosine over the scope's vectors, as Chroma would rank them."""

from __future__ import annotations


def _ids(chunks):
    return [c.id for c in chunks]


def test_exact_ranking_matches_chromas_filtered_query(indexed):
    store, embedder = indexed.store, indexed.embedder
    retriever = indexed.retriever
    county = sorted({c.county for c in retriever.corpus if c.county})[0]
    pool = retriever.in_counties([county])
    assert pool and all(c.county == county for c in pool)
    for question in ("地区生产总值增长多少", "乡村振兴示范县", "固定资产投资"):
        vector = embedder.embed_query(question)
        exact = store.nearest_among(vector, [c.id for c in pool], 10)
        chroma = store.query(vector, 10, where={"county": county})
        # On a few dozen chunks HNSW is exact, so the two rankings agree (scores to float noise).
        assert [cid for cid, _ in exact] == _ids(chroma)
        assert [round(s, 4) for _, s in exact] == [round(c.score, 4) for c in chroma]


def test_retrieve_gives_the_same_hits_by_either_dense_path(indexed):
    retriever = indexed.retriever
    questions = ["兴山县2023年地区生产总值是多少", "通江县的城镇居民收入增长多少", "芦山县提出了哪些发展格局"]
    exact = [_ids(retriever.retrieve(q).hits) for q in questions]
    retriever.settings.exact_dense_max = 0  # every scoped question through Chroma's filtered query
    try:
        assert [_ids(retriever.retrieve(q).hits) for q in questions] == exact
    finally:
        retriever.settings.exact_dense_max = 2000
    assert all(exact)


def test_nearest_among_skips_ids_the_store_does_not_hold(indexed):
    store = indexed.store
    some = [c.id for c in indexed.retriever.corpus[:3]]
    got = store.nearest_among(indexed.embedder.embed_query("人口"), [*some, "no-such-chunk"], 10)
    assert sorted(cid for cid, _ in got) == sorted(some)
    assert store.nearest_among([1.0, 0.0], [], 5) == []
