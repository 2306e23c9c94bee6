// `npm run chaos [-- --short] [-- --seed N]`: the fault campaign of issue 12 on the local environment.
// Prints the seed first (so a run can be repeated), progress on stderr, then the table of checks and
// the final line `chaos: N passed, M failed`. Exit code 0 when every check passed, 1 otherwise,
// 2 for bad arguments.
import { parseArgs } from 'node:util';
import { runCampaign } from './campaign.ts';
import { freshSeed, PROFILES, planFaults } from './plan.ts';
import { summaryLine, table } from './report.ts';

const USAGE = 'usage: npm run chaos -- [--short] [--seed <non-negative integer>] [--plan]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { short: { type: 'boolean' }, seed: { type: 'string' }, plan: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    process.stderr.write(`chaos: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n  --short   the small variant (3 services, 2 hostile keystores, 100 s of faults; a few minutes)\n  --seed N  repeat a run's fault schedule (every run prints its seed)\n  --plan    print the fault schedule for the seed and exit\n`);
    return 0;
  }
  const seed = values.seed === undefined ? freshSeed() : Number(values.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    process.stderr.write(`chaos: --seed must be a non-negative integer, got "${values.seed}"\n${USAGE}\n`);
    return 2;
  }
  const profile = PROFILES[values.short ? 'short' : 'full'];
  process.stdout.write(`chaos: ${profile.name} campaign, seed ${seed} (repeat with: npm run chaos -- ${values.short ? '--short ' : ''}--seed ${seed})\n`);
  if (values.plan) {
    for (const e of planFaults(profile, seed)) process.stdout.write(`${(e.atMs / 1000).toFixed(1).padStart(7)} s  ${JSON.stringify(e)}\n`);
    return 0;
  }
  const rows = await runCampaign(profile, seed);
  process.stdout.write(`\n${table(rows)}\n\nseed ${seed}\n${summaryLine(rows)}\n`);
  return rows.every((r) => r.ok) ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
    // Stray SDK sockets must not keep a finished campaign alive.
    setTimeout(() => process.exit(code), 500).unref();
  },
  (e: unknown) => {
    process.stderr.write(`chaos: the campaign could not run: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.stdout.write('chaos: 0 passed, 1 failed\n');
    process.exit(1);
  },
);
