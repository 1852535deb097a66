/**
 * A checkout session (or cart) as ucpd stores it, and the view evaluated from it: the shapes shared by
 * evaluation, fulfillment, rendering and the lifecycle.
 */
import type { DiscountBuyer, DiscountResult, DiscountUsage } from '../../publish/discounts.js';
import type { Category, DiscountCode, InventoryLevel } from '../../catalog/model.js';
import type { OfferRules } from '../../publish/offers.js';
import type { TaxAmount } from '../../publish/tax.js';
import type { Destination } from '../../catalog/shipping.js';
import type { Urls } from '../../publish/urls.js';
import type { UcpMessage } from '../messages.js';
import type { Negotiated } from '../negotiation.js';

export type CheckoutStatus = 'incomplete' | 'requires_escalation' | 'ready_for_complete' | 'complete_in_progress' | 'completed' | 'canceled';

export interface LineDoc {
  id: string;
  /** The id the platform asked for (a variant id, or a product id standing for its featured variant). */
  itemId: string;
  quantity: number;
  parentId?: string;
}

/** A UCP postal address (types/postal_address.json), as sent. */
export type Address = Record<string, string>;

export interface DestinationDoc {
  id: string;
  /** Shipping: the address. */
  address?: Address;
  /** Pickup: the location. */
  locationId?: string;
}

export interface GroupDoc {
  id: string;
  lineItemIds: string[];
  selectedOptionId: string | null;
}

export interface MethodDoc {
  id: string;
  type: 'shipping' | 'pickup';
  lineItemIds: string[];
  destinations: DestinationDoc[];
  selectedDestinationId: string | null;
  groups: GroupDoc[];
}

export interface InstrumentDoc {
  id: string;
  handler_id: string;
  type: string;
  display?: Record<string, unknown>;
  billing_address?: Record<string, unknown>;
  selected?: boolean;
}

export interface SessionDoc {
  kind: 'checkout' | 'cart';
  currency: string;
  lines: LineDoc[];
  /** Counter for ids this session assigns (li_1, fm_1, dest_1, fg_1). */
  seq: number;
  buyer?: Record<string, unknown>;
  context?: Record<string, unknown>;
  signals?: Record<string, unknown>;
  attribution?: Record<string, unknown>;
  codes: string[];
  methods: MethodDoc[];
  instruments: InstrumentDoc[];
  status: CheckoutStatus;
  createdAt: string;
  expiresAt: string;
  cartId?: string;
  order?: { id: string; permalink_url: string };
  /** The rendering at completion (without `ucp`): a completed checkout never changes. */
  final?: Record<string, unknown>;
  /** Codes applied when the session was last written (upper case): completion never silently drops one. */
  appliedCodes?: string[];
  /** Warnings from the last write that the next responses keep showing (quantity adjusted, codes rejected). */
  notices?: UcpMessage[];
  /**
   * A payment waiting for the buyer to authenticate it (a soft decline): the handler's challenge, the
   * instrument tried, and what the platform negotiated (the order placed on approval speaks its version
   * and sends its webhooks).
   */
  challenge?: { id: string; instrument: InstrumentDoc; version: string; webhookUrl?: string };
}

/** What the catalog says about one requested item, in the session's currency. */
export interface ItemInfo {
  itemId: string;
  productId: string;
  variantId: string;
  title: string;
  /** Unit price, minor units; undefined when not sold in the session's currency. */
  price?: number;
  imageUrl?: string;
  /** Units that can be sold now (null: not tracked); backorders and preorders count as available. */
  available: number | null;
  levels: InventoryLevel[];
  /** The product's categories (discount codes may name them). */
  categories: Category[];
  /** The product's own return policy, when it has one. */
  returnPolicyId?: string;
}

export interface Env extends OfferRules {
  urls: Urls;
  discountCatalog: readonly DiscountCode[];
  items: ReadonlyMap<string, ItemInfo>;
  /** Negotiated extensions. */
  fulfillment: boolean;
  discounts: boolean;
  /** The buyer's destination from the session's context (before an address is chosen). */
  contextDestination?: Destination;
  /** The buyer as discount conditions see them, and the redemptions of the session's codes so far. */
  buyer?: DiscountBuyer;
  usage?: DiscountUsage;
}

export interface FulfillmentOption {
  id: string;
  title: string;
  description?: string;
  carrier?: string;
  earliest_fulfillment_time?: string;
  latest_fulfillment_time?: string;
  totals: { type: string; amount: number; display_text?: string }[];
  /** Not rendered: the cost, for totals. */
  amount: number;
}

export interface View {
  status: CheckoutStatus;
  lines: { doc: LineDoc; index: number; info?: ItemInfo; unit: number; amount: number }[];
  subtotal: number;
  discounts: DiscountResult;
  /** What the applied discounts allocate to each line, by line index (absent: nothing). */
  lineDiscounts: ReadonlyMap<number, number>;
  options: Map<string, FulfillmentOption[]>; // by group id
  fulfillmentAmount: number;
  /** The selected option's title per group (for the order's expectations). */
  selectedTitles: Map<string, string>;
  /** Tax for the destination (added to the total, or included in it). */
  tax?: TaxAmount;
  total: number;
  messages: UcpMessage[];
  /** Everything the buyer must still provide is provided (fulfillment chosen, items available). */
  missingFulfillment: boolean;
}

/** Who is calling: the negotiated platform (sessions belong to the platform that created them). */
export interface Caller {
  negotiated: Negotiated;
  /** Idempotency-Key of the request, when sent (payment authorisations reuse it). */
  idempotencyKey?: string;
}
