import { describe, expect, it } from '@jest/globals';
import { referenceIndex, watchReferenced, type Cache, type Caches, type KubeObject, type ResourceType } from '../../../src/runtime/index.ts';

const ALIAS: ResourceType = { group: 'example.dev', version: 'v1', plural: 'aliases', kind: 'Alias' };
const TARGET: ResourceType = { group: 'example.dev', version: 'v1', plural: 'targets', kind: 'Target' };

interface Alias extends KubeObject {
  spec: { targets: Array<{ name?: string }> };
}

const alias = (namespace: string, name: string, targets: Array<string | undefined>): Alias => ({
  metadata: { namespace, name },
  spec: { targets: targets.map((t) => (t === undefined ? {} : { name: t })) },
});

describe('referenceIndex', () => {
  const index = referenceIndex<Alias>(ALIAS, 'alias.targets', (a) => a.spec.targets.map((t) => t.name));

  it('indexes an object under namespace/name of each name it refers to, once each', () => {
    expect(index.resource).toBe(ALIAS);
    expect(index.name).toBe('alias.targets');
    expect(index.indexFn(alias('ns1', 'a', ['web', 'api', 'web']))).toEqual(['ns1/web', 'ns1/api']);
  });

  it('skips missing and empty names', () => {
    expect(index.indexFn(alias('ns1', 'a', [undefined, '', 'web']))).toEqual(['ns1/web']);
    expect(index.indexFn(alias('ns1', 'a', []))).toEqual([]);
  });
});

describe('watchReferenced', () => {
  it('maps a changed object to the keys of the referrers indexed under its namespace/name', () => {
    const referrers = [alias('ns1', 'a', ['web']), alias('ns1', 'b', ['web'])];
    const asked: Array<[ResourceType, string, string]> = [];
    const caches: Caches = {
      get: <T extends KubeObject>(resource: ResourceType) =>
        ({
          byIndex: (indexName: string, value: string) => {
            asked.push([resource, indexName, value]);
            return value === 'ns1/web' ? referrers : [];
          },
        }) as unknown as Cache<T>,
    };
    const watch = watchReferenced(TARGET, ALIAS, 'alias.targets');
    expect(watch.resource).toBe(TARGET);
    expect(watch.mapToKeys({ metadata: { namespace: 'ns1', name: 'web' } }, caches)).toEqual(['ns1/a', 'ns1/b']);
    expect(watch.mapToKeys({ metadata: { namespace: 'ns2', name: 'web' } }, caches)).toEqual([]);
    expect(asked).toEqual([
      [ALIAS, 'alias.targets', 'ns1/web'],
      [ALIAS, 'alias.targets', 'ns2/web'],
    ]);
  });
});
