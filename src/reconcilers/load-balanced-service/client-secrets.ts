// The authenticateOidc client secrets of one reconcile: read from the Secrets the spec names (a GET
// each: the Secret cache holds metadata only), held in memory for the apply of this reconcile and
// dropped with it. What build sees is only each Secret's resourceVersion and which keys hold a value.
import { CORE, type KubeClient, type KubeObject } from '../../runtime/index.ts';
import type { LoadBalancedServiceSpec } from '../../crds/index.ts';
import { oidcSecretNames, type SecretLookup } from './oidc.ts';

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

export interface ClientSecrets {
  /** Secret name -> found or not, its resourceVersion and non-empty keys (for build). */
  readonly lookups: ReadonlyMap<string, SecretLookup>;
  /** The value of one key (for apply only). */
  value(ref: { name: string; key: string }): string | undefined;
  /** Removes every secret value from an error's message and stack, in case something echoes one. */
  redact(err: unknown): void;
}

export async function readClientSecrets(
  kube: KubeClient,
  namespace: string,
  spec: LoadBalancedServiceSpec,
  signal: AbortSignal,
): Promise<ClientSecrets> {
  const lookups = new Map<string, SecretLookup>();
  const values = new Map<string, string>();
  await Promise.all(
    oidcSecretNames(spec).map(async (name) => {
      const secret = await kube.get<SecretObject>(CORE.secret, namespace, name, signal);
      if (!secret) {
        lookups.set(name, { found: false });
        return;
      }
      const keys = new Set<string>();
      for (const [key, b64] of Object.entries(secret.data ?? {})) {
        const value = Buffer.from(b64, 'base64').toString('utf8');
        if (value === '') continue;
        keys.add(key);
        values.set(`${name}\n${key}`, value);
      }
      lookups.set(name, { found: true, resourceVersion: secret.metadata?.resourceVersion ?? '', keys });
    }),
  );
  const all = [...values.values()].filter((v) => v.length >= 4);
  return {
    lookups,
    value: (ref) => values.get(`${ref.name}\n${ref.key}`),
    redact: (err) => {
      if (!(err instanceof Error) || all.length === 0) return;
      for (const v of all) {
        if (err.message.includes(v)) err.message = err.message.split(v).join('(redacted)');
        if (err.stack?.includes(v)) err.stack = err.stack.split(v).join('(redacted)');
      }
    },
  };
}
