/**
 * How profile fetches fail: `FetchError` with a stable `failure` code, and the helpers that keep its
 * messages safe to show API clients: URLs without credentials or fragments, and network failures
 * described from the error code alone (Node's own messages can name the addresses a host resolved to).
 */
import { UcpdError } from '../../errors.js';

export type FetchFailure =
  | 'invalid_url'
  | 'insecure_scheme'
  | 'address_refused'
  | 'unreachable'
  | 'timeout'
  | 'redirect'
  | 'http_status'
  | 'too_large'
  | 'not_json'
  | 'budget_exhausted'
  | 'client_budget_exhausted';

export class FetchError extends UcpdError {
  constructor(
    readonly failure: FetchFailure,
    message: string,
    /** Only for the budget failures: whole seconds until a budget token is available. */
    readonly retryAfterSeconds?: number,
  ) {
    super('unavailable', `fetch_${failure}`, message, retryAfterSeconds !== undefined ? { retryAfterSeconds } : undefined);
    this.name = 'FetchError';
  }
}

/** A URL for messages: no credentials, no fragment, bounded length. */
export function shown(url: string | URL): string {
  let s: string;
  if (typeof url === 'string') {
    s = url;
  } else {
    const u = new URL(url.href);
    u.username = '';
    u.password = '';
    u.hash = '';
    s = u.href;
  }
  return s.length > 200 ? `${s.slice(0, 200)}...` : s;
}

export function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'error';
}

const NETWORK_REASONS: Record<string, string> = {
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EAI_FAIL: 'DNS lookup failed',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

/** Why a request failed, from the error code only (Node's messages can name the resolved address). */
export function failureReason(err: unknown, secure: boolean): string {
  const code = errorCode(err);
  const known = NETWORK_REASONS[code];
  if (known) return `${known} (${code})`;
  if (secure && /CERT|SELF_SIGNED|UNABLE_TO/i.test(code)) return `TLS certificate verification failed (${code})`;
  if (secure && /TLS|SSL|EPROTO/i.test(code)) return `TLS handshake failed (${code})`;
  return code;
}
