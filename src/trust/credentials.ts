/**
 * Issuing, revoking and verifying W3C Verifiable Credentials (Data Model 2.0). Every credential is
 * secured with a Data Integrity proof (eddsa-rdfc-2022, the merchant's Ed25519 key) and also offered as
 * application/vc+jwt (EdDSA, same key). Revocation is a Bitstring Status List of 131,072 entries, itself
 * a signed credential, re-signed whenever a bit changes. Verification is verifier.ts, bound here to this
 * store's own keys and status lists.
 */
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { CompactSign } from 'jose';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import type { DocumentLoader } from '../linked-data/contexts.js';
import type { Clock, CredentialRecord, Store } from '../store/store.js';
import { verificationMethodId } from './did.js';
import type { KeyStore } from './keys.js';
import { VC_V2, credentialContextUrl, trustLoader } from './loader.js';
import { Verifier, type PresentationResult, type VerificationResult } from './verifier.js';
import { CREDENTIAL_TYPES } from './claims.js';

export type { VerificationResult, PresentationResult };

export const STATUS_LIST_LENGTH = 131_072;
/** Odd, so n -> n * STRIDE mod 2^17 is a bijection: consecutive credentials get scattered positions. */
const STRIDE = 92_821;
const LIST_VALIDITY_MS = 24 * 3600_000;
/** Credentials the store issues on its own are valid for a year and re-issued before that. */
export const DEFAULT_VALIDITY_MS = 365 * 24 * 3600_000;

export interface IssueInput {
  type: string;
  subject: Record<string, unknown>;
  subjectKey?: string;
  subjectId?: string;
  productId?: string;
  validUntil?: string;
  contentHash?: string;
  /** Extra @context entries after ucpd's (for credentials posted to the VC API). */
  extraContexts?: (string | object)[];
}

export interface TrustOptions {
  store: Store;
  keys: KeyStore;
  baseUrl: string;
  did: string;
  clock: Clock;
}

/** Bitstring Status List encoding: GZIP, base64url without padding, multibase prefix "u". */
export function encodeBitstring(bits: Buffer): string {
  return `u${gzipSync(bits).toString('base64url')}`;
}

export class CredentialService {
  readonly loader: DocumentLoader;
  readonly statusListUrl: string;
  readonly verifier: Verifier;
  private listCache?: { vc: Record<string, unknown>; until: number };

  constructor(private readonly o: TrustOptions) {
    this.statusListUrl = `${o.baseUrl}/credentials/status/1`;
    this.loader = trustLoader({ baseUrl: o.baseUrl, did: o.did, keys: o.keys, statusList: (url) => this.statusListCredential(url) });
    this.verifier = new Verifier({
      loader: this.loader,
      clock: o.clock,
      jwkFor: async (kid) => (kid.startsWith(`${o.did}#`) ? o.keys.find(kid.slice(o.did.length + 1))?.publicJwk : undefined),
    });
  }

  get did(): string {
    return this.o.did;
  }

  /** The key new credentials are signed with. */
  signingKeyId(): string {
    return this.o.keys.active('ed25519').kid;
  }

  credentialUrl(id: string): string {
    return `${this.o.baseUrl}/credentials/${id}`;
  }

  private async ensureList(): Promise<void> {
    if (await this.o.store.getStatusList(this.statusListUrl)) return;
    await this.o.store.createStatusList({
      id: this.statusListUrl,
      purpose: 'revocation',
      length: STATUS_LIST_LENGTH,
      allocated: 0,
      bits: Buffer.alloc(STATUS_LIST_LENGTH / 8),
      updatedAt: this.o.clock.now().toISOString(),
    });
  }

  private async suite(): Promise<unknown> {
    const key = this.o.keys.active('ed25519');
    const pair = await Ed25519Multikey.fromJwk({ jwk: key.privateJwk, secretKey: true, id: verificationMethodId(this.o.did, key.kid), controller: this.o.did });
    return new DataIntegrityProof({ signer: pair.signer(), cryptosuite: eddsaRdfc2022 });
  }

  /** The signed status list credential: cached, re-signed when a bit changed or it nears expiry. */
  async statusListCredential(url = this.statusListUrl): Promise<Record<string, unknown> | undefined> {
    if (url !== this.statusListUrl) return undefined;
    const now = this.o.clock.now();
    if (this.listCache && now.getTime() < this.listCache.until) {
      const row = await this.o.store.getStatusList(url);
      if (row?.vc) return this.listCache.vc;
    }
    await this.ensureList();
    const row = (await this.o.store.getStatusList(url))!;
    if (row.vc) {
      const stored = JSON.parse(row.vc) as Record<string, unknown>;
      const until = Date.parse(String(stored.validUntil));
      if (until - now.getTime() > LIST_VALIDITY_MS / 2) {
        this.listCache = { vc: stored, until: until - LIST_VALIDITY_MS / 2 };
        return stored;
      }
    }
    const unsigned = {
      '@context': [VC_V2],
      id: url,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: this.o.did,
      validFrom: now.toISOString(),
      validUntil: new Date(now.getTime() + LIST_VALIDITY_MS).toISOString(),
      credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: row.purpose, encodedList: encodeBitstring(row.bits) },
    };
    const signed = await vc.issue({ credential: unsigned, suite: await this.suite(), documentLoader: this.loader });
    await this.o.store.saveStatusListVc(url, JSON.stringify(signed), now.toISOString());
    this.listCache = { vc: signed, until: now.getTime() + LIST_VALIDITY_MS / 2 };
    return signed;
  }

  /** Issue and store one credential (Data Integrity and vc+jwt forms). */
  async issue(input: IssueInput): Promise<CredentialRecord> {
    await this.ensureList();
    const now = this.o.clock.now();
    const n = await this.o.store.allocateStatusIndex(this.statusListUrl);
    const index = (n * STRIDE) % STATUS_LIST_LENGTH;
    const id = this.credentialUrl(randomUUID());
    const validUntil = input.validUntil ?? new Date(now.getTime() + DEFAULT_VALIDITY_MS).toISOString();
    const credential: Record<string, unknown> = {
      '@context': [VC_V2, credentialContextUrl(this.o.baseUrl), ...(input.extraContexts ?? [])],
      id,
      type: ['VerifiableCredential', input.type],
      issuer: this.o.did,
      validFrom: now.toISOString(),
      validUntil,
      credentialSubject: input.subject,
      credentialStatus: {
        id: `${this.statusListUrl}#${index}`,
        type: 'BitstringStatusListEntry',
        statusPurpose: 'revocation',
        statusListIndex: String(index),
        statusListCredential: this.statusListUrl,
      },
    };
    const key = this.o.keys.active('ed25519');
    const secured = await vc.issue({ credential: structuredClone(credential), suite: await this.suite(), documentLoader: this.loader });
    const jwt = await new CompactSign(new TextEncoder().encode(JSON.stringify(credential)))
      .setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', cty: 'vc', kid: verificationMethodId(this.o.did, key.kid), iss: this.o.did })
      .sign(key.privateKey);
    const record: CredentialRecord = {
      id,
      type: input.type,
      ...(input.subjectKey ? { subjectKey: input.subjectKey } : {}),
      subjectId: String(input.subjectId ?? input.subject.id ?? id),
      ...(input.productId ? { productId: input.productId } : {}),
      contentHash: input.contentHash ?? '',
      statusList: this.statusListUrl,
      statusIndex: index,
      keyId: key.kid,
      issuedAt: now.toISOString(),
      validUntil,
      vc: JSON.stringify(secured),
      jwt,
    };
    await this.o.store.insertCredential(record);
    return record;
  }

  /**
   * Issue a credential as it was given (the VC API: already checked against VC Data Model 2.0, see
   * vc-model.ts): signed exactly as it is, with a Bitstring status entry added only when `status` asks for
   * one (appended to any the credential brings). Its own `id`, dates and subjects are untouched; the
   * store keeps it under a record id of its own (`/credentials/<uuid>`), so the same credential id may
   * be issued twice. Throws what the signer throws (JSON-LD safe mode: undefined terms, contexts that
   * do not resolve offline).
   */
  async issueCredential(credential: Record<string, unknown>, o: { status: boolean }): Promise<CredentialRecord> {
    await this.ensureList();
    const now = this.o.clock.now();
    const n = await this.o.store.allocateStatusIndex(this.statusListUrl);
    const index = (n * STRIDE) % STATUS_LIST_LENGTH;
    const id = this.credentialUrl(randomUUID());
    const doc = structuredClone(credential);
    if (o.status) {
      const entry = { id: `${this.statusListUrl}#${index}`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: String(index), statusListCredential: this.statusListUrl };
      doc.credentialStatus = doc.credentialStatus === undefined ? entry : [...(Array.isArray(doc.credentialStatus) ? doc.credentialStatus : [doc.credentialStatus]), entry];
    }
    const key = this.o.keys.active('ed25519');
    const secured = await vc.issue({ credential: structuredClone(doc), suite: await this.suite(), documentLoader: this.loader });
    const jwt = await new CompactSign(new TextEncoder().encode(JSON.stringify(doc)))
      .setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', cty: 'vc', kid: verificationMethodId(this.o.did, key.kid), iss: this.o.did })
      .sign(key.privateKey);
    const types = (Array.isArray(doc.type) ? doc.type : [doc.type]) as string[];
    const subjects = (Array.isArray(doc.credentialSubject) ? doc.credentialSubject : [doc.credentialSubject]) as { id?: unknown }[];
    const subjectId = subjects.find((s) => typeof s.id === 'string')?.id as string | undefined;
    const record: CredentialRecord = {
      id,
      type: types.find((t) => (CREDENTIAL_TYPES as readonly string[]).includes(t)) ?? 'custom',
      subjectId: subjectId ?? id,
      contentHash: '',
      statusList: this.statusListUrl,
      statusIndex: index,
      keyId: key.kid,
      issuedAt: now.toISOString(),
      ...(typeof doc.validUntil === 'string' ? { validUntil: doc.validUntil } : {}),
      vc: JSON.stringify(secured),
      jwt,
    };
    await this.o.store.insertCredential(record);
    return record;
  }

  async revoke(id: string): Promise<CredentialRecord | undefined> {
    const revoked = await this.o.store.revokeCredential(id, this.o.clock.now().toISOString());
    if (revoked) this.listCache = undefined;
    return revoked;
  }

  /** Verify a credential (Data Integrity JSON or vc+jwt) against this store's keys and status lists. */
  verify(input: unknown, opts: { now?: Date } = {}): Promise<VerificationResult> {
    return this.verifier.verify(input, opts);
  }

  verifyPresentation(input: unknown, opts: { challenge?: string; domain?: string; now?: Date } = {}): Promise<PresentationResult> {
    return this.verifier.verifyPresentation(input, opts);
  }
}
