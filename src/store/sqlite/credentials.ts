/** Credentials and status lists in SQLite. Issue and revoke also log a change for what they cover. */
import type { CredentialQuery, CredentialRecord, StatusListRecord } from '../store.js';
import type { Db } from './db.js';
import { decodeCursor, encodeCursor } from './queries.js';

interface CredentialRow {
  id: string;
  type: string;
  subject_key: string | null;
  subject_id: string;
  product_id: string | null;
  content_hash: string;
  status_list: string;
  status_index: number;
  key_id: string;
  issued_at: string;
  valid_until: string | null;
  revoked_at: string | null;
  vc: string;
  jwt: string;
}

function fromRow(r: CredentialRow): CredentialRecord {
  return {
    id: r.id,
    type: r.type,
    ...(r.subject_key !== null ? { subjectKey: r.subject_key } : {}),
    subjectId: r.subject_id,
    ...(r.product_id !== null ? { productId: r.product_id } : {}),
    contentHash: r.content_hash,
    statusList: r.status_list,
    statusIndex: r.status_index,
    keyId: r.key_id,
    issuedAt: r.issued_at,
    ...(r.valid_until !== null ? { validUntil: r.valid_until } : {}),
    ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
    vc: r.vc,
    jwt: r.jwt,
  };
}

export class CredentialTable {
  constructor(private readonly db: Db) {}

  /** A credential change shows in the change log: on its product, or store-wide. */
  private logChange(kind: 'create' | 'delete', productId: string | null, at: string): void {
    const entity = productId ? 'credential' : 'store';
    const seq = Number(this.db.prepare('INSERT INTO changes (at, entity, kind, product_id) VALUES (?, ?, ?, ?)').run(at, entity, kind, productId).lastInsertRowid);
    if (productId) this.db.prepare('UPDATE products SET seq = ?, updated_at = ? WHERE id = ?').run(seq, at, productId);
  }

  insert(r: CredentialRecord, at: string): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO credentials (id, type, subject_key, subject_id, product_id, content_hash, status_list, status_index, key_id, issued_at, valid_until, revoked_at, vc, jwt)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          r.id,
          r.type,
          r.subjectKey ?? null,
          r.subjectId,
          r.productId ?? null,
          r.contentHash,
          r.statusList,
          r.statusIndex,
          r.keyId,
          r.issuedAt,
          r.validUntil ?? null,
          r.revokedAt ?? null,
          r.vc,
          r.jwt,
        );
      this.logChange('create', r.productId ?? null, at);
    })();
  }

  get(id: string): CredentialRecord | undefined {
    const row = this.db.prepare<[string], CredentialRow>('SELECT * FROM credentials WHERE id = ?').get(id);
    return row ? fromRow(row) : undefined;
  }

  list(q: CredentialQuery): { items: CredentialRecord[]; next?: string } {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (!q.includeRevoked) where.push('revoked_at IS NULL');
    if (q.type) {
      where.push('type = ?');
      params.push(q.type);
    }
    if (q.subjectId) {
      where.push('subject_id = ?');
      params.push(q.subjectId);
    }
    if (q.productId) {
      where.push('product_id = ?');
      params.push(q.productId);
    }
    if (q.after) {
      const [issuedAt, id] = decodeCursor(q.after, true);
      where.push('(issued_at, id) > (?, ?)');
      params.push(issuedAt!, id!);
    }
    const rows = this.db
      .prepare<(string | number)[], CredentialRow>(`SELECT * FROM credentials ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY issued_at, id LIMIT ?`)
      .all(...params, q.limit + 1);
    const more = rows.length > q.limit;
    if (more) rows.pop();
    const last = rows[rows.length - 1];
    return { items: rows.map(fromRow), ...(more && last ? { next: encodeCursor([last.issued_at, last.id]) } : {}) };
  }

  activeByKey(): Map<string, { id: string; contentHash: string; keyId: string; productId?: string; validUntil?: string }> {
    const rows = this.db
      .prepare<[], { subject_key: string; id: string; content_hash: string; key_id: string; product_id: string | null; valid_until: string | null }>(
        'SELECT subject_key, id, content_hash, key_id, product_id, valid_until FROM credentials WHERE revoked_at IS NULL AND subject_key IS NOT NULL',
      )
      .all();
    return new Map(
      rows.map((r) => [
        r.subject_key,
        { id: r.id, contentHash: r.content_hash, keyId: r.key_id, ...(r.product_id ? { productId: r.product_id } : {}), ...(r.valid_until ? { validUntil: r.valid_until } : {}) },
      ]),
    );
  }

  revoke(id: string, at: string): CredentialRecord | undefined {
    return this.db
      .transaction(() => {
        const row = this.db.prepare<[string], CredentialRow>('SELECT * FROM credentials WHERE id = ? AND revoked_at IS NULL').get(id);
        if (!row) return undefined;
        this.db.prepare('UPDATE credentials SET revoked_at = ? WHERE id = ?').run(at, id);
        const list = this.db.prepare<[string], { bits: Buffer }>('SELECT bits FROM status_lists WHERE id = ?').get(row.status_list)!;
        const bits = Buffer.from(list.bits);
        // Bitstring Status List: index 0 is the most significant bit of the first byte.
        bits[row.status_index >> 3]! |= 0x80 >> (row.status_index & 7);
        this.db.prepare('UPDATE status_lists SET bits = ?, vc = NULL, updated_at = ? WHERE id = ?').run(bits, at, row.status_list);
        this.logChange('delete', row.product_id, at);
        return fromRow({ ...row, revoked_at: at });
      })
      .immediate();
  }

  keyIds(now: string): Set<string> {
    const rows = this.db.prepare<[string], { key_id: string }>('SELECT DISTINCT key_id FROM credentials WHERE revoked_at IS NULL AND (valid_until IS NULL OR valid_until > ?)').all(now);
    return new Set(rows.map((r) => r.key_id));
  }

  getList(id: string): StatusListRecord | undefined {
    const r = this.db
      .prepare<[string], { id: string; purpose: string; length: number; allocated: number; bits: Buffer; vc: string | null; updated_at: string }>('SELECT * FROM status_lists WHERE id = ?')
      .get(id);
    return r ? { id: r.id, purpose: r.purpose, length: r.length, allocated: r.allocated, bits: r.bits, ...(r.vc !== null ? { vc: r.vc } : {}), updatedAt: r.updated_at } : undefined;
  }

  createList(r: StatusListRecord): void {
    this.db
      .prepare('INSERT OR IGNORE INTO status_lists (id, purpose, length, allocated, bits, vc, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(r.id, r.purpose, r.length, r.allocated, r.bits, r.vc ?? null, r.updatedAt);
  }

  allocate(listId: string): number {
    return this.db
      .transaction(() => {
        const row = this.db.prepare<[string], { allocated: number; length: number }>('SELECT allocated, length FROM status_lists WHERE id = ?').get(listId);
        if (!row) throw new Error(`no status list ${listId}`);
        if (row.allocated >= row.length) throw new Error(`status list ${listId} is full`);
        this.db.prepare('UPDATE status_lists SET allocated = allocated + 1 WHERE id = ?').run(listId);
        return row.allocated;
      })
      .immediate();
  }

  saveListVc(listId: string, vc: string, at: string): void {
    this.db.prepare('UPDATE status_lists SET vc = ?, updated_at = ? WHERE id = ?').run(vc, at, listId);
  }
}
