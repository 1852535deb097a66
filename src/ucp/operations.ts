/**
 * The UCP operations as one transport-neutral table: for each, the capability it belongs to, how its
 * request is validated, whether it is idempotent, and what it runs. A transport (REST today, rest/;
 * MCP next) finds the operation, admits the caller, validates the body and calls `execute`, which wraps
 * the outcome in the negotiated `ucp` envelope. Nothing here knows about HTTP.
 */
import type { UcpMessage } from './messages.js';
import { BUYER_CONSENT, CART, CATALOG_LOOKUP, CATALOG_SEARCH, CHECKOUT, DISCOUNT, FULFILLMENT, INVENTORY_EXTENSION, ORDER } from './constants.js';
import type { Outcome } from './checkout/service.js';
import { envelope } from './negotiation.js';
import type { Admission, Ucp } from './runtime.js';
import { checkoutSchemaRefs, LOOKUP_RESPONSE, PRODUCT_RESPONSE, SEARCH_RESPONSE, type RequestOp, type UcpSchemas } from './schemas.js';
import { businessError, incompatible, protocolError } from './errors.js';
import { responseJson } from './catalog/fragments.js';
import { canonicalJson } from '../util/canonical-json.js';
import { codecFor, type Resource } from './wire/codec.js';
import { isObject } from '../util/is-object.js';

type Json = Record<string, unknown>;

/** What an operation returns: a success body (without `ucp`), or business errors (an error_response). */
export type OperationResult = { status?: number; body: Record<string, unknown> } | { status?: number; errors: UcpMessage[]; continueUrl?: string };

/** One call of an operation, whatever carried it. */
export interface Call {
  admission: Admission;
  /** Path parameters (REST) or tool arguments naming the resource (MCP), decoded. */
  params: Record<string, string>;
  /** The caller's idempotency key, when it sent one. */
  idempotencyKey?: string;
}

/** An operation as an MCP tool (mcp.openrpc.json): arguments `meta`, `id` (the resource) and the payload. */
export interface ToolBinding {
  name: string;
  description: string;
  /** The argument carrying the request body (REST's body). */
  payload?: 'catalog' | 'checkout' | 'cart';
  /** `id` names the resource (REST's path parameter). */
  id?: true;
  /** `meta.idempotency-key` is required (complete and cancel). */
  keyRequired?: true;
  /** The result schema (a UCP schema ref; the tool's result is it or an error_response). */
  result: string;
}

export interface Operation {
  /** The same operation over MCP. */
  tool: ToolBinding;
  /** What its bodies are (the wire codec of the negotiated version translates them). */
  resource: Resource;
  /** Path under the endpoint, e.g. "/catalog/search" or "/checkout-sessions/{id}/complete". */
  path: string;
  method: 'POST' | 'GET' | 'PUT';
  capability: string;
  /** Request body schema (UCP schema ref); none for bodiless operations. */
  requestSchema?: string;
  /** Problems of a request body (instead of `requestSchema`), e.g. against request variants and negotiated extensions, in the negotiated version's schemas. */
  check?(body: unknown, admission: Admission, schemas: UcpSchemas): string[];
  /** A body is optional (cancel: none or `{}`). */
  bodyOptional?: boolean;
  /** The official schema of the body (for the route table), when `check` validates it instead of `requestSchema`. */
  bodySchema?: { schema: string; op?: RequestOp };
  /** The operation changes state: an idempotency key makes a retry replay the first response. */
  idempotent?: boolean;
  run(body: unknown, call: Call): Promise<OperationResult>;
}

/** A response ready to send: its status, and its body as canonical JSON text. */
export interface Executed {
  status: number;
  body: string;
}

/** Refuse (UcpProtocolError invalid_request) a body the operation's request schema, in the negotiated version, does not accept. */
export function validate(ucp: Ucp, op: Operation, body: unknown, admission: Admission): void {
  if (!op.requestSchema && !op.check) return;
  if (body === undefined && !op.bodyOptional) throw protocolError('invalid_request', `${op.path} needs a JSON body`);
  const schemas = ucp.schemasFor(admission.negotiated.version);
  const problems = body === undefined ? [] : op.check ? op.check(body, admission, schemas) : schemas.problems(op.requestSchema!, body);
  if (problems.length) throw protocolError('invalid_request', `the request does not match the ${op.capability} request schema: ${problems.join('; ')}`, { path: problems[0]!.split(':')[0]! });
}

/**
 * Run an admitted, validated call and frame its outcome for the negotiated version: the capability must
 * be shared, success bodies get the `ucp` envelope (and checkout the payment handlers offered), business
 * errors become an error_response. Protocol errors are thrown (UcpProtocolError) for the transport.
 */
export async function execute(ucp: Ucp, op: Operation, body: unknown, call: Call, storefront: string): Promise<Executed> {
  const n = call.admission.negotiated;
  if (!n.capabilities.has(op.capability)) return { status: 200, body: canonicalJson(incompatible(n, op.capability, storefront)) };
  const codec = codecFor(n.version);
  const env = async () => ({ ...envelope(n, op.capability), ...(op.capability === CHECKOUT ? { payment_handlers: (await ucp.payments.offered()).registry() } : {}) });
  const input = isObject(body) ? body : undefined;
  const refused = input && codec.refuse ? codec.refuse(op.resource, input) : [];
  // business outcomes (not found, unavailable, declined) are HTTP 200 with the messages (checkout-rest.md, cart-rest.md)
  if (refused.length) return { status: 200, body: canonicalJson(businessError(await env(), refused)) };
  const result = await op.run(input ? codec.request(op.resource, input) : body, call);
  if ('errors' in result) return { status: 200, body: canonicalJson(businessError(await env(), result.errors, result.continueUrl)) };
  // catalog products come pre-serialised (catalog/fragments.ts)
  return { status: result.status ?? 200, body: responseJson({ ...codec.response(op.resource, result.body, n), ucp: await env() }) };
}

/** The catalog capability's operations. */
export function catalogOperations(ucp: Ucp): Operation[] {
  /** The catalog extensions a call negotiated: stock depth; fulfillment methods on variants (2026-08-25: fulfillment extends the catalog). */
  const extensions = (c: Call, capability: string) => {
    const caps = c.admission.negotiated.capabilities;
    return { inventory: caps.has(INVENTORY_EXTENSION), fulfillment: caps.get(FULFILLMENT)?.extends.includes(capability) ?? false, version: c.admission.negotiated.version };
  };
  /** The request schema, and the fulfillment extension's form of it where fulfillment extends the catalog (filters.fulfills_to, filters.methods). */
  const catalogCheck = (base: string, extension: string, capability: string) => (body: unknown, a: Admission, s: UcpSchemas) => {
    const refs = [base, ...(a.negotiated.capabilities.get(FULFILLMENT)?.extends.includes(capability) ? [`shopping/fulfillment.json#/$defs/${extension}`] : [])];
    return [...new Set(refs.flatMap((ref) => s.problems(ref, body)))];
  };
  return [
    {
      path: '/catalog/search',
      tool: {
        name: 'search_catalog',
        description: 'Search the catalog: free text, filters (categories, price), context (country, currency); products with variants, prices and availability.',
        payload: 'catalog',
        result: SEARCH_RESPONSE,
      },
      resource: 'search',
      method: 'POST',
      capability: CATALOG_SEARCH,
      check: catalogCheck('shopping/catalog_search.json#/$defs/search_request', 'fulfillment_search_request', CATALOG_SEARCH),
      bodySchema: { schema: 'shopping/catalog_search.json#/$defs/search_request' },
      run: async (body, c) => ({ body: { ...(await ucp.catalog.search(body as never, extensions(c, CATALOG_SEARCH))) } }),
    },
    {
      path: '/catalog/lookup',
      tool: { name: 'lookup_catalog', description: 'Look up products and variants by id, SKU, GTIN, handle or product URL.', payload: 'catalog', result: LOOKUP_RESPONSE },
      resource: 'lookup',
      method: 'POST',
      capability: CATALOG_LOOKUP,
      check: catalogCheck('shopping/catalog_lookup.json#/$defs/lookup_request', 'fulfillment_lookup_request', CATALOG_LOOKUP),
      bodySchema: { schema: 'shopping/catalog_lookup.json#/$defs/lookup_request' },
      run: async (body, c) => ({ body: { ...(await ucp.catalog.lookup(body as never, extensions(c, CATALOG_LOOKUP))) } }),
    },
    {
      path: '/catalog/product',
      tool: {
        name: 'get_product',
        description: 'One product with option selection: the variant that matches the selected options, and what else is available.',
        payload: 'catalog',
        result: PRODUCT_RESPONSE,
      },
      resource: 'product',
      method: 'POST',
      capability: CATALOG_LOOKUP,
      check: catalogCheck('shopping/catalog_lookup.json#/$defs/get_product_request', 'fulfillment_get_product_request', CATALOG_LOOKUP),
      bodySchema: { schema: 'shopping/catalog_lookup.json#/$defs/get_product_request' },
      run: async (body, c) => {
        const out = await ucp.catalog.product(body as never, extensions(c, CATALOG_LOOKUP));
        return 'error' in out ? { errors: out.error } : { body: { ...out } };
      },
    },
  ];
}

function result(o: Outcome): OperationResult {
  return 'errors' in o ? { status: o.status, errors: o.errors, ...(o.continueUrl ? { continueUrl: o.continueUrl } : {}) } : { status: o.status, body: o.body };
}

/** The cart, checkout and order operations (2026-04-08 paths). */
export function commerceOperations(ucp: Ucp): Operation[] {
  const svc = ucp.checkout;
  /** The request form of checkout.json and of each negotiated extension's checkout. */
  const checkoutCheck = (op: RequestOp) => (body: unknown, a: Admission, s: UcpSchemas) => {
    const caps = a.negotiated.capabilities;
    const refs = checkoutSchemaRefs(caps);
    if (caps.has(CART) && op === 'create') refs.push('shopping/cart.json#/$defs/checkout');
    return [...new Set(refs.flatMap((ref) => s.requestProblems(ref, op, body)))];
  };
  /** The request form of cart.json and of each negotiated extension's cart (buyer consent extends the cart from 2026-08-25). */
  const cartCheck = (op: RequestOp) => (body: unknown, a: Admission, s: UcpSchemas) => {
    const caps = a.negotiated.capabilities;
    const refs = [
      'shopping/cart.json',
      ...(caps.has(DISCOUNT) ? ['shopping/discount.json#/$defs/dev.ucp.shopping.cart'] : []),
      ...(caps.get(BUYER_CONSENT)?.extends.includes(CART) ? ['shopping/buyer_consent.json#/$defs/dev.ucp.shopping.cart'] : []),
    ];
    return [...new Set(refs.flatMap((ref) => s.requestProblems(ref, op, body)))];
  };
  const caller = (c: Call) => ({ negotiated: c.admission.negotiated, ...(c.idempotencyKey ? { idempotencyKey: c.idempotencyKey } : {}) });
  const bodyOf = (b: unknown) => (b && typeof b === 'object' && !Array.isArray(b) ? (b as Json) : {});
  // converting a cart needs only its id: the cart's lines are the checkout's (line_items is required by the schema otherwise)
  const fromCart = (b: unknown) => {
    const o = bodyOf(b);
    return typeof o.cart_id === 'string' && o.line_items === undefined ? { ...o, line_items: [] } : b;
  };
  return [
    {
      tool: { name: 'create_checkout', description: 'Create a checkout session for line items, buyer and fulfillment.', payload: 'checkout', result: 'shopping/checkout.json' },
      resource: 'checkout',
      path: '/checkout-sessions',
      method: 'POST',
      capability: CHECKOUT,
      check: (b, a, s) => checkoutCheck('create')(fromCart(b), a, s),
      bodySchema: { schema: 'shopping/checkout.json', op: 'create' },
      idempotent: true,
      run: async (b, c) => result(await svc.create('checkout', bodyOf(fromCart(b)), caller(c))),
    },
    {
      tool: { name: 'get_checkout', description: 'Get a checkout session.', id: true, result: 'shopping/checkout.json' },
      resource: 'checkout',
      path: '/checkout-sessions/{id}',
      method: 'GET',
      capability: CHECKOUT,
      run: async (_b, c) => result(await svc.get('checkout', c.params.id!, caller(c))),
    },
    {
      tool: { name: 'update_checkout', description: 'Update a checkout session (full replacement of the writable fields).', payload: 'checkout', id: true, result: 'shopping/checkout.json' },
      resource: 'checkout',
      path: '/checkout-sessions/{id}',
      method: 'PUT',
      capability: CHECKOUT,
      check: checkoutCheck('update'),
      bodySchema: { schema: 'shopping/checkout.json', op: 'update' },
      idempotent: true,
      run: async (b, c) => result(await svc.update('checkout', c.params.id!, bodyOf(b), caller(c))),
    },
    {
      tool: {
        name: 'complete_checkout',
        description: 'Place the order with a payment instrument. Needs meta.idempotency-key.',
        payload: 'checkout',
        id: true,
        keyRequired: true,
        result: 'shopping/checkout.json',
      },
      resource: 'checkout',
      path: '/checkout-sessions/{id}/complete',
      method: 'POST',
      capability: CHECKOUT,
      // 2026-08-25 lets buyer consent be confirmed alongside payment
      check: (b, a, s) => [
        ...new Set(
          [
            'shopping/checkout.json',
            ...(a.negotiated.capabilities.has(BUYER_CONSENT) && a.negotiated.version !== '2026-04-08' ? ['shopping/buyer_consent.json#/$defs/dev.ucp.shopping.checkout'] : []),
          ].flatMap((ref) => s.requestProblems(ref, 'complete', b)),
        ),
      ],
      bodySchema: { schema: 'shopping/checkout.json', op: 'complete' },
      idempotent: true,
      run: async (b, c) => result(await svc.complete(c.params.id!, bodyOf(b), caller(c))),
    },
    {
      tool: { name: 'cancel_checkout', description: 'Cancel a checkout session. Needs meta.idempotency-key.', id: true, keyRequired: true, result: 'shopping/checkout.json' },
      resource: 'checkout',
      path: '/checkout-sessions/{id}/cancel',
      method: 'POST',
      capability: CHECKOUT,
      bodyOptional: true,
      idempotent: true,
      run: async (_b, c) => result(await svc.cancel('checkout', c.params.id!, caller(c))),
    },
    {
      tool: { name: 'create_cart', description: 'Create a cart (a basket with estimated totals, before checkout).', payload: 'cart', result: 'shopping/cart.json' },
      resource: 'cart',
      path: '/carts',
      method: 'POST',
      capability: CART,
      check: cartCheck('create'),
      bodySchema: { schema: 'shopping/cart.json', op: 'create' },
      idempotent: true,
      run: async (b, c) => result(await svc.create('cart', bodyOf(b), caller(c))),
    },
    {
      tool: { name: 'get_cart', description: 'Get a cart.', id: true, result: 'shopping/cart.json' },
      resource: 'cart',
      path: '/carts/{id}',
      method: 'GET',
      capability: CART,
      run: async (_b, c) => result(await svc.get('cart', c.params.id!, caller(c))),
    },
    {
      tool: { name: 'update_cart', description: 'Update a cart (full replacement of its line items).', payload: 'cart', id: true, result: 'shopping/cart.json' },
      resource: 'cart',
      path: '/carts/{id}',
      method: 'PUT',
      capability: CART,
      check: cartCheck('update'),
      bodySchema: { schema: 'shopping/cart.json', op: 'update' },
      idempotent: true,
      run: async (b, c) => result(await svc.update('cart', c.params.id!, bodyOf(b), caller(c))),
    },
    {
      tool: { name: 'cancel_cart', description: 'Cancel a cart. Needs meta.idempotency-key.', id: true, keyRequired: true, result: 'shopping/cart.json' },
      resource: 'cart',
      path: '/carts/{id}/cancel',
      method: 'POST',
      capability: CART,
      bodyOptional: true,
      idempotent: true,
      run: async (_b, c) => result(await svc.cancel('cart', c.params.id!, caller(c))),
    },
    {
      tool: { name: 'get_order', description: 'Get an order: its line items, fulfillment and adjustments.', id: true, result: 'shopping/order.json' },
      resource: 'order',
      path: '/orders/{id}',
      method: 'GET',
      capability: ORDER,
      run: async (_b, c) => result(await svc.getOrder(c.params.id!, caller(c))),
    },
  ];
}

/** Every operation this business serves, for every transport. */
export function operationTable(ucp: Ucp): Operation[] {
  return [...catalogOperations(ucp), ...commerceOperations(ucp)];
}
