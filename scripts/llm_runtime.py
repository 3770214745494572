"""Build, install and check the local llama.cpp runtime (llama-cpp-python) so it cannot die on a CPU feature.

    python scripts/llm_runtime.py probe               # which instruction sets really execute here
    python scripts/llm_runtime.py install [--rebuild] # build (or reuse) the wheel for them and install it
    python scripts/llm_runtime.py check               # smoke test; on a signal, rebuild safe and test again
    python scripts/llm_runtime.py smoke [--model F]   # a few tokens from the local model, in a subprocess
    python scripts/llm_runtime.py server              # build (or reuse) llama.cpp's C++ llama-server, test tier

Why not the default build: llama-cpp-python's sdist builds llama.cpp with ``-march=native``. On a
VM whose CPU advertises AMX (``amx_tile`` in /proc/cpuinfo) but whose kernel or hypervisor does
not let a process use it, that build repacks the weights for AMX and dies with SIGILL on the first
matrix multiply. llama.cpp's runtime dispatch (``GGML_CPU_ALL_VARIANTS``) does not help: it scores
variants by CPUID bits alone (``ggml-cpu/arch/x86/cpu-feats.cpp``), so it picks the AMX variant too.

So setup compiles one tiny program per instruction-set group, runs each in its own process, and
enables in the build only the groups whose program ran (``GGML_NATIVE=OFF`` plus explicit flags).
After installing, a smoke inference runs in a subprocess; if it dies by a signal, setup rebuilds
with the safe baseline (AVX2/FMA/F16C, no AVX-512, no AMX) and checks again.

Built wheels are kept in ``~/.cache/govbrief/wheels/<flag signature>/`` because pip's own wheel
cache is keyed by the sdist alone: it would hand back a wheel built with other flags.

``server`` builds llama.cpp's own ``llama-server`` (continuous batching over ``--parallel N``
slots, which llama-cpp-python's server lacks) from the llama.cpp vendored in the same pinned sdist,
with the installed wheel's flags, for the real test of ``--concurrency`` against a multi-slot
server. It is not needed to run govbrief; ``scripts/setup.sh --with-llama-server`` (the README's
test command) builds it once (~4-5 min on 2 cores) into ``~/.cache/govbrief/llama-server/``.
Stdlib only (and rag.llm_server, which is): this runs before the project's dependencies are installed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LLAMA_CPP_VERSION = "0.3.36"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# Stdlib only, like this script: it runs before the project's dependencies are installed.
from rag.llm_server import describe_exit  # noqa: E402

WHEEL_CACHE = Path(os.environ.get("GOVBRIEF_WHEEL_CACHE", Path.home() / ".cache" / "govbrief" / "wheels"))
# Written into the venv: which flag set is installed and whether its smoke test passed.
STATE_FILE = "govbrief-llm-runtime.json"

# One program per group: (cmake options it unlocks, gcc flags, C body). A group is enabled only
# if its program compiles and exits 0. Bodies read volatile inputs so nothing is constant-folded.
_PRELUDE = "#include <immintrin.h>\n#include <stdio.h>\nvolatile int seed = 3;\n"
PROBES: dict[str, tuple[list[str], list[str], str]] = {
    "avx": (["GGML_AVX"], ["-mavx"],
            "int main(){__m256 a=_mm256_set1_ps((float)seed);a=_mm256_add_ps(a,a);"
            "float o[8];_mm256_storeu_ps(o,a);return o[0]==6.0f?0:1;}"),
    "avx2": (["GGML_AVX2"], ["-mavx2"],
             "int main(){__m256i a=_mm256_set1_epi32(seed);a=_mm256_add_epi32(a,a);"
             "return _mm256_extract_epi32(a,0)==6?0:1;}"),
    "fma": (["GGML_FMA"], ["-mfma"],
            "int main(){__m256 a=_mm256_set1_ps((float)seed);a=_mm256_fmadd_ps(a,a,a);"
            "float o[8];_mm256_storeu_ps(o,a);return o[0]==12.0f?0:1;}"),
    "f16c": (["GGML_F16C"], ["-mf16c"],
             "int main(){__m128 a=_mm_set1_ps((float)seed);__m128i h=_mm_cvtps_ph(a,0);"
             "__m128 b=_mm_cvtph_ps(h);return _mm_cvtss_f32(b)==3.0f?0:1;}"),
    "bmi2": (["GGML_BMI2"], ["-mbmi2"],
             "int main(){unsigned x=_pdep_u32((unsigned)seed,0xF0u);return x==0x30u?0:1;}"),
    "avx512": (["GGML_AVX512"], ["-mavx512f", "-mavx512cd", "-mavx512vl", "-mavx512dq", "-mavx512bw"],
               "int main(){__m512i a=_mm512_set1_epi8((char)seed);a=_mm512_add_epi8(a,a);"
               "__m256i m=_mm256_maskz_add_epi32(0xFF,_mm256_set1_epi32(seed),_mm256_set1_epi32(seed));"
               "char o[64];_mm512_storeu_si512(o,a);return (o[0]==6&&_mm256_extract_epi32(m,0)==6)?0:1;}"),
    "avx512_vbmi": (["GGML_AVX512_VBMI"], ["-mavx512f", "-mavx512vbmi"],
                    "int main(){__m512i a=_mm512_set1_epi8((char)seed);"
                    "a=_mm512_permutexvar_epi8(_mm512_setzero_si512(),a);"
                    "char o[64];_mm512_storeu_si512(o,a);return o[0]==3?0:1;}"),
    "avx512_vnni": (["GGML_AVX512_VNNI"], ["-mavx512f", "-mavx512vnni"],
                    "int main(){__m512i a=_mm512_set1_epi8((char)seed);"
                    "__m512i s=_mm512_dpbusd_epi32(_mm512_setzero_si512(),a,a);"
                    "int o[16];_mm512_storeu_si512(o,s);return o[0]==36?0:1;}"),
    "avx512_bf16": (["GGML_AVX512_BF16"], ["-mavx512f", "-mavx512bf16"],
                    "int main(){__m512 a=_mm512_set1_ps((float)seed);__m512bh b=_mm512_cvtne2ps_pbh(a,a);"
                    "__m512 d=_mm512_dpbf16_ps(_mm512_setzero_ps(),b,b);"
                    "float o[16];_mm512_storeu_ps(o,d);return o[0]==18.0f?0:1;}"),
    "avx_vnni": (["GGML_AVX_VNNI"], ["-mavx2", "-mavxvnni"],
                 "int main(){__m256i a=_mm256_set1_epi8((char)seed);"
                 "__m256i s=_mm256_dpbusd_avx_epi32(_mm256_setzero_si256(),a,a);"
                 "return _mm256_extract_epi32(s,0)==36?0:1;}"),
    # AMX needs the kernel's permission (arch_prctl) before the first tile instruction, exactly as
    # llama.cpp's ggml_amx_init asks for it. The program then sleeps between tile instructions so
    # that it is descheduled: a hypervisor that does not preserve the tile state across a context
    # switch makes the next tile instruction trap (#UD, SIGILL) although the first ones ran.
    "amx": (["GGML_AMX_TILE", "GGML_AMX_INT8"], ["-mamx-tile", "-mamx-int8"],
            "#include <unistd.h>\n#include <sys/syscall.h>\n#include <string.h>\n"
            "int main(){if(syscall(SYS_arch_prctl,0x1023,18))return 2;"
            "unsigned char cfg[64];memset(cfg,0,64);cfg[0]=1;"
            "for(int t=0;t<3;t++){cfg[16+2*t]=64;cfg[48+t]=16;}"
            "_tile_loadconfig(cfg);"
            "signed char A[16*64],B[16*64];int C[16*16];memset(A,seed,sizeof A);memset(B,1,sizeof B);"
            "for(int i=0;i<40;i++){_tile_zero(0);_tile_loadd(1,A,64);_tile_loadd(2,B,64);"
            "_tile_dpbssd(0,1,2);_tile_stored(0,C,64);if(C[0]!=3*64)return 1;usleep(2000);}"
            "_tile_release();return 0;}"),
}
# AMX stays off unless asked for (GOVBRIEF_LLAMA_AMX=1): a probe that passes proves only that it ran
# once, and a build that traps later, mid-answer, is worse than one that is a little slower.
OPT_IN_GROUPS = {"amx": "GOVBRIEF_LLAMA_AMX"}
ALL_OPTIONS = sorted({opt for opts, _, _ in PROBES.values() for opt in opts})
# The fallback when the probed build still dies: what every x86-64 CPU of the last decade runs.
SAFE_GROUPS = ["avx", "avx2", "fma", "f16c", "bmi2"]


def chosen_groups(results: dict[str, str]) -> list[str]:
    """The groups to build with: every probe that ran, minus opt-in groups not asked for."""
    return [g for g, r in results.items()
            if r == "ok" and (g not in OPT_IN_GROUPS or os.environ.get(OPT_IN_GROUPS[g]) == "1")]


def probe() -> dict[str, str]:
    """Compile and run each probe program; return group -> 'ok' or the reason it is off."""
    results: dict[str, str] = {}
    cc = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
    if cc is None:
        return {group: "no C compiler" for group in PROBES}
    with tempfile.TemporaryDirectory(prefix="govbrief-probe-") as tmp:
        for group, (_, flags, body) in PROBES.items():
            src, exe = Path(tmp, f"{group}.c"), Path(tmp, group)
            src.write_text(_PRELUDE + body + "\n")
            built = subprocess.run([cc, "-O1", *flags, str(src), "-o", str(exe)], capture_output=True, text=True)
            if built.returncode != 0:
                results[group] = "compiler lacks it"
                continue
            try:
                ran = subprocess.run([str(exe)], capture_output=True, timeout=10)
            except subprocess.TimeoutExpired:
                results[group] = "timed out"
                continue
            results[group] = "ok" if ran.returncode == 0 else describe_exit(ran.returncode)
    return results


def cmake_args(groups: list[str]) -> str:
    """CMAKE_ARGS for llama-cpp-python: native off, exactly the given groups on, the rest off."""
    enabled = {opt for g in groups for opt in PROBES[g][0]}
    # SSE4.2 is part of every x86-64 CPU that has AVX; F16C/FMA/AVX2 are probed like the others.
    args = ["-DGGML_NATIVE=OFF", "-DGGML_SSE42=ON"]
    args += [f"-D{opt}={'ON' if opt in enabled else 'OFF'}" for opt in ALL_OPTIONS]
    return " ".join(args)


def signature(args: str) -> str:
    """Short stable id of a build configuration (version, flags, Python ABI)."""
    key = f"{LLAMA_CPP_VERSION}|{args}|{sys.version_info[:2]}|{sys.platform}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def venv_python() -> Path:
    return ROOT / ".venv" / "bin" / "python"


def read_state() -> dict:
    try:
        return json.loads((ROOT / ".venv" / STATE_FILE).read_text())
    except (OSError, ValueError):
        return {}


def write_state(state: dict) -> None:
    path = ROOT / ".venv" / STATE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    tmp.replace(path)


def build_wheel(args: str, rebuild: bool) -> Path:
    """Return the cached wheel for these flags, building it first if needed (6-10 min on 2 cores)."""
    folder = WHEEL_CACHE / f"llama_cpp_python-{LLAMA_CPP_VERSION}-{signature(args)}"
    wheels = sorted(folder.glob("llama_cpp_python-*.whl")) if folder.is_dir() else []
    if wheels and not rebuild:
        return wheels[0]
    shutil.rmtree(folder, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix="govbrief-wheel-"))
    print(f"setup: building llama-cpp-python {LLAMA_CPP_VERSION} ({args}); 6-10 min on 2 cores", flush=True)
    started = time.monotonic()
    env = {**os.environ, "CMAKE_ARGS": args, "FORCE_CMAKE": "1"}
    subprocess.run([str(venv_python()), "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                    "--no-deps", "--no-cache-dir", "--no-binary", "llama-cpp-python",
                    f"llama-cpp-python=={LLAMA_CPP_VERSION}", "-w", str(staging)], check=True, env=env)
    folder.parent.mkdir(parents=True, exist_ok=True)
    (staging / "build.json").write_text(json.dumps({"cmake_args": args, "seconds": round(time.monotonic() - started)}))
    staging.replace(folder)  # atomic: a half-built folder is never taken for a finished one
    print(f"setup: built in {time.monotonic() - started:.0f} s", flush=True)
    return sorted(folder.glob("llama_cpp_python-*.whl"))[0]


SERVER_CACHE = WHEEL_CACHE.parent / "llama-server"
# The server alone: static, no tests/examples, no web UI (its assets would be fetched from the
# network or built with npm), no HTTPS (it serves 127.0.0.1 in the test).
SERVER_CMAKE = ["-DCMAKE_BUILD_TYPE=Release", "-DBUILD_SHARED_LIBS=OFF", "-DLLAMA_BUILD_TESTS=OFF",
                "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_UI=OFF", "-DLLAMA_USE_PREBUILT_UI=OFF",
                "-DLLAMA_OPENSSL=OFF"]


def build_server(args: str) -> Path:
    """Return the cached llama-server binary for these flags, building it first if needed."""
    folder = SERVER_CACHE / f"{LLAMA_CPP_VERSION}-{signature(args)}"
    binary = folder / "llama-server"
    if os.access(binary, os.X_OK):
        return binary
    import tarfile

    staging = Path(tempfile.mkdtemp(prefix="govbrief-llama-server-"))
    print(f"setup: building llama-server from llama-cpp-python {LLAMA_CPP_VERSION}'s llama.cpp ({args}); "
          "4-5 min on 2 cores", flush=True)
    started = time.monotonic()
    try:
        subprocess.run([str(venv_python()), "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                        "--no-deps", "--no-binary", ":all:", f"llama-cpp-python=={LLAMA_CPP_VERSION}",
                        "-d", str(staging)], check=True)
        sdist = next(staging.glob("llama_cpp_python-*.tar.gz"))
        with tarfile.open(sdist) as tar:
            tar.extractall(staging, filter="data")
        source = next(staging.glob("llama_cpp_python-*/vendor/llama.cpp"))
        build = staging / "build"
        subprocess.run(["cmake", "-S", str(source), "-B", str(build), *SERVER_CMAKE, *args.split()],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(["cmake", "--build", str(build), "--target", "llama-server", "-j", str(os.cpu_count() or 2)],
                       check=True, stdout=subprocess.DEVNULL)
        out = staging / "out"
        out.mkdir()
        shutil.copy2(build / "bin" / "llama-server", out / "llama-server")
        (out / "build.json").write_text(json.dumps({"cmake_args": args, "seconds": round(time.monotonic() - started)}))
        ran = subprocess.run([str(out / "llama-server"), "--version"], capture_output=True, text=True, timeout=60)
        if ran.returncode != 0:
            raise RuntimeError(f"the built llama-server does not start: {describe_exit(ran.returncode)}")
        shutil.rmtree(folder, ignore_errors=True)
        folder.parent.mkdir(parents=True, exist_ok=True)
        out.replace(folder)  # atomic: a half-built folder is never taken for a finished one
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"setup: llama-server built in {time.monotonic() - started:.0f} s", flush=True)
    return binary


def server() -> int:
    """Build (or reuse) llama-server with the installed runtime's flags; record its path in the state."""
    state = read_state()
    if not state.get("cmake_args"):
        print("setup: error: install the llama.cpp runtime first (scripts/llm_runtime.py install)", file=sys.stderr)
        return 1
    try:
        binary = build_server(state["cmake_args"])
    except (subprocess.CalledProcessError, OSError, RuntimeError, StopIteration) as exc:
        what = f"{exc.cmd[0]} exited {exc.returncode}" if isinstance(exc, subprocess.CalledProcessError) else str(exc)
        print(f"setup: error: could not build llama-server ({what or 'no llama.cpp in the sdist'}); "
              "govbrief does not need it, only the real --concurrency test does", file=sys.stderr)
        return 1
    write_state({**read_state(), "llama_server": str(binary)})
    print(f"setup: llama-server for the test tier: {binary}")
    return 0


def install_wheel(wheel: Path) -> None:
    """Install the wheel over whatever llama-cpp-python the venv has (its dependencies come later)."""
    subprocess.run([str(venv_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--force-reinstall", "--no-deps", str(wheel)], check=True)


SMOKE_CODE = """
import sys
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=256, n_threads=2, verbose=False)
out = llm.create_completion("1, 2, 3,", max_tokens=4, temperature=0)
print(repr(out["choices"][0]["text"]))
"""


def smoke(model: str | None = None, timeout: float = 300) -> tuple[bool, str]:
    """A few tokens from the local model in a child process; (ok, what happened)."""
    python = str(venv_python())
    if model is None:
        found = subprocess.run([python, "-c", "from rag.settings import Settings; from rag.llm import LocalServer;"
                                "s = Settings(); print(LocalServer(s.llm, s.cache_dir).model_path())"],
                               capture_output=True, text=True, cwd=ROOT)
        if found.returncode != 0:
            return False, "could not locate the local model: " + (found.stderr.strip().splitlines() or ["?"])[-1]
        model = found.stdout.strip()
    started = time.monotonic()
    try:
        ran = subprocess.run([python, "-c", SMOKE_CODE, model], capture_output=True, text=True,
                             timeout=timeout, cwd=tempfile.gettempdir())
    except subprocess.TimeoutExpired:
        return False, f"timed out after {timeout:.0f} s"
    if ran.returncode == 0:
        return True, f"generated {ran.stdout.strip()} in {time.monotonic() - started:.1f} s"
    tail = (ran.stderr.strip().splitlines() or [""])[-1][:200]
    return False, describe_exit(ran.returncode) + (f": {tail}" if tail else "")


def install(rebuild: bool) -> int:
    """Probe, then build (or reuse) and install the wheel for the usable instruction sets."""
    state = read_state()
    results = probe()
    groups = chosen_groups(results)
    if state.get("safe_fallback") and not rebuild:
        groups = [g for g in SAFE_GROUPS if g in groups]  # an earlier smoke test failed with more
    args = cmake_args(groups)
    if state.get("cmake_args") == args and not rebuild and _installed_ok():
        print(f"setup: llama.cpp runtime already installed for this CPU ({', '.join(groups)})")
        return 0
    off = ", ".join(f"{g} ({r if r != 'ok' else 'opt-in: ' + OPT_IN_GROUPS[g] + '=1'})"
                    for g, r in results.items() if g not in groups) or "none"
    print(f"setup: CPU probe: building with {', '.join(groups) or 'baseline x86-64'}; off: {off}", flush=True)
    wheel = build_wheel(args, rebuild)
    install_wheel(wheel)
    write_state({"cmake_args": args, "groups": groups, "probe": results, "wheel": str(wheel), "smoke": "pending",
                 "safe_fallback": bool(state.get("safe_fallback")) and not rebuild})
    return 0


def check() -> int:
    """Smoke-test the installed runtime; if the model process dies by a signal, rebuild safe, check again."""
    state = read_state()
    if state.get("smoke") == "ok" and _installed_ok():
        print("setup: local model smoke test passed earlier for this build; skipped")
        return 0
    ok, what = smoke()
    if ok:
        write_state({**state, "smoke": "ok"})
        print(f"setup: smoke inference ok ({what})")
        return 0
    groups = state.get("groups", [])
    safe = [g for g in SAFE_GROUPS if g in groups]
    if not what.startswith("killed by") or state.get("safe_fallback") or safe == groups:
        print(f"setup: error: the local model failed its smoke test: {what}. "
              "If it was killed by a signal, report it with the 'flags' line of /proc/cpuinfo.", file=sys.stderr)
        return 1
    print(f"setup: the local model was {what} with {', '.join(groups)}; rebuilding with the safe set "
          f"{', '.join(safe)}", flush=True)
    args = cmake_args(safe)
    wheel = build_wheel(args, rebuild=False)
    install_wheel(wheel)
    state = {**state, "cmake_args": args, "groups": safe, "wheel": str(wheel), "smoke": "pending", "safe_fallback": True}
    write_state(state)
    ok, what = smoke()
    if not ok:
        print(f"setup: error: the local model still fails with the safe build: {what}", file=sys.stderr)
        return 1
    write_state({**state, "smoke": "ok"})
    print(f"setup: smoke inference ok with the safe build ({what})")
    return 0


def _installed_ok() -> bool:
    """The venv imports llama_cpp at the expected version (a reinstall may have replaced it)."""
    ran = subprocess.run([str(venv_python()), "-c", "import importlib.metadata as m;"
                          f"assert m.version('llama_cpp_python')=='{LLAMA_CPP_VERSION}'"], capture_output=True)
    return ran.returncode == 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["probe", "cmake-args", "install", "check", "smoke", "server"])
    parser.add_argument("--rebuild", action="store_true", help="build the wheel again even if one is cached")
    parser.add_argument("--safe", action="store_true", help="with cmake-args: the safe fallback set")
    parser.add_argument("--model", help="with smoke: a GGUF file (default: the configured local model)")
    opts = parser.parse_args()
    if opts.command == "probe":
        for group, result in probe().items():
            print(f"{group:12} {result}")
        return 0
    if opts.command == "cmake-args":
        groups = chosen_groups(probe())
        print(cmake_args([g for g in SAFE_GROUPS if g in groups] if opts.safe else groups))
        return 0
    if opts.command == "smoke":
        ok, what = smoke(opts.model)
        print(("ok: " if ok else "failed: ") + what)
        return 0 if ok else 1
    if opts.command == "install":
        return install(opts.rebuild)
    if opts.command == "server":
        return server()
    return check()


if __name__ == "__main__":
    sys.exit(main())
