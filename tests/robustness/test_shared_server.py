"""Found 3 (issue 12): two `ask` at once on the running local server, and one got an empty answer.

llama-cpp-python's server cuts a streaming answer short when another request waits
(``interrupt_requests``, on by default); the empty text was then shown as a refusal, exit 0.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest


@pytest.mark.found(3)
def test_the_local_server_queues_requests_instead_of_interrupting_them():
    from rag.llm_server import server_settings

    settings = server_settings(8123)
    assert settings.interrupt_requests is False
    assert (settings.host, settings.port) == ("127.0.0.1", 8123)


@pytest.mark.found(3)
@pytest.mark.real
def test_two_streaming_completions_at_once_both_return_their_whole_text(tmp_path):
    from rag.llm import OpenAIChat
    from rag.settings import LLMSettings, default_cache_dir

    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "models").symlink_to(default_cache_dir() / "models")
    settings = LLMSettings(model="qwen2.5-coder-0.5b", keep_alive=0, max_tokens=48, start_timeout=300)
    chat = OpenAIChat(settings, tmp_path / "cache")
    prompts = ["用一句话介绍长江。", "用一句话介绍黄河。"]
    try:
        chat.wait_ready()
        alone = [chat.complete([{"role": "user", "content": p}]) for p in prompts]
        with ThreadPoolExecutor(2) as pool:  # both stream; the second waits while the first generates
            together = list(pool.map(lambda p: chat.complete([{"role": "user", "content": p}], on_token=lambda t: None),
                                     prompts))
    finally:
        chat.close()
    assert all(t.strip() for t in together), together
    assert together == alone  # temperature 0: whole answers, not cut short
