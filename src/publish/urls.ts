import type { Merchant } from '../catalog/model.js';
/** Every URL ucpd publishes, from the configured public base URL (never from request headers). */

export class Urls {
  constructor(readonly base: string) {}

  get store(): string {
    return `${this.base}/.well-known/commerce`;
  }
  /** The OnlineStore node (the merchant), inside the store document. */
  get storeId(): string {
    return `${this.store}#store`;
  }
  get context(): string {
    return `${this.store}/context.jsonld`;
  }
  get schemaContextCopy(): string {
    return `${this.store}/schemaorg-context.jsonld`;
  }
  catalog(params: Record<string, string | number | undefined> = {}): string {
    return withQuery(`${this.store}/catalog`, params);
  }
  changes(params: Record<string, string | number | undefined> = {}): string {
    return withQuery(`${this.store}/changes`, params);
  }
  product(id: string): string {
    return `${this.base}/products/${encodeURIComponent(id)}`;
  }
  variant(productId: string, variantId: string): string {
    return `${this.product(productId)}?variant=${encodeURIComponent(variantId)}`;
  }
  location(id: string): string {
    return `${this.store}#location-${encodeURIComponent(id)}`;
  }
  returnPolicy(id: string): string {
    return `${this.store}#return-policy-${encodeURIComponent(id)}`;
  }
  shippingService(id: string): string {
    return `${this.store}#shipping-${encodeURIComponent(id)}`;
  }
  get ucpProfile(): string {
    return `${this.base}/.well-known/ucp`;
  }
  get didDocument(): string {
    return `${this.base}/.well-known/did.json`;
  }
  get jwks(): string {
    return `${this.base}/.well-known/jwks.json`;
  }
  get credentials(): string {
    return `${this.base}/credentials`;
  }
  get sitemap(): string {
    return `${this.base}/sitemap.xml`;
  }
  /** Feed and store URLs may be relative ("/help"); published ones are absolute. */
  absolute(url: string): string {
    return url.startsWith('/') ? `${this.base}${url}` : url;
  }
}

export function withQuery(url: string, params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${url}?${s}` : url;
}

/** The merchant's policy pages, absolute, as UCP link types (types/link.json): one list for catalog and checkout. */
export function policyLinks(m: Merchant, urls: Urls): { type: string; url: string }[] {
  const p = m.policies;
  const links: [string, string | undefined][] = [
    ['privacy_policy', p.privacy],
    ['terms_of_service', p.terms],
    ['refund_policy', p.refund],
    ['shipping_policy', p.shipping],
    ['faq', p.faq],
  ];
  return links.flatMap(([type, url]) => (url ? [{ type, url: urls.absolute(url) }] : []));
}
