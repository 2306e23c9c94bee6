// A recording HTTP proxy in front of moto that calls `onMutation(n, action)` before forwarding the
// n-th mutating ELBv2 request (anything but Describe*/List*/Get*), so a test can SIGKILL the
// controller exactly mid-apply. The request is still forwarded: as with a real crash, AWS may have
// done the work the controller never heard back about.
import { createServer, request, type Server } from 'node:http';

export class KillProxy {
  private server: Server | undefined;
  private target: URL | undefined;
  mutations = 0;
  readonly actions: string[] = [];
  onMutation: ((n: number, action: string) => void) | undefined;

  get url(): string {
    const addr = this.server?.address();
    if (!addr || typeof addr === 'string') throw new Error('proxy not started');
    return `http://127.0.0.1:${addr.port}`;
  }

  async start(target: string): Promise<void> {
    this.target = new URL(target);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body.toString('utf8'))?.[1] ?? '';
        this.actions.push(action);
        const elbv2 = /\/elasticloadbalancing\/aws4_request/.test(String(req.headers.authorization ?? ''));
        if (elbv2 && action && !/^(Describe|List|Get)/.test(action)) {
          this.mutations += 1;
          this.onMutation?.(this.mutations, action);
        }
        const upstream = request(
          { host: this.target!.hostname, port: this.target!.port, path: req.url, method: req.method, headers: req.headers },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
