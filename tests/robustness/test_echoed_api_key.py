"""Found 10 (issue 12): an endpoint that echoes the API key in its error had the key printed on
stderr and written to the export's manifest.json and the eval --output file."""

from __future__ import annotations

import json

import pytest

from rag.errors import redact, register_secret
from rag.indexer import index_paths
from tests.robustness.endpoint import Endpoint, engine_at

KEY = "sk-test-0123456789abcdef"


def echo(status: int) -> Endpoint:
    return Endpoint(status, {"error": {"message": f"Incorrect API key provided: {KEY}. Key {KEY} is invalid.",
                                       "type": "invalid_request_error"}})


@pytest.fixture(params=[401, 400, 500], ids=["401", "400", "500"])
def endpoint(request):
    with echo(request.param) as ep:
        yield ep


def _everything_under(folder) -> str:
    return "".join(p.read_text("utf-8", "replace") for p in folder.rglob("*") if p.is_file())


@pytest.mark.found(10)
def test_ask_never_prints_the_echoed_key(cli_runner, settings, seeds_dir, endpoint):
    engine = engine_at(settings, endpoint, KEY)
    index_paths([seeds_dir], engine.store, lambda: engine.embedder)
    code, out, err = cli_runner(lambda s: engine)("ask", "兴山县2023年地区生产总值是多少")
    engine.store.close()
    assert endpoint.requests >= 1
    assert code == 5 and err.startswith("error:") and len(err.strip().splitlines()) == 1
    assert KEY not in out + err


@pytest.mark.found(10)
def test_export_manifest_and_output_hide_the_echoed_key(cli_runner, settings, seeds_dir, endpoint, tmp_path):
    engine = engine_at(settings, endpoint, KEY)
    index_paths([seeds_dir], engine.store, lambda: engine.embedder)
    out_dir = tmp_path / "exports"
    code, out, err = cli_runner(lambda s: engine)("export", "--out", str(out_dir))
    assert endpoint.requests >= 1
    assert code != 0 and "Traceback" not in err
    manifest = json.loads((out_dir / "manifest.json").read_text("utf-8"))
    assert any(e.get("status") == "failed" for e in manifest["documents"].values())  # the errors were recorded
    assert KEY not in out + err + _everything_under(out_dir)


@pytest.mark.found(10)
def test_eval_output_file_hides_the_echoed_key(cli_runner, settings, seeds_dir, endpoint, tmp_path):
    engine = engine_at(settings, endpoint, KEY)
    index_paths([seeds_dir], engine.store, lambda: engine.embedder)
    questions = tmp_path / "qa.jsonl"
    questions.write_text(json.dumps({"question": "兴山县2023年地区生产总值是多少", "answer": "170亿元",
                                     "type": "figure", "file": "x"}, ensure_ascii=False) + "\n", "utf-8")
    records = tmp_path / "records.jsonl"
    code, out, err = cli_runner(lambda s: engine)("eval", "-q", str(questions), "-o", str(records))
    engine.store.close()
    assert endpoint.requests >= 1
    text = records.read_text("utf-8")
    assert "LLM error" in text  # the failure is on record, the key is not
    assert KEY not in out + err + text


@pytest.mark.found(10)
def test_redact_hides_every_registered_secret_and_leaves_short_values():
    register_secret(KEY)
    register_secret("abc")  # too short to be a key: redacting it would mangle ordinary text
    assert redact(f"x {KEY} y {KEY}") == "x *** y ***"
    assert redact("abc") == "abc"
