// JSON Schemas of the CRDs for kubeconform and editors: schemas/<group>/<kind>_<version>.json (the
// layout of the CRDs-catalog, so `-schema-location 'schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json'`
// finds them). Converted from each served version's openAPIV3Schema as openapi2jsonschema does
// (x-kubernetes-int-or-string becomes integer-or-string), and strict like `kubectl apply
// --validate=strict`: an object schema with properties refuses any other field (the apiserver would
// prune it silently), and apiVersion/kind are pinned.
import { parse } from 'yaml';
import type { CrdSchema } from '../src/crd-files.ts';

interface CrdDocument {
  spec: {
    group: string;
    names: { kind: string };
    versions: Array<{ name: string; served?: boolean; schema?: { openAPIV3Schema?: CrdSchema } }>;
  };
}

type JsonSchema = Record<string, unknown>;

function convert(schema: CrdSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'properties') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, CrdSchema>).map(([k, v]) => [k, convert(v)]));
    } else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) {
      out[key] = convert(value as CrdSchema);
    } else if (key === 'x-kubernetes-int-or-string') {
      if (value === true) out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
    } else if (!key.startsWith('x-kubernetes-')) {
      out[key] = value;
    }
  }
  if (schema.properties && schema.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
    out['additionalProperties'] = false;
  }
  return out;
}

/** schemas/… path (relative to the repository) -> file content, for every served version of these CRDs. */
export function crdJsonSchemas(crdTexts: readonly string[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const text of crdTexts) {
    const crd = parse(text) as CrdDocument;
    const { group, names } = crd.spec;
    for (const version of crd.spec.versions) {
      const root = version.schema?.openAPIV3Schema;
      if (!version.served || !root) continue;
      const schema = convert(root);
      const properties = { ...(schema['properties'] as Record<string, JsonSchema>) };
      properties['apiVersion'] = { type: 'string', enum: [`${group}/${version.name}`] };
      properties['kind'] = { type: 'string', enum: [names.kind] };
      const doc = {
        $schema: 'http://json-schema.org/draft-07/schema#',
        title: `${names.kind} (${group}/${version.name})`,
        ...schema,
        properties,
        required: [...new Set(['apiVersion', 'kind', ...((schema['required'] as string[] | undefined) ?? [])])],
      };
      files.set(`schemas/${group}/${names.kind.toLowerCase()}_${version.name}.json`, `${JSON.stringify(doc, null, 2)}\n`);
    }
  }
  return files;
}
