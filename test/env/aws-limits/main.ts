// The limits proxy as a process, as `npm run env -- up` starts it:
//   node test/env/aws-limits/main.ts --port P --upstream http://127.0.0.1:<moto> [--limits rules.json] [--no-enforce]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { validateRules } from './limits.ts';
import { Elbv2NamesLayer } from './elbv2-names.ts';
import { IamNamesLayer } from './iam-names.ts';
import { SecurityGroupDepsLayer } from './security-group-deps.ts';
import { NetworkFaultsLayer } from './network-faults.ts';
import { AwsLimitsProxy } from './proxy.ts';
import { Route53ChangesLayer } from './route53-changes.ts';

const { values } = parseArgs({
  options: { port: { type: 'string' }, upstream: { type: 'string' }, limits: { type: 'string' }, 'no-enforce': { type: 'boolean' } },
});
if (!values.upstream || !values.port || !/^\d+$/.test(values.port)) {
  process.stderr.write('usage: main.ts --port P --upstream URL [--limits rules.json] [--no-enforce]\n');
  process.exit(2);
}
const rules = values.limits ? validateRules(JSON.parse(readFileSync(values.limits, 'utf8'))) : undefined;
const proxy = new AwsLimitsProxy({ upstream: values.upstream, ...(rules ? { rules } : {}), enforce: !values['no-enforce'], layers: [new NetworkFaultsLayer(), new Route53ChangesLayer(), new IamNamesLayer(values.upstream), new Elbv2NamesLayer(values.upstream), new SecurityGroupDepsLayer(values.upstream)] });
await proxy.start(Number(values.port));
process.stdout.write(`aws limits proxy on ${proxy.url} in front of ${values.upstream} (limits ${proxy.enforce ? 'enforced' : 'off'})\n`);
const stop = (): void => {
  void proxy.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
