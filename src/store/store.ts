/**
 * The one storage contract. SQLite (src/store/sqlite) is the embedded default; a PostgreSQL implementation
 * must pass the same contract tests (test/store/contract.ts). Every method is async so that a networked
 * database fits without changing callers.
 *
 * This is the module the rest of the server imports: it re-exports the contract (contract.ts) and the
 * shapes it speaks (catalog-records.ts, inventory-records.ts, catalog-import.ts, credential-records.ts,
 * commerce-records.ts), and holds the two things every store shares at run time: the clock and the test
 * for "the store is busy, try again".
 */
export type { CatalogReader, ChangeLog, CommerceStore, CredentialStore, CustomerStore, ImportLog, InventoryStore, MetaStore, SearchStore, Store, TokenStore } from './contract.js';
export type {
  ChangeEntity,
  ChangeEntry,
  ChangeKind,
  ProductKey,
  ProductKeyPage,
  ProductListQuery,
  ProductPage,
  ProductRecord,
  ResolvedKey,
  SearchQuery,
  SearchResult,
  VariantRef,
} from './catalog-records.js';
export type { InventoryInput, PriceInput, ReservedLine, ReserveLine, ReserveResult, StockChange } from './inventory-records.js';
export { CATALOG_ORIGIN } from './catalog-import.js';
export type { Collection, ImportOptions, ImportRecord, ImportSession, PutOutcome } from './catalog-import.js';
export type { CredentialQuery, CredentialRecord, StatusListRecord, TokenRecord } from './credential-records.js';
export type {
  CompleteInput,
  CompleteResult,
  DiscountUsageCounts,
  IdempotencyBegin,
  OrderRecord,
  OutboxInsert,
  OutboxRecord,
  Redemption,
  SessionRecord,
  StoredResponse,
} from './commerce-records.js';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * An error that means "another writer holds the lock; try again" (SQLITE_BUSY and its extended codes,
 * SQLITE_LOCKED), whichever store raised it: the protocols answer it 503 with Retry-After, never 500.
 */
export function isStoreBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
