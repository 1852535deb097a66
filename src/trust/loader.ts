/**
 * The document loader every signature operation uses. It knows: the W3C credential, DID and Multikey
 * contexts (from their npm packages), ucpd's credential context and the catalog contexts (files in this
 * repository), the merchant's own did:web document and verification methods (built from the key store)
 * and its status list credentials (from the store), and any did:key (computed from the identifier).
 * Anything else fails closed: no network, ever.
 */
import { readFileSync } from 'node:fs';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import didContext from 'did-context';
import multikeyContext from '@digitalbazaar/multikey-context';
import { offlineLoader, UnknownDocumentError, type DocumentLoader } from '../linked-data/contexts.js';
import { projectPath } from '../paths.js';
import { MULTIKEY_CONTEXT, didDocument } from './did.js';
import { didKeyDocument } from './did-key.js';
import type { KeyStore } from './keys.js';

export const VC_V2 = 'https://www.w3.org/ns/credentials/v2';

let credentialContextDoc: unknown;
export function credentialContextDocument(): unknown {
  credentialContextDoc ??= JSON.parse(readFileSync(projectPath('credentials', 'ucpd-credentials-v1.jsonld'), 'utf8'));
  return credentialContextDoc;
}

/**
 * The VC 2.0 examples context (its one `@vocab` line, as the W3C publishes it and its test suites embed
 * it; no npm package ships it), for credentials written the way the specification's examples are.
 */
export const VC_EXAMPLES_V2 = 'https://www.w3.org/ns/credentials/examples/v2';
let examplesDoc: unknown;

/** The W3C contexts ucpd ships (VC 2.0 and its examples context, DID, Multikey), by URL. */
export function w3cContexts(): Record<string, unknown> {
  examplesDoc ??= JSON.parse(readFileSync(projectPath('credentials', 'w3c-credentials-examples-v2.jsonld'), 'utf8'));
  const out: Record<string, unknown> = { [VC_EXAMPLES_V2]: examplesDoc };
  for (const [url, doc] of credentialsContext.contexts) out[url] = doc;
  for (const [url, doc] of didContext.contexts) out[url] = doc;
  for (const [url, doc] of multikeyContext.contexts) out[url] = doc;
  return out;
}

export function credentialContextUrl(baseUrl: string): string {
  return `${baseUrl}/credentials/context/v1.jsonld`;
}

export interface TrustLoaderOptions {
  baseUrl: string;
  did: string;
  keys: KeyStore;
  /** The signed status list credential at a URL of this store, if there is one. */
  statusList(url: string): Promise<object | undefined>;
}

export function trustLoader(o: TrustLoaderOptions): DocumentLoader {
  const statics: Record<string, unknown> = { [credentialContextUrl(o.baseUrl)]: credentialContextDocument(), ...w3cContexts() };
  const base = offlineLoader(`${o.baseUrl}/.well-known/commerce/context.jsonld`, statics);
  const statusPrefix = `${o.baseUrl}/credentials/status/`;
  return async (url: string) => {
    if (url === o.did || url.startsWith(`${o.did}#`)) {
      const doc = await didDocument(o.did, o.keys);
      if (url === o.did) return { documentUrl: url, document: doc };
      const vm = doc.verificationMethod.find((m) => m.id === url);
      if (!vm) throw new UnknownDocumentError(url);
      return { documentUrl: url, document: { '@context': MULTIKEY_CONTEXT, ...vm } };
    }
    // did:key resolves from the identifier itself: credentials and presentations signed by anyone's did:key verify offline
    if (url.startsWith('did:key:')) {
      const doc = await didKeyDocument(url);
      if (!doc) throw new UnknownDocumentError(url);
      return { documentUrl: url, document: doc };
    }
    if (url.startsWith(statusPrefix)) {
      const list = await o.statusList(url);
      if (!list) throw new UnknownDocumentError(url);
      return { documentUrl: url, document: list };
    }
    return base(url);
  };
}
