#!/bin/sh
# Starts faildrill's pinned moto server on loopback in the foreground, for `--aws moto --endpoint`
# (faildrill starts its own when --endpoint is absent). Usage: localstack/moto.sh [port]  (default 5000)
set -eu
port="${1:-5000}"
venv="${FAILDRILL_CACHE:-$HOME/.cache/faildrill}/venvs/moto-5.2.5"
if [ ! -x "$venv/bin/python" ]; then
  echo "moto.sh: $venv is missing: run \`npx faildrill setup aws\` first" >&2
  exit 3
fi
echo "moto server 5.2.5 on http://127.0.0.1:$port (reset: curl -X POST http://127.0.0.1:$port/moto-api/reset)" >&2
exec "$venv/bin/python" -m moto.server -H 127.0.0.1 -p "$port"
