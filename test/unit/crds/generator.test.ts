// The CRD YAML is the single source of truth for the TypeScript types: the committed generated.ts
// must be exactly what the generator makes of deploy/crds, and `--check` must fail (exit 1, with a
// hint) as soon as the two disagree.
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCrdTypes } from '../../../scripts/crd-codegen.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const CRD_DIR = join(ROOT, 'deploy', 'crds');
const SCRIPT = join(ROOT, 'scripts', 'generate-crd-types.ts');

function generator(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sources(dir: string): Array<{ file: string; text: string }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
}

const tinyCrd = (conditionStatusEnum = "['True', 'False', Unknown]"): string => `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.dev}
spec:
  group: example.dev
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          required: [spec]
          properties:
            spec:
              type: object
              description: The widget.
              required: [size]
              properties:
                size: {type: integer, minimum: 1, maximum: 9, description: How big.}
                colour: {type: string, enum: [red, blue], default: red, description: Its colour.}
                labels: {type: object, additionalProperties: {type: string}, description: Free labels.}
                parts:
                  type: array
                  description: Parts.
                  items: {type: object, required: [id], properties: {id: {type: string, description: Part id.}}}
            status:
              type: object
              description: Observed.
              properties:
                conditions:
                  type: array
                  items:
                    type: object
                    required: [type, status]
                    properties:
                      type: {type: string, description: Type.}
                      status: {type: string, enum: ${conditionStatusEnum}, description: Status.}
`;

describe('CRD type generator', () => {
  it('src/crds/generated.ts is what the generator makes of deploy/crds (the CI check)', () => {
    const committed = readFileSync(join(ROOT, 'src', 'crds', 'generated.ts'), 'utf8');
    expect(generateCrdTypes(sources(CRD_DIR))).toBe(committed);
  });

  it('renders required and optional fields, enums, maps, arrays and doc comments with defaults and ranges', () => {
    const out = generateCrdTypes([{ file: 'widget.yaml', text: tinyCrd() }]);
    expect(out).toContain('export interface Widget {');
    expect(out).toContain('  spec: WidgetSpec;');
    expect(out).toContain('  status?: WidgetStatus;');
    expect(out).toContain('/** How big. Range: 1..9. */\n  size: number;');
    expect(out).toContain("/** Its colour. Default: \"red\". */\n  colour?: 'red' | 'blue';");
    expect(out).toContain('labels?: { [key: string]: string };');
    expect(out).toMatch(/parts\?: Array<\{\n {4}\/\*\* Part id\. \*\/\n {4}id: string;\n {2}\}>;/);
    expect(out).toContain("export interface Condition {");
    expect(out).toContain('conditions?: Condition[];');
  });

  it('refuses kinds whose conditions differ from the shared Condition shape', () => {
    const other = tinyCrd("['True', 'False']").replace('kind: Widget, plural: widgets', 'kind: Gadget, plural: gadgets');
    expect(() => generateCrdTypes([{ file: 'a.yaml', text: tinyCrd() }, { file: 'b.yaml', text: other }])).toThrow(
      /(Gadget|Widget)\.status\.conditions differs/,
    );
  });

  it('--check exits 0 when up to date and 1 with a hint when the YAML changed, without writing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crd-gen-'));
    try {
      const crds = join(dir, 'crds');
      const out = join(dir, 'generated.ts');
      cpSync(CRD_DIR, crds, { recursive: true });

      expect(generator('--check', '--crds', crds, '--out', out).status).toBe(1); // no file yet
      const written = generator('--crds', crds, '--out', out);
      expect(written.status).toBe(0);
      expect(generator('--check', '--crds', crds, '--out', out)).toMatchObject({ status: 0 });

      const file = join(crds, 'albatross.dev_loadbalancedservices.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('default: 60', 'default: 120'));
      const before = readFileSync(out, 'utf8');
      const check = generator('--check', '--crds', crds, '--out', out);
      expect(check.status).toBe(1);
      expect(check.stderr).toContain('is out of date');
      expect(check.stderr).toMatch(/line \d+:\n {2}expected: .*Default: 120\./);
      expect(check.stderr).toContain('npm run crds:generate');
      expect(readFileSync(out, 'utf8')).toBe(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
