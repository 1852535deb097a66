/** A webhook receiver on loopback for end-to-end tests: records every delivery; stopped, its port is closed. */
import http from 'node:http';

export interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  path: string;
}

/** A webhook receiver on loopback; `up` false answers nothing (the port is closed). */
export class Receiver {
  deliveries: Delivery[] = [];
  private server?: http.Server;
  constructor(readonly port: number) {}
  async start(status = 200): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.deliveries.push({ headers: req.headers, body: Buffer.concat(chunks), path: req.url ?? '' });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', r));
  }
  async stop(): Promise<void> {
    if (!this.server) return;
    await new Promise<void>((r) => {
      this.server!.close(() => r());
      this.server!.closeAllConnections();
    });
    this.server = undefined;
  }
  async waitFor(pred: (d: Delivery[]) => boolean, ms = 15_000): Promise<void> {
    const end = Date.now() + ms;
    while (!pred(this.deliveries)) {
      if (Date.now() > end) throw new Error(`webhook not received: ${this.deliveries.length} deliveries`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
