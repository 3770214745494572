"""A stand-in for the llama.cpp server child that dies by SIGILL, as an AMX build does on these VMs.

Run by ``rag.llm_server``'s supervisor via ``--child tests.fake_llm_server``. With
``FAKE_CRASH=start`` it kills itself before listening (a crash while loading the model); with
``FAKE_CRASH=request`` it answers ``/v1/models`` and kills itself on the first completion request
(a crash on the first matrix multiply).
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import signal


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args, _ = parser.parse_known_args()
    if os.environ.get("FAKE_CRASH") == "start":
        print("llama_model_load: repacking for AMX", flush=True)
        os.kill(os.getpid(), signal.SIGILL)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            body = json.dumps({"object": "list", "data": [{"id": "fake"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802
            os.kill(os.getpid(), signal.SIGILL)

        def log_message(self, *a):
            pass

    http.server.HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
