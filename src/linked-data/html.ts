/**
 * Human-readable pages: the product page (with the product's JSON-LD embedded, which is what search
 * crawlers read) and the store's policy pages when the merchant's policy links point at ucpd itself.
 * Everything from the feed is escaped; descriptions are rendered as text, never as the feed's HTML.
 */
import { summarizeStock } from '../catalog/availability.js';
import type { Review, Variant } from '../catalog/model.js';
import { toDecimalString } from '../catalog/money.js';
import { descriptionText } from '../catalog/quality.js';
import { deliveryDays, returnTerms } from '../catalog/shipping.js';
import { AVAILABILITY_TEXT, destinationText, pickupText, shippingText } from '../publish/wording.js';
import type { ProductRecord } from '../store/store.js';
import { holdsUntil, type PublishEnv } from '../publish/env.js';
import { contextDestination, contextTax, destinationsFor, offerPrice, pickupOptions, servedBy, shippingOptions } from '../publish/offers.js';
import { taxNote } from '../publish/tax.js';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON inside <script>: no "</script>" or "<!--" can end or confuse the block. */
export function scriptJson(json: string): string {
  return json
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1rem;color:#222}
img{max-width:220px;height:auto;margin:.25rem;border-radius:6px;background:#eee}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.35rem;text-align:left}
.muted{color:#666}.price{font-size:1.4rem;font-weight:600}s{color:#888}`;

function layout(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style>${head}</head>
<body>${body}</body></html>
`;
}

function priceHtml(product: ProductRecord['product'], variant: Variant, env: PublishEnv): string {
  const price = offerPriceOf(product, variant, env);
  if (!price) return '';
  const now = `${toDecimalString(price.amount, price.currency)} ${price.currency}`;
  const was = price.listAmount !== undefined && price.listAmount > price.amount ? ` <s>${toDecimalString(price.listAmount, price.currency)}</s>` : '';
  const why = price.promotions ? ` <small class="promotion">${escapeHtml(price.promotions.map((p) => p.title).join('; '))}</small>` : '';
  return `${now}${was}${why}`;
}

const offerPriceOf = (product: ProductRecord['product'], variant: Variant, env: PublishEnv) =>
  offerPrice(env, { productId: product.id, variantId: variant.id, categories: product.categories, prices: variant.prices }, env.context);

export function productPage(record: ProductRecord, env: PublishEnv, reviews: Review[], jsonLd: string, selectedVariant?: string): string {
  const { product } = record;
  const { urls } = env;
  const images = [...product.media, ...product.variants.flatMap((v) => v.media)].filter((m, i, all) => m.type === 'image' && all.findIndex((x) => x.url === m.url) === i);
  const rows = product.variants
    .map((v) => {
      const stock = summarizeStock(record.levels.filter((l) => l.variantId === v.id));
      const qty = stock.quantity === null ? '' : ` (${stock.quantity})`;
      const selected = v.id === selectedVariant ? ' style="background:#fff6d5"' : '';
      return `<tr${selected} data-variant="${escapeHtml(v.id)}"><td>${escapeHtml(v.options.map((o) => `${o.name}: ${o.value}`).join(', ') || v.title || v.id)}</td><td>${escapeHtml(v.sku ?? '')}</td><td>${priceHtml(product, v, env)}</td><td>${escapeHtml(AVAILABILITY_TEXT[stock.availability]!)}${qty}${stock.restockDate ? `, expected ${escapeHtml(stock.restockDate)}` : ''}</td></tr>`;
    })
    .join('\n');
  // shipping and pickup as the JSON-LD offer of the selected variant (or the first) states them
  const shown = product.variants.find((v) => v.id === selectedVariant) ?? product.variants[0];
  const price = shown ? offerPriceOf(product, shown, env) : undefined;
  const levels = shown ? record.levels.filter((l) => l.variantId === shown.id) : [];
  const pickupOffers = shown ? pickupOptions(env, levels, env.context.country ? { country: env.context.country } : {}) : [];
  const shippingOffers =
    price && shown
      ? destinationsFor(env, env.context, price.currency).flatMap((d) => shippingOptions(env, d, { subtotal: price.amount, currency: price.currency, itemIds: [product.id, shown.id] }))
      : [];
  for (const o of [...pickupOffers.map((p) => p.ready?.validUntil), ...shippingOffers.map((o) => o.window?.validUntil)]) holdsUntil(env, o);
  const pickup = pickupOffers.map((p) => `<li>${escapeHtml(pickupText(p))}</li>`).join('');
  const shipping = shippingOffers.map((o) => `<li>${escapeHtml(shippingText(o))}</li>`).join('');
  const tax = contextTax(env, env.context);
  const taxLine = tax ? `<p class="tax">${escapeHtml(taxNote(tax, destinationText(contextDestination(env.context)!)))}</p>` : '';
  const forVariant = shown && product.variants.length > 1 ? ` (${escapeHtml(shown.options.map((o) => o.value).join(', ') || shown.id)})` : '';
  const rating = record.rating ? `<p>Rated ${record.rating.value} / 5 from ${record.rating.count} review${record.rating.count === 1 ? '' : 's'}</p>` : '';
  const reviewHtml = reviews
    .map(
      (r) =>
        `<li><strong>${escapeHtml(r.title ?? '')}</strong> ${r.rating}/${r.bestRating} by ${escapeHtml(r.author)}${r.verifiedPurchase ? ' (verified purchase)' : ''}, ${escapeHtml(r.date)}<br>${escapeHtml(r.body)}</li>`,
    )
    .join('');
  const certs = product.certifications.map((c) => `<li>${escapeHtml(c.name)} (${escapeHtml(c.certifier)}${c.identifier ? `, ${escapeHtml(c.identifier)}` : ''})</li>`).join('');
  const text = descriptionText(product.description);
  const body = `<p class="muted"><a href="${escapeHtml(urls.absolute(env.merchant.url))}">${escapeHtml(env.merchant.name)}</a></p>
<h1>${escapeHtml(product.title)}</h1>
${product.brand ? `<p class="muted">by ${escapeHtml(product.brand)}</p>` : ''}
<div>${images.map((m) => `<img src="${escapeHtml(urls.absolute(m.url))}" alt="${escapeHtml(m.alt ?? product.title)}" loading="lazy">`).join('')}</div>
${rating}
${
  text
    ? text
        .split(/\n\s*\n/)
        .map((p) => `<p>${escapeHtml(p)}</p>`)
        .join('\n')
    : ''
}
<h2>Options and availability</h2>
<table><thead><tr><th>Option</th><th>SKU</th><th>Price</th><th>Availability</th></tr></thead><tbody>
${rows}
</tbody></table>
${taxLine}
${pickup ? `<h2>Pick up in store${forVariant}</h2><ul>${pickup}</ul>` : ''}
${shipping ? `<h2>Shipping${forVariant}</h2><ul>${shipping}</ul>` : ''}
${certs ? `<h2>Certifications</h2><ul>${certs}</ul>` : ''}
${reviewHtml ? `<h2>Reviews</h2><ul>${reviewHtml}</ul>` : ''}
<p class="muted">Machine-readable: <a href="${escapeHtml(urls.product(product.id))}" type="application/ld+json">JSON-LD</a> · <a href="${escapeHtml(urls.store)}">store</a></p>
<script type="application/ld+json">${scriptJson(jsonLd)}</script>`;
  const head = `<link rel="canonical" href="${escapeHtml(urls.product(product.id))}"><link rel="alternate" type="application/ld+json" href="${escapeHtml(urls.product(product.id))}">`;
  return layout(`${product.title} | ${env.merchant.name}`, body, head);
}

/** A plain page for one of the merchant's policy links that points at ucpd itself. */
export function policyPage(kind: 'privacy' | 'terms' | 'refund' | 'shipping' | 'faq' | 'help', env: PublishEnv): string {
  const m = env.merchant;
  const contact = [m.support.email && `email <a href="mailto:${escapeHtml(m.support.email)}">${escapeHtml(m.support.email)}</a>`, m.support.phone && `call ${escapeHtml(m.support.phone)}`]
    .filter(Boolean)
    .join(' or ');
  let body: string;
  switch (kind) {
    case 'refund': {
      const items = env.policies.map((p) => {
        const where = p.countries.length ? ` (${p.countries.join(', ')})` : '';
        return `<li><strong>${escapeHtml(p.id)}</strong>${where}: ${escapeHtml(returnTerms(p))}.</li>`;
      });
      body = `<h1>Returns and refunds</h1><ul>${items.join('')}</ul><p>Refunds go back to the original payment method.</p>`;
      break;
    }
    case 'shipping': {
      const rows = env.rates.map((r) => {
        const d = deliveryDays(r);
        return `<tr><td>${escapeHtml(r.country === '*' ? 'elsewhere' : r.country + (r.region ? `-${r.region}` : ''))}</td><td>${escapeHtml(r.title)}</td><td>${toDecimalString(r.price, r.currency)} ${r.currency}</td><td>${d ? `${d.min}-${d.max} business days` : ''}</td></tr>`;
      });
      const t = env.now.toISOString();
      const promos = env.promotions
        .filter((p) => p.type === 'free_shipping' && (p.startsAt === undefined || p.startsAt <= t) && (p.endsAt === undefined || t < p.endsAt))
        .map((p) => `<li>${escapeHtml(p.description)}</li>`);
      body = `<h1>Shipping</h1><p>We ship to ${escapeHtml(servedBy(env).join(', '))}.</p><table><thead><tr><th>Destination</th><th>Service</th><th>Price</th><th>Delivery</th></tr></thead><tbody>${rows.join('')}</tbody></table>${promos.length ? `<ul>${promos.join('')}</ul>` : ''}`;
      break;
    }
    case 'privacy':
      body = `<h1>Privacy</h1><p>${escapeHtml(m.legalName)} uses your personal data only to fulfil your orders and answer your questions. Agents placing orders on your behalf share only what the order needs. To see or delete your data, ${contact || 'contact us'}.</p>`;
      break;
    case 'terms':
      body = `<h1>Terms of sale</h1><p>Sales are made by ${escapeHtml(m.legalName)}${m.address ? `, ${escapeHtml([m.address.street, m.address.locality, m.address.region, m.address.country].filter(Boolean).join(', '))}` : ''}. Prices include the currency shown; taxes are calculated at checkout.</p>`;
      break;
    default:
      body = `<h1>Help</h1><p>Questions about an order? ${contact || 'Contact us'}.</p>`;
  }
  return layout(`${kind} | ${m.name}`, `<p class="muted"><a href="${escapeHtml(env.urls.absolute(m.url))}">${escapeHtml(m.name)}</a></p>${body}`);
}
