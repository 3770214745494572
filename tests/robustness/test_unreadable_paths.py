"""Found 11 (issue 12): one missing path stopped the whole `index` run, and an unreadable file
inside a folder gave exit 70 "internal error". Each now costs only itself: one line, the other
files indexed, exit 2 at the end. Tests run as root, where chmod 000 stops nothing, so a read
is made to fail by patching ``open`` in ``rag.ingest``."""

from __future__ import annotations

import builtins
import os

import pytest

import rag.ingest
from rag.indexer import index_paths


def _errors(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


def _unreadable(monkeypatch, victim):
    def guarded(file, *args, **kwargs):
        if os.fspath(file) == os.fspath(victim):
            raise PermissionError(13, "Permission denied", os.fspath(file))
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr(rag.ingest, "open", guarded, raising=False)


@pytest.mark.found(11, asserts=("data_lost",))
def test_a_missing_path_costs_only_itself(cli_runner, engine, seeds_dir, tmp_path):
    run = cli_runner(lambda settings: engine)
    code, out, err = run("index", str(tmp_path / "nope"), str(seeds_dir), str(tmp_path / "gone.txt"))
    assert code == 2
    lines = _errors(err)
    assert len(lines) == 2 and all(line.startswith("error:") and "does not exist" in line for line in lines)
    assert len(engine.store.documents()) == 5


@pytest.mark.found(11, asserts=("data_lost",))
def test_an_unreadable_file_in_a_folder_is_one_line_not_an_internal_error(cli_runner, engine, seeds_dir, monkeypatch):
    victim = next(seeds_dir.glob("002_*.txt"))
    _unreadable(monkeypatch, victim)
    run = cli_runner(lambda settings: engine)
    code, out, err = run("index", str(seeds_dir))
    assert code == 2
    assert _errors(err) == [f"error: {victim} cannot be read (Permission denied): check its permissions."]
    assert "internal error" not in err
    assert sorted(d["file"][:3] for d in engine.store.documents()) == ["000", "001", "003", "004"]


@pytest.mark.found(11)
def test_a_fifo_is_refused_not_read(engine, seeds_dir, tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # reading it would block forever
    folder_like = tmp_path / "folder.txt"
    folder_like.mkdir()  # a folder named like a report: expanded, holds nothing
    report = index_paths([fifo, folder_like, seeds_dir], engine.store, lambda: engine.embedder)
    assert [(f.file, f.status) for f in report.failed] == [("pipe.txt", "failed")]
    assert "not a regular file" in report.failed[0].error
    assert sum(f.status == "indexed" for f in report.files) == 5


@pytest.mark.found(11)
def test_an_unreadable_sidecar_is_one_line(engine, seeds_dir, monkeypatch):
    victim = next(seeds_dir.glob("001_*.txt"))
    sidecar = victim.with_suffix(".meta.toml")
    sidecar.write_text('place = "利川市"\n', "utf-8")
    real = type(sidecar).read_text

    def read_text(self, *args, **kwargs):
        if self == sidecar:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(sidecar), "read_text", read_text)
    report = index_paths([seeds_dir], engine.store, lambda: engine.embedder)
    assert [f.file[:3] for f in report.failed] == ["001"] and "cannot be read" in report.failed[0].error
    assert sum(f.status == "indexed" for f in report.files) == 4
