#!/usr/bin/env bash
# Installs node_modules when missing or older than package-lock.json, so `npm test` and
# `npm run demo` work on a fresh clone. npm records the last install in node_modules/.package-lock.json.
# `npm install` (the lockfile's versions), not `npm ci`: see .ci/run for why npm ci fails here.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "node_modules missing or out of date: running npm install" >&2
  npm install --no-audit --no-fund
fi
