// A call waiting for a token, or a by-ARN read waiting for its batch window, is work a caller awaits:
// a short-lived process (`albatross plan`) must not exit under it. With unref'd timers it did, silently
// and with code 0, printing nothing. Each case runs in a process of its own with nothing else alive.
import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const SRC = join(import.meta.dirname, '..', '..', '..', 'src');
const url = (rel: string): string => pathToFileURL(join(SRC, rel)).href;

/** Runs an ES module body in a fresh Node (this one: 24, with type stripping); resolves with its exit code and output. */
function runModule(body: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', body], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

describe('pending AWS work keeps a process alive until it is done', () => {
  it('a call waiting for a token gets it (the bucket empty, nothing else running)', async () => {
    const r = await runModule(`
      import { TokenBucket } from ${JSON.stringify(url('aws/token-bucket.ts'))};
      const bucket = new TokenBucket({ ratePerSecond: 20, burst: 1 });
      await bucket.take();
      await bucket.take();
      await bucket.take();
      process.stdout.write('granted 3');
    `);
    expect(r).toMatchObject({ code: 0, stdout: 'granted 3' });
  });

  it('a by-ARN read waiting for its batch window is sent and answered', async () => {
    const r = await runModule(`
      import { ArnBatcher } from ${JSON.stringify(url('reconcilers/load-balanced-service/arn-batcher.ts'))};
      const batcher = new ArnBatcher(async (arns) => new Map(arns.map((a) => [a, a.length])), { windowMs: 50 });
      const got = await batcher.get(['arn:a', 'arn:bb']);
      process.stdout.write(JSON.stringify([...got]));
    `);
    expect(r).toMatchObject({ code: 0, stdout: '[["arn:a",5],["arn:bb",6]]' });
  });
});
