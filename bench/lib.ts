/** What every benchmark needs: percentiles, a process started until it prints its URL, a ucpd whose background credential issuance has finished, the UCP reference store with plenty of stock. */
import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { projectPath } from '../src/paths.js';
import { platformProfile } from '../src/ucp/agent.js';

/** The p-th percentile (nearest rank, lower). */
export const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
export const median = (xs: number[]): number => pct(xs, 50);

/** The `--name value` pairs of the command line. */
export function benchArgs(argv: readonly string[] = process.argv): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 2; i < argv.length; i += 2) args.set(argv[i]!.replace(/^--/, ''), argv[i + 1] ?? '');
  return args;
}

export const UCPD_READY = /ucpd serving on (http:\/\/[\d.]+:\d+)/;

/** Start `node <argv>` and resolve with the URL its stdout announces (first group of `ready`). */
export async function spawnUntil(argv: string[], ready: RegExp = UCPD_READY, options: SpawnOptions = {}): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'], ...options });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d;
      const m = ready.exec(buf);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${buf}`)));
  });
  return { child, url };
}

/**
 * Wait until ucpd's first credential issuance has finished: it runs in the background on a new data
 * directory and competes for the CPU until it is done, so measurements start after it.
 */
export async function waitForCredentials(url: string, everyMs = 200): Promise<void> {
  for (;;) {
    const h = (await (await fetch(`${url}/healthz`)).json()) as { credentials: string };
    if (h.credentials === 'ready') return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * A fresh data directory holding the UCP reference store (the flower shop), the bench agent's profile
 * pinned with `capabilities`, and an admin token; `env` points `ucpd` at it.
 */
/** `version`: the UCP version the pinned agent profile declares (2026-04-08 unless told). */
export function referenceStore(dataDir: string, agentUrl: string, capabilities: string[], version?: string): { env: NodeJS.ProcessEnv; token: string } {
  const cli = projectPath('dist', 'src', 'cli', 'main.js');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(path.join(dataDir, 'platforms'), { recursive: true });
  const env = { ...process.env, UCPD_DATA_DIR: dataDir };
  execFileSync(process.execPath, [cli, 'import', projectPath('..', 'shared', 'fixtures', 'flower_shop')], { env, stdio: 'ignore' });
  writeFileSync(
    path.join(dataDir, 'platforms', 'bench.json'),
    JSON.stringify({ profile_url: agentUrl, profile: platformProfile({ capabilities, ...(version ? { version, capabilityVersion: version } : {}) }) }),
  );
  const token = execFileSync(process.execPath, [cli, 'tokens', 'create', '--name', 'bench'], { env }).toString().trim();
  return { env, token };
}

/** Stock for any run length: the reference store's roses at 100,000,000 units, through the admin API. */
export async function stockUp(base: string, token: string): Promise<void> {
  const stock = await fetch(`${base}/admin/v1/inventory`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ updates: [{ variant_id: 'bouquet_roses', on_hand: 100_000_000 }] }),
  });
  if (stock.status !== 200) throw new Error(`stock update failed: ${stock.status}`);
}
