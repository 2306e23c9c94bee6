// Runs an Argo CD health-check script the way Argo CD does: the Kubernetes object is the global
// `obj` (a Lua table decoded from its JSON, arrays 1-based, null = nil) and the script returns
// `{status, message}`. The Lua is real Lua 5.4 compiled to WebAssembly (wasmoon).
import { readFile } from 'node:fs/promises';
import { LuaFactory } from 'wasmoon';

export type HealthStatus = 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
export interface Health {
  status: HealthStatus;
  message?: string;
}

const factory = new LuaFactory();

/** Renders JSON as a Lua table constructor, so the script sees exactly what Argo CD's decoder builds. */
export function toLua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value); // JSON escapes are valid Lua escapes here
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(', ')}}`;
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `[${JSON.stringify(k)}] = ${toLua(v)}`);
    return `{${fields.join(', ')}}`;
  }
  throw new Error(`cannot render ${typeof value} as Lua`);
}

export async function runHealthCheck(scriptPath: string, obj: unknown): Promise<Health> {
  const script = await readFile(scriptPath, 'utf8');
  const lua = await factory.createEngine();
  try {
    await lua.doString(`obj = ${toLua(obj)}`);
    const result: unknown = await lua.doString(script);
    if (typeof result !== 'object' || result === null) throw new Error(`${scriptPath} returned ${String(result)}`);
    const { status, message } = result as { status?: unknown; message?: unknown };
    if (typeof status !== 'string') throw new Error(`${scriptPath} returned no status`);
    return { status: status as HealthStatus, ...(typeof message === 'string' ? { message } : {}) };
  } finally {
    lua.global.close();
  }
}
