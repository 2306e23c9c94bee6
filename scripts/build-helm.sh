#!/usr/bin/env bash
# Builds the helm CLI from the Go module proxy into ~/.cache/albatross/helm-<version>/helm and prints
# its path. helm.sh/helm/v3's go.mod has no replace directives, so `go install pkg@version` works
# as is (no wrapper module needed). Idempotent and safe to run concurrently (a lock serialises the
# first build); later runs only print the path. Cold build: about 2 minutes on 2 cores.
set -euo pipefail
HELM_VERSION="${HELM_VERSION:-3.22.0}"
DIR="${ALBATROSS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/albatross}/helm-${HELM_VERSION}"
BIN="$DIR/helm"
if [[ ! -x "$BIN" ]]; then
  command -v go >/dev/null || { echo "build-helm: go is required to build helm ${HELM_VERSION}" >&2; exit 1; }
  mkdir -p "$DIR"
  (
    flock 9
    if [[ ! -x "$BIN" ]]; then
      echo "build-helm: building helm v${HELM_VERSION} into $DIR (first time only)" >&2
      GOBIN="$DIR/.tmp" GOFLAGS=-buildvcs=false CGO_ENABLED=0 go install "helm.sh/helm/v3/cmd/helm@v${HELM_VERSION}" >&2
      mv "$DIR/.tmp/helm" "$BIN"
      rmdir "$DIR/.tmp"
    fi
  ) 9>"$DIR.lock"
fi
echo "$BIN"
