// Renders a kubeconfig for a client certificate against the environment's apiserver.
import { stringify } from 'yaml';
import type { ClientCredentials } from './pki.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

export function renderKubeconfig(server: string, user: string, creds: ClientCredentials): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'albatross-local', cluster: { server, 'certificate-authority-data': b64(creds.caPem) } }],
    users: [{ name: user, user: { 'client-certificate-data': b64(creds.certPem), 'client-key-data': b64(creds.keyPem) } }],
    contexts: [{ name: `${user}@albatross-local`, context: { cluster: 'albatross-local', user, namespace: 'default' } }],
    'current-context': `${user}@albatross-local`,
  });
}
