"""Whole-collection reads go to Chroma in pages: one get over ~100k chunks fails in embedded Chroma
("too many SQL variables", found by bench/scale.py at 100k), so the pages must add up exactly."""

from __future__ import annotations

import shutil

import rag.store
from rag.indexer import index_paths
from rag.store import ChunkStore
from tests.fakes import HashEmbedder


def test_paged_reads_return_every_chunk_once(settings, seeds_dir, monkeypatch):
    store = ChunkStore(settings)
    index_paths([seeds_dir], store, HashEmbedder)
    whole = [(c.id, c.text, c.meta) for c in store.all_chunks()]
    assert len(whole) > 100
    calls = []
    get = type(store.collection()).get

    def counting_get(self, *args, **kwargs):
        calls.append(kwargs.get("limit"))
        return get(self, *args, **kwargs)

    monkeypatch.setattr(type(store.collection()), "get", counting_get)
    monkeypatch.setattr(rag.store, "GET_PAGE", 7)
    paged = [(c.id, c.text, c.meta) for c in store.all_chunks()]
    assert paged == whole
    assert len(calls) == len(whole) // 7 + 1 and set(calls) == {7}
    county = whole[0][2]["county"]
    assert [c.id for c in store.all_chunks(where={"county": county})] == [i for i, _, m in whole if m["county"] == county]
    store.close()
    # A keyword index rebuilt from Chroma (all metadata read in pages) holds every chunk.
    (settings.store.path / f"{store.name}.manifest.json").unlink()
    shutil.rmtree(settings.store.path / f"{store.name}.bm25")
    store = ChunkStore(settings)
    assert len(store.keyword_index) == len(whole)
    store.close()
