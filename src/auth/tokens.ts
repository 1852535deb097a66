/**
 * Bearer tokens for the retailer's admin API. A token is 32 random bytes, shown once at creation; the
 * store keeps only its SHA-256 (fine for high-entropy secrets: nothing to brute-force), so a leaked
 * database does not leak usable tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import { invalidInput } from '../errors.js';
import type { Clock, TokenRecord, TokenStore } from '../store/store.js';

export const SCOPES = ['admin', 'catalog:write', 'inventory:write', 'quality:read', 'credentials:write'] as const;
export type Scope = (typeof SCOPES)[number];

const PREFIX = 'ucpd_';

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export async function createToken(store: TokenStore, name: string, scopes: readonly string[], clock: Clock): Promise<{ token: TokenRecord; secret: string }> {
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length) throw invalidInput('invalid_scope', `unknown scope ${unknown.join(', ')}; known: ${SCOPES.join(', ')}`);
  const secret = PREFIX + randomBytes(32).toString('base64url');
  const token: TokenRecord = {
    id: `tok_${randomBytes(6).toString('hex')}`,
    name,
    scopes: scopes.length ? [...new Set(scopes)] : ['admin'],
    createdAt: clock.now().toISOString(),
  };
  await store.insertToken({ ...token, hash: hashToken(secret) });
  return { token, secret };
}

/** The active token for a presented secret, or undefined (unknown, malformed or revoked). */
export async function authenticate(store: TokenStore, presented: string): Promise<TokenRecord | undefined> {
  if (!presented.startsWith(PREFIX) || presented.length > 200) return undefined;
  return store.useToken(hashToken(presented));
}

export function grants(token: TokenRecord, scope: Scope): boolean {
  return token.scopes.includes('admin') || token.scopes.includes(scope);
}
