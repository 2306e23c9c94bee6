// The CRD files (deploy/crds/*.yaml, the source of truth) and the OpenAPI schema shape they carry.
// Shared by the plan CLI (defaults and validation), the type generator and the docs/api.md reference.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The parts of a CRD's openAPIV3Schema that the controller, the generator and the docs read. */
export interface CrdSchema {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  pattern?: string;
  format?: string;
  required?: string[];
  properties?: Record<string, CrdSchema>;
  items?: CrdSchema;
  additionalProperties?: CrdSchema | boolean;
  'x-kubernetes-validations'?: Array<{ rule: string; message?: string }>;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

/** deploy/crds in the nearest directory above this module that has one: the repository or package
 * root, whether this code runs from src/, from dist/ or from a bundle chunk under dist/. */
export const CRD_DIR = findUp(dirname(fileURLToPath(import.meta.url)), join('deploy', 'crds'));

function findUp(from: string, relative: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
    // Not found: the old fixed location, so readCrdFiles names it in its error.
    if (dirname(dir) === dir) return join(dirname(from), relative);
  }
}

export interface CrdFile {
  /** File name within the directory, for messages and manifests. */
  file: string;
  text: string;
}

/** Every *.yaml / *.yml in dir, sorted by name (throws what readdir throws when dir is unreadable). */
export function readCrdFiles(dir: string = CRD_DIR): CrdFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
}
