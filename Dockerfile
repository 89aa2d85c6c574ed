# One image recipe for every pattern and the kit demo. docker-compose.yml (generated
# by `pnpm lab compose`) passes APP_DIR and APP_ENTRY from each topology.ts:
#   docker build --build-arg APP_DIR=shared --build-arg APP_ENTRY=src/demo/main.ts -t kvs-lab/kit-demo:dev .
#
# Only classic-builder instructions are used (no RUN --mount, no COPY --parents), so
# Debian's docker-compose 1.29 builds it as well as `docker compose` with BuildKit.

# Node 26 is the Active LTS line since late October 2026: the newest release that
# gets long-term security fixes. The workspace needs Node >= 20.19 (package.json engines).
FROM node:26-slim AS base
# corepack's signature check fails on this pnpm release; install the pinned pnpm with npm.
RUN npm i -g pnpm@10.34.9

# Stage "manifests": only what `pnpm install` reads. Any source edit reruns this cheap
# stage, but its output stays byte-identical, so the install layer below stays cached.
# Deriving the list from the context (not naming each package.json here) means a new
# workspace package or a `patches/` folder cannot be forgotten.
FROM base AS manifests
WORKDIR /app
COPY . .
RUN find . -type f \
      ! -name package.json ! -name pnpm-lock.yaml ! -name pnpm-workspace.yaml ! -name .npmrc \
      ! -path './patches/*' \
      -delete \
 && find . -type d -empty -delete

FROM base
WORKDIR /app
COPY --from=manifests /app/ ./
# The whole workspace, devDependencies included: the root's tsx is what `node --import tsx`
# finds from a pattern's folder, and the layer is the same for every pattern's image.
# CI=true: pnpm otherwise stops to ask before touching node_modules in a non-TTY build.
RUN CI=true pnpm install --frozen-lockfile
COPY . .

# Declared after the install so a pattern's arguments never invalidate the shared layers.
ARG APP_DIR
ARG APP_ENTRY
RUN test -n "$APP_DIR" && test -n "$APP_ENTRY" && test -f "/app/$APP_DIR/$APP_ENTRY" \
 || { echo "build with --build-arg APP_DIR=<package dir> --build-arg APP_ENTRY=<entry in it>" >&2; exit 1; }
# Build arguments vanish at run time; ENV keeps the entry for CMD.
ENV APP_DIR=${APP_DIR} \
    APP_ENTRY=${APP_ENTRY}
WORKDIR /app/${APP_DIR}

# The sources stay root-owned and read-only to the service; tsx caches in /tmp.
# /data is where an instance with a data dir (topology `hasDataDir`) keeps its files: a named
# volume mounted there starts with this ownership, so the service can write it.
RUN mkdir -p /data && chown node:node /data
USER node
# exec: node replaces the shell, so SIGTERM reaches it and graceful shutdown runs.
CMD exec node --import tsx "$APP_ENTRY"
