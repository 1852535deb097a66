/**
 * did:key, resolved offline from the identifier itself (W3C CCG did:key method): an Ed25519 public key
 * (multibase `z6Mk...`) is the DID, and its document lists that one key as a Multikey verification
 * method for every relationship. Nothing is fetched; a malformed identifier resolves to nothing. Bounded
 * memo: verification resolves the same few keys again and again.
 */
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { MULTIKEY_CONTEXT } from './did.js';

const DID_CONTEXT = 'https://www.w3.org/ns/did/v1';
/** Ed25519 public keys in multibase base58btc: multicodec 0xed01, 32 bytes. */
const ED25519 = /^z6Mk[1-9A-HJ-NP-Za-km-z]{44}$/;
const MEMO = 1000;
const memo = new Map<string, Record<string, unknown> | null>();

type Json = Record<string, unknown>;

async function resolve(did: string): Promise<Json | null> {
  const key = did.slice('did:key:'.length);
  if (!ED25519.test(key)) return null;
  const id = `${did}#${key}`;
  let vm: Json;
  try {
    const pair = await Ed25519Multikey.from({ id, controller: did, publicKeyMultibase: key });
    vm = (await pair.export({ publicKey: true, includeContext: false })) as Json;
  } catch {
    return null;
  }
  return {
    '@context': [DID_CONTEXT, MULTIKEY_CONTEXT],
    id: did,
    verificationMethod: [{ ...vm, id, type: 'Multikey', controller: did }],
    authentication: [id],
    assertionMethod: [id],
    capabilityInvocation: [id],
    capabilityDelegation: [id],
  };
}

/**
 * The document of a did:key URL: the DID document, or (with a fragment naming its key) the verification
 * method; undefined for anything else (another key type, a bad encoding, a wrong fragment).
 */
export async function didKeyDocument(url: string): Promise<Json | undefined> {
  if (!url.startsWith('did:key:')) return undefined;
  const [did, fragment] = url.split('#', 2) as [string, string | undefined];
  let doc = memo.get(did);
  if (doc === undefined) {
    doc = await resolve(did);
    if (memo.size >= MEMO) memo.delete(memo.keys().next().value as string);
    memo.set(did, doc);
  }
  if (!doc) return undefined;
  if (fragment === undefined) return doc;
  const vm = (doc.verificationMethod as Json[]).find((m) => m.id === url);
  return vm ? { '@context': MULTIKEY_CONTEXT, ...vm } : undefined;
}
