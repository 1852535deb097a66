/**
 * UCP protocol errors: failures before a business outcome exists (negotiation, signatures, malformed
 * requests). REST sends them as `{code, content}` JSON with the status the spec assigns each code;
 * business outcomes (not found, nothing matched) are 200 responses with `messages` instead. This module
 * makes both shapes, and maps every other error to a protocol error: the one UCP error mapper.
 */
import { type ErrorKind, UcpdError } from '../errors.js';
import { isStoreBusy } from '../store/store.js';
import { error as errorMessage, type UcpMessage } from './messages.js';
export type ProtocolErrorCode =
  | 'invalid_profile_url'
  | 'profile_unreachable'
  | 'profile_malformed'
  | 'profile_not_trusted'
  | 'version_unsupported'
  | 'signature_missing'
  | 'signature_invalid'
  | 'key_not_found'
  | 'digest_mismatch'
  | 'algorithm_unsupported'
  | 'invalid_request'
  | 'idempotency_conflict'
  | 'request_too_large'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'not_found'
  | 'rate_limited'
  | 'temporarily_unavailable'
  | 'internal_error';

export const PROTOCOL_STATUS: Record<ProtocolErrorCode, number> = {
  invalid_profile_url: 400,
  profile_unreachable: 424,
  profile_malformed: 422,
  profile_not_trusted: 403,
  version_unsupported: 422,
  signature_missing: 401,
  signature_invalid: 401,
  key_not_found: 401,
  digest_mismatch: 400,
  algorithm_unsupported: 400,
  invalid_request: 400,
  idempotency_conflict: 409,
  request_too_large: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  method_not_allowed: 405,
  not_found: 404,
  rate_limited: 429,
  temporarily_unavailable: 503,
  internal_error: 500,
};

/** The root error kind of each protocol error, by its status. */
const KIND_OF_STATUS: Record<number, ErrorKind> = {
  400: 'invalid_input',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'invalid_input',
  409: 'conflict',
  413: 'too_large',
  415: 'not_acceptable',
  422: 'invalid_input',
  424: 'unavailable',
  429: 'too_many_requests',
  500: 'internal',
  503: 'unavailable',
};

export class UcpProtocolError extends UcpdError {
  readonly status: number;
  declare readonly code: ProtocolErrorCode;

  constructor(
    code: ProtocolErrorCode,
    message: string,
    readonly extra: { retryAfterSeconds?: number; path?: string } = {},
  ) {
    super(KIND_OF_STATUS[PROTOCOL_STATUS[code]] ?? 'internal', code, message, extra.retryAfterSeconds !== undefined ? { retryAfterSeconds: extra.retryAfterSeconds } : undefined);
    this.name = 'UcpProtocolError';
    this.status = PROTOCOL_STATUS[code];
  }
}

export const protocolError = (code: ProtocolErrorCode, message: string, extra?: { retryAfterSeconds?: number; path?: string }) => new UcpProtocolError(code, message, extra);

/**
 * Every error a UCP operation can meet, as the protocol error it is: protocol errors as they are, typed
 * ucpd errors by their kind (none of them is a 500), a busy store as "retry shortly"; anything else is an
 * internal error, logged by the caller through `onUnexpected`.
 */
export function toProtocolError(err: unknown, onUnexpected: (err: unknown) => void): UcpProtocolError {
  if (err instanceof UcpProtocolError) return err;
  if (err instanceof UcpdError) {
    const retry = typeof err.details?.retryAfterSeconds === 'number' ? { retryAfterSeconds: err.details.retryAfterSeconds } : {};
    const path = typeof err.details?.path === 'string' ? { path: err.details.path } : {};
    switch (err.kind) {
      case 'unavailable':
      case 'timeout':
        return protocolError('temporarily_unavailable', err.message, { retryAfterSeconds: 5, ...retry });
      case 'invalid_input':
      case 'conflict':
      case 'not_acceptable':
        return protocolError('invalid_request', err.message, path);
      case 'not_found':
        return protocolError('not_found', err.message);
      case 'unauthorized':
        return protocolError('signature_missing', err.message);
      case 'forbidden':
        return protocolError('profile_not_trusted', err.message);
      case 'too_large':
        return protocolError('payload_too_large', err.message);
      case 'too_many_requests':
        return protocolError('rate_limited', err.message, { retryAfterSeconds: 5, ...retry });
      case 'internal':
        onUnexpected(err);
        return protocolError('internal_error', 'the business could not complete the request');
      default: {
        const never: never = err.kind;
        return never;
      }
    }
  }
  if (isStoreBusy(err)) return protocolError('temporarily_unavailable', 'the store is busy; retry shortly', { retryAfterSeconds: 1 });
  onUnexpected(err);
  return protocolError('internal_error', 'the business could not complete the request');
}

const NEGOTIATION_CODES: ReadonlySet<ProtocolErrorCode> = new Set(['invalid_profile_url', 'profile_unreachable', 'profile_malformed', 'version_unsupported', 'profile_not_trusted']);

/** The protocol error shape `{code, content, path?}`; a negotiation failure points the buyer at the storefront. */
export function protocolErrorBody(e: UcpProtocolError, continueUrl?: string): Record<string, unknown> {
  return { code: e.code, content: e.message, ...(e.extra.path ? { path: e.extra.path } : {}), ...(continueUrl && NEGOTIATION_CODES.has(e.code) ? { continue_url: continueUrl } : {}) };
}

/** The JSON-RPC error code of a protocol error over MCP: -32001 for discovery (negotiation) errors, else -32000. */
export function jsonRpcErrorCode(e: UcpProtocolError): number {
  return NEGOTIATION_CODES.has(e.code) ? -32001 : -32000;
}

/** The business error shape (error_response): the negotiated envelope with status "error", and the messages. */
export function businessError(env: Record<string, unknown>, messages: UcpMessage[], continueUrl?: string): Record<string, unknown> {
  return { ucp: { ...env, status: 'error' }, messages, ...(continueUrl ? { continue_url: continueUrl } : {}) };
}

/** The answer when the platform and this business share no version of the operation's capability. */
export function incompatible(n: { version: string }, capability: string, continueUrl: string): Record<string, unknown> {
  return businessError(
    { version: n.version, capabilities: {} },
    [errorMessage('capabilities_incompatible', `the platform and this business share no version of ${capability}`, 'unrecoverable')],
    continueUrl,
  );
}
