/**
 * The items of a request against the catalog: each id resolved (a variant, or a product standing for its
 * first available variant), priced in the session's currency by the offer engine, with its stock; and
 * line items built from a request (unknown ids and sold-out items refused, quantities above the stock
 * reduced with a warning, lines of one variant sharing its stock).
 */
import { availableOf } from '../../catalog/availability.js';
import { DEFAULT_MAX_LINE_QUANTITY } from '../../config.js';
import { priceIn } from '../../publish/offers.js';
import type { Urls } from '../../publish/urls.js';
import type { Store } from '../../store/store.js';
import { error, warning, type UcpMessage } from '../messages.js';
import { isObject, isQuantity, str, type Outcome } from './request.js';
import type { ItemInfo, SessionDoc } from './types.js';

export interface ItemDeps {
  store: Store;
  urls: Urls;
  now: () => Date;
  maxLineQuantity?: number;
}

/** Catalog facts for the items a session names, in its currency. */
export async function catalogItems(d: ItemDeps, itemIds: readonly string[], currency: string): Promise<Map<string, ItemInfo>> {
  const out = new Map<string, ItemInfo>();
  const ids = [...new Set(itemIds)];
  if (!ids.length) return out;
  const resolved = await d.store.resolveKeys(ids);
  const records = new Map((await d.store.getProducts([...new Set([...resolved.values()].map((r) => r.productId))])).map((r) => [r.product.id, r]));
  for (const id of ids) {
    const hit = resolved.get(id);
    const record = hit && records.get(hit.productId);
    if (!hit || !record) continue;
    const variants = record.product.variants;
    const levelsOf = (vid: string) => record.levels.filter((l) => l.variantId === vid);
    const variant = hit.variantId !== undefined ? variants.find((v) => v.id === hit.variantId) : (variants.find((v) => availableOf(levelsOf(v.id)) !== 0) ?? variants[0]);
    if (!variant) continue;
    // checkout sells in one currency: the item's price in it, as the offer engine states it now
    const price = priceIn({ now: d.now() }, variant.prices, currency);
    const image = variant.media.find((m) => m.type === 'image') ?? record.product.media.find((m) => m.type === 'image');
    const levels = levelsOf(variant.id);
    out.set(id, {
      itemId: id,
      productId: record.product.id,
      variantId: variant.id,
      title: variant.title ?? (variants.length > 1 ? `${record.product.title} (${variant.options.map((x) => x.value).join(', ')})` : record.product.title),
      ...(price ? { price: price.amount } : {}),
      ...(image ? { imageUrl: d.urls.absolute(image.url) } : {}),
      available: availableOf(levels),
      levels,
      categories: record.product.categories,
      ...(record.product.returnPolicyId ? { returnPolicyId: record.product.returnPolicyId } : {}),
    });
  }
  return out;
}

/**
 * Lines from a request: item ids resolved against the catalog, unknown ids and sold-out items refused,
 * quantities above the stock reduced (with a warning). Existing line ids are kept.
 */
export async function linesFrom(
  d: ItemDeps,
  raw: unknown[],
  doc: SessionDoc,
  currency: string,
): Promise<{ ok: true; notices: UcpMessage[]; infos: Map<string, ItemInfo> } | { ok: false; outcome: Outcome }> {
  const wanted = raw.filter(isObject).map((l) => ({ id: str(l.id), itemId: str(isObject(l.item) ? l.item.id : undefined) ?? '', quantity: l.quantity, parentId: str(l.parent_id) }));
  const max = d.maxLineQuantity ?? DEFAULT_MAX_LINE_QUANTITY;
  const badQuantity = wanted.flatMap((w, i) => (isQuantity(w.quantity, max) ? [] : [i]));
  if (badQuantity.length) {
    return {
      ok: false,
      outcome: {
        status: 400,
        errors: badQuantity.map((i) =>
          error('invalid_quantity', `quantity must be a whole number from 1 to ${max}, got ${String(wanted[i]!.quantity).slice(0, 40)}`, 'recoverable', `$.line_items[${i}].quantity`),
        ),
      },
    };
  }
  const infos = await catalogItems(
    d,
    wanted.map((w) => w.itemId),
    currency,
  );
  const unknown = wanted.filter((w) => !infos.has(w.itemId));
  if (unknown.length) {
    return { ok: false, outcome: { status: 400, errors: unknown.map((u) => error('not_found', `item "${u.itemId}" not found`, 'recoverable', `$.line_items[${wanted.indexOf(u)}].item.id`)) } };
  }
  const soldOut = wanted.filter((w) => infos.get(w.itemId)!.available === 0);
  if (soldOut.length) {
    return {
      ok: false,
      outcome: {
        status: 400,
        errors: soldOut.map((w) => error('out_of_stock', `Insufficient stock for ${infos.get(w.itemId)!.title}: it is out of stock`, 'recoverable', `$.line_items[${wanted.indexOf(w)}]`)),
      },
    };
  }
  // Lines of one variant share its stock: each line gets at most what the lines before it left.
  const left = new Map<string, number>();
  const quantities = wanted.map((w) => {
    const info = infos.get(w.itemId)!;
    if (info.available === null) return w.quantity as number;
    const room = left.get(info.variantId) ?? info.available;
    const q = Math.min(w.quantity as number, room);
    left.set(info.variantId, room - q);
    return q;
  });
  const crowdedOut = wanted.flatMap((_w, i) => (quantities[i] === 0 ? [i] : []));
  if (crowdedOut.length) {
    return {
      ok: false,
      outcome: {
        status: 400,
        errors: crowdedOut.map((i) => {
          const info = infos.get(wanted[i]!.itemId)!;
          return error('out_of_stock', `Insufficient stock for ${info.title}: the lines before this one already take all ${info.available} in stock`, 'recoverable', `$.line_items[${i}]`);
        }),
      },
    };
  }
  const notices: UcpMessage[] = [];
  const known = new Set(doc.lines.map((l) => l.id));
  doc.lines = wanted.map((w, i) => {
    const info = infos.get(w.itemId)!;
    const quantity = quantities[i]!;
    if (quantity < (w.quantity as number)) {
      notices.push(
        warning(
          'quantity_adjusted',
          `only ${quantity} of ${info.title} available for this line (${info.available} in stock); quantity reduced from ${w.quantity as number} to ${quantity}`,
          `$.line_items[${i}].quantity`,
        ),
      );
    }
    const id = w.id && known.has(w.id) ? w.id : w.id && !doc.lines.some((l) => l.id === w.id) && /^[\w-]{1,64}$/.test(w.id) ? w.id : `li_${++doc.seq}`;
    return { id, itemId: w.itemId, quantity, ...(w.parentId ? { parentId: w.parentId } : {}) };
  });
  // line ids must be unique
  const seen = new Set<string>();
  for (const l of doc.lines) {
    if (seen.has(l.id)) l.id = `li_${++doc.seq}`;
    seen.add(l.id);
  }
  return { ok: true, notices, infos };
}
