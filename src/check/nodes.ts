/**
 * Reading expanded JSON-LD the way an agent does: nodes by type, property values by schema.org IRI
 * (http or https, whatever context the publisher used), literals and references. Working on the
 * expanded form makes the listing rules independent of how a publisher wrote its context.
 */
type Json = Record<string, unknown>;

const SCHEMA_HTTP = 'http://schema.org/';
const SCHEMA_HTTPS = 'https://schema.org/';

export interface LdNode {
  id?: string;
  /** schema.org types by local name ("Product"); other types as full IRIs. */
  types: string[];
  raw: Json;
  /** Where it was found (document URL). */
  doc: string;
  /** The node this one is a value of, if any. */
  parent?: LdNode;
  /** The schema.org property (local name) under which the parent holds it. */
  via?: string;
}

/** A schema.org IRI's local name, else the IRI unchanged. */
export function local(iri: string): string {
  if (iri.startsWith(SCHEMA_HTTPS)) return iri.slice(SCHEMA_HTTPS.length);
  if (iri.startsWith(SCHEMA_HTTP)) return iri.slice(SCHEMA_HTTP.length);
  if (iri.startsWith('schema:')) return iri.slice('schema:'.length);
  return iri;
}

/** Every node (object that is neither a value nor a bare reference) in an expanded document. */
export function nodesOf(expanded: unknown, doc: string): LdNode[] {
  const out: LdNode[] = [];
  const walk = (v: unknown, parent?: LdNode, via?: string): void => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x, parent, via);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const o = v as Json;
    if ('@value' in o) return;
    if ('@list' in o) {
      walk(o['@list'], parent, via);
      return;
    }
    if ('@graph' in o) walk(o['@graph'], parent, via);
    const keys = Object.keys(o).filter((k) => k !== '@id' && k !== '@graph');
    let node: LdNode | undefined;
    if (keys.length) {
      const types = ((o['@type'] as string[] | undefined) ?? []).map(local);
      node = { types, raw: o, doc, ...(typeof o['@id'] === 'string' ? { id: o['@id'] } : {}), ...(parent ? { parent } : {}), ...(via ? { via } : {}) };
      out.push(node);
    }
    for (const [k, child] of Object.entries(o)) if (!k.startsWith('@')) walk(child, node ?? parent, local(k));
  };
  walk(expanded);
  return out;
}

/** The raw expanded values of a schema.org property. */
export function values(n: LdNode, prop: string): unknown[] {
  const a = n.raw[SCHEMA_HTTP + prop] ?? n.raw[SCHEMA_HTTPS + prop];
  return Array.isArray(a) ? a : a === undefined ? [] : [a];
}

export function has(n: LdNode, prop: string): boolean {
  return values(n, prop).length > 0;
}

/** The first literal value (`@value`) or reference (`@id`) of a property. */
export function first(n: LdNode, prop: string): unknown {
  const v = values(n, prop)[0];
  if (v && typeof v === 'object') {
    const o = v as Json;
    if ('@value' in o) return o['@value'];
    if ('@id' in o && Object.keys(o).length === 1) return o['@id'];
  }
  return v;
}

/** Nested nodes held under a property (objects with properties of their own). */
export function children(n: LdNode, prop: string): LdNode[] {
  return values(n, prop)
    .filter((v): v is Json => !!v && typeof v === 'object' && !('@value' in v) && Object.keys(v).some((k) => k !== '@id'))
    .map((raw) => ({ types: ((raw['@type'] as string[] | undefined) ?? []).map(local), raw, doc: n.doc, parent: n, via: prop, ...(typeof raw['@id'] === 'string' ? { id: raw['@id'] } : {}) }));
}

/** A node as a reader would name it in a report. */
export function label(n: LdNode): string {
  if (n.id) return n.id;
  const chain: string[] = [];
  let cur: LdNode | undefined = n;
  while (cur && !cur.id) {
    chain.unshift(`${cur.via ?? ''}${cur.types[0] ? `(${cur.types[0]})` : ''}`);
    cur = cur.parent;
  }
  return `${cur?.id ?? n.doc} > ${chain.join(' > ')}`;
}

/** Every "@id" (and "id", for credentials) in a JSON document, resolved against its URL. */
export function idsIn(json: unknown, docUrl: string): Set<string> {
  const out = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if ((k === '@id' || k === 'id') && typeof x === 'string') {
        try {
          out.add(new URL(x, docUrl).href);
        } catch {
          out.add(x);
        }
      } else walk(x);
    }
  };
  walk(json);
  return out;
}

export const is = (n: LdNode, ...types: string[]): boolean => n.types.some((t) => types.includes(t));
