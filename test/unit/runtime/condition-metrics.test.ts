import { describe, expect, it } from '@jest/globals';
import { conditionMetricText, reportConditions } from '../../../src/runtime/condition-metrics.ts';
import type { KubeObject } from '../../../src/runtime/types.ts';

const obj = (name: string, conditions: Array<{ type: string; status: string }>, namespace = 'team-a'): KubeObject =>
  ({ apiVersion: 'albatross.dev/v1alpha1', kind: 'DnsAlias', metadata: { name, namespace }, status: { conditions } }) as unknown as KubeObject;

describe('albatross_resource_condition text', () => {
  it('without sources (a standby): HELP and TYPE only', () => {
    expect([...conditionMetricText()].join('')).toBe(
      '# HELP albatross_resource_condition Current kstatus conditions (Ready, Reconciling, Stalled) per object: 1 on the status it has, 0 on the others\n' +
        '# TYPE albatross_resource_condition gauge\n',
    );
  });

  it('1 on the status each condition has, 0 on the other two; absent conditions have no series', () => {
    const stop = reportConditions(() => [{ kind: 'DnsAlias', objects: [obj('a', [{ type: 'Ready', status: 'True' }, { type: 'Stalled', status: 'False' }])] }]);
    try {
      const lines = [...conditionMetricText()].join('').split('\n').filter((l) => l && !l.startsWith('#'));
      expect(lines).toEqual([
        'albatross_resource_condition{kind="DnsAlias",namespace="team-a",name="a",type="Ready",status="True"} 1',
        'albatross_resource_condition{kind="DnsAlias",namespace="team-a",name="a",type="Ready",status="False"} 0',
        'albatross_resource_condition{kind="DnsAlias",namespace="team-a",name="a",type="Ready",status="Unknown"} 0',
        'albatross_resource_condition{kind="DnsAlias",namespace="team-a",name="a",type="Stalled",status="True"} 0',
        'albatross_resource_condition{kind="DnsAlias",namespace="team-a",name="a",type="Stalled",status="False"} 1',
        'albatross_resource_condition{kind="DnsAlias",namespace="team-a",name="a",type="Stalled",status="Unknown"} 0',
      ]);
    } finally {
      stop();
    }
  });

  it('escapes label values and writes the objects in bounded chunks', () => {
    const many = Array.from({ length: 1001 }, (_, i) => obj(`o-${i}`, [{ type: 'Ready', status: 'Unknown' }]));
    const stop = reportConditions(() => [{ kind: 'Odd"Kind\\', objects: many }]);
    try {
      const chunks = [...conditionMetricText(500)];
      expect(chunks).toHaveLength(1 + 3); // header, 500, 500, 1
      expect(chunks[3]!.split('\n').filter(Boolean)).toHaveLength(3);
      expect(chunks[1]).toContain('kind="Odd\\"Kind\\\\",namespace="team-a",name="o-0",type="Ready",status="Unknown"} 1\n');
    } finally {
      stop();
    }
  });
});
