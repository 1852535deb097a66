/**
 * The catalog feed's query parameters, read strictly: page size, RFC 3339 instants, change sequence
 * numbers, and the feed's own opaque cursor. A bad value is a 400 that names the parameter.
 */
import { invalidInput } from '../errors.js';

/** Largest page of the catalog feed. */
export const MAX_LIMIT = 1000;

export function parseLimit(raw: string | null, fallback: number): number {
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_LIMIT) throw invalidInput('invalid_parameter', `limit must be an integer from 1 to ${MAX_LIMIT}`, { parameter: 'limit' });
  return n;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export function parseInstant(raw: string, parameter: string): string {
  const ms = Date.parse(raw);
  if (!RFC3339.test(raw) || Number.isNaN(ms)) throw invalidInput('invalid_parameter', `${parameter} must be an RFC 3339 date-time like 2026-11-01T00:00:00Z`, { parameter });
  return new Date(ms).toISOString();
}

/** Our own cursor around the store's: phase i = id order, m = modified since, d = deletions since. */
export interface Cursor {
  p: 'i' | 'm' | 'd';
  k?: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

export function decodeCursor(raw: string, modified: boolean): Cursor {
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    c = undefined;
  }
  const ok =
    typeof c === 'object' && c !== null && ((c as Cursor).p === 'i' || (c as Cursor).p === 'm' || (c as Cursor).p === 'd') && ((c as Cursor).k === undefined || typeof (c as Cursor).k === 'string');
  if (!ok || ((c as Cursor).p === 'i') === modified) throw invalidInput('invalid_cursor', 'cursor is not valid for this query', { parameter: 'cursor' });
  return c as Cursor;
}

export function parseSince(raw: string | null): number {
  if (raw === null) return 0;
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw invalidInput('invalid_parameter', 'since must be a change sequence number (a non-negative integer)', { parameter: 'since' });
  return Number(raw);
}
