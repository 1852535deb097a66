/**
 * The UCP checkout check: a dry purchase (create, replay with the same Idempotency-Key, conflicting
 * reuse, update, get, cancel), every response validated against the checkout schemas of the
 * capabilities the business offers; with --allow-orders, a second checkout taken to completion with the
 * business's test payment handler.
 */
import { randomUUID } from 'node:crypto';
import { CHECKOUT, FULFILLMENT } from '../../ucp/constants.js';
import { checkoutSchemaRefs } from '../../ucp/schemas.js';
import { describeExchange, jsonOf, type Exchange } from '../client.js';
import type { CheckContext } from '../context.js';
import { fail, skip, type CheckDefinition } from '../model.js';
import { SPEC, allSchemaProblems, expectOk, search, type UcpVariant } from './ucp-common.js';

type Json = Record<string, unknown>;
type Check = CheckDefinition<CheckContext>;

export const ucpCheckoutChecks: Check[] = [
  {
    id: 'ucp.checkout.dry_run',
    group: 'ucp',
    severity: 'required',
    title: 'A dry purchase: create -> replay (idempotency) -> conflicting reuse -> update -> get -> cancel, every response schema-valid; complete only with --allow-orders',
    spec: `${SPEC('checkout')}; ${SPEC('checkout-rest')}; ${SPEC('overview')}#idempotency`,
    async run(ctx) {
      await ctx.needUcp(CHECKOUT);
      const { products } = await search(ctx);
      const variant = products.flatMap((p) => p.variants ?? []).find((v) => v.availability?.available !== false);
      if (!variant) throw skip('catalog search found no available variant to put in a checkout');
      const refs = checkoutSchemaRefs(await ctx.capabilities());
      const version = await ctx.ucpVersion();
      const valid = (x: Exchange, body: Json, step: string) => {
        const problems = allSchemaProblems(refs, x, body, version);
        if (problems.length) throw fail(`${step}: the checkout violates the schema (${problems.length})`, ...problems);
      };
      const key = randomUUID();
      const create = { line_items: [{ item: { id: variant.id }, quantity: 1 }] };
      const x1 = await ctx.ucp('POST', '/checkout-sessions', create, { headers: { 'idempotency-key': key } });
      const c1 = expectOk(x1, 'create checkout');
      valid(x1, c1, 'create');
      const id = c1.id as string;
      const steps = ['create'];
      // The checkout is cancelled whether or not the steps pass; a failed cancel is the failure reported.
      let stepFailure: { error: unknown } | undefined;
      try {
        const replay = await ctx.ucp('POST', '/checkout-sessions', create, { headers: { 'idempotency-key': key } });
        const r = expectOk(replay, 'replayed create');
        if (r.id !== id || replay.status !== x1.status)
          throw fail('replaying a create with the same Idempotency-Key made a new checkout', {
            url: replay.url,
            expected: `${x1.status} checkout ${id}`,
            got: `${replay.status} checkout ${String(r.id)}`,
          });
        steps.push('replay');
        const conflict = await ctx.ucp('POST', '/checkout-sessions', { line_items: [{ item: { id: variant.id }, quantity: 2 }] }, { headers: { 'idempotency-key': key } });
        if (conflict.status !== 409) {
          const again = jsonOf(conflict) as Json | undefined;
          if (conflict.status < 300 && again?.id && again.id !== id) await ctx.ucp('POST', `/checkout-sessions/${encodeURIComponent(String(again.id))}/cancel`, {});
          throw fail('reusing an Idempotency-Key with a different body must answer 409', { url: conflict.url, expected: '409', got: describeExchange(conflict) });
        }
        steps.push('conflict 409');
        const line = ((c1.line_items ?? []) as { id?: string }[])[0]?.id;
        const update = { line_items: [{ ...(line ? { id: line } : {}), item: { id: variant.id }, quantity: 2 }], buyer: { email: 'ucpd-check@example.com' } };
        const x2 = await ctx.ucp('PUT', `/checkout-sessions/${encodeURIComponent(id)}`, { id, ...update }, { headers: { 'idempotency-key': randomUUID() } });
        const c2 = expectOk(x2, 'update checkout');
        valid(x2, c2, 'update');
        const qty = ((c2.line_items ?? []) as { quantity?: number }[]).reduce((s, l) => s + (l.quantity ?? 0), 0);
        if (qty !== 2) throw fail(`after updating the quantity to 2 the checkout holds ${qty}`, { url: x2.url, expected: 'quantity 2', got: String(qty) });
        steps.push('update');
        const x3 = await ctx.ucp('GET', `/checkout-sessions/${encodeURIComponent(id)}`);
        const c3 = expectOk(x3, 'get checkout');
        valid(x3, c3, 'get');
        if (c3.status !== c2.status) throw fail('get does not return the updated checkout', { url: x3.url, expected: String(c2.status), got: String(c3.status) });
        steps.push('get');
      } catch (error) {
        stepFailure = { error };
      }
      const x4 = await ctx.ucp('POST', `/checkout-sessions/${encodeURIComponent(id)}/cancel`, {}, { headers: { 'idempotency-key': randomUUID() } });
      const c4 = expectOk(x4, 'cancel checkout');
      valid(x4, c4, 'cancel');
      if (c4.status !== 'canceled') throw fail(`cancel left the checkout ${String(c4.status)}`, { url: x4.url, expected: 'canceled', got: String(c4.status) });
      if (stepFailure) throw stepFailure.error;
      steps.push('cancel');
      if (ctx.options.allowOrders) steps.push(await completeOrder(ctx, variant, refs));
      return `${steps.join(' -> ')}: every response schema-valid${ctx.options.allowOrders ? '' : ' (no order placed; --allow-orders completes one)'}`;
    },
  },
];

/** With --allow-orders: a checkout taken to completion, paid with the business's test handler. */
async function completeOrder(ctx: CheckContext, variant: UcpVariant, refs: string[]): Promise<string> {
  const profile = (await ctx.needProfile()).json;
  const handlers = ((profile.ucp as Json).payment_handlers ?? {}) as Record<string, { id?: string; config?: { environment?: string; tokens?: { approved?: string } } }[]>;
  const handler = Object.values(handlers)
    .flat()
    .find((h) => h.config?.environment === 'test' && h.config.tokens?.approved);
  if (!handler) return 'complete skipped (the business offers no test payment handler with an approval token)';
  const x = await ctx.ucp(
    'POST',
    '/checkout-sessions',
    { line_items: [{ item: { id: variant.id }, quantity: 1 }], buyer: { email: 'ucpd-check@example.com', first_name: 'Ucpd', last_name: 'Check' } },
    { headers: { 'idempotency-key': randomUUID() } },
  );
  let c = expectOk(x, 'create checkout (for completion)');
  const id = encodeURIComponent(String(c.id));
  const lines = ((c.line_items ?? []) as { id: string; item: { id: string }; quantity: number }[]).map((l) => ({ id: l.id, item: { id: l.item.id }, quantity: l.quantity }));
  if ((await ctx.capabilities()).has(FULFILLMENT)) {
    // ship to an address in the business's first shipping country, then take the first option of each group
    const method = {
      type: 'shipping',
      line_item_ids: lines.map((l) => l.id),
      destinations: [{ id: 'ucpd-check', street_address: '1550 Wynkoop St', address_locality: 'Denver', address_region: 'CO', postal_code: '80202', address_country: 'US' }],
      selected_destination_id: 'ucpd-check',
    };
    c = expectOk(
      await ctx.ucp('PUT', `/checkout-sessions/${id}`, { id: c.id, line_items: lines, fulfillment: { methods: [method] } }, { headers: { 'idempotency-key': randomUUID() } }),
      'set the delivery address',
    );
    const groups = ((((c.fulfillment as Json | undefined)?.methods as Json[] | undefined)?.[0]?.groups ?? []) as { id?: string; options?: { id: string }[] }[]).filter((g) => g.options?.length);
    if (groups.length) {
      const chosen = { ...method, groups: groups.map((g) => ({ ...(g.id ? { id: g.id } : {}), selected_option_id: g.options![0]!.id })) };
      c = expectOk(
        await ctx.ucp('PUT', `/checkout-sessions/${id}`, { id: c.id, line_items: lines, fulfillment: { methods: [chosen] } }, { headers: { 'idempotency-key': randomUUID() } }),
        'select a delivery option',
      );
    }
  }
  const pay = { payment: { instruments: [{ id: 'instr_check', handler_id: handler.id, type: 'card', credential: { type: 'token', token: handler.config!.tokens!.approved } }] } };
  const done = await ctx.ucp('POST', `/checkout-sessions/${id}/complete`, pay, { headers: { 'idempotency-key': randomUUID() } });
  const body = expectOk(done, 'complete checkout');
  const problems = allSchemaProblems(refs, done, body, await ctx.ucpVersion());
  if (problems.length) throw fail(`complete: the checkout violates the schema (${problems.length})`, ...problems);
  if (body.status !== 'completed')
    throw fail(`complete left the checkout ${String(body.status)}`, { url: done.url, expected: 'completed', got: JSON.stringify(body.messages ?? body.status).slice(0, 300) });
  return `complete (order ${String((body.order as Json | undefined)?.id)})`;
}
