// Where the local environment lives and which versions it runs. The Kubernetes and etcd versions are
// read from the wrapper module's go.mod, so bumping them there is the only change needed.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const KUBE_MODULE_DIR = join(REPO_ROOT, 'test/env/kube');

function goModVersion(module: string): string {
  const goMod = readFileSync(join(KUBE_MODULE_DIR, 'go.mod'), 'utf8');
  const m = new RegExp(`^\\s*${module.replaceAll('.', '\\.')} v(\\S+)`, 'm').exec(goMod);
  if (!m?.[1]) throw new Error(`${module} not found in ${KUBE_MODULE_DIR}/go.mod`);
  return m[1];
}

export const KUBE_VERSION = goModVersion('k8s.io/kubernetes');
export const ETCD_VERSION = goModVersion('go.etcd.io/etcd/server/v3');
export const MOTO_VERSION = '5.2.5';

/** Everything built or installed once per machine, keyed by version. */
export const CACHE_DIR = process.env['ALBATROSS_CACHE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'albatross');
export const KUBE_BIN_DIR = join(CACHE_DIR, `kube-${KUBE_VERSION}`);
export const MOTO_VENV_DIR = join(CACHE_DIR, `moto-${MOTO_VERSION}`);

/** Everything of one running environment: state, certificates, etcd data, logs, kubeconfig. */
export const STATE_DIR = process.env['ALBATROSS_STATE_DIR'] ?? join(REPO_ROOT, '.albatross');
export const paths = {
  state: join(STATE_DIR, 'state.json'),
  lock: join(STATE_DIR, 'lock'),
  pki: join(STATE_DIR, 'pki'),
  etcdData: join(STATE_DIR, 'etcd'),
  logs: join(STATE_DIR, 'logs'),
  kubeconfig: join(STATE_DIR, 'kubeconfig'),
  envSh: join(STATE_DIR, 'env.sh'),
} as const;

/** Moto accepts any credentials; these are what env.sh exports. */
export const AWS_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
} as const;

export const ADMIN_USER = { name: 'albatross-admin', groups: ['system:masters'] } as const;
