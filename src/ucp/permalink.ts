/**
 * Permalinks (2026-08-25 `dev.ucp.shopping.permalink`, permalink.md), pure: a browser link
 * `{endpoint}/{item:qty,...}?{field paths}&continue_to=/path` read into the body of a checkout to stage,
 * and the destination preference checked. Nothing here trusts the URL: item tokens follow the compact
 * grammar (raw, or `~` + canonical base64url of UTF-8), quantities are positive integers within the
 * store's per-line limit, only request fields a checkout accepts are taken from field paths (never ids,
 * totals or payment), a pointer given twice is ambiguous, and `continue_to` must stay on this origin.
 */

/** Where permalinks are served (the capability's `config.endpoint`, without a trailing slash). */
export const PERMALINK_PATH = '/buy';

/** The most lines one permalink may carry. */
export const MAX_PERMALINK_ITEMS = 50;

const RAW_TOKEN = /^[A-Za-z0-9._-]+$/;
const B64_TOKEN = /^~[A-Za-z0-9_-]+$/;
const QUANTITY = /^[1-9][0-9]*$/;

type Json = Record<string, unknown>;

export type Permalink = { ok: true; body: Json; continueTo?: string; ignored: string[] } | { ok: false; reason: string; continueTo?: string };

/** An item token as an item id (undefined: not a canonical token). */
export function itemIdOf(token: string): string | undefined {
  if (RAW_TOKEN.test(token)) return token;
  if (!B64_TOKEN.test(token)) return undefined;
  const b64 = token.slice(1);
  const bytes = Buffer.from(b64, 'base64url');
  // canonical only: the same text must come back (no padding, no stray bits)
  if (bytes.toString('base64url') !== b64) return undefined;
  const id = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (Buffer.from(id, 'utf8').compare(bytes) !== 0 || id === '' || /\p{Cc}/u.test(id)) return undefined;
  return id;
}

/** The token for an item id (what a link builder writes). */
export function tokenOf(id: string): string {
  return RAW_TOKEN.test(id) ? id : `~${Buffer.from(id, 'utf8').toString('base64url')}`;
}

/**
 * A `continue_to` value, checked: percent-decoded once, a single leading "/", no scheme, backslash,
 * whitespace or control character, dot segments resolved, same origin; returned re-encoded (path and
 * query only), or undefined when unsafe.
 */
export function safeContinueTo(raw: string, origin: string): string | undefined {
  let v: string;
  try {
    v = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (!v.startsWith('/') || v.startsWith('//') || /[\\\s\p{Cc}]/u.test(v) || /^[a-z][a-z0-9+.-]*:/i.test(v)) return undefined;
  let u: URL;
  try {
    u = new URL(v, origin);
  } catch {
    return undefined;
  }
  if (u.origin !== new URL(origin).origin) return undefined;
  return `${u.pathname}${u.search}`;
}

/** The request fields a field path may set: `<pointer> -> where it goes in the checkout body`. */
const FIELDS: Record<string, (body: Json, value: string) => void> = {};
const at = (section: string, field: string) => (body: Json, value: string) => {
  const s = (body[section] ?? {}) as Json;
  s[field] = value;
  body[section] = s;
};
for (const f of ['address_country', 'address_region', 'postal_code', 'currency', 'language', 'location', 'intent']) FIELDS[`/context/${f}`] = at('context', f);
for (const f of ['email', 'first_name', 'last_name', 'phone_number']) FIELDS[`/buyer/${f}`] = at('buyer', f);
for (const f of ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'referrer']) FIELDS[`/attribution/${f}`] = at('attribution', f);

/**
 * Read a permalink: `items` is the path segment after the endpoint (absent for `{endpoint}?...`), `query`
 * the query's name/value pairs in order, `origin` this store's origin.
 */
export function readPermalink(items: string | undefined, query: readonly [string, string][], o: { origin: string; maxLineQuantity: number }): Permalink {
  const continues = query.filter(([k]) => k === 'continue_to');
  const continueTo = continues.length === 1 ? safeContinueTo(continues[0]![1], o.origin) : undefined;
  const fail = (reason: string): Permalink => ({ ok: false, reason, ...(continueTo ? { continueTo } : {}) });
  if (continues.length > 1) return { ok: false, reason: 'continue_to is given more than once' };

  const lines: { item: { id: string }; quantity: number }[] = [];
  if (items !== undefined && items !== '') {
    const pairs = items.split(',');
    if (pairs.length > MAX_PERMALINK_ITEMS) return fail(`at most ${MAX_PERMALINK_ITEMS} items per link`);
    const seen = new Set<string>();
    for (const pair of pairs) {
      const colon = pair.lastIndexOf(':');
      const token = colon > 0 ? pair.slice(0, colon) : '';
      const qty = colon > 0 ? pair.slice(colon + 1) : '';
      const id = itemIdOf(token);
      if (id === undefined) return fail(`"${pair.slice(0, 40)}" is not an item token (letters, digits, ".", "_", "-", or "~" and base64url)`);
      if (!QUANTITY.test(qty) || qty.length > 15 || Number(qty) > o.maxLineQuantity) return fail(`the quantity of ${id} must be a whole number from 1 to ${o.maxLineQuantity}`);
      if (seen.has(id)) return fail(`${id} is listed twice`);
      seen.add(id);
      lines.push({ item: { id }, quantity: Number(qty) });
    }
  }

  const body: Json = { line_items: lines };
  const ignored: string[] = [];
  const pointers = new Set<string>();
  const codes: string[] = [];
  for (const [name, value] of query) {
    if (name === 'continue_to') continue;
    if (/\p{Cc}/u.test(value) || /\p{Cc}/u.test(name)) return fail('a query parameter holds a control character');
    const pointer = `/${name.replace(/^\/+/, '')}`;
    if (pointers.has(pointer)) return fail(`${pointer} is given more than once`);
    pointers.add(pointer);
    const code = /^\/discounts\/codes\/(\d{1,2})$/.exec(pointer);
    if (code) {
      codes[Number(code[1])] = value;
      continue;
    }
    const set = FIELDS[pointer];
    if (set) set(body, value);
    else ignored.push(name);
  }
  const given = codes.filter((c): c is string => typeof c === 'string');
  if (given.length) body.discounts = { codes: given };
  if (lines.length === 0) return fail('the link names no items');
  return { ok: true, body, ignored, ...(continueTo ? { continueTo } : {}) };
}
