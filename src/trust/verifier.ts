/**
 * Credential and presentation verification. It fails closed and never throws: it returns what was
 * checked and what failed. A set status bit means "revoked" even though the library reports the status
 * check itself as successful (it only says the check ran). The document loader and key lookup are
 * injected: the server verifies against its own DID and status lists only; `ucpd verify <url>` against
 * the origin it was pointed at.
 */
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { checkStatus } from '@digitalbazaar/vc-bitstring-status-list';
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

export class Verifier {
  constructor(private readonly o: VerifierOptions) {}

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
    let result;
    try {
      result = await vc.verifyCredential({
        credential,
        suite: this.verifySuite(),
        documentLoader: this.o.loader,
        now,
        checkStatus: (o) => checkStatus({ ...o, documentLoader: this.o.loader, suite: this.verifySuite(), verifyStatusListCredential: true, verifyMatchingIssuers: true }),
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
    let header;
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
      const status = await checkStatus({ credential, documentLoader: this.o.loader, suite: this.verifySuite(), verifyStatusListCredential: true, verifyMatchingIssuers: true }).catch((e: unknown) => ({ verified: false, error: e as Error, results: [] }));
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
    const list = vp.verifiableCredential === undefined ? [] : Array.isArray(vp.verifiableCredential) ? vp.verifiableCredential : [vp.verifiableCredential];
    const credentials = await Promise.all(list.map((c) => this.verify(c, opts)));
    const errors: Problem[] = [];
    const warnings: Problem[] = [];
    const checks = ['credentials'];
    if (vp.proof) {
      checks.push('proof');
      try {
        const r = await vc.verify({ presentation: vp, suite: this.verifySuite(), documentLoader: this.o.loader, ...(opts.challenge ? { challenge: opts.challenge } : {}), ...(opts.domain ? { domain: opts.domain } : {}), checkStatus: async () => ({ verified: true }) });
        if (!r.presentationResult?.verified) errors.push(...classify(errorMessages(r.error)));
      } catch (err) {
        errors.push(problem('malformed_presentation', errorMessages(err)[0] ?? 'cannot process the presentation'));
      }
    } else {
      warnings.push(problem('presentation_unsigned', 'the presentation has no proof: only the credentials in it were verified'));
    }
    credentials.forEach((c, i) => c.errors.forEach((e) => errors.push(problem(e.code, `verifiableCredential[${i}]: ${e.message}`))));
    return { verified: errors.length === 0, checks, warnings, errors, credentials };
  }
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
