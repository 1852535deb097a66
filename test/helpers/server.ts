/** The real server (compiled CLI) as a child process on a free loopback port. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { projectPath } from '../../src/paths.js';

/** A port nothing listens on right now (for servers whose port must be known before they start). */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** The CLI under test: this build, or another one (UCPD_TEST_CLI) to run the same tests against it. */
export const CLI = process.env.UCPD_TEST_CLI ?? projectPath('dist', 'src', 'cli', 'main.js');
export const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('UCPD_') && k !== 'NODE_OPTIONS'));

export interface Started {
  child: ChildProcessWithoutNullStreams;
  base: string;
  /** What the server printed on stdout up to its "serving" line. */
  stdout: string;
}

/** Start `ucpd serve` and resolve once it listens and its first credential issuance has finished. */
export async function startServer(dataDir: string, args: string[] = [], env: Record<string, string> = {}): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--log-level', 'warn', ...args], { env: { ...cleanEnv, UCPD_DATA_DIR: dataDir, ...env } });
  let out = '';
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      const m = /ucpd serving on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const health = (await (await fetch(`${base}/healthz`)).json()) as { credentials: string };
    if (health.credentials === 'ready') break;
    if (Date.now() > deadline) throw new Error('credentials were not issued within 30 s');
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, base, stdout: out };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request with the path sent exactly as given (no URL normalisation), on a fresh connection. */
export function rawRequest(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
