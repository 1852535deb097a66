/**
 * The merchant's signing keys, in <data>/keys: an Ed25519 key for Data Integrity credentials (and
 * vc+jwt) and an EC P-256 key for HTTP message signatures (UCP requires ES256). Private keys are files
 * of mode 0600 in a 0700 directory; they are never served and never logged. Each key's id is its
 * RFC 7638 JWK thumbprint, used as the JWKS `kid` and as the DID verification method fragment.
 *
 * Rotation retires the active key of a kind and creates a new one; retired keys stay published (DID
 * document, JWKS) while anything signed with them can still be verified, and are pruned after that.
 */
import { UcpdError } from '../errors.js';
import { generateKeyPairSync, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';

export type KeyKind = 'ed25519' | 'p256';

export interface KeyRecord {
  kid: string;
  kind: KeyKind;
  status: 'active' | 'retired';
  createdAt: string;
  retiredAt?: string;
  /** Public JWK (kid, alg, use set). */
  publicJwk: JWK;
}

export interface SigningKey extends KeyRecord {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Private JWK, for libraries that take one (Ed25519 Multikey). Never serialise it anywhere else. */
  privateJwk: JWK;
}

interface IndexFile {
  version: 1;
  keys: (Omit<KeyRecord, 'publicJwk'> & { file: string })[];
}

const ALG: Record<KeyKind, string> = { ed25519: 'EdDSA', p256: 'ES256' };

/** The key store cannot be read or written: the server's own state, never a request's fault. */
export class KeyStoreError extends UcpdError {
  constructor(message: string) {
    super('internal', 'key_store', message);
    this.name = 'KeyStoreError';
  }
}

/** Public part of a JWK with its kid, alg and use: what JWKS and DID documents publish. */
async function publicJwkOf(kind: KeyKind, jwk: JWK): Promise<JWK> {
  const pub: JWK = kind === 'ed25519' ? { kty: 'OKP', crv: 'Ed25519', x: jwk.x! } : { kty: 'EC', crv: 'P-256', x: jwk.x!, y: jwk.y! };
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  return { ...pub, kid, alg: ALG[kind], use: 'sig' };
}

function writePrivate(file: string, content: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

export class KeyStore {
  private readonly dir: string;
  private keys: SigningKey[] = [];
  private loadedMtime = 0;

  private constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'keys');
  }

  /** Open the key directory; with `create`, generate any kind that has no active key yet. */
  static async open(dataDir: string, { create = true, now = () => new Date() }: { create?: boolean; now?: () => Date } = {}): Promise<KeyStore> {
    const ks = new KeyStore(dataDir);
    ks.load();
    if (create) {
      for (const kind of ['ed25519', 'p256'] as const) if (!ks.keys.some((k) => k.kind === kind && k.status === 'active')) await ks.generate(kind, now());
    }
    return ks;
  }

  private indexFile(): string {
    return path.join(this.dir, 'index.json');
  }

  private load(): void {
    if (!existsSync(this.indexFile())) return;
    this.loadedMtime = statSync(this.indexFile()).mtimeMs;
    const index = JSON.parse(readFileSync(this.indexFile(), 'utf8')) as IndexFile;
    this.keys = index.keys.map((k) => {
      const privateJwk = JSON.parse(readFileSync(path.join(this.dir, k.file), 'utf8')) as JWK;
      const privateKey = createPrivateKey({ key: privateJwk as never, format: 'jwk' });
      const publicJwk = {
        ...(privateJwk.kty === 'OKP' ? { kty: 'OKP', crv: 'Ed25519', x: privateJwk.x } : { kty: 'EC', crv: 'P-256', x: privateJwk.x, y: privateJwk.y }),
        kid: k.kid,
        alg: ALG[k.kind],
        use: 'sig',
      } as JWK;
      return { ...k, publicJwk, privateJwk, privateKey, publicKey: createPublicKey(privateKey) };
    });
  }

  /** Pick up a rotation made by another process (`ucpd keys rotate` while the server runs). */
  reloadIfChanged(): boolean {
    if (!existsSync(this.indexFile()) || statSync(this.indexFile()).mtimeMs === this.loadedMtime) return false;
    this.load();
    return true;
  }

  private save(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const index: IndexFile = {
      version: 1,
      keys: this.keys.map((k) => ({ kid: k.kid, kind: k.kind, status: k.status, createdAt: k.createdAt, ...(k.retiredAt ? { retiredAt: k.retiredAt } : {}), file: `${k.kind}-${k.kid}.jwk.json` })),
    };
    writePrivate(this.indexFile(), JSON.stringify(index, null, 2));
    this.loadedMtime = statSync(this.indexFile()).mtimeMs;
  }

  private async generate(kind: KeyKind, now: Date): Promise<SigningKey> {
    const pair = kind === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const privateJwk = pair.privateKey.export({ format: 'jwk' }) as JWK;
    const publicJwk = await publicJwkOf(kind, privateJwk);
    const key: SigningKey = { kid: publicJwk.kid!, kind, status: 'active', createdAt: now.toISOString(), publicJwk, privateJwk, privateKey: pair.privateKey, publicKey: pair.publicKey };
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writePrivate(path.join(this.dir, `${kind}-${key.kid}.jwk.json`), JSON.stringify(privateJwk));
    this.keys.push(key);
    this.save();
    return key;
  }

  /** Retire the active key of each kind (or one kind) and start signing with a new one. */
  async rotate(now: Date, kinds: readonly KeyKind[] = ['ed25519', 'p256']): Promise<{ retired: string[]; created: string[] }> {
    const retired: string[] = [];
    const created: string[] = [];
    for (const kind of kinds) {
      for (const k of this.keys) {
        if (k.kind === kind && k.status === 'active') {
          k.status = 'retired';
          k.retiredAt = now.toISOString();
          retired.push(k.kid);
        }
      }
      created.push((await this.generate(kind, now)).kid);
    }
    return { retired, created };
  }

  /** Forget retired keys that nothing still needs (`stillNeeded` says which kids are referenced). */
  prune(stillNeeded: (kid: string) => boolean): string[] {
    const dropped = this.keys.filter((k) => k.status === 'retired' && !stillNeeded(k.kid)).map((k) => k.kid);
    if (dropped.length) {
      this.keys = this.keys.filter((k) => !dropped.includes(k.kid));
      this.save();
    }
    return dropped;
  }

  active(kind: KeyKind): SigningKey {
    const key = this.keys.find((k) => k.kind === kind && k.status === 'active');
    if (!key) throw new KeyStoreError(`no active ${kind} key; run \`ucpd keys init\``);
    return key;
  }

  /** Every key still published (active and retired), newest first. */
  published(): SigningKey[] {
    return [...this.keys].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  }

  find(kid: string): SigningKey | undefined {
    return this.keys.find((k) => k.kid === kid);
  }

  list(): KeyRecord[] {
    return this.published().map(({ kid, kind, status, createdAt, retiredAt, publicJwk }) => ({ kid, kind, status, createdAt, ...(retiredAt ? { retiredAt } : {}), publicJwk }));
  }
}
