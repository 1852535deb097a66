/**
 * Commerce checks on the JSON-LD itself: every document expands offline in safe mode and uses only
 * defined terms; products, offers, shipping details, return policies, ratings and reviews carry what a
 * merchant listing needs (the rules live in ../listing.ts); and every @id on the endpoint's origin
 * dereferences to a document that describes it.
 */
import { describeExchange, mapLimit } from '../client.js';
import type { CheckContext } from '../context.js';
import { availabilityRules, offerRules, priceRules, productRules, ratingRules, returnPolicyRules, shippingRules } from '../listing.js';
import { fail, skip, warn, type CheckDefinition, type Evidence } from '../model.js';
import type { LdNode } from '../nodes.js';
import { allNodes, evidenceOf, rule, shownNote } from './commerce-graph.js';

type Check = CheckDefinition<CheckContext>;

const GOOGLE_MERCHANT = 'https://developers.google.com/search/docs/appearance/structured-data/merchant-listing';

/** The checks in run order: expansion, terms, the merchant-listing rules, dereferenceable identifiers. */
export const commerceJsonLdChecks: Check[] = [
  {
    id: 'commerce.jsonld.expands',
    group: 'commerce',
    severity: 'required',
    title: 'Every document expands offline in safe mode (contexts from schema.org, W3C or the endpoint itself)',
    spec: 'JSON-LD 1.1 API §4.1 (Expansion); jsonld.js safe mode',
    async run(ctx) {
      const { docs, pagesTotal, pagesChecked } = await ctx.ldDocuments();
      const failures: Evidence[] = [];
      await mapLimit(docs, 4, async (d) => {
        if (!d.json) {
          failures.push({ url: d.url, expected: 'a JSON-LD document', got: describeExchange(d.x) });
          return;
        }
        try {
          await ctx.expand(d);
        } catch (err) {
          const e = err as { name?: string; message: string; details?: { event?: { message?: string; details?: unknown }; url?: string } };
          const detail = e.details?.event?.message ?? e.details?.url ?? '';
          failures.push({ url: d.url, expected: 'a clean expansion', got: `${e.name ?? 'Error'}: ${e.message}${detail ? ` (${detail})` : ''}`.slice(0, 400) });
        }
      });
      if (failures.length) throw fail(`${failures.length} of ${docs.length} documents do not expand${shownNote(failures.length)}`, ...failures);
      return `${docs.length} documents expand (${pagesChecked} of ${pagesTotal} feed pages)`;
    },
  },
  {
    id: 'commerce.jsonld.terms',
    group: 'commerce',
    severity: 'required',
    title: 'Every property and type is a schema.org term or defined by a context the endpoint serves',
    spec: 'schema.org 30.0 vocabulary; JSON-LD 1.1 §4.1 (term definitions)',
    async run(ctx) {
      const { docs } = await ctx.ldDocuments();
      const unknown = new Map<string, string>();
      let expanded = 0;
      for (const d of docs) {
        try {
          const x = await ctx.expand(d);
          expanded++;
          for (const iri of x.unknown) if (!unknown.has(iri)) unknown.set(iri, d.url);
        } catch {
          // commerce.jsonld.expands reports it
        }
      }
      if (!expanded) throw skip('no document expanded (see commerce.jsonld.expands)');
      if (unknown.size)
        throw fail(
          `${unknown.size} undefined term(s): ${[...unknown.keys()].slice(0, 5).join(', ')}`,
          ...[...unknown].map(([iri, url]) => ({ url, expected: 'a schema.org term or one defined by the endpoint context', got: iri })),
        );
      return `${expanded} documents, every term defined`;
    },
  },
  {
    id: 'commerce.product.required',
    group: 'commerce',
    severity: 'required',
    title: 'Product and ProductGroup nodes carry the required merchant-listing properties',
    spec: `${GOOGLE_MERCHANT}#product; schema.org/Product, schema.org/ProductGroup`,
    run: (ctx) => rule(ctx, productRules, 'products and product groups', { warnings: false }),
  },
  {
    id: 'commerce.product.recommended',
    group: 'commerce',
    severity: 'recommended',
    title: 'Products carry the recommended identifiers and descriptions (gtin/mpn, sku, brand, description, itemCondition)',
    spec: `${GOOGLE_MERCHANT}#product`,
    async run(ctx) {
      const { nodes, note } = await allNodes(ctx);
      const r = productRules(nodes);
      const o = offerRules(nodes);
      const warnings = [...r.warnings, ...o.warnings];
      if (!r.checked) throw skip(`no products in ${note}`);
      if (warnings.length) throw warn(`${warnings.length} recommended propert(ies) missing${shownNote(warnings.length)}`, ...evidenceOf(warnings));
      return `${r.checked} products and ${o.checked} offers carry every recommended property`;
    },
  },
  {
    id: 'commerce.offer.required',
    group: 'commerce',
    severity: 'required',
    title: 'Every Offer states price, priceCurrency and availability',
    spec: `${GOOGLE_MERCHANT}#offer-details; schema.org/Offer`,
    run: (ctx) => rule(ctx, offerRules, 'offers', { warnings: false }),
  },
  {
    id: 'commerce.offer.price_format',
    group: 'commerce',
    severity: 'required',
    title: 'Prices and amounts are decimal strings with an ISO 4217 currency',
    spec: 'schema.org/price (use "." and no currency symbol); ISO 4217',
    run: (ctx) => rule(ctx, priceRules, 'prices and amounts'),
  },
  {
    id: 'commerce.offer.availability',
    group: 'commerce',
    severity: 'required',
    title: 'availability is a schema.org ItemAvailability IRI and agrees with inventoryLevel',
    spec: 'schema.org/ItemAvailability, schema.org/inventoryLevel',
    run: (ctx) => rule(ctx, availabilityRules, 'offers with availability'),
  },
  {
    id: 'commerce.shipping_details',
    group: 'commerce',
    severity: 'required',
    title: 'OfferShippingDetails state destination, rate (value + currency) and delivery time',
    spec: `${GOOGLE_MERCHANT}#shipping-details; schema.org/OfferShippingDetails`,
    run: (ctx) => rule(ctx, shippingRules, 'shipping details', { none: 'warn' }),
  },
  {
    id: 'commerce.return_policy',
    group: 'commerce',
    severity: 'required',
    title: 'MerchantReturnPolicy states category, countries and (for a finite window) the days',
    spec: `${GOOGLE_MERCHANT}#return-policy; schema.org/MerchantReturnPolicy`,
    run: (ctx) => rule(ctx, returnPolicyRules, 'return policies', { none: 'warn' }),
  },
  {
    id: 'commerce.ratings_reviews',
    group: 'commerce',
    severity: 'required',
    title: 'AggregateRating and Review values are complete and within their rating bounds',
    spec: 'https://developers.google.com/search/docs/appearance/structured-data/review-snippet; schema.org/AggregateRating, schema.org/Review',
    run: (ctx) => rule(ctx, ratingRules, 'ratings and reviews'),
  },
  {
    id: 'commerce.ids.dereference',
    group: 'commerce',
    severity: 'required',
    title: "Every @id on the endpoint's origin dereferences: a node's own @id to a document that describes it, a reference to a 2xx",
    spec: 'Linked Data principles (dereferenceable IRIs); JSON-LD 1.1 §3.3 (node identifiers)',
    async run(ctx) {
      const { docs } = await ctx.ldDocuments();
      const subjects = new Set<string>();
      const refs = new Set<string>();
      for (const d of docs) {
        let nodes: LdNode[];
        try {
          nodes = await ctx.nodes(d);
        } catch {
          continue;
        }
        for (const n of nodes) if (n.id) subjects.add(n.id);
        for (const id of (await ctx.expand(d)).ids) refs.add(id);
      }
      const mine = (id: string) => id.startsWith(`${ctx.origin}/`);
      const all = [...new Set([...subjects, ...refs])].filter(mine);
      if (!all.length) throw skip('no @id on the endpoint origin');
      const byDoc = new Map<string, string[]>();
      for (const id of all) {
        const docUrl = id.split('#')[0]!;
        const list = byDoc.get(docUrl) ?? [];
        list.push(id);
        byDoc.set(docUrl, list);
      }
      const limit = ctx.maxDocuments * 5;
      const urls = [...byDoc.keys()].slice(0, limit);
      const problems: Evidence[] = [];
      await mapLimit(urls, 8, async (docUrl) => {
        const ids = byDoc.get(docUrl)!;
        const needsContent = ids.some((id) => subjects.has(id));
        const d = await ctx.getDoc(docUrl);
        if (d.x.status < 200 || d.x.status >= 300) {
          problems.push({ url: docUrl, expected: '2xx', got: describeExchange(d.x) });
          return;
        }
        if (!needsContent) return;
        if (!d.json) {
          problems.push({ url: docUrl, expected: 'a JSON-LD document describing the node', got: describeExchange(d.x) });
          return;
        }
        const present = ctx.idsOf(d);
        for (const id of ids) if (subjects.has(id) && !present.has(id)) problems.push({ url: id, expected: `a node with this @id in ${docUrl}`, got: 'the document does not mention it' });
      });
      const sampled = urls.length < byDoc.size ? ` (first ${urls.length} of ${byDoc.size} documents)` : '';
      if (problems.length) throw fail(`${problems.length} identifier(s) do not dereference${shownNote(problems.length)}`, ...problems);
      return `${all.length} identifiers over ${urls.length} documents dereference${sampled}`;
    },
  },
];
