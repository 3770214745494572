"""Setup's llama.cpp runtime: flags from a probe, never native, AMX opt-in, and a safe rebuild after a crash."""

from __future__ import annotations

import platform
import shutil
import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import llm_runtime  # noqa: E402


def test_cmake_args_name_every_option_and_never_native():
    args = llm_runtime.cmake_args(["avx", "avx2", "fma"]).split()
    assert "-DGGML_NATIVE=OFF" in args
    assert {"-DGGML_AVX=ON", "-DGGML_AVX2=ON", "-DGGML_FMA=ON"} <= set(args)
    assert "-DGGML_AVX512=OFF" in args and "-DGGML_AMX_TILE=OFF" in args and "-DGGML_AMX_INT8=OFF" in args
    # every option is stated, so llama.cpp's own defaults cannot switch one on behind our back
    assert {a.split("=")[0] for a in args} >= {f"-D{o}" for o in llm_runtime.ALL_OPTIONS}


def test_amx_is_opt_in_even_when_its_probe_runs(monkeypatch):
    results = {g: "ok" for g in llm_runtime.PROBES}
    monkeypatch.delenv("GOVBRIEF_LLAMA_AMX", raising=False)
    assert "amx" not in llm_runtime.chosen_groups(results)
    monkeypatch.setenv("GOVBRIEF_LLAMA_AMX", "1")
    assert "amx" in llm_runtime.chosen_groups(results)
    results["avx512"] = "killed by SIGILL (Illegal instruction)"
    assert "avx512" not in llm_runtime.chosen_groups(results)


@pytest.mark.skipif(platform.machine() != "x86_64" or not shutil.which("gcc"), reason="x86-64 probe with gcc")
def test_probe_runs_baseline_programs_here():
    results = llm_runtime.probe()
    assert set(results) == set(llm_runtime.PROBES)
    assert results["avx"] == "ok"  # every x86-64 CI machine of ours has AVX; a broken probe program fails this


@pytest.fixture
def fake_setup(monkeypatch):
    """check() with the build, install and smoke steps replaced by recorders."""
    state = {"cmake_args": "probed", "groups": ["avx", "avx2", "fma", "f16c", "bmi2", "avx512"], "smoke": "pending"}
    calls = {"built": [], "installed": []}
    monkeypatch.setattr(llm_runtime, "read_state", lambda: dict(state))
    monkeypatch.setattr(llm_runtime, "write_state", lambda new: (state.clear(), state.update(new)))
    monkeypatch.setattr(llm_runtime, "_installed_ok", lambda: True)
    monkeypatch.setattr(llm_runtime, "build_wheel", lambda args, rebuild: calls["built"].append(args) or f"/w/{len(calls['built'])}.whl")
    monkeypatch.setattr(llm_runtime, "install_wheel", lambda wheel: calls["installed"].append(wheel))
    return state, calls


def test_a_sigill_in_the_smoke_test_rebuilds_with_the_safe_set(fake_setup, monkeypatch, capsys):
    state, calls = fake_setup
    outcomes = iter([(False, "killed by SIGILL (Illegal instruction)"), (True, "generated ' 4' in 2.0 s")])
    monkeypatch.setattr(llm_runtime, "smoke", lambda: next(outcomes))
    assert llm_runtime.check() == 0
    out = capsys.readouterr().out
    assert "killed by SIGILL" in out and "rebuilding with the safe set avx, avx2, fma, f16c, bmi2" in out
    assert calls["built"] == [llm_runtime.cmake_args(["avx", "avx2", "fma", "f16c", "bmi2"])]
    assert "-DGGML_AVX512=OFF" in calls["built"][0]
    assert state["smoke"] == "ok" and state["safe_fallback"] is True


def test_a_crash_of_the_safe_build_fails_setup(fake_setup, monkeypatch, capsys):
    monkeypatch.setattr(llm_runtime, "smoke", lambda: (False, "killed by SIGILL (Illegal instruction)"))
    assert llm_runtime.check() == 1
    assert "still fails with the safe build" in capsys.readouterr().err


def test_a_healthy_install_is_not_checked_again(fake_setup, monkeypatch):
    state, calls = fake_setup
    state["smoke"] = "ok"
    monkeypatch.setattr(llm_runtime, "smoke", lambda: pytest.fail("smoke test ran on a healthy install"))
    assert llm_runtime.check() == 0
    assert not calls["built"]


def test_a_failure_that_is_not_a_signal_does_not_rebuild(fake_setup, monkeypatch, capsys):
    _, calls = fake_setup
    monkeypatch.setattr(llm_runtime, "smoke", lambda: (False, "could not locate the local model: ModelError"))
    assert llm_runtime.check() == 1
    assert not calls["built"]
