/**
 * A product encoded for one buyer context and the pure rules searches apply to it: which variants fit
 * the constraints, which one is featured, and why the product matched (the explanation agents read).
 */
import type { Category } from '../../catalog/model.js';
import { toDecimalString } from '../../catalog/money.js';
import type { UcpProduct, UcpVariant } from './codec.js';
import { fragmentsOf, type ProductFragments } from './fragments.js';
import { mentions, stemOf, type UnderstoodQuery } from './query.js';
import type { MatchMode, PriceRange } from './requests.js';

export function money(amount: number, currency: string): string {
  return `${toDecimalString(amount, currency)} ${currency}`;
}

/** A product encoded for one buyer context, with what filters need that the encoding does not carry. */
export interface Encoded {
  seq: number;
  storeSeq: number;
  /** The encoding holds until (ms): its offers' next change (a cutoff, a sale ending), or the age limit. */
  until: number;
  product: UcpProduct;
  /** Its canonical JSON parts, made on first use. */
  fragments?: ProductFragments;
  categories: Category[];
  qualityMask: number;
  reviewCount: number;
  stockSyncedAt?: string;
  /** The product's own return policy, when it has one (else the store's applies). */
  returnPolicyId?: string;
}

/**
 * The product with these of its variants, in this order (shallow copies: the cached encoding stays
 * intact). Encodings are cached key-sorted and requests add members with `withKey`, so responses are
 * canonical JSON without sorting them per request.
 */
export function withVariants(p: UcpProduct, variants: readonly UcpVariant[]): UcpProduct {
  return { ...p, variants: variants.map((v) => ({ ...v })) };
}

export const canBuy = (v: UcpVariant) => v.availability.available;

export function fragments(e: Encoded): ProductFragments {
  e.fragments ??= fragmentsOf(e.product);
  return e.fragments;
}

export function priceFits(v: UcpVariant, price: PriceRange | undefined): boolean {
  return !price || (v.price.currency === price.currency && v.price.amount >= (price.min ?? 0) && v.price.amount <= (price.max ?? Number.MAX_SAFE_INTEGER));
}

/** The variant a product-level id resolves to: the first that can be bought now, else the first. */
export function featured(among: readonly UcpVariant[]): UcpVariant {
  return among.find(canBuy) ?? among[0]!;
}

/** Category filter values: a path matches itself and its sub-categories (case-insensitive); digits match a Google id. */
export function inCategories(own: readonly Category[], wanted: readonly string[]): boolean {
  return wanted.some((c) => {
    const lower = c.toLowerCase();
    return own.some((pc) => (/^\d+$/.test(c) ? pc.taxonomy === 'google' && pc.id === c : pc.path.toLowerCase() === lower || pc.path.toLowerCase().startsWith(`${lower} >`)));
  });
}
export const optionOf = (v: UcpVariant, name: string) => v.options?.find((o) => o.name === name)?.label;

/** With option or price constraints, the variants that satisfy them come first (the first is featured). */
export function searchVariants(all: readonly UcpVariant[], q: UnderstoodQuery, price: PriceRange | undefined): UcpVariant[] {
  if (!q.options.length && !price && !q.inStock) return [...all];
  const fits = (v: UcpVariant) => {
    if (!priceFits(v, price)) return false;
    for (const opt of q.options) {
      const value = v.options?.find((x) => x.name.toLowerCase() === opt.name)?.label.toLowerCase();
      if (value === undefined || !opt.values.includes(value)) return false;
    }
    return !q.inStock || canBuy(v);
  };
  return [...all.filter(fits), ...all.filter((v) => !fits(v))];
}

/** Why this product is in the results: which words matched where, and the constraints it satisfies. */
export function explain(e: Encoded, q: UnderstoodQuery, position: number, score: number, mode: MatchMode, constraints: string[]): Record<string, unknown> {
  const p = e.product;
  const meta = (p.metadata ?? {}) as { brand?: string; attributes?: Record<string, string>; certifications?: { name: string }[] };
  const d = p.description;
  const fields: [string, string[]][] = [
    ['title', [p.title]],
    ['brand', meta.brand ? [meta.brand] : []],
    ['categories', e.categories.map((c) => c.path)],
    ['tags', p.tags ?? []],
    ['options', (p.options ?? []).flatMap((opt) => [opt.name, ...opt.values.map((v) => v.label)])],
    ['attributes', Object.values(meta.attributes ?? {})],
    ['certifications', (meta.certifications ?? []).map((c) => c.name)],
    ['description', [d.plain ?? d.markdown ?? d.html ?? '']],
  ];
  const matched = q.terms
    .map((term) => {
      const stem = stemOf(term);
      return { term, fields: fields.filter(([, texts]) => texts.some((t) => mentions(t, stem))).map(([name]) => name) };
    })
    .filter((m) => m.fields.length > 0);
  return {
    position,
    ...(q.terms.length
      ? { relevance: Math.round(-score * 1000) / 1000, match: mode === 'all' ? 'all_terms' : 'some_terms', ...(typeof mode === 'number' ? { ignored_terms: [q.terms[mode]] } : {}), matched }
      : { match: 'filters_only' }),
    ...(constraints.length ? { constraints } : {}),
  };
}
