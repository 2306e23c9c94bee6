// `npm run bench [-- --count N] [--only name]`: runs every test/bench/*.bench.ts one after another,
// each in its own process (so RSS figures are its own), and prints their reports.
// --count N (or BENCH_COUNT=N) sets the object count of every bench; without it each uses its
// own default (LoadBalancedService: 50, up to 1000).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { count: { type: 'string' }, only: { type: 'string' } } });
const count = values.count ?? process.env['BENCH_COUNT'];
if (count !== undefined && !/^[1-9][0-9]*$/.test(count)) {
  console.error(`bench: --count must be a positive integer (got "${count}")`);
  process.exit(2);
}

const dir = import.meta.dirname;
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => !values.only || f.startsWith(values.only))
  .sort();
if (benches.length === 0) {
  console.error(`bench: nothing matches ${values.only ?? '*.bench.ts'} in ${dir}`);
  process.exit(2);
}

let failed = 0;
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const env = { ...process.env, ...(count ? { BENCH_COUNT: count, DNSA_BENCH_COUNT: count, LBS_BENCH_COUNT: count } : {}) };
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [join(dir, file)], { env, stdio: 'inherit' });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    failed += 1;
    console.error(`bench: ${file} failed (exit ${code})`);
  }
}
process.exit(failed ? 1 : 0);
