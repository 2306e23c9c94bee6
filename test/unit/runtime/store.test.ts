import { describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { Informer, replaceScope, transform, upsert, type InformerEvent } from '../../../src/runtime/informer.ts';
import type { RestClient } from '../../../src/runtime/kube/rest.ts';
import { DEFAULT_REFLECTOR_TUNING } from '../../../src/runtime/reflector.ts';
import { CORE } from '../../../src/runtime/resources.ts';
import { Store } from '../../../src/runtime/store.ts';
import { indexKey, type KubeObject } from '../../../src/runtime/index.ts';

const cm = (ns: string, name: string, rv: string, ref?: string): KubeObject & { spec?: { ref?: string } } => ({
  metadata: { namespace: ns, name, resourceVersion: rv },
  ...(ref ? { spec: { ref } } : {}),
});

describe('Store indexes', () => {
  it('finds objects by index value and follows updates and deletes', () => {
    const s = new Store(CORE.configMap);
    s.addIndex({ resource: CORE.configMap, name: 'ref', indexFn: (o: KubeObject & { spec?: { ref?: string } }) => (o.spec?.ref ? [indexKey(o.metadata!.namespace!, o.spec.ref)] : []) });
    s.set(cm('a', 'x', '1', 'secret-1'));
    s.set(cm('a', 'y', '1', 'secret-1'));
    s.set(cm('b', 'z', '1', 'secret-1'));
    expect(s.byIndex('ref', 'a/secret-1').map((o) => o.metadata?.name).sort()).toEqual(['x', 'y']);
    s.set(cm('a', 'y', '2', 'secret-2'));
    expect(s.byIndex('ref', 'a/secret-1').map((o) => o.metadata?.name)).toEqual(['x']);
    expect(s.byIndex('ref', 'a/secret-2').map((o) => o.metadata?.name)).toEqual(['y']);
    s.delete('a/x');
    expect(s.byIndex('ref', 'a/secret-1')).toEqual([]);
    expect(() => s.byIndex('nope', 'v')).toThrow('no index "nope" on configmaps');
  });

  it('indexes objects stored before the index was added, and survives a throwing index function', () => {
    const s = new Store(CORE.configMap);
    s.set(cm('a', 'x', '1', 'r'));
    s.addIndex({ resource: CORE.configMap, name: 'ref', indexFn: (o: KubeObject & { spec?: { ref?: string } }) => [o.spec!.ref!] });
    s.set(cm('a', 'broken', '1'));
    expect(s.byIndex('ref', 'r')).toHaveLength(1);
    expect(s.get('a', 'broken')).toBeDefined();
  });
});

describe('replaceScope (relist)', () => {
  it('emits only what changed: unchanged resourceVersions are silent, missing objects are deleted', () => {
    const s = new Store(CORE.configMap);
    for (const o of [cm('a', 'same', '1'), cm('a', 'changed', '1'), cm('a', 'gone', '1'), cm('b', 'other-ns', '1')]) s.set(o);
    const events = replaceScope(s, [cm('a', 'same', '1'), cm('a', 'changed', '5'), cm('a', 'new', '6')], 'a');
    expect(events.map((e) => [e.type, e.obj.metadata?.name])).toEqual([['delete', 'gone'], ['update', 'changed'], ['add', 'new']]);
    expect(s.keys().sort()).toEqual(['a/changed', 'a/new', 'a/same', 'b/other-ns']); // another scope is untouched
  });

  it('a watch event with a known resourceVersion is ignored', () => {
    const s = new Store(CORE.configMap);
    expect(upsert(s, cm('a', 'x', '1'))?.type).toBe('add');
    expect(upsert(s, cm('a', 'x', '1'))).toBeUndefined();
    expect(upsert(s, cm('a', 'x', '2'))?.type).toBe('update');
  });
});

describe('transform', () => {
  it('drops managedFields everywhere and data from Secrets', () => {
    const secret = { metadata: { name: 's', managedFields: [{}] }, data: { 'tls.key': 'c2VjcmV0' }, stringData: { a: 'b' }, type: 'kubernetes.io/tls' };
    expect(transform(CORE.secret, secret)).toEqual({ metadata: { name: 's' }, type: 'kubernetes.io/tls' });
    const config = { metadata: { name: 'c', managedFields: [{}] }, data: { a: 'b' } };
    expect(transform(CORE.configMap, config)).toEqual({ metadata: { name: 'c' }, data: { a: 'b' } });
  });
});

describe('Informer.recordWrite (our own status write, before the watch brings it)', () => {
  const informer = () =>
    new Informer({ client: {} as RestClient, resource: CORE.configMap, namespaces: [], log: pino({ level: 'silent' }), tuning: DEFAULT_REFLECTOR_TUNING });

  it('stores the written object when the cache still holds the version the write replaced, with the event the watch would cause; the watch copy is then no news', () => {
    const inf = informer();
    const events: InformerEvent[] = [];
    inf.onEvent((e) => events.push(e));
    upsert(inf.store, cm('a', 'x', '1'));
    inf.recordWrite({ ...cm('a', 'x', '2'), metadata: { ...cm('a', 'x', '2').metadata, managedFields: [{}] } as KubeObject['metadata'] }, '1');
    expect(inf.store.get('a', 'x')?.metadata?.resourceVersion).toBe('2');
    expect(inf.store.get('a', 'x')?.metadata).not.toHaveProperty('managedFields'); // prepared as the watch's would be
    expect(Object.isFrozen(inf.store.get('a', 'x'))).toBe(true);
    expect(events.map((e) => e.type)).toEqual(['update']);
    expect(upsert(inf.store, cm('a', 'x', '2'))).toBeUndefined();
  });

  it('leaves the cache alone when it moved on (or the precondition is unknown)', () => {
    const inf = informer();
    upsert(inf.store, cm('a', 'x', '3'));
    inf.recordWrite(cm('a', 'x', '2'), '1'); // the watch got further already
    inf.recordWrite(cm('a', 'x', '4'), undefined);
    expect(inf.store.get('a', 'x')?.metadata?.resourceVersion).toBe('3');
  });
});
