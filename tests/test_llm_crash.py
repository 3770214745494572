"""A local server killed by a signal is reported as a crash with its signal and the fix, not as 'unreachable'."""

from __future__ import annotations

import signal

import pytest

from rag.errors import LLMCrashError
from rag.llm import LocalServer, OpenAIChat
from rag.settings import LLMSettings
from tests.conftest import REPO

MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def crashing_chat(tmp_path, monkeypatch):
    """An OpenAIChat whose local server is the fake that dies by SIGILL (mode set by the test)."""
    fake_model = tmp_path / "fake.gguf"
    fake_model.write_bytes(b"GGUF")
    real_command = LocalServer.command
    monkeypatch.setattr(LocalServer, "model_path", lambda self: fake_model)
    monkeypatch.setattr(LocalServer, "command",
                        lambda self, path, port: [*real_command(self, path, port), "--child", "tests.fake_llm_server"])

    def make(mode: str, keep_alive: float = 0.0) -> OpenAIChat:
        monkeypatch.setenv("FAKE_CRASH", mode)
        monkeypatch.setenv("PYTHONPATH", str(REPO))  # the fake lives in tests/, not in the package
        settings = LLMSettings(model="qwen2.5-coder-0.5b", keep_alive=keep_alive, start_timeout=20)
        return OpenAIChat(settings, tmp_path / "cache")

    yield make


@pytest.mark.parametrize("mode, when", [("start", "while loading the model"), ("request", "while answering")])
@pytest.mark.parametrize("keep_alive", [0.0, 30.0])
def test_sigill_is_reported_as_a_crash(crashing_chat, mode, when, keep_alive):
    chat = crashing_chat(mode, keep_alive)
    try:
        with pytest.raises(LLMCrashError) as info:
            chat.complete(MESSAGES)
    finally:
        chat.server.stop(force=True)
    message = str(info.value)
    assert message.startswith(f"the local model server crashed {when}: killed by SIGILL (illegal instruction)")
    assert "scripts/setup.sh --rebuild-llm" in message
    assert "cannot reach" not in message
    assert "\n" not in message
    assert info.value.exit_code == 6
    log = chat.server.log_path.read_text("utf-8")
    assert "killed by SIGILL" in log  # the log keeps the child's output and how it ended
    if mode == "start":
        assert "repacking for AMX" in log


def test_cli_exits_6_with_one_line(cli_runner, settings, tmp_path, crashing_chat, seeds_dir):
    """Through the CLI: one red line naming the signal and the fix, exit code 6, no traceback."""
    from rag.engine import Engine
    from rag.indexer import index_paths
    from tests.fakes import HashEmbedder

    chat = crashing_chat("request")
    engine = Engine(settings, embedder=HashEmbedder(), llm=chat)
    index_paths([seeds_dir], engine.store, lambda: engine.embedder)
    run = cli_runner(lambda s: engine)
    code, out, err = run("ask", "兴山县2023年地区生产总值是多少")
    chat.server.stop(force=True)
    assert code == 6, err
    assert "crashed while answering: killed by SIGILL (illegal instruction)" in err
    assert "Traceback" not in err + out


def test_describe_exit_names_the_signal():
    from rag.llm_server import describe_exit

    assert describe_exit(-signal.SIGILL) == "killed by SIGILL (illegal instruction)"
    assert describe_exit(-signal.SIGSEGV) == "killed by SIGSEGV (segmentation fault)"
    assert describe_exit(3) == "exited with status 3"
