/**
 * Verifying a platform's signed request (RFC 9421 + Content-Digest, UCP signatures.md): the key is the
 * `signing_keys` entry of the platform profile named in UCP-Agent, looked up by `keyid` (an unknown
 * keyid refetches the profile once per minute, for platforms that just rotated). The signature must
 * cover @method, @authority and @path, and content-digest when there is a body; the digest is checked
 * over the raw body bytes. `created` may be at most `maxAgeSeconds` old (and not in the future),
 * `expires` must not have passed, and a `nonce` is accepted once within that window (replay).
 * `@authority` is checked against the authority the client addressed and the public base URL's, so
 * signatures survive a TLS-terminating proxy.
 */
import { SignatureError, verifyMessage, type MessageParts, type Verified } from '../trust/http-signatures.js';
import { Lru } from '../util/lru.js';
import { protocolError, UcpProtocolError } from './errors.js';
import type { PlatformProfile } from './negotiation.js';

export interface SignedRequest {
  method: string;
  path: string;
  /** Query string without "?" ("" for none). */
  query: string;
  /** Header values by lower-case name. */
  headers: Record<string, string | undefined>;
  body: Buffer;
  /** Authorities the signature may name: as addressed (Host), and the public one. */
  authorities: readonly string[];
}

export interface SignaturePolicy {
  required: boolean;
  maxAgeSeconds: number;
  skewSeconds: number;
}

export class RequestVerifier {
  private readonly nonces = new Lru<string, number>(100_000);

  constructor(
    private readonly policy: SignaturePolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * undefined when the request carries no signature and none is required; the verification otherwise.
   * Throws UcpProtocolError (signature_missing / signature_invalid / key_not_found 401, digest_mismatch /
   * algorithm_unsupported 400).
   */
  async verify(req: SignedRequest, platform: PlatformProfile, refresh: () => Promise<PlatformProfile>): Promise<Verified | undefined> {
    const present = req.headers.signature !== undefined || req.headers['signature-input'] !== undefined;
    if (!present) {
      if (this.policy.required) throw protocolError('signature_missing', 'this business requires signed requests (RFC 9421 Signature and Signature-Input headers)');
      return undefined;
    }
    const required = ['@method', '@authority', '@path', ...(req.body.length ? ['content-digest'] : [])];
    let keys = platform.signingKeys;
    const nowS = Math.floor(this.now() / 1000);
    const attempt = async (authority: string): Promise<Verified> => {
      const message: MessageParts = { method: req.method, authority, path: req.path, query: req.query ? `?${req.query}` : '', headers: req.headers };
      return verifyMessage(message, {
        keyFor: async (kid) => {
          let key = keys.find((k) => k.kid === kid);
          if (!key) {
            keys = (await refresh()).signingKeys;
            key = keys.find((k) => k.kid === kid);
          }
          return key;
        },
        body: req.body,
        required,
        now: nowS,
        maxAgeSeconds: this.policy.maxAgeSeconds,
        skewSeconds: this.policy.skewSeconds,
      });
    };
    let verified: Verified | undefined;
    let firstError: unknown;
    for (const authority of [...new Set(req.authorities.map((a) => a.toLowerCase()))]) {
      try {
        verified = await attempt(authority);
        break;
      } catch (err) {
        firstError ??= err;
        // only a signature that fails to verify may verify under the other authority
        if (!(err instanceof SignatureError) || err.code !== 'signature_invalid' || !/does not verify/.test(err.message)) break;
      }
    }
    if (!verified) throw this.mapped(firstError);
    const nonce = this.nonceOf(req.headers['signature-input'], verified.label);
    if (nonce !== undefined) {
      const key = `${verified.keyid}\u0000${nonce}`;
      const seen = this.nonces.get(key);
      if (seen !== undefined && seen > nowS) throw protocolError('signature_invalid', 'signature nonce already used (replayed request)');
      this.nonces.set(key, nowS + this.policy.maxAgeSeconds + this.policy.skewSeconds);
    }
    return verified;
  }

  private nonceOf(input: string | undefined, label: string): string | undefined {
    if (!input) return undefined;
    const m = new RegExp(`(?:^|,)\\s*${label.replace(/[^a-zA-Z0-9_*.-]/g, '')}=\\([^)]*\\)[^,]*;nonce="([^"]*)"`).exec(input);
    return m?.[1];
  }

  private mapped(err: unknown): UcpProtocolError {
    if (err instanceof UcpProtocolError) return err;
    if (err instanceof SignatureError) {
      switch (err.code) {
        case 'signature_missing':
          return protocolError('signature_missing', err.message);
        case 'key_not_found':
          return protocolError('key_not_found', `${err.message} in the platform profile's keys`);
        case 'digest_mismatch':
          return protocolError('digest_mismatch', err.message);
        case 'algorithm_unsupported':
          return protocolError('algorithm_unsupported', err.message);
        case 'signature_expired':
          return protocolError('signature_invalid', err.message);
        default:
          return protocolError('signature_invalid', err.message);
      }
    }
    return protocolError('signature_invalid', err instanceof Error ? err.message : 'the signature could not be verified');
  }
}
