// What `albatross plan` shows for one resource: the ordered steps of the plan the controller would
// apply, in words, plus the raw (JSON-serialisable) plan from the reconciler's own plan().
import type { Kind } from '../crds/index.ts';

export type StepKind = 'create' | 'update' | 'replace' | 'delete';

export interface Step {
  kind: StepKind;
  /** e.g. "target group web (prod-chat-web-1a2b3c4d)" */
  what: string;
  /** field-level details: "idle_timeout: 60 -> 3600" */
  details: string[];
}

export interface ResourcePreview {
  kind: Kind;
  namespace: string;
  name: string;
  steps: Step[];
  /** Things worth knowing that are not changes (waiting for a reference, values known after apply). */
  notes: string[];
  /** Why no plan could be made (invalid spec, conflict, missing Secret, AWS error). */
  error?: string;
  /** The reconciler's plan, for `-o json`. */
  plan?: unknown;
}

/** A value only AWS can tell, once the plan has been applied. */
export function knownAfterApply(what: string): string {
  return `(known after apply: ${what})`;
}

export function isKnownAfterApply(value: string | undefined): boolean {
  return value?.startsWith('(known after apply') ?? false;
}
