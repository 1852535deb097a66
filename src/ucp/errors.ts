/**
 * UCP protocol errors: failures before a business outcome exists (negotiation, signatures, malformed
 * requests). REST sends them as `{code, content}` JSON with the status the spec assigns each code;
 * business outcomes (not found, nothing matched) are 200 responses with `messages` instead.
 */
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

export class UcpProtocolError extends Error {
  readonly status: number;

  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    readonly extra: { retryAfterSeconds?: number; path?: string } = {},
  ) {
    super(message);
    this.name = 'UcpProtocolError';
    this.status = PROTOCOL_STATUS[code];
  }
}

export const protocolError = (code: ProtocolErrorCode, message: string, extra?: { retryAfterSeconds?: number; path?: string }) => new UcpProtocolError(code, message, extra);
