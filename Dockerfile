# Flexfin API image. Needs DATABASE_URL: the embedded PostgreSQL is for development only.
#   docker build -t flexfin .
#   docker run --rm -e DATABASE_URL=postgresql://user:pass@host:5432/db flexfin flexfin migrate
#   docker run -p 8000:8000 -e DATABASE_URL=postgresql://user:pass@host:5432/db flexfin
# (or `flexfin serve --migrate` to migrate at start)

# --- stage 1: the GraphiQL explorer's assets, copied out of the npm packages (ADR 0008) ---
FROM node:20-bookworm-slim AS explorer
WORKDIR /build
COPY package.json package-lock.json .npmrc ./
COPY scripts/ scripts/
RUN mkdir -p src/graphql/transport/static \
    && npm ci --omit=dev --no-audit --no-fund --loglevel=error \
    && node scripts/build-explorer.mjs

# --- stage 2: the Python runtime ---
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# Dependencies first, from the hash-pinned lock (ADR 0006), so code changes reuse this layer.
COPY requirements/runtime.lock /tmp/runtime.lock
RUN python -m venv /opt/venv \
    && pip install --require-hashes --no-deps -r /tmp/runtime.lock \
    && rm /tmp/runtime.lock

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY migrations/ migrations/
COPY src/ src/
COPY --from=explorer /build/src/graphql/transport/static/explorer/ src/graphql/transport/static/explorer/
# Editable on purpose: src/adapters/postgres/migrate.py finds the migrations beside src/
# (/app/migrations), which a regular install into site-packages would separate.
RUN pip install --no-deps --no-build-isolation -e . \
    && groupadd --system --gid 10001 flexfin \
    && useradd --system --uid 10001 --gid flexfin --no-create-home --shell /usr/sbin/nologin flexfin

USER 10001:10001
ENV FLEXFIN_HOST=0.0.0.0 \
    FLEXFIN_PORT=8000 \
    FLEXFIN_ENV=production
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]
CMD ["flexfin", "serve"]
