#!/usr/bin/env bash
# Installs node_modules (npm ci) when missing or older than package-lock.json, so `npm test` and
# `npm run demo` work on a fresh clone. npm records the last install in node_modules/.package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "node_modules missing or out of date: running npm ci" >&2
  npm ci --no-audit --no-fund
fi
