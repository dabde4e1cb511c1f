#!/usr/bin/env bash
# The quick start: installs what is missing, fetches the speech models, builds,
# seeds the demo tenant and runs the server on the embedded defaults
# (SQLite under data/, sessions in memory). Safe to run again.
source "$(dirname "$0")/lib.sh"

ensure_system_packages
ensure_rust
ensure_models
build
ensure_env_file

BIN=target/debug/switchboard
DEMO_JSON="$($BIN seed-demo --json)"
ADDR="${SWITCHBOARD_ADDR:-127.0.0.1:8080}"
python3 - "$DEMO_JSON" "$ADDR" <<'PY'
import json, sys
demo, addr = json.loads(sys.argv[1]), sys.argv[2]
print(f"""
  Switchboard is starting on http://{addr}
    API docs        http://{addr}/docs
    demo tenant     {demo['business_name']} ({demo['business_id']})
    phone number    {demo['phone_number']}
    X-Api-Key       {demo['api_key']}
    X-Owner-Token   {demo['owner_token']}
    widget token    {demo['widget_token']}
  (credentials are re-issued each time this script runs)
""")
PY
exec "$BIN" serve
