"""Structured output: a pydantic model in, a validated instance out.

The JSON schema of the model goes to the backend as a decoding constraint where it has one:

- the local llama.cpp server takes ``{"type": "json_object", "schema": ...}`` and turns the
  schema into a grammar (its ``json_schema`` type is rejected with HTTP 500);
- remote OpenAI-compatible endpoints (OpenAI, vLLM) take ``{"type": "json_schema", ...}``;
  an endpoint that rejects that gets plain JSON mode, with the schema stated in the prompt.

Whatever comes back is validated with pydantic. On a validation error the model is re-asked,
at most ``max_retries`` times, with its output and the error appended (instructor's re-ask).
Then ``StructuredOutputError`` names the field. There is deliberately no JSON repair.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from rag.errors import LLMError, StructuredOutputError
from rag.llm import ChatClient
from rag.prompts import render

T = TypeVar("T", bound=BaseModel)

# How the schema reaches the backend.
JSON_OBJECT_SCHEMA = "json_object_schema"  # llama.cpp: json_object + schema -> grammar
JSON_SCHEMA = "json_schema"  # OpenAI / vLLM structured outputs
JSON_MODE = "json_object"  # JSON mode only; the schema rides in the prompt
MODES = (JSON_OBJECT_SCHEMA, JSON_SCHEMA, JSON_MODE)

# Endpoint answers that mean "I do not support this response_format" rather than "I am down".
_UNSUPPORTED_FORMAT = re.compile(r"HTTP (400|422|500)\b")
_REASK_OUTPUT_CHARS = 3000  # a re-ask shows the bad output; a runaway one is cut to keep the prompt bounded


def pick_mode(configured: str, is_local: bool) -> str:
    """Resolve ``auto``: the local llama.cpp server gets a grammar, remote endpoints json_schema."""
    if configured != "auto":
        if configured not in MODES:
            raise ValueError(f"unknown structured output mode {configured!r}: use auto or one of {', '.join(MODES)}")
        return configured
    return JSON_OBJECT_SCHEMA if is_local else JSON_SCHEMA


def response_format(schema: dict, mode: str, name: str) -> dict:
    """The ``response_format`` request field for ``mode``."""
    if mode == JSON_OBJECT_SCHEMA:
        return {"type": "json_object", "schema": schema}
    if mode == JSON_SCHEMA:
        return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": False}}
    return {"type": "json_object"}


def error_summary(exc: ValidationError, limit: int = 5, columns: tuple[str, ...] = ()) -> str:
    """Pydantic errors as ``field: message`` lines, the form the re-ask and the final error use."""
    lines = []
    for error in exc.errors()[:limit]:
        lines.append(f"{field_path(error['loc'], columns)}: {error['msg']}")
    more = len(exc.errors()) - limit
    if more > 0:
        lines.append(f"(and {more} more)")
    return "\n".join(lines)


def field_path(loc: tuple, columns: tuple[str, ...] = ()) -> str:
    """``('items', 0, 'value')`` -> ``items[0].value``; the whole document is ``(root)``.

    A model whose items are rows names its ``columns``: ``('items', 0, 2)`` -> ``items[0][2] (value)``.
    """
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    if columns and len(loc) >= 2 and all(isinstance(x, int) for x in loc[-2:]) and loc[-1] < len(columns):
        path += f" ({columns[loc[-1]]})"
    return path or "(root)"


@dataclass
class CallRecord:
    """One structured request: what was asked for, how many attempts, how long."""

    name: str
    attempts: int
    seconds: float
    prompt_chars: int
    output_chars: int


@dataclass
class StructuredLLM:
    """Asks a chat client for instances of pydantic models; counts calls and time.

    One instance per job (a brief): ``records`` then says how many calls the job cost.
    """

    llm: ChatClient
    mode: str = JSON_OBJECT_SCHEMA
    max_retries: int = 2
    max_tokens: int | None = None
    records: list[CallRecord] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """LLM time spent so far."""
        return sum(r.seconds for r in self.records)

    def ask(self, messages: list[dict], model: type[T], *, name: str | None = None,
            max_tokens: int | None = None, on_token: Callable[[str], None] | None = None) -> T:
        """A validated ``model`` instance, or ``StructuredOutputError`` after the re-asks run out.

        Replies are not streamed unless ``on_token`` is given: llama-cpp-python's server ends a
        streaming reply early (with a normal end of stream) as soon as another client's request
        waits, which would cut the JSON short on a shared server; a plain request runs to the end.
        """
        name = name or model.__name__
        schema = model.model_json_schema()
        columns = getattr(model, "ROW_COLUMNS", ())
        messages = list(messages)
        if self.mode == JSON_MODE:
            messages = _with_schema_in_prompt(messages, schema)
        attempts = 0
        last_output = ""
        last_error: ValidationError | None = None
        started = time.perf_counter()
        prompt_chars = sum(len(m["content"]) for m in messages)
        try:
            while attempts <= self.max_retries:
                attempts += 1
                last_output = self._complete(messages, schema, name, max_tokens or self.max_tokens, on_token)
                try:
                    return model.model_validate_json(last_output)
                except ValidationError as exc:
                    last_error = exc
                    messages = messages + [
                        {"role": "assistant", "content": last_output[:_REASK_OUTPUT_CHARS]},
                        {"role": "user", "content": render("brief_reask", errors=error_summary(exc, columns=columns))},
                    ]
        finally:
            self.records.append(CallRecord(name, attempts, time.perf_counter() - started, prompt_chars,
                                           len(last_output)))
        assert last_error is not None
        first = last_error.errors()[0]
        raise StructuredOutputError(
            f"the model never produced a valid {name} after {attempts} attempts: field "
            f"`{field_path(first['loc'], columns)}`: {first['msg']}. Retry, raise GOVBRIEF_BRIEF__MAX_RETRIES, "
            "or use a larger model (--model qwen2.5-coder-1.5b).",
            attempts,
            last_output,
        )

    def _complete(self, messages: list[dict], schema: dict, name: str, max_tokens: int | None,
                  on_token: Callable[[str], None] | None) -> str:
        try:
            return self.llm.complete(messages, max_tokens=max_tokens, on_token=on_token,
                                     response_format=response_format(schema, self.mode, name))
        except LLMError as exc:
            # An endpoint without structured outputs: fall back to JSON mode once, for good.
            if self.mode != JSON_SCHEMA or not _UNSUPPORTED_FORMAT.search(str(exc)):
                raise
            self.mode = JSON_MODE
            return self.llm.complete(_with_schema_in_prompt(messages, schema), max_tokens=max_tokens, on_token=on_token,
                                     response_format=response_format(schema, self.mode, name))


def _with_schema_in_prompt(messages: list[dict], schema: dict) -> list[dict]:
    """JSON mode constrains syntax only, so the model must read the schema itself."""
    note = "\n\nJSON Schema:\n" + json.dumps(schema, ensure_ascii=False, separators=(",", ":"))
    if messages and messages[0]["role"] == "system":
        return [{**messages[0], "content": messages[0]["content"] + note}, *messages[1:]]
    return [{"role": "system", "content": note.strip()}, *messages]
