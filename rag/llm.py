"""Every LLM call goes through the ``openai`` client, local or remote.

Locally we start llama-cpp-python's OpenAI-compatible server on 127.0.0.1 with the bundled
Qwen2.5-Coder GGUF and stop it when the process ends, so one code path serves both.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from rag.errors import LLMCrashError, LLMError, ModelError, redact, register_secret
from rag.settings import LOCAL_MODELS, LLMSettings


class ChatClient(Protocol):
    """The narrow interface the pipelines use; tests pass a fake with queued replies."""

    model: str

    def complete(self, messages: list[dict], *, max_tokens: int | None = None,
                 on_token: Callable[[str], None] | None = None, response_format: dict | None = None) -> str: ...


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LocalServer:
    """A llama.cpp server for one bundled model on 127.0.0.1.

    With ``keep_alive`` > 0 the server outlives this process and stops itself after that many
    idle seconds; the next command finds it through a small state file and skips the model
    load. With ``keep_alive`` = 0 it is a child that dies with us.
    """

    def __init__(self, settings: LLMSettings, cache_dir: Path):
        if settings.model not in LOCAL_MODELS:
            raise ModelError(
                f"unknown local model {settings.model!r}: use one of {', '.join(LOCAL_MODELS)}, "
                "or set GOVBRIEF_LLM__BASE_URL to use a remote endpoint."
            )
        self.settings = settings
        self.cache_dir = cache_dir
        self.process: subprocess.Popen | None = None
        self.base_url = ""
        threads = settings.threads or os.cpu_count() or 2
        self.key = f"{LOCAL_MODELS[settings.model]}-ctx{settings.context_size}-t{threads}"
        self.threads = threads
        self.state_path = cache_dir / f"llm-server-{self.key}.json"
        self.log_path = cache_dir / f"llm-server-{self.key}.log"
        self.exit_path = cache_dir / f"llm-server-{self.key}.exit.json"
        self.pid: int | None = None  # the supervisor's pid, ours or a reused server's

    def _running(self) -> str | None:
        """The base URL of a live server started earlier with the same model and settings."""
        try:
            state = json.loads(self.state_path.read_text("utf-8"))
            os.kill(state["pid"], 0)
            if time.time() - state.get("started", 0) < self.settings.start_timeout:
                # Still loading its model, perhaps: not listening yet, but ``wait`` will see it up
                # (or time out) rather than a second server being started beside it.
                self.pid = state["pid"]
                return f"http://127.0.0.1:{state['port']}/v1"
            # A connection, not an HTTP answer: a server busy generating for another command
            # (an export) answers nothing until it is done, and a second server would halve
            # both commands' speed on two cores and double the memory.
            with socket.create_connection(("127.0.0.1", state["port"]), timeout=3):
                self.pid = state["pid"]
                return f"http://127.0.0.1:{state['port']}/v1"
        except (OSError, ValueError, KeyError):
            return None

    def model_path(self) -> Path:
        """The verified GGUF file of the configured model (joined from its packages once)."""
        from rag.weights import materialize_gguf

        return materialize_gguf(LOCAL_MODELS[self.settings.model], self.cache_dir / "models")

    def command(self, model_path: Path, port: int) -> list[str]:
        """The server's command line: the supervisor of ``rag.llm_server``."""
        return [
            sys.executable, "-m", "rag.llm_server", "--model", str(model_path), "--port", str(port),
            "--n_ctx", str(self.settings.context_size), "--threads", str(self.threads),
            "--idle", str(self.settings.keep_alive), "--exit-file", str(self.exit_path),
        ]

    def busy(self) -> bool:
        """True when the server is working for someone else (our request would queue)."""
        try:
            with urllib.request.urlopen(self.base_url.removesuffix("/v1") + "/govbrief/busy", timeout=1) as resp:
                return json.loads(resp.read()).get("in_flight", 0) > 0
        except (OSError, ValueError):
            return False  # busy with a long request, it may not answer this either: no notice then

    def crash(self, wait: float = 0.0) -> str | None:
        """How our server died by a signal ('killed by SIGILL (illegal instruction)'), if it did.

        Waits up to ``wait`` seconds for the supervisor's record: a dropped connection reaches
        the client a moment before the supervisor has written it.
        """
        deadline = time.monotonic() + wait
        while True:
            try:
                record = json.loads(self.exit_path.read_text("utf-8"))
                if record.get("pid") == self.pid:  # ours; an older server's record is ignored
                    return record["how"] if record.get("signal") else None
            except (OSError, ValueError):
                pass
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.05)

    def crash_error(self, how: str, when: str) -> LLMCrashError:
        """The one-line message for a crash: what happened, which signal, what to do."""
        return LLMCrashError(
            f"the local model server crashed {when}: {how}. Rebuild the local runtime with "
            f"`scripts/setup.sh --rebuild-llm` (it checks which CPU features really run); log: {self.log_path}"
        )

    def start(self) -> str:
        """Reuse a live server or start one (non-blocking); returns its base URL."""
        if self.base_url:
            return self.base_url
        if self.settings.keep_alive <= 0:
            return self._launch()  # our own child: nobody else looks for it
        from filelock import FileLock

        # Check-and-start under one lock: two commands started together must not both find no
        # server and start two (twice the memory, half the speed each on two cores).
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(self.state_path.with_suffix(".lock")):
            reused = self._running()
            if reused:
                self.base_url = reused
                return reused
            return self._launch()

    def _launch(self) -> str:
        model_path = self.model_path()
        port = _free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child owns it for its lifetime
        # No PYTHONPATH: rag is installed (editable or not) in the interpreter we run.
        self.process = subprocess.Popen(self.command(model_path, port), stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.process.pid
        if self.settings.keep_alive > 0:
            tmp = self.state_path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"pid": self.process.pid, "port": port, "model": str(model_path),
                                       "started": time.time()}), "utf-8")
            os.replace(tmp, self.state_path)
        else:
            atexit.register(self.stop)
        self.base_url = f"http://127.0.0.1:{port}/v1"
        return self.base_url

    def wait(self) -> None:
        """Block until the server answers, or raise with the tail of its log."""
        deadline = time.monotonic() + self.settings.start_timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                how = self.crash(wait=1.0)
                self.process = None
                if how:
                    raise self.crash_error(how, "while loading the model")
                lines = [ln for ln in self.log_path.read_text("utf-8", "replace").strip().splitlines()
                         if not ln.startswith("govbrief:")]
                raise ModelError(f"the local LLM server exited ({' '.join(lines[-1:])}); see {self.log_path}.")
            try:
                with urllib.request.urlopen(self.base_url + "/models", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop(force=True)
        raise ModelError(f"the local LLM server did not start in {self.settings.start_timeout:.0f} s; see {self.log_path}.")

    def stop(self, force: bool = False) -> None:
        """Kill a server we own, unless it is meant to outlive us (keep_alive)."""
        if self.process is None or (self.settings.keep_alive > 0 and not force):
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # stateless: no graceful shutdown needed
            self.process.wait()
        self.process = None


class OpenAIChat:
    """Chat completions through the ``openai`` package, with errors turned into one clear line."""

    def __init__(self, settings: LLMSettings, cache_dir: Path, on_notice: Callable[[str], None] | None = None):
        self.settings = settings
        self.model = settings.model
        self.server = LocalServer(settings, cache_dir) if settings.is_local else None
        self.on_notice = on_notice
        self._client = None
        register_secret(settings.api_key.get_secret_value())  # an endpoint may echo it in an error

    def start(self) -> None:
        """Begin starting the local server early, so it loads while we retrieve."""
        if self.server:
            self.server.start()

    def wait_ready(self) -> None:
        """Block until the endpoint can take requests (starts the local server if needed)."""
        self.client  # noqa: B018 - creating the client waits for the local server

    @property
    def client(self):
        """The openai client, created (and the local server awaited) on first use."""
        if self._client is None:
            from openai import OpenAI

            base_url, timeout = self.settings.base_url, self.settings.timeout
            if self.server:
                base_url = self.server.start()
                self.server.wait()
                # The local server answers one request at a time; another command's request
                # ahead of ours sends no byte until it is done. No read deadline, then: waiting
                # in line is announced (see complete) instead of being mistaken for a hang, and a
                # server that dies mid-request drops the connection, which is reported as a crash.
                import httpx

                timeout = httpx.Timeout(self.settings.timeout, read=None)
            # Remote: the client retries 408/409/429/5xx and dropped connections with exponential
            # backoff, never 400/401. Local: no retry, so a crashed server is reported at once.
            retries = 0 if self.server else max(0, self.settings.max_retries)
            self._client = OpenAI(base_url=base_url, api_key=self.settings.api_key.get_secret_value(),
                                  timeout=timeout, max_retries=retries)
        return self._client

    @property
    def endpoint(self) -> str:
        """Where requests go, for messages (never includes the key)."""
        return self.settings.base_url or "the local llama.cpp server"

    def complete(self, messages: list[dict], *, max_tokens: int | None = None,
                 on_token: Callable[[str], None] | None = None, response_format: dict | None = None) -> str:
        """One chat completion; streams to ``on_token`` when given. Returns the full text."""
        import httpx
        import openai

        client = self.client
        if self.server and self.on_notice and self.server.busy():
            self.on_notice("waiting for the local model: another govbrief command is using it")
        kwargs = dict(model=self.model, messages=messages, temperature=self.settings.temperature,
                      max_tokens=max_tokens or self.settings.max_tokens)
        if response_format:
            kwargs["response_format"] = response_format
        try:
            if on_token is None:
                resp = client.chat.completions.create(**kwargs)
                if not getattr(resp, "choices", None):
                    raise LLMError(f"{self.endpoint} answered without choices: is it an OpenAI-compatible endpoint?")
                text = resp.choices[0].message.content
            else:
                text = "".join(self._stream(kwargs, on_token))
        except openai.APITimeoutError:
            raise LLMError(f"{self.endpoint} timed out after {self.settings.timeout:.0f} s: "
                           "raise GOVBRIEF_LLM__TIMEOUT or use a faster model.") from None
        except (openai.APIConnectionError, httpx.TransportError):
            # httpx's own errors arrive when a stream breaks after it began
            how = self.server.crash(wait=2.0) if self.server else None
            if how:
                raise self.server.crash_error(how, "while answering") from None
            raise LLMError(f"cannot reach the LLM endpoint {self.endpoint}: is it running? "
                           "Check GOVBRIEF_LLM__BASE_URL.") from None
        except openai.AuthenticationError:
            raise LLMError(f"{self.endpoint} rejected the API key: check GOVBRIEF_LLM__API_KEY.") from None
        except openai.APIStatusError as exc:
            raise LLMError(f"{self.endpoint} answered HTTP {exc.status_code}: {_short(exc.message)}") from None
        except (json.JSONDecodeError, openai.APIResponseValidationError, AttributeError, TypeError) as exc:
            raise LLMError(f"{self.endpoint} answered something that is not a chat completion ({exc.__class__.__name__}).") from None
        if text is not None and not isinstance(text, str):
            raise LLMError(f"{self.endpoint} answered something that is not text.")
        if not is_text_reply(text):
            # Not the model saying "the documents do not say": silence or garbage is an endpoint fault
            # (issue 12, found 4), never shown as a refusal.
            what = "an empty reply" if not (text or "").strip() else "a reply with no words in it"
            raise LLMError(f"{self.endpoint} answered {what}: check the endpoint and model "
                           "(GOVBRIEF_LLM__BASE_URL, GOVBRIEF_LLM__MODEL).")
        return text

    def _stream(self, kwargs: dict, on_token: Callable[[str], None]) -> Iterator[str]:
        for event in self.client.chat.completions.create(stream=True, **kwargs):
            if not getattr(event, "choices", None):
                continue
            piece = event.choices[0].delta.content or ""
            if piece:
                on_token(piece)
                yield piece

    def close(self) -> None:
        """Stop the local server, if we started one."""
        if self.server:
            self.server.stop()


def is_text_reply(text: str | None) -> bool:
    """True when a reply holds at least one letter, digit or CJK character: not None, empty,
    whitespace, or only punctuation, control and replacement characters."""
    return bool(text) and any(ch.isalnum() for ch in text)


def check_concurrency(settings: LLMSettings, n: int) -> int:
    """``n`` parallel requests, or an ``InputError``: the local server answers ``server_slots`` at once."""
    from rag.errors import InputError

    if n < 1:
        raise InputError(f"--concurrency must be at least 1, not {n}.")
    if settings.is_local and n > settings.server_slots:
        raise InputError(
            f"--concurrency {n} needs an endpoint that answers requests in parallel: the local llama.cpp server "
            f"answers {settings.server_slots} at a time. Set GOVBRIEF_LLM__BASE_URL (e.g. a llama.cpp "
            "`llama-server --parallel 4`), or leave --concurrency at 1."
        )
    return n


def _short(message: str, limit: int = 160) -> str:
    message = redact(" ".join(str(message).split()))
    return message if len(message) <= limit else message[:limit] + "…"
