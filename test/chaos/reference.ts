// A reference process for the /healthz samples: the same node, with the controller's V8 flags, doing
// nothing but answering HTTP on one thread. Its answer times are what the machine alone costs (the
// scheduler's delay on a loaded host); healthz.ts sets a replica's slow answer against them.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { NODE_FLAGS } from '../support/dist.ts';

const SERVER = `
const s = require('node:http').createServer((q, r) => r.end('ok'));
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

export interface ReferenceProcess {
  url: string;
  stop(): Promise<void>;
}

export async function startReference(): Promise<ReferenceProcess> {
  const child: ChildProcess = spawn(process.execPath, [...NODE_FLAGS.filter((f) => f !== '--enable-source-maps'), '-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`the reference process exited (${code}) before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}
