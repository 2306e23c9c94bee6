// Decoded Secret material. What is costly to decode (PKCS#12 key derivation, encrypted PEM keys) is
// decoded off the event loop, on a bounded worker-thread pool fair across namespaces, and cached per
// Secret version (uid + resourceVersion) and key names. Plain PEM is decoded inline (cheap) at each
// reconcile and not kept.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../../runtime/worker-pool.ts';
import { decodeFailure, decodeSecret, decodingIsCostly, type DecodedSecret } from './decode.ts';
import type { DecodeJob } from './decode-worker.ts';
import type { SecretData, SecretKeys } from './read-secret.ts';

/** Which Secret, at which version. */
export interface SecretVersion {
  namespace: string;
  name: string;
  uid: string;
  resourceVersion: string;
}

export type DecodeRequest =
  | { state: 'ready'; decoded: DecodedSecret }
  /** A worker is on it; `done` resolves (never rejects) with the result once it is cached. */
  | { state: 'pending'; done: Promise<DecodedSecret>; ahead: number };

/** Threads decoding keystores: one per spare core, at most 2 (the controller is mostly I/O). */
export function defaultDecodeThreads(): number {
  return Math.max(1, Math.min(2, availableParallelism() - 1));
}

/** Cached versions; the oldest is dropped beyond this (one entry per costly Secret and key names in use). */
const MAX_ENTRIES = 2048;

/**
 * From source: decode-worker.ts beside this module. From the bundle (scripts/build.ts emits
 * dist/decode-worker.js as its own entry): this code is in dist/ or in dist/chunks/.
 */
function workerFile(): URL {
  if (extname(fileURLToPath(import.meta.url)) === '.ts') return new URL('./decode-worker.ts', import.meta.url);
  const candidates = [new URL('./decode-worker.js', import.meta.url), new URL('../decode-worker.js', import.meta.url)];
  return candidates.find((u) => existsSync(u)) ?? candidates[0]!;
}

interface Entry {
  version: string;
  decoded?: DecodedSecret;
  done?: Promise<DecodedSecret>;
}

export class SecretDecoder {
  private readonly pool: WorkerPool<DecodeJob, DecodedSecret>;
  private readonly entries = new Map<string, Entry>();

  constructor(opts: { threads?: number } = {}) {
    this.pool = new WorkerPool({ file: workerFile(), size: opts.threads ?? defaultDecodeThreads(), name: 'secret-decode' });
  }

  /** The cached result for this version, if there is one (no Secret data needed). */
  cached(secret: SecretVersion, keys: SecretKeys): DecodedSecret | undefined {
    const entry = this.entries.get(entryKey(secret, keys));
    return entry?.version === versionOf(secret) ? entry.decoded : undefined;
  }

  /** Decodes `data` (the Secret at `secret`'s version): at once when cheap, else on a worker. */
  request(secret: SecretVersion, keys: SecretKeys, data: SecretData): DecodeRequest {
    const key = entryKey(secret, keys);
    const version = versionOf(secret);
    const entry = this.entries.get(key);
    if (entry?.version === version) {
      if (entry.decoded) return { state: 'ready', decoded: entry.decoded };
      if (entry.done) return { state: 'pending', done: entry.done, ahead: this.pool.depth() };
    }
    // Cheap to decode again (the reconcile has the data at hand), so not kept: a kept result holds
    // the key objects and every certificate's DER, ~5 KB a Secret for as long as it is cached.
    if (!decodingIsCostly(data, keys)) return { state: 'ready', decoded: decodeSecret(data, keys) };
    const fresh: Entry = { version };
    fresh.done = this.pool.run({ data, keys }, { group: secret.namespace })
      // A worker that died on this input would die again: remember the failure for this version.
      .catch((err: unknown) => decodeFailure(err))
      .then((decoded) => {
        fresh.decoded = decoded;
        delete fresh.done;
        return decoded;
      });
    const ahead = this.pool.depth() - 1;
    this.store(key, fresh);
    return { state: 'pending', done: fresh.done, ahead };
  }

  /** Decodes and waits (for callers that cannot come back later). */
  async decode(secret: SecretVersion, keys: SecretKeys, data: SecretData): Promise<DecodedSecret> {
    const r = this.request(secret, keys, data);
    return r.state === 'ready' ? r.decoded : r.done;
  }

  close(): Promise<void> {
    this.entries.clear();
    return this.pool.close();
  }

  private store(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }
}

function versionOf(s: SecretVersion): string {
  return `${s.uid}/${s.resourceVersion}`;
}

function entryKey(s: SecretVersion, k: SecretKeys): string {
  return JSON.stringify([s.namespace, s.name, k.pkcs12, k.password, k.certificate, k.privateKey, k.chain]);
}
