/**
 * Typed errors with a stable `code`. Each protocol maps them to its own error shape in one place
 * (src/http/problem.ts for the admin API; later the JSON-LD and UCP mappers).
 */
export type ErrorKind = 'invalid_input' | 'not_found' | 'not_acceptable' | 'conflict' | 'unauthorized' | 'forbidden' | 'unavailable' | 'too_large' | 'too_many_requests' | 'timeout';

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
