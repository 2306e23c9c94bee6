// The published JSON Schemas (schemas/, generated from deploy/crds by `npm run crds:generate`) used
// the way a kubeconform user uses them, with the real kubeconform (built by test/env/go-tools.ts):
// the examples pass, and on mistakes kubeconform and the real apiserver (strict field validation)
// agree on what is refused.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { goTool } from '../../env/go-tools.ts';
import { installCrds } from '../support/controller.ts';
import { createTestNamespace, type TestNamespace } from '../support/index.ts';
import { REPO, kubectl, run } from './tools.ts';

const LOCATION = `${REPO}schemas/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json`;
const EXAMPLES = ['loadbalancedservice', 'servercertificate', 'dnsalias'].map((k) => `${REPO}examples/${k}.yaml`);

interface KubeconformResource {
  filename: string;
  kind: string;
  name: string;
  status: 'statusValid' | 'statusInvalid' | 'statusError' | 'statusSkipped';
  msg: string;
}

async function kubeconform(files: string[]): Promise<KubeconformResource[]> {
  const r = await run(goTool('kubeconform'), ['-strict', '-verbose', '-output', 'json', '-schema-location', LOCATION, ...files]);
  const out = JSON.parse(r.stdout) as { resources?: KubeconformResource[] };
  return out.resources ?? [];
}

let ns: TestNamespace;
let dir: string;
beforeAll(async () => {
  [ns] = await Promise.all([createTestNamespace('schemas'), installCrds()]);
  dir = await mkdtemp(join(tmpdir(), 'albatross-schemas-'));
});

describe('schemas/ with kubeconform', () => {
  it('accepts every example (none skipped: each kind has its schema)', async () => {
    const results = await kubeconform(EXAMPLES);
    expect(results.map((r) => [r.kind, r.status]).sort()).toEqual([
      ['DnsAlias', 'statusValid'],
      ['LoadBalancedService', 'statusValid'],
      ['ServerCertificate', 'statusValid'],
    ]);
  });

  interface Manifest {
    metadata: Record<string, unknown>;
    spec: Record<string, unknown> & { listeners?: Array<Record<string, unknown>> };
  }
  const mistakes: Array<{ what: string; example: string; mutate: (o: Manifest) => void; field: RegExp }> = [
    { what: 'a misspelled field', example: 'servercertificate', mutate: (o) => void (o.spec.renewBeforeDay = 30), field: /renewBeforeDay/ },
    { what: 'a value outside the enum', example: 'servercertificate', mutate: (o) => void (o.spec.driftPolicy = 'Ignore'), field: /driftPolicy/ },
    { what: 'a string where a number belongs', example: 'loadbalancedservice', mutate: (o) => void (o.spec.listeners![0]!.port = 'https'), field: /port/ },
    { what: 'a missing required field', example: 'dnsalias', mutate: (o) => void delete o.spec.target, field: /target/ },
  ];

  it.each(mistakes)('refuses $what, as the apiserver does', async ({ example, mutate, field }) => {
    const obj = parse(await readFile(`${REPO}examples/${example}.yaml`, 'utf8')) as Manifest;
    mutate(obj);
    obj.metadata['namespace'] = ns.name;
    const file = join(dir, `${example}-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, stringify(obj));

    const [result] = await kubeconform([file]);
    expect(result?.status).toBe('statusInvalid');
    expect(result?.msg).toMatch(field);

    const server = await kubectl(['apply', '--dry-run=server', '--validate=strict', '-f', file]);
    expect(server.code).not.toBe(0);
    expect(server.stderr).toMatch(field);
  });

  it('the examples are accepted by the apiserver too (strict field validation)', async () => {
    for (const file of EXAMPLES) {
      const r = await kubectl(['apply', '--dry-run=server', '--validate=strict', '-n', ns.name, '-f', file]);
      expect({ file, code: r.code, stderr: r.stderr }).toEqual({ file, code: 0, stderr: '' });
    }
  });
});
