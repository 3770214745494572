"""Settings come from GOVBRIEF_* env vars and an optional TOML file; identities separate indexes."""

from __future__ import annotations

from rag.settings import Settings


def test_env_and_toml(tmp_path, monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("GOVBRIEF_"):
            monkeypatch.delenv(key)
    config = tmp_path / "govbrief.toml"
    config.write_text('[llm]\nbase_url = "http://127.0.0.1:9999/v1"\nmodel = "deepseek-chat"\n[retrieval]\nk = 7\n')
    monkeypatch.setenv("GOVBRIEF_CONFIG", str(config))
    monkeypatch.setenv("GOVBRIEF_LLM__API_KEY", "sk-top-secret")
    monkeypatch.setenv("GOVBRIEF_STORE__HOST", "chroma.internal")
    s = Settings()
    assert s.llm.base_url == "http://127.0.0.1:9999/v1" and s.llm.model == "deepseek-chat" and not s.llm.is_local
    assert s.retrieval.k == 7 and s.store.host == "chroma.internal"
    assert s.llm.api_key.get_secret_value() == "sk-top-secret"
    assert "sk-top-secret" not in repr(s) and "sk-top-secret" not in s.model_dump_json()


def test_collection_identity_follows_model_and_chunking():
    a, b = Settings(), Settings()
    assert a.collection_name() == b.collection_name()
    b.embedding.model = "BAAI/bge-m3"
    assert a.collection_name() != b.collection_name()
    c = Settings()
    c.chunking.max_chars = 500
    assert c.collection_name() != a.collection_name()
    assert a.embedding.prefixes() == ("query: ", "passage: ") and b.embedding.prefixes() == ("", "")
