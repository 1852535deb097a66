/**
 * The consistency test's readers: each turns one surface (JSON-LD document, HTML page, UCP catalog
 * answer, UCP totals) into the same comparable facts (price, shipping options with dates, pickup, tax),
 * written independently of the code under test, from what each surface says.
 */
import type { Json } from '../helpers/json.js';

/** Reno: the demo's rates ship from there. */
export const WAREHOUSE_ZONE = 'America/Los_Angeles';

export interface Facts {
  price?: string;
  shipping?: string[];
  pickup?: string[];
  tax?: string;
}

/** Demo currencies all have two decimals. */
export const decimal = (minor: number) => (minor / 100).toFixed(2);
export const money = (minor: number, currency: string) => `${decimal(minor)} ${currency}`;
export const DATE = new Intl.DateTimeFormat('en-CA', { timeZone: WAREHOUSE_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
export const localDate = (iso: string) => DATE.format(new Date(iso));
export const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** "Thu, 10 Dec 2026" -> "2026-12-10" */
export const parseDay = (text: string) => {
  const m = /^\w{3}, (\d{1,2}) (\w{3}) (\d{4})$/.exec(text.trim());
  if (!m) throw new Error(`not a day: ${text}`);
  return `${m[3]}-${String(MONTHS.indexOf(m[2]!) + 1).padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
};
/** An instant as the HTML writes it in a store's zone (the test's own formatting, not the server's). */
export const storeTime = (iso: string, zone: string) =>
  `${new Date(iso).toLocaleString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: zone })} (${zone})`;
export const shippingFact = (title: string, amount: string, promo: string | undefined, earliest: string | undefined, latest: string | undefined) =>
  [title, amount, promo ?? '', earliest ?? '', latest ?? ''].join(' | ');
export const taxFact = (rate: number | undefined, included: boolean | undefined) => (rate === undefined ? 'not configured' : `${rate}% ${included ? 'included' : 'added'}`);

/** Every node of a JSON-LD document by @id (nodes published once and referenced elsewhere). */
export function nodesById(doc: unknown): Map<string, Json> {
  const out = new Map<string, Json>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) {
      n.forEach(walk);
      return;
    }
    if (!n || typeof n !== 'object') return;
    const node = n as Json;
    if (typeof node['@id'] === 'string' && Object.keys(node).length > 1 && !out.has(node['@id'])) out.set(node['@id'], node);
    Object.values(node).forEach(walk);
  };
  walk(doc);
  return out;
}

/** JSON-LD facts per variant id (from its sku-bearing node's offers). */
export function jsonLdFacts(doc: Json, onlyVariant: string | undefined, locationZones: Map<string, string>): Map<string, Facts> {
  const byId = nodesById(doc);
  const resolve = (n: Json) => (n && Object.keys(n).length === 1 && n['@id'] ? (byId.get(n['@id']) ?? n) : n);
  const variants: Json[] = doc.hasVariant ? doc.hasVariant.map(resolve) : [doc];
  const out = new Map<string, Facts>();
  for (const v of variants) {
    const variantId = doc.hasVariant ? new URL(v.url ?? v['@id']).searchParams.get('variant')! : onlyVariant!;
    const offers: Json[] = (Array.isArray(v.offers) ? v.offers : v.offers ? [v.offers] : []).map(resolve);
    const shipped = offers.find((o) => o.availableDeliveryMethod === undefined);
    if (!shipped) {
      out.set(variantId, {});
      continue;
    }
    const details: Json[] = (Array.isArray(shipped.shippingDetails) ? shipped.shippingDetails : shipped.shippingDetails ? [shipped.shippingDetails] : []).map(resolve);
    const shipping = details.map((d) => {
      const m = /^(.*) \(free: (.*)\)$/.exec(d.shippingLabel);
      return shippingFact(m ? m[1]! : d.shippingLabel, `${d.shippingRate.value} ${d.shippingRate.currency}`, m?.[2], d.deliveryTime?.earliestArrival, d.deliveryTime?.latestArrival);
    });
    const pickup = offers
      .filter((o) => o.availableDeliveryMethod === 'https://schema.org/OnSitePickup' && o.availability !== 'https://schema.org/OutOfStock')
      .map((o) => {
        const loc = decodeURIComponent(String(resolve(o.availableAtOrFrom)['@id']).split('#location-')[1]!);
        return [loc, o.pickupReadyAt ?? '', o.storeOpensAt ?? '', locationZones.get(loc) ?? ''].join(' | ');
      });
    const specs: Json[] = Array.isArray(shipped.priceSpecification) ? shipped.priceSpecification : [];
    const taxSpec = specs.find((s) => typeof s.description === 'string');
    out.set(variantId, {
      price: `${shipped.price} ${shipped.priceCurrency}`,
      shipping: shipping.sort(),
      pickup: pickup.sort(),
      ...(taxSpec ? { tax: taxFact(taxSpec.taxRate, taxSpec.valueAddedTaxIncluded) } : {}),
    });
  }
  return out;
}

export const unescapeHtml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

/** HTML facts: the price of every variant (table rows), shipping, pickup and tax of the variant shown. */
export function htmlFacts(html: string): { prices: Map<string, string>; shown: Facts } {
  const prices = new Map<string, string>();
  for (const m of html.matchAll(/<tr[^>]* data-variant="([^"]+)"><td>.*?<\/td><td>.*?<\/td><td>([^<]*)/g)) if (m[2]!.trim()) prices.set(unescapeHtml(m[1]!), m[2]!.trim());
  const section = (title: string) => new RegExp(`<h2>${title}[^<]*</h2><ul>(.*?)</ul>`).exec(html)?.[1];
  const items = (ul: string | undefined) => (ul ? [...ul.matchAll(/<li>(.*?)<\/li>/g)].map((m) => unescapeHtml(m[1]!)) : []);
  const shipping = items(section('Shipping')).map((li) => {
    const m = /^(.*?) to [^:]+: (\d+\.\d{2} [A-Z]{3})(?: \(free: (.*?)\))?(?:, arrives (\w{3}, \d{1,2} \w{3} \d{4})(?: to (\w{3}, \d{1,2} \w{3} \d{4}))?)?(?: if ordered by .*)?$/.exec(li);
    if (!m) throw new Error(`unparsed shipping line: ${li}`);
    const earliest = m[4] ? parseDay(m[4]) : undefined;
    return shippingFact(m[1]!, m[2]!, m[3], earliest, m[5] ? parseDay(m[5]) : earliest);
  });
  const pickup = items(section('Pick up in store'))
    .filter((li) => !/: Out of stock/.test(li))
    .map((li) => {
      const m = /^(.*?), [^:]*: [^,(]*(?: \(\d+\))?(?:, ready (.*?\)))?(?: \(closed now; opens (.*?\))\))?$/.exec(li);
      if (!m) throw new Error(`unparsed pickup line: ${li}`);
      return [m[1]!, m[2] ?? '', m[3] ?? ''].join(' | ');
    });
  const note = /<p class="tax">(.*?)<\/p>/.exec(html)?.[1];
  let tax: string | undefined;
  if (note !== undefined) {
    const text = unescapeHtml(note);
    const included = /^Price includes ([\d.]+)% /.exec(text);
    const added = /^Plus ([\d.]+)% /.exec(text);
    tax = included ? taxFact(Number(included[1]), true) : added ? taxFact(Number(added[1]), false) : /^No tax \(/.test(text) ? taxFact(0, false) : taxFact(undefined, undefined);
  }
  return { prices, shown: { shipping: shipping.sort(), pickup: pickup.sort(), ...(tax ? { tax } : {}) } };
}

/** UCP catalog facts per variant id. */
export function ucpCatalogFacts(products: Json[], country: string, unavailable: Set<string>): Map<string, Facts> {
  const out = new Map<string, Facts>();
  for (const p of products) {
    for (const v of p.variants as Json[]) {
      const shipping = ((v.metadata?.shipping ?? []) as Json[]).map((s) => shippingFact(s.title, money(s.price.amount, s.price.currency), s.promotion, s.earliest_arrival, s.latest_arrival));
      if (v.availability?.available === false) unavailable.add(v.id);
      const pickup = ((v.inventory?.locations ?? []) as Json[])
        .filter((l) => l.pickup && l.available && l.address?.address_country === country)
        .map((l) => [l.id, l.pickup_ready_at ?? '', l.opens_at ?? ''].join(' | '));
      const tax = v.metadata?.tax;
      out.set(v.id, {
        price: money(v.price.amount, v.price.currency),
        shipping: shipping.sort(),
        pickup: pickup.sort(),
        ...(tax ? { tax: tax.configured === false ? taxFact(undefined, undefined) : taxFact(tax.rate, tax.included) } : {}),
      });
    }
  }
  return out;
}

/** Half up, as a cashier would: the test's own arithmetic for the tax a total must carry. */
export const percentOf = (amount: number, rate: number) => Math.round((amount * Math.round(rate * 10_000)) / 1_000_000 + 1e-9);
export const includedPart = (gross: number, rate: number) => Math.round((gross * rate) / (100 + rate) + 1e-9);

/** Tax as a cart or checkout total states it, with its amount checked against its rate. */
export function totalsTax(body: Json, taxable: number, problems: string[]): string | undefined {
  const totals = body.totals as Json[];
  const added = totals.find((x) => x.type === 'tax');
  const total = totals.find((x) => x.type === 'total')!;
  if (added) {
    const rate = Number(/^([\d.]+)% /.exec(added.display_text)![1]);
    if (added.amount !== percentOf(taxable, rate)) problems.push(`tax ${added.amount} is not ${rate}% of ${taxable}`);
    return taxFact(rate, false);
  }
  if (total.lines) {
    const rate = Number(/^([\d.]+)% /.exec(total.lines[1].display_text)![1]);
    if (total.lines[1].amount !== includedPart(taxable, rate)) problems.push(`included tax ${total.lines[1].amount} is not the ${rate}% part of ${taxable}`);
    return taxFact(rate, true);
  }
  return (body.messages ?? []).some((m: Json) => m.code === 'tax_not_configured') ? taxFact(undefined, undefined) : undefined;
}

// --------------------------------------------------------------------------------------------- run
