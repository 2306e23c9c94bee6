// Text and JSON output of `albatross plan`.
import { isReplacedDelete } from './describe-lbs-plan.ts';
import type { ResourcePreview, StepKind } from './preview.ts';

const SYMBOL: Record<StepKind, string> = { create: '+', update: '~', replace: '-/+', delete: '-' };

export interface Summary {
  create: number;
  update: number;
  replace: number;
  delete: number;
  errors: number;
}

export function summarize(previews: readonly ResourcePreview[]): Summary {
  const s: Summary = { create: 0, update: 0, replace: 0, delete: 0, errors: 0 };
  for (const p of previews) {
    if (p.error) s.errors++;
    for (const step of p.steps) if (!isReplacedDelete(step)) s[step.kind]++;
  }
  return s;
}

export function renderText(previews: readonly ResourcePreview[], cluster: string, ignored: ReadonlyMap<string, number>): string {
  const lines: string[] = [];
  for (const p of previews) {
    lines.push(`${p.kind} ${p.namespace}/${p.name}`);
    if (p.error) lines.push(`  ! ${p.error}`);
    for (const step of p.steps) {
      lines.push(`  ${SYMBOL[step.kind].padEnd(3)} ${step.what}`);
      for (const d of step.details) lines.push(`        ${d}`);
    }
    for (const n of p.notes) lines.push(`  note: ${n}`);
    if (!p.error && p.steps.length === 0) lines.push('  no changes: AWS matches the manifest');
    lines.push('');
  }
  if (ignored.size) lines.push(`Not planned (not Albatross kinds): ${[...ignored].map(([k, n]) => `${n} ${k}`).join(', ')}`);
  const s = summarize(previews);
  const changes = s.create + s.update + s.replace + s.delete;
  lines.push(
    changes === 0 && s.errors === 0
      ? `No changes. AWS matches the manifests for cluster "${cluster}".`
      : `Plan for cluster "${cluster}": ${s.create} to create, ${s.update} to change, ${s.replace} to replace, ${s.delete} to delete${s.errors ? `; ${s.errors} resource(s) with errors` : ''}.`,
  );
  return `${lines.join('\n')}\n`;
}

export function renderJson(previews: readonly ResourcePreview[], cluster: string): string {
  return `${JSON.stringify({ cluster, summary: summarize(previews), resources: previews }, null, 2)}\n`;
}
