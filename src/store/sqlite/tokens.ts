/**
 * Admin API tokens in SQLite. A token is stored under the hash of its secret (never the secret), listed
 * without it, and revoked by id; looking one up by hash finds only active tokens. Its use is recorded at
 * most once a minute, so authenticated reads do not all write; SqliteStore runs that write under the
 * write lock.
 */
import type { TokenRecord } from '../store.js';
import type { Db } from './db.js';

interface TokenRow {
  id: string;
  name: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

/** Token use is recorded at most once a minute per token, so authenticated reads do not all write. */
const TOKEN_TOUCH_MS = 60_000;

export class TokenTable {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
  ) {}

  insert(token: TokenRecord & { hash: string }): void {
    this.db.prepare('INSERT INTO tokens (id, name, hash, scopes, created_at) VALUES (?, ?, ?, ?, ?)').run(token.id, token.name, token.hash, JSON.stringify(token.scopes), token.createdAt);
  }

  list(): TokenRecord[] {
    return this.db.prepare<[], TokenRow>('SELECT id, name, scopes, created_at, last_used_at, revoked_at FROM tokens ORDER BY created_at, id').all().map(tokenFromRow);
  }

  revoke(id: string, at: string): boolean {
    return this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id).changes > 0;
  }

  /**
   * The active (not revoked) token with this hash, as of its use now. `touchAt` is set when its recorded
   * last use is older than TOKEN_TOUCH_MS: the caller records it with `touch`.
   */
  find(hash: string): { token: TokenRecord; touchAt?: string } | undefined {
    const row = this.db.prepare<[string], TokenRow>('SELECT id, name, scopes, created_at, last_used_at, revoked_at FROM tokens WHERE hash = ? AND revoked_at IS NULL').get(hash);
    if (!row) return undefined;
    const now = this.now();
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > TOKEN_TOUCH_MS) {
      row.last_used_at = now.toISOString();
      return { token: tokenFromRow(row), touchAt: row.last_used_at };
    }
    return { token: tokenFromRow(row) };
  }

  touch(id: string, at: string): void {
    this.db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?').run(at, id);
  }
}

function tokenFromRow(r: TokenRow): TokenRecord {
  return {
    id: r.id,
    name: r.name,
    scopes: JSON.parse(r.scopes) as string[],
    createdAt: r.created_at,
    ...(r.last_used_at ? { lastUsedAt: r.last_used_at } : {}),
    ...(r.revoked_at ? { revokedAt: r.revoked_at } : {}),
  };
}
