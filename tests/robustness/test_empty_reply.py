"""Found 4 (issue 12): an empty, null or garbage reply from the endpoint was shown as 文档中未提及。 with
exit 0; it is an endpoint fault: exit 5 and one line."""

from __future__ import annotations

import pytest

from rag.indexer import index_paths
from tests.robustness.endpoint import Endpoint, completion, engine_at

QUESTION = "兴山县2023年地区生产总值是多少"


@pytest.mark.found(4)
@pytest.mark.parametrize("content", [None, "", "  \n\t ", "\ufffd\ufffd\x00\x01", "。。。", 12345, {"a": 1}],
                         ids=["null", "empty", "whitespace", "binary", "punctuation", "number", "object"])
def test_a_reply_with_no_text_exits_5_in_one_line(cli_runner, settings, seeds_dir, content):
    with Endpoint(200, completion(content)) as endpoint:
        engine = engine_at(settings, endpoint)
        index_paths([seeds_dir], engine.store, lambda: engine.embedder)
        code, out, err = cli_runner(lambda s: engine)("ask", QUESTION)
        engine.store.close()
    assert endpoint.requests >= 1  # the question reached the model: not refused before it
    assert code == 5, (out, err)
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "文档中未提及" not in out


@pytest.mark.found(4)
def test_a_real_refusal_from_the_model_is_still_a_refusal(cli_runner, settings, seeds_dir):
    with Endpoint(200, completion("文档中未提及。")) as endpoint:
        engine = engine_at(settings, endpoint)
        index_paths([seeds_dir], engine.store, lambda: engine.embedder)
        code, out, err = cli_runner(lambda s: engine)("ask", QUESTION)
        engine.store.close()
    assert code == 0 and "文档中未提及" in out and not err.strip()
