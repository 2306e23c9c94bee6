// Renders the field reference of docs/api.md from the CRDs' OpenAPI schemas (deploy/crds/*.yaml):
// every spec and status field with its type, default, validation and description. The prose around
// it in docs/api.md is written by hand; scripts/sync-chart-files.ts splices this in between markers.
import { parse } from 'yaml';
import type { CrdSchema as Schema } from '../src/crd-files.ts';


interface Crd {
  spec: {
    names: { kind: string; plural: string; shortNames?: string[]; categories?: string[] };
    versions: Array<{
      name: string;
      schema: { openAPIV3Schema: Schema };
      additionalPrinterColumns?: Array<{ name: string; jsonPath: string; priority?: number }>;
    }>;
  };
}

export const BEGIN = '<!-- BEGIN GENERATED FIELD REFERENCE (scripts/sync-chart-files.ts; do not edit by hand) -->';
export const END = '<!-- END GENERATED FIELD REFERENCE -->';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ').trim();
const code = (v: unknown): string => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;

function typeOf(s: Schema): string {
  if (s['x-kubernetes-int-or-string']) return 'int or string';
  if (s.type === 'array') return `[]${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && typeof s.additionalProperties === 'object') return `map[string]${typeOf(s.additionalProperties)}`;
  return s.type ?? 'any';
}

function rules(s: Schema, required: boolean): string {
  const out: string[] = [];
  if (required) out.push('**required**');
  if (s.enum) out.push(`one of ${s.enum.map(code).join(', ')}`);
  if (s.minimum !== undefined || s.maximum !== undefined) out.push(`${s.minimum ?? '…'}..${s.maximum ?? '…'}`);
  if (s.minLength !== undefined || s.maxLength !== undefined) out.push(`length ${s.minLength ?? 0}..${s.maxLength ?? '…'}`);
  if (s.minItems !== undefined || s.maxItems !== undefined) out.push(`${s.minItems ?? 0}..${s.maxItems ?? '…'} items`);
  if (s.maxProperties !== undefined) out.push(`at most ${s.maxProperties} entries`);
  if (s.pattern) out.push(`pattern ${code(s.pattern)}`);
  if (s.format) out.push(`format ${s.format}`);
  for (const v of s['x-kubernetes-validations'] ?? []) out.push(v.message ?? `CEL: ${code(v.rule)}`);
  return out.join('; ');
}

function rows(s: Schema, path: string, required: boolean, out: string[]): void {
  const def = s.default === undefined ? '' : code(s.default);
  out.push(`| \`${path}\` | ${typeOf(s)} | ${def} | ${cell(rules(s, required))} | ${cell(s.description ?? '')} |`);
  const child = s.type === 'array' ? s.items : s;
  const prefix = s.type === 'array' ? `${path}[]` : path;
  for (const [name, prop] of Object.entries(child?.properties ?? {})) {
    rows(prop, `${prefix}.${name}`, child?.required?.includes(name) ?? false, out);
  }
}

export function renderApiReference(crdTexts: string[]): string {
  const crds = crdTexts.map((t) => parse(t) as Crd).sort((a, b) => order(a) - order(b));
  const out: string[] = [BEGIN, ''];
  for (const crd of crds) {
    const { kind, plural, shortNames = [], categories = [] } = crd.spec.names;
    for (const v of crd.spec.versions) {
      const root = v.schema.openAPIV3Schema;
      out.push(`### ${kind} fields (\`${v.name}\`)`, '');
      out.push(`Plural \`${plural}\`, short names ${shortNames.map(code).join(', ') || 'none'}, categories ${categories.map(code).join(', ') || 'none'}. `
        + `\`kubectl get ${shortNames[0] ?? plural}\` columns: ${(v.additionalPrinterColumns ?? []).map((c) => `${c.name}${c.priority ? ' (-o wide)' : ''}`).join(', ')}.`, '');
      out.push('| Field | Type | Default | Validation | Description |', '| --- | --- | --- | --- | --- |');
      for (const top of ['spec', 'status']) {
        const s = root.properties?.[top];
        if (s) rows(s, top, root.required?.includes(top) ?? false, out);
      }
      out.push('');
    }
  }
  out.push(END);
  return out.join('\n');
}

const ORDER = ['LoadBalancedService', 'ServerCertificate', 'DnsAlias'];
function order(crd: Crd): number {
  const i = ORDER.indexOf(crd.spec.names.kind);
  return i === -1 ? ORDER.length : i;
}

/** Replaces the generated block in a document; throws when the markers are missing. */
export function spliceReference(doc: string, reference: string): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start === -1 || end === -1 || end < start) throw new Error(`docs/api.md needs the markers ${BEGIN} … ${END}`);
  return doc.slice(0, start) + reference + doc.slice(end + END.length);
}
