"""The CLI: exit codes, one-line errors, JSON output; fakes injected through make_engine."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO


@pytest.fixture
def run(cli_runner, engine):
    """Invoke the CLI in-process with the fake engine; returns (exit code, stdout, stderr)."""
    return cli_runner(lambda settings: engine_with(settings, engine))


def engine_with(settings, engine):
    # The command parsed its own settings; keep the test's paths and fakes.
    engine.settings.llm.model = settings.llm.model
    return engine


def test_help_is_instant_and_loads_no_model():
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "cli.main", "--help"], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0 and "index" in out.stdout
    assert time.perf_counter() - start < 2.0
    probe = subprocess.run([sys.executable, "-c", "import cli.main, sys; print(sorted(m for m in ('torch','chromadb','sentence_transformers','openai','llama_cpp') if m in sys.modules))"],
                           cwd=REPO, capture_output=True, text=True)
    assert probe.stdout.strip() == "[]"


def test_missing_path_is_one_line_and_exit_2(run, tmp_path):
    code, out, err = run("index", str(tmp_path / "nope"))
    assert code == 2
    assert err.strip().startswith("error:") and "does not exist" in err
    assert "Traceback" not in err + out and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [("brief", "兴山县", "--no-such-option"), ("no-such-command",)])
def test_usage_errors_exit_2_without_internal_error(run, args):
    code, out, err = run(*args)
    assert code == 2
    assert "No such" in err and "internal error" not in err and "Traceback" not in err


def test_bad_files_fail_the_run_but_good_ones_are_indexed(run, seeds_dir):
    (seeds_dir / "empty.txt").write_bytes(b"")
    code, out, err = run("index", str(seeds_dir))
    assert code == 2
    assert "empty.txt is empty" in err.replace("\n", "")
    assert "5 indexed" in out


def test_index_then_list_then_ask_json(run, seeds_dir, fake_llm, engine):
    engine.settings.retrieval.dense_weight = 0.0
    assert run("index", str(seeds_dir))[0] == 0
    code, out, _ = run("list")
    assert code == 0 and "兴山县" in out and "通江县" in out
    fake_llm.queue("预计完成地区生产总值170亿元,增长8%[1]。")
    code, out, _ = run("ask", "兴山县2023年地区生产总值是多少", "--json")
    assert code == 0
    data = json.loads(out)
    assert "170亿元" in data["answer"] and data["citations"][0]["file"].startswith("003_")


def test_ask_prints_answer_scope_and_sources(run, seeds_dir, fake_llm, engine):
    engine.settings.retrieval.dense_weight = 0.0
    run("index", str(seeds_dir))
    fake_llm.queue("预计完成地区生产总值170亿元,增长8%[1]。")
    code, out, _ = run("ask", "兴山县2023年地区生产总值是多少")
    assert code == 0
    assert "范围：兴山县" in out and "170亿元" in out and "003_a378347d771fafc0.txt" in out
    assert "——经济运行更加稳健" in out


def test_ask_without_an_index_says_what_to_do(run):
    code, _, err = run("ask", "兴山县2023年地区生产总值是多少")
    assert code == 1 and "govbrief index" in err


def test_overlong_question(run, seeds_dir):
    run("index", str(seeds_dir))
    code, _, err = run("ask", "问" * 10000)
    assert code == 2 and "10000 characters" in err


def test_llm_errors_are_one_line(run, seeds_dir, fake_llm, engine):
    from rag.errors import LLMError

    engine.settings.retrieval.dense_weight = 0.0
    run("index", str(seeds_dir))
    fake_llm.queue(LLMError("cannot reach the LLM endpoint http://127.0.0.1:9/v1: is it running?"))
    code, _, err = run("ask", "兴山县2023年地区生产总值是多少")
    assert code == 5 and err.count("\n") == 1 and "cannot reach" in err


def test_inspect_shows_metadata_removed_lines_and_chunks(run):
    code, out, _ = run("inspect", str(REPO / "seeds" / "003_a378347d771fafc0.txt"))
    assert code == 0
    assert "兴山县" in out and "吴浩" in out
    assert "removed" in out and "Powered by" in out
    assert "chunks" in out and "一、2023年工作回顾" in out


def test_inspect_binary_file(run, tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"\x00\x01\x02\x03")
    code, _, err = run("inspect", str(path))
    assert code == 2 and "binary" in err
