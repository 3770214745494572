"""The persisted keyword index: incremental with index and --prune, read back across processes
without re-tokenising, scoped by place, rebuilt when its files are corrupt or foreign."""

from __future__ import annotations

import shutil
from collections import Counter

import numpy as np
import pytest

from rag.chunking import document_id
from rag.indexer import index_paths
from rag.keyword_index import KeywordIndex, bm25_matrix
from rag.store import ChunkStore
from tests.fakes import HashEmbedder

XINGSHAN = "003_a378347d771fafc0.txt"
GDP = ["地区", "生产", "总值"]


def _index(settings, paths, prune=False):
    store = ChunkStore(settings)
    report = index_paths(paths, store, HashEmbedder, prune=prune)
    return store, report


def _sources(store, tokens, **scope):
    found = store.keyword_index.search(tokens, 500, **scope)
    by_id = {c.id: c.meta["source"] for c in store.all_chunks()}
    return [by_id[i] for i, _ in found]


def test_matrix_equals_bm25s_own_index():
    import bm25s

    rng = np.random.default_rng(3)
    corpus = [[f"w{x}" for x in rng.integers(0, 40, rng.integers(0, 25))] for _ in range(120)]
    vocab: dict[str, int] = {}
    for doc in corpus:
        for t in doc:
            vocab.setdefault(t, len(vocab))
    ref = bm25s.BM25(method="lucene")
    ref.index(corpus, show_progress=False, create_empty_token=False)
    counts = [Counter(vocab[t] for t in doc) for doc in corpus]
    data, indices, indptr = bm25_matrix([np.array(list(c), np.int32) for c in counts],
                                        [np.array(list(c.values()), np.int32) for c in counts],
                                        np.array([len(d) for d in corpus], np.float32), len(vocab))
    ours = bm25s.BM25(method="lucene")
    ours.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": len(corpus)}
    ours.vocab_dict, ours.nonoccurrence_array = vocab, None
    for query in (["w1", "w2"], ["w7", "w7", "w30"], ["w39"]):
        assert np.allclose(ref.get_scores(query), ours.get_scores(query), atol=1e-5)


def test_incremental_add_change_and_prune(settings, seeds_dir):
    one = seeds_dir / XINGSHAN
    store, _ = _index(settings, [seeds_dir])
    total = len(store.all_chunks())
    assert len(store.keyword_index) == total
    assert str(one.resolve()) in _sources(store, GDP)
    store.close()

    # A new document: its chunks become findable by a word only it contains.
    extra = seeds_dir / "extra.txt"
    extra.write_text(one.read_text("utf-8") + "\n\n五、附录\n本县新设独一无二的鲟鱼养殖示范园。\n", "utf-8")
    store, _ = _index(settings, [seeds_dir])
    hits = _sources(store, ["鲟鱼"])
    assert hits and set(hits) == {str(extra.resolve())}
    assert len(store.keyword_index) == len(store.all_chunks())
    store.close()

    # A changed document: the old word is gone from the index, the new one is there.
    extra.write_text(one.read_text("utf-8") + "\n\n五、附录\n本县新设独一无二的白鹭保护区。\n", "utf-8")
    store, _ = _index(settings, [seeds_dir])
    assert _sources(store, ["鲟鱼"]) == []
    assert set(_sources(store, ["白鹭"])) == {str(extra.resolve())}
    store.close()

    # Deleted and pruned: its rows leave the keyword results.
    extra.unlink()
    store, report = _index(settings, [seeds_dir], prune=True)
    assert report.pruned == [str(extra.resolve())]
    assert _sources(store, ["白鹭"]) == []
    assert str(extra.resolve()) not in store.keyword_index.documents()
    assert len(store.keyword_index) == total == len(store.all_chunks())
    store.close()


def test_read_back_in_a_new_store_without_tokenising(settings, seeds_dir, monkeypatch):
    store, _ = _index(settings, [seeds_dir])
    before = store.keyword_index.search(GDP, 10)
    store.close()

    import rag.text

    def no_jieba():
        raise AssertionError("the keyword index re-tokenised the corpus")

    monkeypatch.setattr(rag.text, "_jieba", no_jieba)
    fresh = ChunkStore(settings)
    assert fresh.keyword_index.search(GDP, 10) == before
    assert not fresh.keyword_index.rebuilt
    assert fresh.keyword_index.refresh() is False  # the saved matrix was loaded, not rebuilt
    fresh.close()


def test_scoped_by_county_and_source(settings, seeds_dir):
    store, _ = _index(settings, [seeds_dir])
    chunks = store.all_chunks()
    county = {c.id: c.county for c in chunks}
    source = {c.id: c.meta["source"] for c in chunks}
    everywhere = {county[i] for i, _ in store.keyword_index.search(GDP, 500)}
    assert {"兴山县", "芦山县"} <= everywhere
    scoped = store.keyword_index.search(GDP, 500, counties=["兴山县"])
    assert scoped and {county[i] for i, _ in scoped} == {"兴山县"}
    lushan = sorted({c.meta["source"] for c in chunks if c.county == "芦山县"})
    assert len(lushan) == 2
    one_doc = store.keyword_index.search(GDP, 500, counties=["芦山县"], sources={lushan[0]})
    assert one_doc and {source[i] for i, _ in one_doc} == {lushan[0]}
    assert store.keyword_index.search(GDP, 500, counties=["兴山县"], sources={lushan[0]}) == []
    assert store.keyword_index.search(GDP, 500, counties=["柳林县"]) == []
    scores = [s for _, s in scoped]
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
    store.close()


@pytest.mark.parametrize("damage", ["garbage-db", "garbage-matrix", "deleted", "foreign"])
def test_corrupt_missing_or_foreign_files_are_rebuilt_from_chroma(settings, seeds_dir, damage):
    store, _ = _index(settings, [seeds_dir])
    before = store.keyword_index.search(GDP, 10)
    folder = store.keyword_index.folder
    store.close()
    if damage == "garbage-db":
        for f in folder.glob("segments.sqlite*"):
            f.write_bytes(b"not a database" * 100)
    elif damage == "garbage-matrix":
        for f in folder.glob("matrix-*/*"):
            f.write_bytes(b"\x00garbage")
    elif damage == "deleted":
        shutil.rmtree(folder)
    else:
        other = KeywordIndex(folder.with_name("x.bm25"), {"collection": "govbrief-other"})
        other.close()
        shutil.rmtree(folder)
        shutil.move(folder.with_name("x.bm25"), folder)
    fresh = ChunkStore(settings)
    assert fresh.keyword_index.search(GDP, 10) == before
    assert len(fresh.keyword_index) == len(fresh.all_chunks())
    fresh.close()


def test_two_copies_of_one_file_both_stay_findable(settings, seeds_dir, tmp_path):
    other = tmp_path / "copy"
    other.mkdir()
    shutil.copy(seeds_dir / XINGSHAN, other / XINGSHAN)
    store, _ = _index(settings, [seeds_dir, other])
    a, b = (str((d / XINGSHAN).resolve()) for d in (seeds_dir, other))
    docs = store.keyword_index.documents()
    assert docs[a] == docs[b]
    ids = [i for i, _ in store.keyword_index.search(GDP, 500, counties=["兴山县"])]
    assert any(i.startswith(document_id(a, docs[a])) for i in ids)
    assert any(i.startswith(document_id(b, docs[b])) for i in ids)
    store.close()

    shutil.rmtree(other)
    store, _ = _index(settings, [seeds_dir], prune=True)
    ids = [i for i, _ in store.keyword_index.search(GDP, 500, counties=["兴山县"])]
    assert ids and all(i.startswith(document_id(a, docs[a])) for i in ids)
    store.close()
