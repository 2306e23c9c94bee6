// The CRDs' OpenAPI schemas (deploy/crds/*.yaml), applied the way the apiserver would before the
// controller sees an object: defaults filled in, and the structural rules (types, enums, ranges,
// patterns, required) checked. CEL rules are not evaluated here; `kubectl apply` does that.
import { parse } from 'yaml';
import { CRD_DIR, readCrdFiles, type CrdFile, type CrdSchema as Schema } from '../crd-files.ts';

export type { CrdSchema as Schema } from '../crd-files.ts';

interface CrdDocument {
  spec: { names: { kind: string }; versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> };
}

let schemas: Map<string, Schema> | undefined;

/** kind -> the v1alpha1 openAPIV3Schema. */
export function crdSchemas(dir: string = CRD_DIR): Map<string, Schema> {
  if (schemas && dir === CRD_DIR) return schemas;
  const out = new Map<string, Schema>();
  let files: CrdFile[];
  try {
    files = readCrdFiles(dir);
  } catch {
    throw new Error(`cannot read the CRDs in ${dir}: albatross plan needs deploy/crds from its repository or package`);
  }
  for (const f of files) {
    const crd = parse(f.text) as CrdDocument;
    const version = crd.spec.versions.find((v) => v.name === 'v1alpha1');
    if (version) out.set(crd.spec.names.kind, version.schema.openAPIV3Schema);
  }
  if (dir === CRD_DIR) schemas = out;
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fills in schema defaults for absent fields, recursively, as the apiserver's structural defaulting does. */
export function applyDefaults(schema: Schema, value: unknown): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((v) => applyDefaults(schema.items!, v)) : value;
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (out[key] === undefined && prop.default !== undefined) out[key] = structuredClone(prop.default);
    if (out[key] !== undefined) out[key] = applyDefaults(prop, out[key]);
  }
  if (isObject(schema.additionalProperties)) {
    const additional = schema.additionalProperties;
    for (const key of Object.keys(out)) if (!schema.properties?.[key]) out[key] = applyDefaults(additional, out[key]);
  }
  return out;
}

/** Structural validation; each problem names its field like the apiserver does ("spec.listeners[0].port: ..."). */
export function validate(schema: Schema, value: unknown, path: string, problems: string[] = []): string[] {
  if (value === undefined || value === null) return problems;
  if (schema['x-kubernetes-int-or-string']) {
    if (typeof value !== 'string' && !Number.isInteger(value)) problems.push(`${path}: must be an integer or a string`);
    return problems;
  }
  switch (schema.type) {
    case 'object':
      if (!isObject(value)) return push(problems, `${path}: must be an object`);
      for (const r of schema.required ?? []) if (value[r] === undefined) problems.push(`${path}.${r}: Required value`);
      for (const [k, v] of Object.entries(value)) {
        const prop = schema.properties?.[k] ?? (isObject(schema.additionalProperties) ? schema.additionalProperties : undefined);
        if (prop) validate(prop, v, `${path}.${k}`, problems);
        else if (schema.properties && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
          problems.push(`${path}.${k}: unknown field`);
        }
      }
      return problems;
    case 'array':
      if (!Array.isArray(value)) return push(problems, `${path}: must be an array`);
      if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${path}: must have at least ${schema.minItems} items`);
      if (schema.maxItems !== undefined && value.length > schema.maxItems) problems.push(`${path}: must have at most ${schema.maxItems} items`);
      if (schema.items) value.forEach((v, i) => validate(schema.items!, v, `${path}[${i}]`, problems));
      return problems;
    case 'string':
      if (typeof value !== 'string') return push(problems, `${path}: must be a string`);
      if (schema.minLength !== undefined && value.length < schema.minLength) problems.push(`${path}: must be at least ${schema.minLength} characters`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) problems.push(`${path}: must be at most ${schema.maxLength} characters`);
      if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) problems.push(`${path}: must match ${schema.pattern}`);
      break;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || (schema.type === 'integer' && !Number.isInteger(value))) return push(problems, `${path}: must be an ${schema.type}`);
      if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${path}: must be at least ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${path}: must be at most ${schema.maximum}`);
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return push(problems, `${path}: must be a boolean`);
      break;
  }
  if (schema.enum && !schema.enum.includes(value)) problems.push(`${path}: Unsupported value ${JSON.stringify(value)}: supported values: ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  return problems;
}

function push(problems: string[], p: string): string[] {
  problems.push(p);
  return problems;
}
