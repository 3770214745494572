"""llama-cpp-python's OpenAI-compatible server, with an idle timeout.

    python -m rag.llm_server --model FILE.gguf --port N [--n_ctx 4096] [--threads 2] [--idle 300]

``rag.llm.LocalServer`` starts this on 127.0.0.1. With ``--idle`` > 0 the server outlives the
command that started it and exits after that many seconds without a request, so consecutive
``ask`` commands skip the model load (as Ollama's keep-alive does); ``--idle 0`` never exits
by itself and is stopped by its parent.
"""

from __future__ import annotations

import argparse
import os
import threading
import time


def main() -> None:
    """Parse arguments, build the llama.cpp app, serve until idle."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--n_ctx", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--idle", type=float, default=0.0)
    args = parser.parse_args()

    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    # logits_all defaults to True in the server: it computes and keeps the vocabulary logits of
    # every prompt token (152k floats each), which costs prompt time and ~2 GB of memory and
    # is only needed for prompt logprobs, which govbrief never asks for.
    model = ModelSettings(model=args.model, n_ctx=args.n_ctx, n_threads=args.threads,
                          n_threads_batch=args.threads, n_batch=512, logits_all=False, verbose=False)
    app = create_app(server_settings=ServerSettings(host="127.0.0.1", port=args.port), model_settings=[model])
    last_request = [time.monotonic()]
    in_flight = [0]

    @app.middleware("http")
    async def touch(request, call_next):
        last_request[0] = time.monotonic()
        in_flight[0] += 1
        try:
            return await call_next(request)
        finally:
            in_flight[0] -= 1
            last_request[0] = time.monotonic()

    if args.idle > 0:
        def watchdog() -> None:
            while in_flight[0] or time.monotonic() - last_request[0] < args.idle:
                time.sleep(1.0)
            os._exit(0)  # nothing to flush: the server holds no state worth saving

        threading.Thread(target=watchdog, daemon=True).start()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
