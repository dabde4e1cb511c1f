#!/bin/sh
# Fetch, convert and verify the local speech models into $MODELS_DIR (default: models/).
# Idempotent: intact files are skipped. See fetch.py --help and models/README.md.
set -eu
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || {
    echo "models: error: $PYTHON not found; install python3 and python3-venv (apt-get install python3 python3-venv)" >&2
    exit 1
}
exec "$PYTHON" "$(dirname "$0")/fetch.py" "$@"
