/**
 * bench/trust: what trust costs.
 *  1. Credential verification: the VC API (POST /credentials/verify, one credential per request; and
 *     POST /presentations/verify with 10 credentials per request, what the JSON limits admit) under wrk, against the bare
 *     @digitalbazaar/vc library verifying the same credentials in a loop in this process.
 *     And issuing: POST /credentials/issue (a VC Data Model 2.0 credential checked, signed as given,
 *     stored) under wrk against the bare library's vc.issue of the same credential in this process.
 *  2. Response signing: requests/s of the product document with signatures on and off (wrk, 64
 *     connections), plus the raw cost of one ES256 signature.
 *
 *   npm run build && node dist/bench/trust.js [--runs 3] [--duration 10]
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsa } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { checkStatus } from '@digitalbazaar/vc-bitstring-status-list';
import { importFeed } from '../src/feed/pipeline.js';
import { jsonlFile } from '../src/feed/formats/jsonl.js';
import { Urls } from '../src/publish/urls.js';
import { silentLogger } from '../src/logger.js';
import { projectPath } from '../src/paths.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { systemClock } from '../src/store/store.js';
import { signMessage } from '../src/trust/http-signatures.js';
import { openTrust } from '../src/trust/trust.js';
import { execFileSync } from 'node:child_process';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { freePort, median, spawnUntil, waitForCredentials, benchArgs } from './lib.js';

const args = benchArgs();
const runs = Number(args.get('runs') ?? 3);
const duration = Number(args.get('duration') ?? 10);
const cli = projectPath('dist', 'src', 'cli', 'main.js');
const out = path.join(os.tmpdir(), `ucpd-bench-trust-${process.pid}`);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const dataDir = path.join(out, 'data');
const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

function wrk(url: string, script?: string, connections = 16): { rps: number; p99: number; requests: number } {
  const argv = ['-t2', `-c${connections}`, `-d${duration}s`, '--latency', ...(script ? ['-s', script] : []), url];
  const r = spawnSync('wrk', argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`wrk failed: ${r.stderr}`);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)![1]);
  const p99raw = /\s99%\s+([\d.]+)(us|ms|s)/.exec(r.stdout)!;
  const p99 = Number(p99raw[1]) * (p99raw[2] === 'us' ? 0.001 : p99raw[2] === 's' ? 1000 : 1);
  if (/Non-2xx or 3xx responses/.test(r.stdout)) throw new Error(`wrk saw errors for ${url}:\n${r.stdout}`);
  const requests = Number(/(\d+) requests in/.exec(r.stdout)![1]);
  return { rps, p99, requests };
}

function postScript(name: string, body: string): string {
  const file = path.join(out, `${name}.lua`);
  writeFileSync(file, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = ${JSON.stringify(body)}\n`);
  return file;
}

async function serve(extra: string[]): Promise<ChildProcess> {
  const { child } = await spawnUntil([cli, '--data-dir', dataDir, 'serve', '--port', String(PORT), '--no-seed', '--log-level', 'warn', ...extra]);
  await waitForCredentials(BASE, 100);
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

// ---- setup: the demo catalog and its credentials, issued for the base URL the server will use
const store = new SqliteStore({ file: path.join(dataDir, 'ucpd.sqlite') });
await importFeed(store, jsonlFile(projectPath('demo', 'outdoor-gear.jsonl')));
const trust = await openTrust({ store, dataDir, urls: new Urls(BASE), clock: systemClock, logger: silentLogger });
await trust.sync.run();
const credentials = (await store.listCredentials({ limit: 200 })).items.map((c) => JSON.parse(c.vc) as Record<string, unknown>);
console.log(`${credentials.length} credentials of ${new Set(credentials.map((c) => (c.type as string[])[1])).size} types`);

// ---- bare library, in this process, the same credentials, the same document loader
const suite = new DataIntegrityProof({ cryptosuite: eddsa });
const documentLoader = trust.credentials.loader;
async function bareRate(withStatus: boolean): Promise<number> {
  let n = 0;
  const end = performance.now() + duration * 1000;
  while (performance.now() < end) {
    const credential = credentials[n % credentials.length]!;
    const r = await vc.verifyCredential({
      credential,
      suite,
      documentLoader,
      checkStatus: withStatus ? (o) => checkStatus({ ...(o as { credential: object }), documentLoader, suite }) : async () => ({ verified: true }),
    });
    if (!r.verified) throw new Error('bare verification failed');
    n++;
  }
  return n / duration;
}

// ---- issuing: the same VC Data Model 2.0 credential through the VC API and through the bare library
const issuable = {
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://www.w3.org/ns/credentials/examples/v2'],
  type: ['VerifiableCredential', 'ExampleCredential'],
  issuer: trust.did,
  validFrom: '2026-01-01T00:00:00Z',
  credentialSubject: { id: 'did:example:holder', name: 'Alice', degree: { type: 'ExampleBachelorDegree', name: 'Bachelor of Arts' } },
};
const issuerKey = await Ed25519Multikey.generate({ controller: trust.did, id: `${trust.did}#bench` });
const issueSuite = new DataIntegrityProof({ signer: issuerKey.signer(), cryptosuite: eddsa });
async function bareIssueRate(): Promise<number> {
  let n = 0;
  const end = performance.now() + duration * 1000;
  while (performance.now() < end) {
    await vc.issue({ credential: structuredClone(issuable), suite: issueSuite, documentLoader });
    n++;
  }
  return n / duration;
}
const token = execFileSync(process.execPath, [cli, '--data-dir', dataDir, 'tokens', 'create', '--name', 'bench-issue', '--scope', 'credentials:write']).toString().trim();
const issueScript = path.join(out, 'issue.lua');
writeFileSync(
  issueScript,
  `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${token}"\nwrk.body = ${JSON.stringify(JSON.stringify({ credential: issuable }))}\n`,
);

/** Credentials per presentation: what a request may carry under the JSON limits (1,000 values; issue 11). */
const BATCH = 10;
const single = postScript('single', JSON.stringify({ verifiableCredential: credentials[0] }));
const batch = postScript(
  'batch',
  JSON.stringify({ verifiablePresentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], verifiableCredential: credentials.slice(0, BATCH) } }),
);

const results: Record<string, number[]> = {};
const add = (k: string, v: number): void => {
  results[k] ??= [];
  results[k].push(v);
};
for (let r = 0; r < runs; r++) {
  const bare = await bareRate(true);
  const bareProofOnly = await bareRate(false);
  add('bare library, proof + status (library checkStatus)', bare);
  add('bare library, proof only', bareProofOnly);
  add('bare library vc.issue, credentials/s', await bareIssueRate());
  const server = await serve([]);
  // one issue first: a refusal says why (wrk only counts non-2xx answers)
  const probe = await fetch(`${BASE}/credentials/issue`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ credential: issuable }),
  });
  if (probe.status !== 201) throw new Error(`/credentials/issue answered ${probe.status}: ${await probe.text()}`);
  add('VC API /credentials/issue, credentials/s', wrk(`${BASE}/credentials/issue`, issueScript, 4).rps);
  const api = wrk(`${BASE}/credentials/verify`, single);
  const apiBatch = wrk(`${BASE}/presentations/verify`, batch, 4);
  add('VC API /credentials/verify, credentials/s', api.rps);
  add(`VC API /presentations/verify x${BATCH}, credentials/s`, apiBatch.rps * BATCH);
  await stop(server);
  // Signed and unsigned each on a fresh server, alternating which goes first.
  const product = async (flags: string[]) => {
    const s = await serve(flags);
    const cpu0 = cpuSeconds(s.pid!);
    const result = wrk(`${BASE}/products/rdg-talus-tent`, undefined, 64);
    const cpuUs = ((cpuSeconds(s.pid!) - cpu0) * 1e6) / result.requests;
    await stop(s);
    return { ...result, cpuUs };
  };
  const [signed, unsigned] = r % 2 === 0 ? [await product([]), await product(['--no-sign-responses'])] : [...[await product(['--no-sign-responses']), await product([])]].reverse();
  add('product document signed, req/s', signed.rps);
  add('product document unsigned, req/s', unsigned.rps);
  add('product document signed, server CPU µs/request', signed.cpuUs);
  add('product document unsigned, server CPU µs/request', unsigned.cpuUs);
  console.log(
    `run ${r + 1}: bare ${bare.toFixed(0)}/s (proof only ${bareProofOnly.toFixed(0)}/s); API single ${api.rps.toFixed(0)}/s p99 ${api.p99.toFixed(1)} ms; ` +
      `API batch ${(apiBatch.rps * BATCH).toFixed(0)} credentials/s; product signed ${signed.rps.toFixed(0)} vs unsigned ${unsigned.rps.toFixed(0)} req/s ` +
      `(server CPU ${signed.cpuUs.toFixed(1)} vs ${unsigned.cpuUs.toFixed(1)} µs/request)`,
  );
}

// raw cost of one ES256 response signature (what a cache miss pays)
const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const N = 5000;
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  signMessage(
    { status: 200, headers: { 'content-digest': 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:', 'content-type': 'application/ld+json' } },
    { components: ['@status', 'content-digest', 'content-type', '@method;req', '@authority;req', '@path;req'], keyid: 'k', privateKey, created: i, expires: i + 300 },
    { method: 'GET', authority: 'shop.example', path: `/products/${i}`, headers: {} },
  );
}
const signUs = ((performance.now() - t0) * 1000) / N;

await store.close();
const m = (k: string) => median(results[k]!);
console.log(`\nbench/trust: ${runs} runs of ${duration} s, medians`);
for (const k of Object.keys(results)) console.log(`  ${k.padEnd(52)} ${m(k).toFixed(0)}`);
const ratio = m('VC API /credentials/verify, credentials/s') / m('bare library, proof + status (library checkStatus)');
const ratioBatch = m(`VC API /presentations/verify x${BATCH}, credentials/s`) / m('bare library, proof + status (library checkStatus)');
const ratioProof = m('VC API /credentials/verify, credentials/s') / m('bare library, proof only');
console.log(`  VC API verify / bare library (same checks): single ${ratio.toFixed(2)}, batch ${ratioBatch.toFixed(2)} (target >= 0.70); vs proof-only library ${ratioProof.toFixed(2)}`);
const ratioIssue = m('VC API /credentials/issue, credentials/s') / m('bare library vc.issue, credentials/s');
console.log(`  VC API issue / bare library vc.issue: ${ratioIssue.toFixed(2)} (target >= 0.70)`);
const cost = 1 - m('product document signed, req/s') / m('product document unsigned, req/s');
console.log(`  signing cost on the product document: ${(cost * 100).toFixed(1)}% of throughput (target <= 15%); one ES256 signature ${signUs.toFixed(1)} µs`);
rmSync(out, { recursive: true, force: true });
