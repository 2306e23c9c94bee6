// Reads the manifests `albatross plan` is given: files, directories and stdin; YAML (several
// documents) or JSON; `kind: List` unwrapped. Keeps the three Albatross kinds (defaulted and
// checked against their CRD schemas) and Secrets (for ServerCertificates); counts the rest.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { API_VERSION, KIND, type DnsAlias, type Kind, type LoadBalancedService, type ServerCertificate } from '../crds/index.ts';
import { applyDefaults, crdSchemas, validate } from './crd-schema.ts';

export interface Manifests {
  serverCertificates: ServerCertificate[];
  loadBalancedServices: LoadBalancedService[];
  dnsAliases: DnsAlias[];
  /** namespace/name -> decoded data */
  secrets: Map<string, Record<string, Uint8Array>>;
  /** kind -> count of objects that are not planned */
  ignored: Map<string, number>;
  /** problems that make a manifest unusable (each names file, object and field) */
  problems: string[];
}

interface Source {
  name: string;
  text: string;
}

const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function sources(paths: readonly string[], recursive: boolean, stdin: () => string): Source[] {
  const out: Source[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (recursive) walk(p);
      } else if (EXTENSIONS.has(path.extname(entry.name))) out.push({ name: p, text: readFileSync(p, 'utf8') });
    }
  };
  for (const p of paths) {
    if (p === '-') out.push({ name: '<stdin>', text: stdin() });
    else if (statSync(p, { throwIfNoEntry: false })?.isDirectory()) walk(p);
    else {
      try {
        out.push({ name: p, text: readFileSync(p, 'utf8') });
      } catch (err) {
        throw new Error(`cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
    }
  }
  return out;
}

type Obj = { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown; namespace?: unknown }; items?: unknown[] } & Record<string, unknown>;

function decodeSecret(obj: Obj, where: string, problems: string[]): Record<string, Uint8Array> {
  const data: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries((obj['data'] as Record<string, unknown> | undefined) ?? {})) {
    if (typeof v !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(v)) problems.push(`${where}: data.${k} is not base64`);
    else data[k] = new Uint8Array(Buffer.from(v, 'base64'));
  }
  for (const [k, v] of Object.entries((obj['stringData'] as Record<string, unknown> | undefined) ?? {})) {
    if (typeof v === 'string') data[k] = new Uint8Array(Buffer.from(v, 'utf8'));
  }
  return data;
}

export function readManifests(paths: readonly string[], opts: { recursive: boolean; namespace: string; stdin?: () => string }): Manifests {
  const m: Manifests = { serverCertificates: [], loadBalancedServices: [], dnsAliases: [], secrets: new Map(), ignored: new Map(), problems: [] };
  const schemas = crdSchemas();
  const seen = new Set<string>();
  const add = (raw: Obj, source: string): void => {
    if (raw.kind === 'List' && Array.isArray(raw.items)) {
      for (const item of raw.items) add(item as Obj, source);
      return;
    }
    const kind = typeof raw.kind === 'string' ? raw.kind : '';
    const name = typeof raw.metadata?.name === 'string' ? raw.metadata.name : '';
    const namespace = typeof raw.metadata?.namespace === 'string' ? raw.metadata.namespace : opts.namespace;
    const where = `${source}: ${kind || '(no kind)'} ${namespace}/${name || '(no name)'}`;
    if (kind === 'Secret' && raw.apiVersion === 'v1') {
      m.secrets.set(`${namespace}/${name}`, decodeSecret(raw, where, m.problems));
      return;
    }
    const ours = (Object.values(KIND) as string[]).includes(kind) && raw.apiVersion === API_VERSION;
    if (!ours) {
      m.ignored.set(kind || '(no kind)', (m.ignored.get(kind || '(no kind)') ?? 0) + 1);
      return;
    }
    if (!name) return void m.problems.push(`${where}: metadata.name: Required value`);
    const id = `${kind}/${namespace}/${name}`;
    if (seen.has(id)) return void m.problems.push(`${where}: appears twice`);
    seen.add(id);
    const schema = schemas.get(kind);
    if (!schema) return void m.problems.push(`${where}: no CRD for ${kind} in deploy/crds`);
    const problems = validate(schema.properties?.['spec'] ?? {}, raw['spec'], 'spec');
    if (raw['spec'] === undefined) problems.push('spec: Required value');
    if (problems.length) return void m.problems.push(...problems.map((p) => `${where}: ${p}`));
    const obj = applyDefaults(schema, { ...raw, metadata: { ...raw.metadata, name, namespace } }) as Obj;
    const byKind: Record<Kind, () => void> = {
      ServerCertificate: () => m.serverCertificates.push(obj as unknown as ServerCertificate),
      LoadBalancedService: () => m.loadBalancedServices.push(obj as unknown as LoadBalancedService),
      DnsAlias: () => m.dnsAliases.push(obj as unknown as DnsAlias),
    };
    byKind[kind as Kind]();
  };

  for (const src of sources(paths, opts.recursive, opts.stdin ?? (() => readFileSync(0, 'utf8')))) {
    for (const doc of parseAllDocuments(src.text)) {
      if (doc.errors.length) {
        m.problems.push(`${src.name}: ${doc.errors[0]?.message ?? 'invalid YAML'}`);
        continue;
      }
      const value = doc.toJS() as unknown;
      if (value === null || value === undefined) continue;
      if (typeof value !== 'object' || Array.isArray(value)) {
        m.problems.push(`${src.name}: a document is not a Kubernetes object`);
        continue;
      }
      add(value as Obj, src.name);
    }
  }
  return m;
}
