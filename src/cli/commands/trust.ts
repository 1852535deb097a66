import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { Urls } from '../../publish/urls.js';
import { silentLogger } from '../../logger.js';
import { systemClock, type Store } from '../../store/store.js';
import { CREDENTIAL_TYPES } from '../../trust/claims.js';
import { verifyCredentialText, verifyUrl } from '../../trust/remote.js';
import { openTrust, type Trust } from '../../trust/trust.js';
import type { VerificationResult } from '../../trust/verifier.js';
import { configFrom, openStore } from '../context.js';
import { CommandFailed, UsageError } from '../errors.js';

async function withTrust<T>(cmd: Command, create: boolean, work: (t: Trust, store: Store) => Promise<T>): Promise<T> {
  const config = configFrom(cmd.optsWithGlobals());
  const store = openStore(config);
  try {
    const trust = await openTrust({ store, dataDir: config.dataDir, urls: new Urls(config.baseUrl), clock: systemClock, logger: silentLogger, createKeys: create });
    return await work(trust, store);
  } finally {
    await store.close();
  }
}

function printKeys(t: Trust, json: boolean): void {
  const keys = t.keys.list();
  if (json) {
    process.stdout.write(`${JSON.stringify({ did: t.did, keys }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${t.did}\n`);
  for (const k of keys) process.stdout.write(`  ${k.kid}  ${k.kind.padEnd(8)} ${k.status.padEnd(8)} created ${k.createdAt}${k.retiredAt ? `, retired ${k.retiredAt}` : ''}\n`);
}

function describe(r: VerificationResult): string {
  const lines = [`${r.verified ? 'VERIFIED' : 'NOT VERIFIED'} (${r.format ?? 'unknown format'}; checked ${r.checks.join(', ') || 'nothing'})`];
  for (const e of r.errors) lines.push(`  error ${e.code}: ${e.message}`);
  for (const w of r.warnings) lines.push(`  warning ${w.code}: ${w.message}`);
  return lines.join('\n');
}

export function registerTrust(program: Command): void {
  const keys = program.command('keys').description('the signing keys: Ed25519 for credentials, P-256 for HTTP message signatures');
  keys
    .command('init')
    .description('create the keys that are missing (the server also does this on first start)')
    .option('--json', 'print as JSON')
    .option('--base-url <url>', 'public base URL, which names the did:web identity (UCPD_BASE_URL)')
    .action(async (opts, cmd: Command) => withTrust(cmd, true, async (t) => printKeys(t, Boolean(opts.json))));
  keys
    .command('list')
    .description('list published keys (never private material)')
    .option('--json', 'print as JSON')
    .option('--base-url <url>', 'public base URL (UCPD_BASE_URL)')
    .action(async (opts, cmd: Command) => withTrust(cmd, false, async (t) => printKeys(t, Boolean(opts.json))));
  keys
    .command('rotate')
    .description('retire the active keys and sign with new ones; old public keys stay published while still needed')
    .option('--kind <kind>', 'ed25519 or p256 (default: both)')
    .option('--reissue', 're-issue every active credential with the new key now (the old ones are revoked)')
    .option('--base-url <url>', 'public base URL (UCPD_BASE_URL)')
    .action(async (opts, cmd: Command) => {
      if (opts.kind !== undefined && opts.kind !== 'ed25519' && opts.kind !== 'p256') throw new UsageError('--kind must be ed25519 or p256');
      await withTrust(cmd, true, async (t) => {
        const r = await t.keys.rotate(systemClock.now(), opts.kind ? [opts.kind] : ['ed25519', 'p256']);
        process.stdout.write(`retired ${r.retired.join(', ') || 'nothing'}; now signing with ${r.created.join(', ')}\n`);
        if (opts.reissue) {
          const report = await t.sync.run({ rekey: true });
          process.stdout.write(`re-issued ${report.issued} credentials, revoked ${report.revoked}\n`);
        }
      });
    });

  const creds = program.command('credentials').description('verifiable credentials this store issues');
  creds
    .command('list')
    .description('list issued credentials')
    .option('--type <type>', CREDENTIAL_TYPES.join(' | '))
    .option('--all', 'include revoked credentials')
    .option('--limit <n>', 'how many', '100')
    .option('--json', 'print as JSON')
    .action(async (opts, cmd: Command) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be an integer from 1 to 10000');
      await withTrust(cmd, false, async (_t, store) => {
        const page = await store.listCredentials({ limit, includeRevoked: Boolean(opts.all), ...(opts.type ? { type: String(opts.type) } : {}) });
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify(
              page.items.map(({ vc: _v, jwt: _j, ...c }) => c),
              null,
              2,
            )}\n`,
          );
          return;
        }
        for (const c of page.items) process.stdout.write(`${c.id}  ${c.type.padEnd(30)} ${c.subjectId}  ${c.revokedAt ? `revoked ${c.revokedAt}` : `valid until ${c.validUntil ?? '-'}`}\n`);
        if (page.next) process.stdout.write(`(more: raise --limit)\n`);
      });
    });
  creds
    .command('issue')
    .description('issue what the catalog needs now (default), or sign the credential in --file')
    .option('--file <path>', 'an unsigned VC 2.0 credential (JSON) to sign as this store')
    .option('--full', 'look at the whole catalog, not just what changed')
    .action(async (opts, cmd: Command) => {
      await withTrust(cmd, true, async (t) => {
        if (!opts.file) {
          const report = await t.sync.run({ full: Boolean(opts.full) });
          process.stdout.write(`issued ${report.issued}, revoked ${report.revoked}, unchanged ${report.unchanged}\n`);
          return;
        }
        if (!existsSync(opts.file)) throw new UsageError(`no such file ${opts.file}`);
        let credential: Record<string, unknown>;
        try {
          credential = JSON.parse(readFileSync(opts.file, 'utf8')) as Record<string, unknown>;
        } catch (err) {
          throw new UsageError(`${opts.file} is not JSON: ${(err as Error).message}`);
        }
        const types = Array.isArray(credential.type) ? credential.type : [credential.type];
        const type = types.find((x) => x !== 'VerifiableCredential');
        if (typeof type !== 'string' || !credential.credentialSubject) throw new UsageError('the credential needs a type and a credentialSubject');
        const contexts = Array.isArray(credential['@context']) ? credential['@context'].slice(1) : [];
        const record = await t.credentials.issue({ type, subject: credential.credentialSubject as Record<string, unknown>, extraContexts: contexts as string[] }).catch((err: unknown) => {
          throw new CommandFailed(`cannot sign: ${(err as Error).message}`);
        });
        process.stdout.write(`${record.vc}\n`);
      });
    });
  creds
    .command('revoke')
    .description('revoke a credential (sets its bit in the status list)')
    .argument('<id>', 'credential id (URL)')
    .action(async (id: string, _opts, cmd: Command) => {
      await withTrust(cmd, false, async (t) => {
        const revoked = await t.credentials.revoke(id);
        if (!revoked) {
          process.stderr.write(`no active credential ${id}\n`);
          throw new CommandFailed();
        }
        process.stdout.write(`revoked ${id} (status list index ${revoked.statusIndex})\n`);
      });
    });

  program
    .command('verify')
    .description('verify a credential (file: JSON or vc+jwt) or a signed response (URL: its signature, and the credential it serves)')
    .argument('<target>', 'a file path or an http(s) URL')
    .option('--base-url <url>', "the issuer's base URL, to resolve its DID, contexts and status list (default: the URL's origin; for files, from the issuer DID)")
    .option('--accept <type>', 'Accept header when fetching a URL (e.g. application/vc+jwt)')
    .option('--json', 'print the result as JSON')
    .action(async (target: string, opts) => {
      if (/^https?:\/\//.test(target)) {
        const r = await verifyUrl(target, { clock: systemClock, ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}), ...(opts.accept ? { accept: opts.accept } : {}) });
        const ok = r.signature?.ok === true && (!r.credential || r.credential.verified);
        if (opts.json) process.stdout.write(`${JSON.stringify({ ...r, credential: r.credential && { ...r.credential, credential: undefined }, verified: ok }, null, 2)}\n`);
        else {
          process.stdout.write(`${target}: HTTP ${r.status}\n`);
          const s = r.signature!;
          process.stdout.write(s.ok ? `  response signature VERIFIED (keyid ${s.keyid}; covers ${s.components.join(' ')})\n` : `  response signature NOT VERIFIED: ${s.code}: ${s.message}\n`);
          if (r.credential) process.stdout.write(`  credential ${describe(r.credential).replace(/\n/g, '\n  ')}\n`);
        }
        if (!ok) throw new CommandFailed();
        return;
      }
      if (!existsSync(target)) throw new UsageError(`no such file ${target} (URLs start with http:// or https://)`);
      const text = readFileSync(target, 'utf8');
      let baseUrl = opts.baseUrl as string | undefined;
      if (!baseUrl) {
        const issuer = /"issuer"\s*:\s*"(did:web:[^"]+)"/.exec(text)?.[1] ?? issuerOfJwt(text);
        if (!issuer) throw new UsageError('cannot tell the issuer; pass --base-url <issuer base URL>');
        const [host, ...path] = issuer.slice('did:web:'.length).split(':').map(decodeURIComponent);
        baseUrl = `https://${host}${path.length ? `/${path.join('/')}` : ''}`;
      }
      const r = await verifyCredentialText(text, baseUrl, { clock: systemClock });
      process.stdout.write(`${opts.json ? JSON.stringify({ ...r, credential: undefined }, null, 2) : describe(r)}\n`);
      if (!r.verified) throw new CommandFailed();
    });
}

function issuerOfJwt(text: string): string | undefined {
  const parts = text.trim().split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { iss?: string };
    return header.iss;
  } catch {
    return undefined;
  }
}
