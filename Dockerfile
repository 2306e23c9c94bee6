# syntax=docker/dockerfile:1
# Albatross controller image.
#   docker build -t albatross:dev .
# Two stages: `build` bundles src/ with the dev dependencies (esbuild, scripts/build.ts: dist/ holds
# the controller, the CLI and every dependency they reach, tree-shaken); `runtime` carries only dist/,
# the CRD files the CLI reads, and tini; no node_modules. The base is pinned to the same Node version
# as package.json's `node` devDependency; pin it further by digest in your registry mirror.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# `npm install` with the lockfile rather than `npm ci`: the lockfile is written where the registry
# serves no darwin/win32 builds of platform packages (e.g. @swc/core-darwin-arm64), and npm 11's
# `npm ci` refuses a lockfile without them. Every dependency is pinned to an exact version and
# `npm install` keeps the lockfile's versions for the rest (.ci/run fails if it would change it).
RUN npm install --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts/build.ts ./scripts/build.ts
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
# tini is PID 1: it forwards SIGTERM to node (which then drains work and releases the leader lease)
# and reaps zombies. Node as PID 1 has no default signal dispositions of its own.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini=0.19.0-1+b3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production
# glibc malloc: one arena, blocks from 64 KiB from mmap, heap top trimmed at 64 KiB: per-thread arenas
# kept 15-75 MB of freed memory outside the JavaScript heap (docs/performance.md § Footprint; test/support/dist.ts).
ENV GLIBC_TUNABLES=glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=65536:glibc.malloc.trim_threshold=65536
# package.json says "type": "module" for dist/*.js.
COPY --from=build --chown=0:0 /app/package.json ./package.json
COPY --from=build --chown=0:0 /app/dist ./dist
COPY --chown=0:0 deploy/crds ./deploy/crds
# Files are root-owned and the process runs as 65532 (the "nonroot" convention), so the app cannot
# modify itself; nothing is written at run time, so readOnlyRootFilesystem works (mount an emptyDir
# at /tmp if a dependency ever needs scratch space; the chart does).
USER 65532:65532
EXPOSE 8080 8081
# Source maps: stack traces in logs name src/ files and lines, not the bundle's.
# V8: a 1 MB young-generation semi-space and optimize-for-size keep RSS down (docs/performance.md § Footprint).
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--enable-source-maps", "--max-semi-space-size=1", "--optimize-for-size", "dist/main.js"]
