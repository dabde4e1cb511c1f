# Shared set-up steps for scripts/up.sh and scripts/test.sh. Every step is
# idempotent: it checks first and only does work that is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf '\033[1;34m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31merror:\033[0m %s\n' "$*" >&2; exit 1; }

# Debian packages: build tools for whisper.cpp, espeak-ng (run as a separate
# process for phonemes, never linked), sox for test audio, opus for recordings.
APT_PACKAGES=(cmake clang libclang-dev pkg-config espeak-ng espeak-ng-data sox libopus-dev)

ensure_system_packages() {
    local missing=()
    for p in "${APT_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        say "installing system packages: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

ensure_rust() {
    command -v cargo >/dev/null || die "cargo is not installed (this machine kind ships a Rust toolchain)"
    cargo fmt --version >/dev/null 2>&1 || die "rustfmt is missing: rustup component add rustfmt"
    cargo clippy --version >/dev/null 2>&1 || die "clippy is missing: rustup component add clippy"
    if ! command -v cargo-nextest >/dev/null; then
        say "installing cargo-nextest"
        cargo install --locked cargo-nextest
    fi
}

ensure_models() {
    if [ -x scripts/models/fetch.sh ]; then
        scripts/models/fetch.sh
    fi
}

build() {
    say "building switchboard"
    cargo build --quiet
}

ensure_env_file() {
    if [ ! -f .env ]; then
        local key
        key="$(head -c 24 /dev/urandom | base64 | tr -d '/+=' )"
        say "writing .env with a fresh ADMIN_API_KEY"
        printf 'ADMIN_API_KEY=%s\n' "$key" > .env
        chmod 600 .env
    fi
}

# PostgreSQL and Redis for the test suite (started if this machine has them stopped).
ensure_services() {
    if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
        say "starting PostgreSQL"
        pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
        for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
    fi
    pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL is not reachable on 127.0.0.1:5432"
    if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
        say "starting Redis"
        mkdir -p /var/lib/redis /var/log/redis
        redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
            --dir /var/lib/redis --logfile /var/log/redis/ci.log
        for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
    fi
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || die "Redis is not reachable on 127.0.0.1:6379"
    # Test schemas left behind by earlier runs.
    psql -q -h 127.0.0.1 -U postgres test -c "DO \$\$ DECLARE s text; BEGIN
        FOR s IN SELECT nspname FROM pg_namespace WHERE nspname LIKE 'sb_test_%' LOOP
            EXECUTE format('DROP SCHEMA %I CASCADE', s); END LOOP; END \$\$;" >/dev/null 2>&1 || true
}
