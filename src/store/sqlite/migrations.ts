/**
 * Versioned schema. `PRAGMA user_version` holds the number of migrations applied; each migration runs in
 * its own transaction. Append new migrations; never edit one that has shipped.
 */
import type Database from 'better-sqlite3';

export const MIGRATIONS: readonly string[] = [
  // 1: catalog, stock, change log, store-wide data, customers, tokens, import history
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

  CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    entity TEXT NOT NULL,
    kind TEXT NOT NULL,
    product_id TEXT,
    variant_id TEXT,
    location_id TEXT,
    import_id TEXT
  );
  CREATE INDEX changes_deleted ON changes (at) WHERE entity = 'product' AND kind = 'delete';

  CREATE TABLE merchant (id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL, updated_at TEXT NOT NULL);

  CREATE TABLE locations (
    id TEXT PRIMARY KEY,
    priority INTEGER NOT NULL,
    doc TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );

  CREATE TABLE shipping_rates (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
  CREATE TABLE return_policies (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
  CREATE TABLE discounts (code TEXT PRIMARY KEY COLLATE NOCASE, doc TEXT NOT NULL);
  CREATE TABLE promotions (id TEXT PRIMARY KEY, doc TEXT NOT NULL);

  CREATE TABLE products (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    brand TEXT,
    categories TEXT NOT NULL,
    doc TEXT NOT NULL,
    quality_mask INTEGER NOT NULL,
    review_count INTEGER NOT NULL DEFAULT 0,
    rating TEXT,
    stock_synced_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    seq INTEGER NOT NULL
  );
  CREATE INDEX products_updated ON products (updated_at, id);
  CREATE INDEX products_brand ON products (brand COLLATE NOCASE, id);

  CREATE TABLE variants (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    sku TEXT,
    gtin TEXT,
    doc TEXT NOT NULL
  );
  CREATE INDEX variants_product ON variants (product_id, position);
  CREATE INDEX variants_sku ON variants (sku) WHERE sku IS NOT NULL;
  CREATE INDEX variants_gtin ON variants (gtin) WHERE gtin IS NOT NULL;

  CREATE TABLE prices (
    variant_id TEXT NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    currency TEXT NOT NULL,
    amount INTEGER NOT NULL,
    list_amount INTEGER,
    valid_until TEXT,
    PRIMARY KEY (variant_id, currency)
  ) WITHOUT ROWID;

  CREATE TABLE inventory (
    variant_id TEXT NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    location_id TEXT NOT NULL REFERENCES locations (id) ON DELETE CASCADE,
    on_hand INTEGER,
    reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    low_stock_threshold INTEGER,
    restock_date TEXT,
    backorder INTEGER NOT NULL DEFAULT 0,
    preorder INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (variant_id, location_id)
  ) WITHOUT ROWID;
  CREATE INDEX inventory_location ON inventory (location_id);

  CREATE TABLE reservations (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('held', 'committed', 'released')),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  CREATE INDEX reservations_expiry ON reservations (expires_at) WHERE status = 'held';
  CREATE TABLE reservation_lines (
    reservation_id TEXT NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    variant_id TEXT NOT NULL,
    location_id TEXT NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (reservation_id, variant_id, location_id)
  ) WITHOUT ROWID;

  CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    doc TEXT NOT NULL
  );
  CREATE INDEX reviews_product ON reviews (product_id, date);

  CREATE TABLE customers (id TEXT PRIMARY KEY, email TEXT NOT NULL COLLATE NOCASE, doc TEXT NOT NULL);
  CREATE UNIQUE INDEX customers_email ON customers (email);
  CREATE TABLE addresses (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    content_hash TEXT NOT NULL,
    doc TEXT NOT NULL
  );
  CREATE INDEX addresses_customer ON addresses (customer_id);
  CREATE TABLE payment_instruments (id TEXT PRIMARY KEY, doc TEXT NOT NULL);

  CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
  );

  CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    format TEXT NOT NULL,
    mode TEXT NOT NULL,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    summary TEXT NOT NULL
  );
  `,
  // 2: store-wide change sequence in O(log n) (ETags of every published document depend on it)
  `
  CREATE INDEX changes_store ON changes (seq) WHERE entity = 'store';
  `,
  // 3: verifiable credentials and their revocation status lists
  `
  CREATE TABLE status_lists (
    id TEXT PRIMARY KEY,
    purpose TEXT NOT NULL,
    length INTEGER NOT NULL,
    allocated INTEGER NOT NULL DEFAULT 0,
    bits BLOB NOT NULL,
    vc TEXT,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    subject_key TEXT,
    subject_id TEXT NOT NULL,
    product_id TEXT,
    content_hash TEXT NOT NULL,
    status_list TEXT NOT NULL REFERENCES status_lists (id),
    status_index INTEGER NOT NULL,
    key_id TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    valid_until TEXT,
    revoked_at TEXT,
    vc TEXT NOT NULL,
    jwt TEXT NOT NULL,
    UNIQUE (status_list, status_index)
  );
  CREATE UNIQUE INDEX credentials_active_subject ON credentials (subject_key) WHERE revoked_at IS NULL AND subject_key IS NOT NULL;
  CREATE INDEX credentials_subject ON credentials (subject_id, issued_at);
  CREATE INDEX credentials_product ON credentials (product_id) WHERE product_id IS NOT NULL;
  CREATE INDEX credentials_issued ON credentials (issued_at, id);
  `,
  // 4: full-text search (FTS5, Porter stemming), a projection of the catalog kept up to date from the change log
  `
  CREATE TABLE search_docs (
    rowid INTEGER PRIMARY KEY,
    product_id TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    brand TEXT NOT NULL,
    body TEXT NOT NULL
  );
  CREATE VIRTUAL TABLE product_search USING fts5 (
    title, brand, body,
    content = 'search_docs', content_rowid = 'rowid',
    tokenize = 'porter unicode61 remove_diacritics 2'
  );
  INSERT INTO product_search (product_search, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)');
  `,
  // 5: product lookup by handle (UCP catalog lookup); Google category ids ("#5598") in the category lines
  `
  CREATE INDEX products_handle ON products (json_extract(doc, '$.handle')) WHERE json_extract(doc, '$.handle') IS NOT NULL;
  UPDATE products SET categories = categories || coalesce((
    SELECT group_concat(char(10) || '#' || json_extract(c.value, '$.id'), '')
    FROM json_each(products.doc, '$.categories') c
    WHERE json_extract(c.value, '$.taxonomy') = 'google' AND json_extract(c.value, '$.id') IS NOT NULL
  ), '');
  `,
  // 6: covering indexes for checks that run all the time and must not read the big rows: a product's
  // version (seq and updated_at sit after the document, often in overflow pages) guards every cached
  // rendering; the keys still signing active credentials are checked every few seconds
  `
  CREATE INDEX products_version ON products (id, seq, updated_at);
  CREATE INDEX credentials_active_keys ON credentials (key_id, valid_until) WHERE revoked_at IS NULL;
  `,
  // 7: UCP checkout sessions and carts, orders, idempotency keys, the webhook outbox
  `
  CREATE TABLE ucp_sessions (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('checkout', 'cart')),
    platform TEXT NOT NULL,
    status TEXT NOT NULL,
    cart_id TEXT,
    order_id TEXT,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
  );
  CREATE INDEX ucp_sessions_cart ON ucp_sessions (cart_id) WHERE cart_id IS NOT NULL;
  CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    checkout_id TEXT NOT NULL UNIQUE,
    platform TEXT NOT NULL,
    version INTEGER NOT NULL,
    doc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
  );
  CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    body BLOB,
    created_at TEXT NOT NULL,
    completed_at TEXT,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  CREATE INDEX idempotency_created ON idempotency (created_at);
  CREATE TABLE webhook_outbox (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    url TEXT NOT NULL,
    body BLOB NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    delivered_at TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL
  );
  CREATE INDEX webhook_outbox_due ON webhook_outbox (next_attempt_at) WHERE delivered_at IS NULL;
  CREATE INDEX webhook_outbox_order ON webhook_outbox (order_id, created_at);
  `,
  // 8: the catalog's origin (test payments are offered by default only for the bundled demo catalog):
  // a store whose every applied import was the bundled demo feed holds the demo catalog
  `
  INSERT INTO meta (key, value)
  SELECT 'catalog_origin', 'demo'
  WHERE EXISTS (SELECT 1 FROM imports WHERE status = 'applied')
    AND NOT EXISTS (SELECT 1 FROM imports WHERE status = 'applied' AND source NOT LIKE '%/demo/outdoor-gear.jsonl')
  ON CONFLICT (key) DO NOTHING;
  `,
  // 9: idempotency claims are leases (a crash no longer leaves a key stuck): who holds it, until when
  `
  ALTER TABLE idempotency ADD COLUMN lease_until TEXT;
  ALTER TABLE idempotency ADD COLUMN claim TEXT;
  `,
  // 10: discount conditions that count: redemptions per code (and buyer), and the orders of each buyer
  `
  CREATE TABLE discount_redemptions (
    code TEXT NOT NULL COLLATE NOCASE,
    buyer TEXT,
    order_id TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (code, order_id)
  );
  CREATE INDEX discount_redemptions_buyer ON discount_redemptions (code, buyer);
  CREATE TABLE buyer_orders (
    order_id TEXT PRIMARY KEY,
    buyer TEXT NOT NULL,
    at TEXT NOT NULL
  );
  CREATE INDEX buyer_orders_buyer ON buyer_orders (buyer);
  `,
  // 11: tax rates, store-wide like shipping rates
  `
  CREATE TABLE tax_rates (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
  `,
];

export function migrate(db: Database.Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > MIGRATIONS.length) {
    throw new Error(`database schema version ${from} is newer than this ucpd (knows ${MIGRATIONS.length}); upgrade ucpd`);
  }
  for (let v = from; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    }).immediate();
  }
  return { from, to: MIGRATIONS.length };
}
