// `npm run bench [-- --count N] [--only name] [--json FILE]`: runs every test/bench/*.bench.ts one
// after another, each in its own process (so RSS figures are its own), and prints their reports.
// --json FILE: a JSON array of the results of the benches that report one (they write it to
// $BENCH_RESULT_FILE), e.g. [{name, count, phases: [{phase, seconds, calls, mutatingCalls, rssMb}]}].
// --count N (or BENCH_COUNT=N) sets the object count of every bench; without it each uses its
// own default (LoadBalancedService: 50, up to 1000).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { count: { type: 'string' }, only: { type: 'string' }, json: { type: 'string' } } });
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
const results: unknown[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'albatross-bench-'));
for (const file of benches) {
  console.log(`\n=== ${file} ===`);
  const resultFile = join(tmp, `${file}.json`);
  const env = { ...process.env, BENCH_RESULT_FILE: resultFile, ...(count ? { BENCH_COUNT: count, DNSA_BENCH_COUNT: count, LBS_BENCH_COUNT: count } : {}) };
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [join(dir, file)], { env, stdio: 'inherit' });
    child.on('exit', (c) => resolve(c ?? 1));
  });
  if (code !== 0) {
    failed += 1;
    console.error(`bench: ${file} failed (exit ${code})`);
  }
  if (existsSync(resultFile)) results.push(JSON.parse(readFileSync(resultFile, 'utf8')));
}
if (values.json) {
  writeFileSync(values.json, JSON.stringify(results, null, 2) + '\n');
  console.log(`bench: results of ${results.length} bench(es) in ${values.json}`);
}
process.exit(failed ? 1 : 0);
