// Runs an Argo CD health-check script the way Argo CD does: the Kubernetes object is the global
// `obj` (a Lua table decoded from its JSON, arrays 1-based, null = nil) and the script returns
// `{status, message}`. Two interpreters: gopher-lua (Lua 5.1), the one Argo CD itself embeds, through
// test/env/tools/cmd/argo-health with Argo CD's defaults (only the package, base and table libraries,
// a 1 s deadline); and real Lua 5.4 compiled to WebAssembly (wasmoon), a second, stricter opinion.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { LuaFactory } from 'wasmoon';
import { goTool } from '../../env/go-tools.ts';

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

export type Interpreter = 'gopher-lua' | 'wasmoon';
export const INTERPRETERS: readonly Interpreter[] = ['gopher-lua', 'wasmoon'];

export function runHealthCheck(scriptPath: string, obj: unknown, interpreter: Interpreter = 'gopher-lua'): Promise<Health> {
  return interpreter === 'gopher-lua' ? runOnGopherLua(scriptPath, obj) : runOnWasmoon(scriptPath, obj);
}

/** Argo CD's own interpreter; rejects with the error Argo CD would show (e.g. a nil library). */
export function runOnGopherLua(scriptPath: string, obj: unknown): Promise<Health> {
  return new Promise((resolve, reject) => {
    const child = execFile(goTool('argo-health'), [scriptPath], (err, stdout, stderr) => {
      if (err) return reject(new Error(stderr.trim() || err.message));
      resolve(JSON.parse(stdout) as Health);
    });
    child.stdin?.end(JSON.stringify(obj));
  });
}

async function runOnWasmoon(scriptPath: string, obj: unknown): Promise<Health> {
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
