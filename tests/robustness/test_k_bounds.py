"""Found 13, part (issue 12): `--k 0` and `--k -3` were accepted silently; they fail in one line, exit 2."""

from __future__ import annotations

import pytest


@pytest.mark.found(13)
@pytest.mark.parametrize("command", [["ask", "兴山县2023年地区生产总值是多少"], ["eval"]], ids=["ask", "eval"])
@pytest.mark.parametrize("k", ["0", "-3", "two"])
def test_a_k_below_one_is_one_line_and_exit_2(cli_runner, engine, command, k):
    code, out, err = cli_runner(lambda s: engine)(*command, "--k", k)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "--k" in lines[0], err
    assert not engine.llm.calls and not out.strip()


@pytest.mark.found(13)
def test_k_of_one_is_accepted(cli_runner, engine, seeds_dir):
    from rag.indexer import index_paths

    index_paths([seeds_dir], engine.store, lambda: engine.embedder)
    engine.settings.retrieval.dense_weight = 0.0  # the hash embedder is noise: rank by keywords alone
    engine.llm.queue("兴山县2023年预计完成地区生产总值170亿元[1]。")
    code, out, err = cli_runner(lambda s: engine)("ask", "兴山县2023年地区生产总值是多少", "--k", "1")
    assert code == 0 and "170亿元" in out and "已删除" not in out and "来源" in out and len(engine.llm.calls) == 1
