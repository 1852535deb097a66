/**
 * Responses assembled from pre-serialised parts. A cached product encoding (key-sorted) is split once
 * into canonical JSON members: those before `metadata`, `metadata` itself (search adds its explanation
 * there), those after it, and per variant the members before and after `inputs` (lookup correlates
 * each variant with the ids that found it). A response then concatenates strings instead of
 * serialising some 50 KB of objects per request, and stays canonical (RFC 8785): keys are in order.
 */
import { canonicalJson } from '../../util/canonical-json.js';
import type { UcpProduct, UcpVariant } from './codec.js';

/** Already-serialised canonical JSON, spliced into a response as is. */
export class RawJson {
  constructor(readonly json: string) {}
  /** For code that serialises it again with JSON.stringify (the value, not a string). */
  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

export interface ProductFragments {
  before: string;
  metadata?: Record<string, unknown>;
  after: string;
  variants: Map<string, { head: string; tail: string }>;
  order: string[];
}

/** The members of a key-sorted object, serialised: its keys are in order already, so plain JSON is canonical. */
function members(obj: object, keep: (key: string) => boolean): string {
  return Object.keys(obj)
    .filter(keep)
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify((obj as Record<string, unknown>)[k])}`)
    .join(',');
}

/** The parts of a product encoding that is key-sorted all the way down (`sortedDeep`, as the catalog caches it). */
export function fragmentsOf(p: UcpProduct): ProductFragments {
  const variants = new Map<string, { head: string; tail: string }>();
  for (const v of p.variants) variants.set(v.id, { head: members(v, (k) => k < 'inputs'), tail: members(v, (k) => k > 'inputs') });
  return {
    before: members(p, (k) => k < 'metadata'),
    ...(p.metadata ? { metadata: p.metadata } : {}),
    after: members(p, (k) => k > 'metadata' && k !== 'variants'),
    variants,
    order: p.variants.map((v) => v.id),
  };
}

function join(...parts: (string | undefined)[]): string {
  return parts.filter((x) => x !== undefined && x !== '').join(',');
}

/** The product with these variants (in this order, each with its `inputs` when given) and this metadata. */
export function productJson(f: ProductFragments, variants: readonly Pick<UcpVariant, 'id' | 'inputs'>[], metadata: Record<string, unknown> | undefined = f.metadata): RawJson {
  const vs = variants.map((v) => {
    const parts = f.variants.get(v.id)!;
    return `{${join(parts.head, v.inputs ? `"inputs":${canonicalJson(v.inputs)}` : undefined, parts.tail)}}`;
  });
  return new RawJson(`{${join(f.before, metadata ? `"metadata":${canonicalJson(metadata)}` : undefined, f.after, `"variants":[${vs.join(',')}]`)}}`);
}

/** A response body: keys sorted; RawJson (and arrays of it) spliced in; everything else canonicalised. */
export function responseJson(body: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const k of Object.keys(body).sort()) {
    const v = body[k];
    if (v === undefined) continue;
    let json: string;
    if (v instanceof RawJson) json = v.json;
    else if (Array.isArray(v) && v.length > 0 && v.every((x) => x instanceof RawJson)) json = `[${(v as RawJson[]).map((x) => x.json).join(',')}]`;
    else json = canonicalJson(v);
    parts.push(`${JSON.stringify(k)}:${json}`);
  }
  return `{${parts.join(',')}}`;
}
