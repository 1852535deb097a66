/**
 * Credential subjects built from catalog data, with the same @ids as the JSON-LD catalog so an agent can
 * join a credential to the listing it covers. Pure. Each desired credential has a subject key (what it
 * attests) and a content hash (what it says): a change in content means revoke and re-issue.
 */
import { createHash } from 'node:crypto';
import type { Certification, Merchant, ReturnPolicy, Review } from '../catalog/model.js';
import { toDecimalString } from '../catalog/money.js';
import { RETURN_CATEGORY, RETURN_FEES, RETURN_METHOD } from '../linked-data/terms.js';
import { reviewId } from '../linked-data/product.js';
import type { Urls } from '../publish/urls.js';

export const CREDENTIAL_TYPES = ['MerchantCredential', 'ReturnPolicyCredential', 'ProductCertificationCredential', 'VerifiedReviewCredential'] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

export interface DesiredCredential {
  type: CredentialType;
  subjectKey: string;
  subjectId: string;
  productId?: string;
  subject: Record<string, unknown>;
  /** Never after the claim itself stops holding (a certification's expiry). */
  validUntil?: string;
  contentHash: string;
}

function hashOf(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('base64url');
}

function desired(d: Omit<DesiredCredential, 'contentHash'>): DesiredCredential {
  return { ...d, contentHash: hashOf([d.type, d.subject, d.validUntil ?? null]) };
}

export function merchantClaim(m: Merchant, urls: Urls): DesiredCredential {
  const subject: Record<string, unknown> = {
    id: urls.storeId,
    type: 'OnlineStore',
    legalName: m.legalName,
    name: m.name,
    url: urls.absolute(m.url),
    addressCountry: m.country,
  };
  if (m.support.email) subject.email = m.support.email;
  if (m.support.phone) subject.telephone = m.support.phone;
  if (m.vatId) subject.vatID = m.vatId;
  if (m.registrationId) subject.registrationId = m.registrationId;
  if (m.address) {
    subject.address = {
      type: 'PostalAddress',
      ...(m.address.street ? { streetAddress: m.address.street } : {}),
      ...(m.address.locality ? { addressLocality: m.address.locality } : {}),
      ...(m.address.region ? { addressRegion: m.address.region } : {}),
      ...(m.address.postalCode ? { postalCode: m.address.postalCode } : {}),
      addressCountry: m.address.country,
    };
  }
  return desired({ type: 'MerchantCredential', subjectKey: 'merchant', subjectId: urls.storeId, subject });
}

export function returnPolicyClaim(p: ReturnPolicy, served: readonly string[], urls: Urls): DesiredCredential {
  const id = urls.returnPolicy(p.id);
  const subject: Record<string, unknown> = {
    id,
    type: 'MerchantReturnPolicy',
    applicableCountry: p.countries.length ? p.countries : [...served],
    returnPolicyCategory: RETURN_CATEGORY[p.category],
  };
  if (p.category === 'finite' && p.windowDays !== undefined) subject.merchantReturnDays = p.windowDays;
  if (p.category !== 'not_permitted') {
    subject.returnFees = RETURN_FEES[p.fees];
    if (p.methods.length) subject.returnMethod = p.methods.map((m) => RETURN_METHOD[m]);
    if (p.shippingFee) subject.returnShippingFeesAmount = { type: 'MonetaryAmount', value: toDecimalString(p.shippingFee.amount, p.shippingFee.currency), currency: p.shippingFee.currency };
    if (p.restockingFeePercent !== undefined) subject.restockingFee = p.restockingFeePercent;
  }
  if (p.url) subject.merchantReturnLink = urls.absolute(p.url);
  return desired({ type: 'ReturnPolicyCredential', subjectKey: `return-policy:${p.id}`, subjectId: id, subject });
}

export function certificationClaim(productId: string, c: Certification, urls: Urls): DesiredCredential {
  const productUrl = urls.product(productId);
  const certification: Record<string, unknown> = { type: 'Certification', name: c.name, issuedBy: { type: 'Organization', name: c.certifier } };
  if (c.identifier) certification.certificationIdentification = c.identifier;
  if (c.url) certification.url = urls.absolute(c.url);
  if (c.validFrom) certification.certificationValidFrom = c.validFrom.slice(0, 10);
  if (c.validUntil) certification.certificationExpires = c.validUntil.slice(0, 10);
  const key = `certification:${productId}:${c.identifier ?? c.name}`;
  return desired({
    type: 'ProductCertificationCredential',
    subjectKey: key,
    subjectId: productUrl,
    productId,
    subject: { id: productUrl, type: 'Product', hasCertification: certification },
    ...(c.validUntil ? { validUntil: endOfDay(c.validUntil) } : {}),
  });
}

/** A review by a buyer of the product: review id, product, rating and date; nothing about the reviewer. */
export function verifiedReviewClaim(r: Review, urls: Urls): DesiredCredential {
  const id = reviewId(urls.product(r.productId), r.id);
  return desired({
    type: 'VerifiedReviewCredential',
    subjectKey: `review:${r.id}`,
    subjectId: id,
    productId: r.productId,
    subject: {
      id,
      type: 'Review',
      itemReviewed: urls.product(r.productId),
      reviewRating: { type: 'Rating', ratingValue: r.rating, bestRating: r.bestRating, worstRating: r.worstRating },
      datePublished: r.date,
      verifiedPurchase: true,
    },
  });
}

function endOfDay(date: string): string {
  return date.length === 10 ? `${date}T23:59:59Z` : new Date(date).toISOString();
}
