"""Found 1 (issue 12): identical files in two folders overwrote each other, and --prune then lost both."""

from __future__ import annotations

import shutil

import pytest

from rag.indexer import index_paths


def _copies(tmp_path, seeds_dir, n):
    original = next(seeds_dir.glob("003_*.txt"))
    paths = []
    for i in range(n):
        folder = tmp_path / f"copy{i}"
        folder.mkdir()
        paths.append(shutil.copy(original, folder / original.name))
    return paths


@pytest.mark.found(1, asserts=("data_lost", "duplicates"))
def test_two_copies_of_one_report_are_two_documents_and_pruning_one_keeps_the_other(engine, seeds_dir, tmp_path):
    a, b = _copies(tmp_path, seeds_dir, 2)
    report = index_paths([a.parent, b.parent], engine.store, lambda: engine.embedder)
    per_copy = report.files[0].chunks
    assert [f.status for f in report.files] == ["indexed", "indexed"]
    assert len(engine.store.all_chunks()) == 2 * per_copy
    b.unlink()
    pruned = index_paths([a.parent], engine.store, lambda: engine.embedder, prune=True)
    assert pruned.pruned == [str(b.resolve())]
    chunks = engine.store.all_chunks()
    assert len(chunks) == per_copy and {c.meta["source"] for c in chunks} == {str(a.resolve())}
    assert [d["file"] for d in engine.store.documents()] == [a.name]
    assert engine.store.ledger.sources() == [str(a.resolve())] and engine.store.ledger.facts_of(str(a.resolve()))
    again = index_paths([a.parent], engine.store, lambda: engine.embedder)
    assert [f.status for f in again.files] == ["unchanged"] and again.embedded == 0


@pytest.mark.found(1, asserts=("data_lost", "duplicates"))
def test_many_copies_embed_and_keep_every_chunk(engine, seeds_dir, tmp_path):
    copies = _copies(tmp_path, seeds_dir, 5)
    report = index_paths([p.parent for p in copies], engine.store, lambda: engine.embedder)
    per_copy = report.files[0].chunks
    assert report.embedded == 5 * per_copy == len(engine.store.all_chunks())
    assert len({c.id for c in engine.store.all_chunks()}) == 5 * per_copy
