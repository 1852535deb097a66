/**
 * The UCP release ucpd implements and the names it publishes. `dev.ucp.*` spec and schema URLs stay on
 * https://ucp.dev (platforms check that a capability's URLs match its namespace authority); ucpd's own
 * extension lives in the `dev.ucpd.*` namespace, so its URLs are on https://ucpd.dev.
 */
export const UCP_VERSION = '2026-04-08';

export const SHOPPING_SERVICE = 'dev.ucp.shopping';
export const CATALOG_SEARCH = 'dev.ucp.shopping.catalog.search';
export const CATALOG_LOOKUP = 'dev.ucp.shopping.catalog.lookup';
export const CHECKOUT = 'dev.ucp.shopping.checkout';
export const CART = 'dev.ucp.shopping.cart';
export const ORDER = 'dev.ucp.shopping.order';
export const FULFILLMENT = 'dev.ucp.shopping.fulfillment';
export const DISCOUNT = 'dev.ucp.shopping.discount';
export const BUYER_CONSENT = 'dev.ucp.shopping.buyer_consent';
/** 2026-08-25: a browser link that opens a prefilled checkout. */
export const PERMALINK = 'dev.ucp.shopping.permalink';
/** ucpd's inventory-depth extension of both catalog capabilities, at its own version (third-party extensions version independently). */
export const INVENTORY_EXTENSION = 'dev.ucpd.shopping.inventory';
export const INVENTORY_VERSION = '2026-04-08';

const UCP_SITE = 'https://ucp.dev';

export function ucpSpecUrl(page: string, version = UCP_VERSION): string {
  return `${UCP_SITE}/${version}/specification/${page}`;
}

export function ucpSchemaUrl(file: string, version = UCP_VERSION): string {
  return `${UCP_SITE}/${version}/schemas/${file}`;
}

export const INVENTORY_SPEC_URL = 'https://ucpd.dev/specification/inventory';
/** ucpd's extension schemas (schemas/ucpd/), also served by every store at /schemas/ucpd/<file>. */
export const UCPD_SCHEMA_FILES = ['inventory.json', 'metadata.json'] as const;
export const INVENTORY_SCHEMA_URL = 'https://ucpd.dev/schemas/shopping/inventory.json';

/** Version strings of the protocol and of capabilities: a dated release. */
export const VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}$/;
