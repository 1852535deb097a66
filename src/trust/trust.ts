/** The trust layer assembled: keys, DID, credentials, response signatures, credential sync. */
import type { Urls } from '../publish/urls.js';
import type { Logger } from '../logger.js';
import type { Clock, Store } from '../store/store.js';
import { CredentialSync } from './credential-sync.js';
import { CredentialService } from './credentials.js';
import { didDocument, didFromBaseUrl, jwks, type DidDocument } from './did.js';
import { KeyStore } from './keys.js';
import { ResponseSigner, SIGNATURE_WINDOW_SECONDS } from './response-signer.js';

/** Retired P-256 keys stay published this long: verifiers of signed messages may hold them (UCP: >= 7 days). */
export const SIGNING_KEY_GRACE_MS = 7 * 24 * 3600_000;

export interface Trust {
  keys: KeyStore;
  did: string;
  credentials: CredentialService;
  signer: ResponseSigner;
  sync: CredentialSync;
  didDocument(): Promise<DidDocument>;
  jwks(): { keys: object[] };
  /** Reload keys rotated by another process; forget retired keys nothing needs any more. */
  refreshKeys(): Promise<string[]>;
}

export interface TrustDeps {
  store: Store;
  dataDir: string;
  urls: Urls;
  clock: Clock;
  logger: Logger;
  /** Create missing keys (the server and `keys init` do; read-only commands do not). */
  createKeys?: boolean;
}

export async function openTrust(d: TrustDeps): Promise<Trust> {
  const keys = await KeyStore.open(d.dataDir, { create: d.createKeys ?? true, now: () => d.clock.now() });
  const did = didFromBaseUrl(d.urls.base);
  const credentials = new CredentialService({ store: d.store, keys, baseUrl: d.urls.base, did, clock: d.clock });
  const signer = new ResponseSigner(keys, new URL(d.urls.base).host, () => d.clock.now().getTime());
  const sync = new CredentialSync({ store: d.store, credentials, urls: d.urls, clock: d.clock, logger: d.logger });
  return {
    keys,
    did,
    credentials,
    signer,
    sync,
    didDocument: () => didDocument(did, keys),
    jwks: () => jwks(keys),
    async refreshKeys() {
      keys.reloadIfChanged();
      const now = d.clock.now();
      const used = await d.store.credentialKeyIds(now.toISOString());
      const graceStart = now.getTime() - Math.max(SIGNING_KEY_GRACE_MS, SIGNATURE_WINDOW_SECONDS * 1000);
      return keys.prune((kid) => {
        const key = keys.find(kid)!;
        return key.kind === 'ed25519' ? used.has(kid) : Date.parse(key.retiredAt ?? now.toISOString()) > graceStart;
      });
    },
  };
}
