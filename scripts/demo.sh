#!/usr/bin/env bash
# npm run demo: on a fresh clone too. Installs node_modules if needed, brings the local environment
# up (builds kube-apiserver/etcd/kubectl and the moto venv the first time), installs the CRDs, applies
# examples/ into namespace `demo`, runs the controller (cluster name `demo`) and lists the
# resources from the real apiserver and what exists in AWS (moto).
set -euo pipefail
cd "$(dirname "$0")/.."
bash test/env/ensure-deps.sh
export PATH="$PWD/node_modules/.bin:$PATH"
# `up` prints the exports (KUBECONFIG, AWS_ENDPOINT_URL, ...) on stdout, the same as .albatross/env.sh.
eval "$(node test/env/cli.ts up)"
# The controller runs as the image runs it: the bundle (dist/), rebuilt when src/ is newer.
node scripts/build.ts --if-stale
exec node test/env/demo.ts
