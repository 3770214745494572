"""llama-cpp-python's OpenAI-compatible server, with an idle timeout and a supervisor.

    python -m rag.llm_server --model FILE.gguf --port N [--n_ctx 4096] [--threads 2] [--idle 300]
                             [--exit-file FILE.json]

``rag.llm.LocalServer`` starts this on 127.0.0.1. With ``--idle`` > 0 the server outlives the
command that started it and exits after that many seconds without a request, so consecutive
``ask`` commands skip the model load (as Ollama's keep-alive does); ``--idle 0`` never exits
by itself and is stopped by its parent.

The process started is a small supervisor; the model runs in its child. When the child dies, the
supervisor writes how (exit status or signal) to the log and to ``--exit-file``, because a server
that outlives its command has no parent left to see a SIGILL from a CPU feature the machine
advertises but cannot execute. ``rag.llm`` reads that record to say "crashed", not "unreachable".
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time


def describe_exit(returncode: int) -> str:
    """'killed by SIGILL (illegal instruction)' for a signal, 'exited with status N' otherwise."""
    if returncode < 0:
        try:
            sig = signal.Signals(-returncode)
        except ValueError:
            return f"killed by signal {-returncode}"
        return f"killed by {sig.name} ({(signal.strsignal(sig) or sig.name).lower()})"
    return f"exited with status {returncode}"


def supervise(child_cmd: list[str], exit_file: str | None) -> int:
    """Run the server as a child, forward termination to it, record how it ended."""
    child = subprocess.Popen(child_cmd)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda s, _f: child.send_signal(s))
    returncode = child.wait()
    how = describe_exit(returncode)
    print(f"govbrief: the llama.cpp server (pid {child.pid}) {how}", file=sys.stderr, flush=True)
    if exit_file:
        record = {"pid": os.getpid(), "child_pid": child.pid, "returncode": returncode,
                  "signal": signal.Signals(-returncode).name if returncode < 0 else None,
                  "how": how, "at": time.time()}
        tmp = exit_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(record, fh)
        os.replace(tmp, exit_file)
    return 0 if returncode == 0 else 1


def main() -> None:
    """Parse arguments; as the supervisor start the server child, as the child serve until idle."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--n_ctx", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--idle", type=float, default=0.0)
    parser.add_argument("--exit-file", help="where the supervisor records how the server ended")
    parser.add_argument("--child", default="rag.llm_server",
                        help="module the supervisor runs as the server (tests substitute a fake)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if not args.serve:
        sys.exit(supervise([sys.executable, "-m", args.child, "--serve", *sys.argv[1:]], args.exit_file))
    serve(args)


def server_settings(port: int):
    """llama-cpp-python's server settings: 127.0.0.1, and requests queue rather than interrupt.

    interrupt_requests=False: by default a streaming answer is cut short as soon as another
    request waits for the model, so two commands sharing this server (an export and an ask, two
    asks) would end one of them with an empty answer, shown as a refusal (issue 12, found 3).
    """
    from llama_cpp.server.settings import ServerSettings

    return ServerSettings(host="127.0.0.1", port=port, interrupt_requests=False)


def serve(args: argparse.Namespace) -> None:
    """Build the llama.cpp app and serve until idle."""
    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings

    # logits_all defaults to True in the server: it computes and keeps the vocabulary logits of
    # every prompt token (152k floats each), which costs prompt time and ~2 GB of memory and
    # is only needed for prompt logprobs, which govbrief never asks for.
    model = ModelSettings(model=args.model, n_ctx=args.n_ctx, n_threads=args.threads,
                          n_threads_batch=args.threads, n_batch=512, logits_all=False, verbose=False)
    app = create_app(server_settings=server_settings(args.port), model_settings=[model])
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

    @app.get("/govbrief/busy")
    async def busy() -> dict:
        # The request asking does not count itself: a client checks this before queueing.
        return {"in_flight": max(0, in_flight[0] - 1)}

    if args.idle > 0:
        def watchdog() -> None:
            while in_flight[0] or time.monotonic() - last_request[0] < args.idle:
                time.sleep(1.0)
            os._exit(0)  # nothing to flush: the server holds no state worth saving

        threading.Thread(target=watchdog, daemon=True).start()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
