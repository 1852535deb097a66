/**
 * Credential and presentation verification. It fails closed and never throws: it returns what was
 * checked and what failed. A set status bit means "revoked" even though the library reports the status
 * check itself as successful (it only says the check ran). The document loader and key lookup are
 * injected: the server verifies against its own DID and status lists only; `ucpd verify <url>` against
 * the origin it was pointed at.
 */
import { compactVerify, decodeProtectedHeader, importJWK, type JWK, type ProtectedHeaderParameters } from 'jose';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { decodeList, type StatusList } from '@digitalbazaar/vc-bitstring-status-list';
import type { DocumentLoader } from '../linked-data/contexts.js';
import type { Clock } from '../store/store.js';

export interface Problem {
  code: string;
  message: string;
}

export interface VerificationResult {
  verified: boolean;
  /** What was checked: proof, validity (dates), status. */
  checks: string[];
  warnings: Problem[];
  errors: Problem[];
  revoked?: boolean;
  format?: 'data-integrity' | 'vc+jwt';
  credential?: Record<string, unknown>;
}

export interface PresentationResult extends VerificationResult {
  credentials: VerificationResult[];
}

export interface VerifierOptions {
  loader: DocumentLoader;
  clock: Clock;
  /** The public JWK for a vc+jwt `kid` (a DID URL). */
  jwkFor(kid: string): Promise<JWK | undefined>;
}

function problem(code: string, message: string): Problem {
  return { code, message };
}

function errorMessages(err: unknown): string[] {
  if (!err) return [];
  const e = err as Error & { errors?: unknown[] };
  const nested = e.errors?.flatMap(errorMessages) ?? [];
  return [e.message, ...nested].filter(Boolean);
}

interface CheckedList {
  proofValue: string;
  issuer: string;
  purpose: string;
  list: StatusList;
}

type StatusOutcome = { verified: boolean; results: { status: boolean }[]; error?: Error };

export class Verifier {
  /** Status list credentials already verified, by URL; re-verified when the list (its proof) changes. */
  private readonly lists = new Map<string, CheckedList>();

  constructor(private readonly o: VerifierOptions) {}

  /**
   * Bitstring Status List check with the library's semantics (the list credential must verify, be of
   * type BitstringStatusListCredential, share the credential's issuer and status purpose), but each list
   * credential is verified once per version instead of once per credential checked.
   */
  private async checkStatus(credential: Record<string, unknown>, now: Date): Promise<StatusOutcome> {
    try {
      const raw = credential.credentialStatus;
      const entries = (Array.isArray(raw) ? raw : [raw]) as Record<string, unknown>[];
      const results: { status: boolean }[] = [];
      for (const entry of entries) {
        if (entry?.type !== 'BitstringStatusListEntry') throw new Error('"credentialStatus.type" must be "BitstringStatusListEntry"');
        const url = String(entry.statusListCredential);
        const { document } = await this.o.loader(url);
        const listVc = document as Record<string, unknown> & { proof?: { proofValue?: string }; credentialSubject?: Record<string, unknown> };
        const proofValue = String(listVc.proof?.proofValue ?? '');
        const validUntil = typeof listVc.validUntil === 'string' ? Date.parse(listVc.validUntil) : Infinity;
        let checked = this.lists.get(url);
        if (!checked || checked.proofValue !== proofValue || validUntil < now.getTime()) {
          const r = await vc.verifyCredential({ credential: listVc, suite: this.verifySuite(), documentLoader: this.o.loader, now });
          if (!r.verified) throw new Error(`"BitstringStatusListCredential" not verified; reason: ${errorMessages(r.error)[0] ?? 'invalid proof'}`);
          if (!(listVc.type as string[]).includes('BitstringStatusListCredential')) throw new Error('status list credential type must include "BitstringStatusListCredential"');
          const issuer = typeof listVc.issuer === 'object' ? String((listVc.issuer as { id?: unknown }).id) : String(listVc.issuer);
          checked = { proofValue, issuer, purpose: String(listVc.credentialSubject?.statusPurpose), list: await decodeList({ encodedList: String(listVc.credentialSubject?.encodedList) }) };
          this.lists.set(url, checked);
        }
        const issuer = typeof credential.issuer === 'object' ? String((credential.issuer as { id?: unknown }).id) : String(credential.issuer);
        if (issuer !== checked.issuer) throw new Error('Issuers of the status list credential and verifiable credential do not match.');
        if (entry.statusPurpose !== checked.purpose) throw new Error(`status purpose "${String(entry.statusPurpose)}" does not match the list's "${checked.purpose}"`);
        const index = Number.parseInt(String(entry.statusListIndex), 10);
        if (!Number.isInteger(index) || index < 0 || index >= checked.list.length) throw new Error(`statusListIndex ${String(entry.statusListIndex)} is outside the list`);
        results.push({ status: checked.list.getStatus(index) });
      }
      return { verified: true, results };
    } catch (err) {
      return { verified: false, results: [], error: err as Error };
    }
  }

  private verifySuite(): unknown {
    return new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
  }

  /** Verify a credential: a JSON object with a Data Integrity proof, or a vc+jwt compact string. */
  async verify(input: unknown, opts: { now?: Date } = {}): Promise<VerificationResult> {
    const now = opts.now ?? this.o.clock.now();
    if (typeof input === 'string') return this.verifyJwt(input.trim(), now);
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      return { verified: false, checks: [], warnings: [], errors: [problem('malformed_credential', 'a credential must be a JSON object or a vc+jwt string')] };
    }
    const credential = input as Record<string, unknown>;
    if (!credential.proof) return { verified: false, checks: [], warnings: [], errors: [problem('proof_missing', 'the credential has no proof')], format: 'data-integrity' };
    // a proof set: every proof must verify (the library would pass the set when any one does)
    if (Array.isArray(credential.proof) && credential.proof.length > 1) {
      const each = await Promise.all(credential.proof.map((p) => this.verify({ ...credential, proof: p }, { now })));
      const failed = each.flatMap((r, i) => r.errors.map((e) => ({ ...e, message: `proof[${i}]: ${e.message}` })));
      const first = each[0]!;
      return { ...first, verified: failed.length === 0, errors: failed, checks: [...first.checks], credential };
    }
    let result: Awaited<ReturnType<typeof vc.verifyCredential>>;
    try {
      result = await vc.verifyCredential({
        credential,
        suite: this.verifySuite(),
        documentLoader: this.o.loader,
        now,
        checkStatus: () => this.checkStatus(credential, now),
      });
    } catch (err) {
      return { verified: false, checks: ['proof'], warnings: [], errors: [problem('malformed_credential', errorMessages(err)[0] ?? 'cannot process the credential')], format: 'data-integrity' };
    }
    const checks = ['proof', 'validity'];
    if (credential.credentialStatus) checks.push('status');
    const errors: Problem[] = [];
    const statusError = result.statusResult && !result.statusResult.verified ? (result.statusResult as { error?: unknown }).error : undefined;
    const proofError = result.error ?? result.results?.find((r) => r.error)?.error;
    if (statusError) errors.push(problem('status_unavailable', errorMessages(statusError)[0] ?? 'the status list could not be checked'));
    if (!result.verified && (proofError || !statusError)) errors.push(...classify(errorMessages(proofError)));
    const revoked = result.statusResult?.results?.some((r) => r.status === true) ?? false;
    if (revoked) errors.push(problem('revoked', 'the credential has been revoked (its status list bit is set)'));
    return { verified: errors.length === 0, checks, warnings: [], errors, revoked, format: 'data-integrity', credential };
  }

  private async verifyJwt(jwt: string, now: Date): Promise<VerificationResult> {
    const fail = (code: string, message: string, checks: string[] = ['proof']): VerificationResult => ({ verified: false, checks, warnings: [], errors: [problem(code, message)], format: 'vc+jwt' });
    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(jwt);
    } catch {
      return fail('malformed_credential', 'not a compact JWS');
    }
    if (header.typ !== 'vc+jwt') return fail('malformed_credential', `typ must be vc+jwt, got ${String(header.typ)}`);
    if (header.alg !== 'EdDSA' && header.alg !== 'Ed25519') return fail('algorithm_unsupported', `alg ${String(header.alg)} is not supported`);
    const kid = String(header.kid ?? '');
    const jwk = await this.o.jwkFor(kid).catch(() => undefined);
    if (!jwk) return fail('key_not_found', `no key ${kid} in the issuer's DID document`);
    let credential: Record<string, unknown>;
    try {
      const { payload } = await compactVerify(jwt, await importJWK(jwk, 'EdDSA'));
      credential = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    } catch (err) {
      return fail('invalid_proof', (err as Error).message);
    }
    if (header.iss !== undefined && header.iss !== credential.issuer) return fail('invalid_proof', 'iss does not match the credential issuer');
    const errors: Problem[] = [];
    const t = now.getTime();
    if (typeof credential.validFrom === 'string' && Date.parse(credential.validFrom) - 300_000 > t) errors.push(problem('not_yet_valid', `valid from ${credential.validFrom}`));
    if (typeof credential.validUntil === 'string' && Date.parse(credential.validUntil) + 300_000 < t) errors.push(problem('expired', `expired ${credential.validUntil}`));
    const checks = ['proof', 'validity'];
    let revoked = false;
    if (credential.credentialStatus) {
      checks.push('status');
      const status = await this.checkStatus(credential, now);
      if (!status.verified) errors.push(problem('status_unavailable', errorMessages(status.error)[0] ?? 'the status list could not be checked'));
      revoked = status.results?.some((r) => r.status === true) ?? false;
      if (revoked) errors.push(problem('revoked', 'the credential has been revoked (its status list bit is set)'));
    }
    return { verified: errors.length === 0, checks, warnings: [], errors, revoked, format: 'vc+jwt', credential };
  }

  /** Verify a presentation and every credential in it (unsigned presentations are accepted as wrappers). */
  async verifyPresentation(input: unknown, opts: { challenge?: string; domain?: string; now?: Date } = {}): Promise<PresentationResult> {
    if (!input || typeof input !== 'object' || Array.isArray(input)) {
      return { verified: false, checks: [], warnings: [], errors: [problem('malformed_presentation', 'a presentation must be a JSON object')], credentials: [] };
    }
    const vp = input as Record<string, unknown>;
    const nonconforming = presentationProblems(vp);
    if (nonconforming.length) return { verified: false, checks: ['conformance'], warnings: [], errors: nonconforming, credentials: [] };
    const list = vp.verifiableCredential === undefined ? [] : Array.isArray(vp.verifiableCredential) ? vp.verifiableCredential : [vp.verifiableCredential];
    if (!vp.proof && list.length === 0) {
      return {
        verified: false,
        checks: ['conformance'],
        warnings: [],
        errors: [problem('nothing_verified', 'the presentation has neither a proof nor credentials: there is nothing to verify')],
        credentials: [],
      };
    }
    const credentials = await Promise.all(list.map((c) => this.verify(c, opts)));
    const errors: Problem[] = [];
    const warnings: Problem[] = [];
    const checks = ['credentials'];
    if (vp.proof) {
      checks.push('proof');
      // no challenge asked for: the proof's own is taken, so its signature is still checked, and the answer says
      // no challenge was checked (a replayed presentation is the caller's to refuse)
      const own = (Array.isArray(vp.proof) ? vp.proof[0] : vp.proof) as { challenge?: unknown } | undefined;
      const challenge = opts.challenge ?? (typeof own?.challenge === 'string' ? own.challenge : undefined);
      if (opts.challenge === undefined)
        warnings.push(
          problem('challenge_not_checked', challenge === undefined ? 'the presentation proof has no challenge' : "no challenge was given: the proof's own was used, so replay is not excluded"),
        );
      try {
        const r = await vc.verify({
          presentation: vp,
          suite: this.verifySuite(),
          documentLoader: this.o.loader,
          ...(challenge !== undefined ? { challenge } : {}),
          ...(opts.domain ? { domain: opts.domain } : {}),
          checkStatus: async () => ({ verified: true }),
        });
        if (!r.presentationResult?.verified) errors.push(...classify(errorMessages(r.error)));
      } catch (err) {
        errors.push(problem('malformed_presentation', errorMessages(err)[0] ?? 'cannot process the presentation'));
      }
    } else {
      warnings.push(problem('presentation_unsigned', 'the presentation has no proof: only the credentials in it were verified'));
    }
    for (const [i, c] of credentials.entries()) {
      for (const e of c.errors) errors.push(problem(e.code, `verifiableCredential[${i}]: ${e.message}`));
    }
    return { verified: errors.length === 0, checks, warnings, errors, credentials };
  }
}

const VC_V2 = 'https://www.w3.org/ns/credentials/v2';

/**
 * What makes a document a conforming presentation (VC Data Model 2.0, section 4.13 and 4.3): an
 * `@context` whose first item is the VC 2.0 context, a `type` naming VerifiablePresentation, an `id`
 * and `holder` that are URLs (or an object with one) when present, credentials that are objects or
 * enveloped (compact) strings. Anything else fails closed, before any proof is looked at.
 */
function presentationProblems(vp: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  const contexts = Array.isArray(vp['@context']) ? (vp['@context'] as unknown[]) : vp['@context'] === undefined ? [] : [vp['@context']];
  if (contexts[0] !== VC_V2) out.push(problem('malformed_presentation', `the first @context must be ${VC_V2}`));
  const types = Array.isArray(vp.type) ? (vp.type as unknown[]) : vp.type === undefined ? [] : [vp.type];
  if (!types.includes('VerifiablePresentation')) out.push(problem('malformed_presentation', 'type must include "VerifiablePresentation"'));
  if (!types.every((t) => typeof t === 'string')) out.push(problem('malformed_presentation', 'every type must be a string'));
  const isUrl = (v: unknown) => typeof v === 'string' && /^[a-z][a-z0-9+.-]*:\S+$/i.test(v);
  if (vp.id !== undefined && !isUrl(vp.id)) out.push(problem('malformed_presentation', 'id must be a URL'));
  if (vp.holder !== undefined && !isUrl(vp.holder) && !(vp.holder !== null && typeof vp.holder === 'object' && isUrl((vp.holder as { id?: unknown }).id))) {
    out.push(problem('malformed_presentation', 'holder must be a URL or an object with a URL id'));
  }
  const list = vp.verifiableCredential === undefined ? [] : Array.isArray(vp.verifiableCredential) ? (vp.verifiableCredential as unknown[]) : [vp.verifiableCredential];
  list.forEach((c, i) => {
    if (typeof c !== 'string' && (c === null || typeof c !== 'object' || Array.isArray(c)))
      out.push(problem('malformed_presentation', `verifiableCredential[${i}] must be a credential object or a vc+jwt string`));
  });
  if (vp.proof !== undefined && (vp.proof === null || typeof vp.proof !== 'object')) out.push(problem('malformed_presentation', 'proof must be an object or an array of objects'));
  return out;
}

/** Library messages -> stable codes. */
function classify(messages: string[]): Problem[] {
  if (messages.length === 0) return [problem('invalid_proof', 'the proof did not verify')];
  const text = messages.join(' | ');
  if (/not available offline|did not result in a valid JSON-LD|Dereferencing/i.test(text)) {
    return [problem('unresolvable', `${messages[0]}: only known contexts, DIDs and status lists are resolved (fail closed)`)];
  }
  if (/expired|validUntil/i.test(text)) return [problem('expired', messages[0]!)];
  if (/validFrom|not yet valid/i.test(text)) return [problem('not_yet_valid', messages[0]!)];
  if (/safe mode|Invalid JSON-LD|undefined term|relative/i.test(text)) return [problem('malformed_credential', messages[0]!)];
  return [problem('invalid_proof', messages.slice(0, 3).join('; '))];
}
