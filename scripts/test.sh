#!/usr/bin/env bash
# The whole test suite: formatting, lints, and every test (unit, API on SQLite
# and PostgreSQL, Redis sessions, speech with the real models). Safe to run again.
source "$(dirname "$0")/lib.sh"

ensure_system_packages
ensure_rust
ensure_models
ensure_services

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy --all-targets -- -D warnings"
cargo clippy --quiet --all-targets -- -D warnings
say "cargo nextest run"
cargo nextest run --workspace --no-fail-fast
