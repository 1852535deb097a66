/**
 * The merchant's did:web identity, derived from the public base URL: did:web:<host>[%3A<port>][:<path>...],
 * resolved at https://<host>/.well-known/did.json (or <base>/did.json when the base URL has a path).
 * Every published key is a Multikey verification method; the fragment is the key's JWK thumbprint.
 */
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import type { KeyStore, SigningKey } from './keys.js';

export const DID_CONTEXT = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';

export function didFromBaseUrl(baseUrl: string): string {
  const u = new URL(baseUrl);
  const host = u.host.toLowerCase().replace(':', '%3A');
  const segments = u.pathname.split('/').filter(Boolean).map(encodeURIComponent);
  return ['did:web', host, ...segments].join(':');
}

/** Where the DID document is served, relative to the base URL's origin. */
export function didDocumentPath(baseUrl: string): string {
  const path = new URL(baseUrl).pathname.replace(/\/+$/, '');
  return path ? `${path}/did.json` : '/.well-known/did.json';
}

export interface VerificationMethod {
  id: string;
  type: 'Multikey';
  controller: string;
  publicKeyMultibase: string;
}

export interface DidDocument {
  '@context': string[];
  id: string;
  verificationMethod: VerificationMethod[];
  assertionMethod: string[];
  authentication: string[];
}

const multibase = new Map<string, string>();

async function publicKeyMultibase(key: SigningKey): Promise<string> {
  let mb = multibase.get(key.kid);
  if (!mb) {
    const pair = key.kind === 'ed25519' ? await Ed25519Multikey.fromJwk({ jwk: key.publicJwk }) : await EcdsaMultikey.fromJwk({ jwk: key.publicJwk });
    mb = pair.publicKeyMultibase;
    multibase.set(key.kid, mb);
  }
  return mb;
}

export function verificationMethodId(did: string, kid: string): string {
  return `${did}#${kid}`;
}

export async function didDocument(did: string, keys: KeyStore): Promise<DidDocument> {
  const published = keys.published();
  const methods = await Promise.all(
    published.map(async (k) => ({ id: verificationMethodId(did, k.kid), type: 'Multikey' as const, controller: did, publicKeyMultibase: await publicKeyMultibase(k) })),
  );
  const ed = published.filter((k) => k.kind === 'ed25519').map((k) => verificationMethodId(did, k.kid));
  const ec = published.filter((k) => k.kind === 'p256').map((k) => verificationMethodId(did, k.kid));
  return {
    '@context': [DID_CONTEXT, MULTIKEY_CONTEXT],
    id: did,
    verificationMethod: methods,
    // Ed25519 keys assert credentials; P-256 keys sign HTTP messages (also listed so verifiers can bind them).
    assertionMethod: [...ed, ...ec],
    authentication: ec,
  };
}

/** The public keys as a JWK Set (RFC 7517); `kid` is the RFC 7638 thumbprint. */
export function jwks(keys: KeyStore): { keys: object[] } {
  return { keys: keys.published().map((k) => ({ ...k.publicJwk })) };
}
