/**
 * The error root: every error ucpd throws on purpose is a UcpdError (or a subclass) with a `kind` from
 * the stable union below and a specific `code`. Each protocol maps kinds to its own error shape in one
 * place, exhaustively, so no domain error becomes a 500: src/edge/problem.ts (RFC 9457 problem details
 * for the admin API, JSON-LD and trust routes) and src/ucp/errors.ts (UCP's protocol and business
 * shapes). `internal` is the one kind that is a 500: a broken invariant, never a request's fault.
 */
export type ErrorKind = 'invalid_input' | 'not_found' | 'not_acceptable' | 'conflict' | 'unauthorized' | 'forbidden' | 'unavailable' | 'too_large' | 'too_many_requests' | 'timeout' | 'internal';

export class UcpdError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    /** Machine-readable details (field paths, offending values); never internal state. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'UcpdError';
  }
}

export const invalidInput = (code: string, message: string, details?: Record<string, unknown>) => new UcpdError('invalid_input', code, message, details);
export const notFound = (code: string, message: string, details?: Record<string, unknown>) => new UcpdError('not_found', code, message, details);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) => new UcpdError('conflict', code, message, details);
