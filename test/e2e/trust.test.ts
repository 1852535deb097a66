/** Trust against the real server: did:web resolution over HTTP, `ucpd verify`, key rotation while serving. */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { didFromBaseUrl } from '../../src/trust/did.js';
import { CLI, cleanEnv, startServer } from '../helpers/server.js';
import { tempDir } from '../helpers/store.js';

let server: ChildProcessWithoutNullStreams;
let base: string;
let data: { dir: string; cleanup: () => void };
const ucpd = (...args: string[]) => spawnSync(process.execPath, [CLI, '--data-dir', data.dir, ...args], { encoding: 'utf8', env: cleanEnv, timeout: 60_000 });

beforeAll(async () => {
  data = tempDir('ucpd-trust-');
  ({ child: server, base } = await startServer(data.dir));
});
afterAll(() => {
  server.kill('SIGKILL');
  data.cleanup();
});

describe('trust, end to end', () => {
  test('the did:web identity resolves over HTTP to the keys that sign the credentials', async () => {
    const did = didFromBaseUrl(base);
    const doc = (await (await fetch(`${base}/.well-known/did.json`)).json()) as { id: string; verificationMethod: { id: string }[]; assertionMethod: string[] };
    expect(doc.id).toBe(did);
    const list = (await (await fetch(`${base}/credentials?type=MerchantCredential`)).json()) as { items: { id: string }[] };
    const vc = (await (await fetch(list.items[0]!.id, { headers: { accept: 'application/vc' } })).json()) as { issuer: string; proof: { verificationMethod: string } };
    expect(vc.issuer).toBe(did);
    expect(doc.assertionMethod).toContain(vc.proof.verificationMethod);
  });

  test('ucpd verify: a signed document, a credential, a tampered credential file', async () => {
    const product = ucpd('verify', `${base}/products/rdg-talus-tent`);
    expect(product.status).toBe(0);
    expect(product.stdout).toMatch(/response signature VERIFIED/);
    const list = (await (await fetch(`${base}/credentials?type=ReturnPolicyCredential`)).json()) as { items: { id: string }[] };
    const url = list.items[0]!.id;
    const jwt = ucpd('verify', url, '--accept', 'application/vc+jwt', '--json');
    expect(jwt.status).toBe(0);
    expect(JSON.parse(jwt.stdout)).toMatchObject({ verified: true, credential: { verified: true, format: 'vc+jwt' } });
    const vc = (await (await fetch(url, { headers: { accept: 'application/vc' } })).json()) as { credentialSubject: { merchantReturnDays?: number } };
    const file = path.join(data.dir, 'vc.json');
    writeFileSync(file, JSON.stringify(vc));
    expect(ucpd('verify', file, '--base-url', base).status).toBe(0);
    vc.credentialSubject.merchantReturnDays = 365;
    writeFileSync(file, JSON.stringify(vc));
    const tampered = ucpd('verify', file, '--base-url', base);
    expect(tampered.status).toBe(1);
    expect(tampered.stdout).toMatch(/NOT VERIFIED.*\n\s+error invalid_proof/);
    expect(ucpd('verify', path.join(data.dir, 'missing.json')).status).toBe(2);
  });

  test('keys rotated from the CLI: the server signs with the new P-256 key, the old one stays published', async () => {
    const before = JSON.parse(ucpd('keys', 'list', '--json').stdout) as { keys: { kid: string; kind: string; status: string }[] };
    const oldKid = before.keys.find((k) => k.kind === 'p256' && k.status === 'active')!.kid;
    expect(ucpd('keys', 'rotate', '--kind', 'p256').status).toBe(0);
    const newKid = (JSON.parse(ucpd('keys', 'list', '--json').stdout) as typeof before).keys.find((k) => k.kind === 'p256' && k.status === 'active')!.kid;
    expect(newKid).not.toBe(oldKid);
    const deadline = Date.now() + 15_000;
    let keyid = '';
    while (Date.now() < deadline) {
      const res = await fetch(`${base}/.well-known/commerce`);
      await res.arrayBuffer();
      keyid = /keyid="([^"]+)"/.exec(res.headers.get('signature-input') ?? '')![1]!;
      if (keyid === newKid) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(keyid).toBe(newKid);
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([oldKid, newKid]));
    expect(ucpd('verify', `${base}/.well-known/commerce`).status).toBe(0);
  });
});
