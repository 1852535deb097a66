/**
 * ucpd passes its own conformance suite: `ucpd check` (the compiled CLI) against a freshly started ucpd
 * with the demo catalog, with zero failures, every check run (none skipped), and the JUnit and JSON
 * reports written. The checker's own profile server gets a fixed free port that ucpd is allowed to fetch.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Report } from '../../src/check/model.js';
import { CHECKS } from '../../src/check/runner.js';
import { CLI, cleanEnv, freePort, startServer } from '../helpers/server.js';
import { tempDir } from '../helpers/store.js';

let server: ChildProcessWithoutNullStreams;
let base: string;
let agentPort: number;
let data: { dir: string; cleanup: () => void };

function runCheck(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'check', ...args], { env: cleanEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  data = tempDir('ucpd-check-');
  agentPort = await freePort();
  ({ child: server, base } = await startServer(data.dir, ['--profile-fetch-allow', `127.0.0.1:${agentPort}`]));
}, 60_000);

afterAll(() => {
  server?.kill('SIGKILL');
  data?.cleanup();
});

describe('ucpd check against a fresh ucpd with the demo catalog', () => {
  test('zero failures, no skips, every check reported in the JUnit and JSON files', async () => {
    const junit = path.join(data.dir, 'check.xml');
    const json = path.join(data.dir, 'check.json');
    const r = await runCheck([base, '--agent-port', String(agentPort), '--junit', junit, '--json', json]);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    const failed = report.results.filter((x) => x.status === 'fail');
    expect(failed).toEqual([]);
    expect(r.status).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.results.map((x) => x.id)).toEqual(CHECKS.map((c) => c.id));
    expect(report.results.filter((x) => x.status === 'skip')).toEqual([]);
    // the one warning: HTTP on loopback (UCP requires HTTPS in production)
    expect(report.results.filter((x) => x.status === 'warn').map((x) => x.id)).toEqual(['ucp.profile.hosting']);
    expect(r.stdout).toMatch(new RegExp(`${report.summary.pass} passed, 0 failed, 1 warnings, 0 skipped in [\\d.]+ s`));
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(CHECKS.length);
    expect(xml).toMatch(/<testsuites name="ucpd check [^"]+" tests="\d+" failures="0" skipped="0"/);
    // the checks did real work
    const byId = new Map(report.results.map((x) => [x.id, x.message]));
    expect(byId.get('commerce.catalog.pagination')).toMatch(/^200 products, each once/);
    expect(byId.get('trust.credentials.verify')).toMatch(/^\d{3} credentials verify/);
    expect(byId.get('ucp.checkout.dry_run')).toMatch(/create -> replay -> conflict 409 -> update -> get -> cancel/);
    expect(byId.get('ucp.mcp.tools')).toMatch(/13 tools, the 13 of the advertised capabilities all present/);
    expect(byId.get('ucp.mcp.parity')).toMatch(/^search_catalog, lookup_catalog, get_product: the same bodies as REST/);
    expect(byId.get('ucp.mcp.commerce')).toMatch(/^cart and checkout: create -> get \(equal to REST\) -> update -> cancel over MCP/);
    // the suite speaks the current release, and the older one it supports
    expect(byId.get('ucp.profile.valid')).toMatch(/^valid 2026-08-25 business profile/);
    expect(byId.get('ucp.versions.operations')).toMatch(/^2026-04-08: \d+ operations/);
    expect(byId.get('ucp.checkout.consent')).toMatch(/purposes advertised/);
  }, 120_000);

  test('the whole UCP group passes speaking 2026-04-08 too (REST and MCP), with only the 2026-08-25 features skipped', async () => {
    const json = path.join(data.dir, 'check-0408.json');
    const r = await runCheck([base, '--agent-port', String(agentPort), '--only', 'ucp', '--ucp-version', '2026-04-08', '--json', json]);
    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    expect(report.results.filter((x) => x.status === 'fail')).toEqual([]);
    expect(r.status).toBe(0);
    expect(
      report.results
        .filter((x) => x.status === 'skip')
        .map((x) => x.id)
        .sort(),
    ).toEqual(['ucp.catalog.fulfillment', 'ucp.checkout.consent', 'ucp.permalink', 'ucp.versions.operations']);
    const byId = new Map(report.results.map((x) => [x.id, x.message]));
    expect(byId.get('ucp.mcp.parity')).toMatch(/the same bodies as REST/);
    expect(byId.get('ucp.checkout.dry_run')).toMatch(/every response schema-valid/);
  }, 120_000);

  test('no order without --allow-orders; with it, one paid order through the test payment handler', async () => {
    const orders = () => {
      const db = new Database(path.join(data.dir, 'ucpd.sqlite'), { readonly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM orders').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const before = orders();
    expect(before).toBe(0); // the full run above completed none
    const r = await runCheck([base, '--agent-port', String(agentPort), '--only', 'ucp', '--allow-orders']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/PASS {2}ucp\.checkout\.dry_run .*-> cancel -> complete \(order ord_\w+\)/);
    expect(orders()).toBe(1);
  }, 60_000);

  test('usage errors exit 2; --list names every check', async () => {
    expect((await runCheck([])).status).toBe(2);
    expect((await runCheck(['ftp://example.com'])).status).toBe(2);
    expect((await runCheck([base, '--only', 'commerce,shipping'])).status).toBe(2);
    expect((await runCheck([base, '--agent-port', '70000'])).status).toBe(2);
    const list = spawnSync(process.execPath, [CLI, 'check', '--list'], { encoding: 'utf8', env: cleanEnv });
    expect(list.status).toBe(0);
    for (const c of CHECKS) expect(list.stdout).toContain(c.id);
  });

  test('a required failure exits 1: an endpoint that is not there', async () => {
    const closed = await freePort();
    const r = await runCheck([`http://127.0.0.1:${closed}`, '--only', 'commerce,ucp']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/FAIL {2}commerce\.store\.reachable .*(ECONNREFUSED|answered)/);
  });
});
