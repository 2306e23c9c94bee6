// Plan actions -> short human phrases for Created / Updated / Deleted events.
import type { PlanAction } from './plan.ts';

export interface AppliedSummary {
  created: string[];
  updated: string[];
  deleted: string[];
}

function phrase(a: PlanAction): { kind: keyof AppliedSummary; text: string } | undefined {
  switch (a.op) {
    case 'createTargetGroup':
      return { kind: 'created', text: `target group ${a.name}` };
    case 'createLoadBalancer':
      return { kind: 'created', text: `load balancer ${a.name}` };
    case 'createListener':
      return { kind: 'created', text: `listener ${a.port}` };
    case 'createRule':
      return { kind: 'created', text: `rule ${a.port}/${a.priority}` };
    case 'deleteTargetGroup':
      return { kind: 'deleted', text: `target group ${a.name}` };
    case 'deleteLoadBalancer':
      return { kind: 'deleted', text: `load balancer ${a.name}` };
    case 'deleteListener':
      return { kind: 'deleted', text: `listener ${a.port}` };
    case 'deleteRule':
      return { kind: 'deleted', text: `rule ${a.port}/${a.priority}` };
    case 'createSecurityGroup':
      return { kind: 'created', text: `security group ${a.name}` };
    case 'deleteSecurityGroup':
      return { kind: 'deleted', text: `security group ${a.name}` };
    default:
      // Follow-ups of a create carry no changes of their own and are part of the create.
      if (a.changes.length === 0) return undefined;
      return { kind: 'updated', text: a.changes.map((c) => c.path).join(', ') };
  }
}

export function describeApplied(actions: PlanAction[]): AppliedSummary {
  const out: AppliedSummary = { created: [], updated: [], deleted: [] };
  for (const a of actions) {
    const p = phrase(a);
    if (p && !out[p.kind].includes(p.text)) out[p.kind].push(p.text);
  }
  return out;
}
