/**
 * The merged JSON-LD graph the commerce and UCP checks read: every document's nodes, one node per @id
 * (a feed entry's compact view and its product document's full one describe the same resource). Also
 * the runner that turns a pure listing rule's result (see ../listing.ts) into a check outcome, and the
 * helpers that present rule problems as evidence.
 */
import type { CheckContext } from '../context.js';
import type { Problem, RuleResult } from '../listing.js';
import { EVIDENCE_SHOWN, fail, skip, warn, type Evidence } from '../model.js';
import type { LdNode } from '../nodes.js';

/** Listing-rule problems as report evidence. */
export const evidenceOf = (problems: Problem[]): Evidence[] => problems.map((p) => ({ url: p.at, got: p.message }));
/** " (first N shown)" when a message counts more problems than the report shows as evidence. */
export const shownNote = (n: number) => (n > EVIDENCE_SHOWN ? ` (first ${EVIDENCE_SHOWN} shown)` : '');

/** Nodes of every document the JSON-LD checks read that expanded cleanly. */
export function allNodes(ctx: CheckContext): Promise<{ nodes: LdNode[]; docs: number; note: string }> {
  return ctx.once('allNodes', async () => {
    const { docs, pagesTotal, pagesChecked, productsTotal } = await ctx.ldDocuments();
    const nodes: LdNode[] = [];
    let ok = 0;
    for (const d of docs) {
      try {
        nodes.push(...(await ctx.nodes(d)));
        ok++;
      } catch {
        // reported by commerce.jsonld.expands
      }
    }
    const products = docs.length - 1 - pagesChecked;
    // One node per @id: the feed's compact view and the product document's full one describe the same
    // resource, and linked data reads them as one graph.
    const merged = new Map<string, LdNode>();
    const out: LdNode[] = [];
    for (const n of nodes) {
      if (!n.id) {
        out.push(n);
        continue;
      }
      const seen = merged.get(n.id);
      if (!seen) {
        const copy = { ...n, raw: { ...n.raw } };
        merged.set(n.id, copy);
        out.push(copy);
      } else for (const [k, v] of Object.entries(n.raw)) if (!(k in seen.raw)) seen.raw[k] = v;
    }
    const sampled = pagesChecked < pagesTotal || products < productsTotal ? ` (sampled: ${pagesChecked} of ${pagesTotal} feed pages, ${products} of ${productsTotal} product documents)` : '';
    return { nodes: out, docs: ok, note: `${ok} documents${sampled}` };
  });
}

/** Run a listing rule over all nodes: errors fail, warnings warn (`warnings: false` when a recommended check reports them). */
export async function rule(ctx: CheckContext, fn: (n: LdNode[]) => RuleResult, what: string, o: { none?: 'skip' | 'warn'; warnings?: boolean } = {}) {
  const { nodes, note } = await allNodes(ctx);
  const r = fn(nodes);
  if (!r.checked) {
    const msg = `no ${what} in ${note}`;
    throw o.none === 'warn' ? warn(msg) : skip(msg);
  }
  if (r.errors.length) throw fail(`${r.errors.length} problem(s) in ${r.checked} ${what}${shownNote(r.errors.length)}`, ...evidenceOf(r.errors));
  if (o.warnings !== false && r.warnings.length)
    throw warn(`${r.checked} ${what} carry the required properties; ${r.warnings.length} recommended one(s) missing${shownNote(r.warnings.length)}`, ...evidenceOf(r.warnings));
  return `${r.checked} ${what} in ${note}`;
}
