// What Flux's `wait` (and kpt, Config Sync) make of an object: sigs.k8s.io/cli-utils' kstatus
// status.Compute, run for real by test/env/tools/cmd/kstatus (built and cached by test/env/go-tools.ts).
import { execFile } from 'node:child_process';
import { goTool } from '../../env/go-tools.ts';

export type KstatusStatus = 'InProgress' | 'Failed' | 'Current' | 'Terminating' | 'NotFound' | 'Unknown';
export interface Kstatus {
  status: KstatusStatus;
  message: string;
}

/** kstatus of each object (as read from the apiserver), in order; one process for all of them. */
export function kstatusOf(objects: readonly unknown[]): Promise<Kstatus[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(goTool('kstatus'), [], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`kstatus failed: ${err.message}\n${stderr}`));
      const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Partial<Kstatus> & { error?: string });
      const bad = lines.find((l) => l.error !== undefined);
      if (bad) return reject(new Error(`kstatus: ${bad.error}`));
      resolve(lines.map((l) => ({ status: l.status as KstatusStatus, message: l.message ?? '' })));
    });
    child.stdin?.end(objects.map((o) => JSON.stringify(o)).join('\n'));
  });
}

export async function kstatus(obj: unknown): Promise<Kstatus> {
  const [one] = await kstatusOf([obj]);
  return one!;
}
