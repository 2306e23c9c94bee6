#!/usr/bin/env bash
# Builds the helm CLI from the Go module proxy into ~/.cache/albatross/helm-<version>/helm and prints
# its path. helm.sh/helm/v3's go.mod has no replace directives, so `go install pkg@version` works
# as is (no wrapper module needed). Idempotent: a second run only prints the path.
set -euo pipefail
HELM_VERSION="${HELM_VERSION:-3.22.0}"
DIR="${ALBATROSS_CACHE:-$HOME/.cache/albatross}/helm-${HELM_VERSION}"
BIN="$DIR/helm"
if [[ ! -x "$BIN" ]]; then
  command -v go >/dev/null || { echo "build-helm: go is required to build helm ${HELM_VERSION}" >&2; exit 1; }
  mkdir -p "$DIR"
  echo "build-helm: building helm v${HELM_VERSION} into $DIR (first time only, a few minutes)" >&2
  GOBIN="$DIR" GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install "helm.sh/helm/v3/cmd/helm@v${HELM_VERSION}"
fi
echo "$BIN"
