/**
 * JSON-LD checks: expansion in safe mode (an undefined term is an error, not silently dropped), with
 * contexts resolved offline (schema.org and ucpd's own) or from the endpoint's own origin; then every
 * predicate and type must be a schema.org term or one the endpoint's own context defines.
 */
import jsonld from 'jsonld';
import { readFileSync } from 'node:fs';
import { offlineLoader, type DocumentLoader } from '../linked-data/contexts.js';
import { projectPath } from '../paths.js';

let vocabulary: Set<string> | undefined;

/** Every schema.org 30.0 term (classes, properties, enumeration members): the keys of its context. */
export function schemaOrgTerms(): Set<string> {
  if (!vocabulary) {
    const ctx = JSON.parse(readFileSync(projectPath('well-known', 'schemaorg-30.0-context.jsonld'), 'utf8'))['@context'] as Record<string, unknown>;
    vocabulary = new Set(Object.keys(ctx).filter((k) => !k.startsWith('@') && k !== 'schema'));
  }
  return vocabulary;
}

/** IRIs a context document defines (its terms' expansions). */
export function contextTerms(ctx: Record<string, unknown>): Set<string> {
  const prefixes = new Map<string, string>();
  for (const [term, def] of Object.entries(ctx)) if (typeof def === 'string' && /[/#]$/.test(def)) prefixes.set(term, def);
  const out = new Set<string>();
  for (const [term, def] of Object.entries(ctx)) {
    if (term.startsWith('@') || prefixes.has(term)) continue;
    const id = typeof def === 'string' ? def : def && typeof def === 'object' ? (def as { '@id'?: string })['@id'] : undefined;
    if (!id) continue;
    const colon = id.indexOf(':');
    const prefix = colon > 0 ? prefixes.get(id.slice(0, colon)) : undefined;
    out.add(prefix ? prefix + id.slice(colon + 1) : id);
  }
  return out;
}

/** ucpd's own extension terms. */
export function ucpdTerms(): Set<string> {
  return contextTerms(JSON.parse(readFileSync(projectPath('well-known', 'ucpd-context-v1.jsonld'), 'utf8'))['@context'] as Record<string, unknown>);
}

export interface Expansion {
  predicates: Set<string>;
  types: Set<string>;
  /** Predicates and types that are neither schema.org terms nor defined by a context the document loaded. */
  unknown: string[];
  /** Every @id in the expanded document. */
  ids: Set<string>;
  /** Context documents the loader was asked for. */
  loaded: string[];
  /** The expanded document. */
  expanded: unknown[];
}

/**
 * Expand `doc` in safe mode and list what is not a known term. `extraTerms`: IRIs defined by contexts
 * the caller fetched from the endpoint itself.
 */
export async function expandChecked(doc: unknown, base: string, loaderArg?: DocumentLoader, extraTerms: ReadonlySet<string> = new Set()): Promise<Expansion> {
  const inner = loaderArg ?? offlineLoader(`${base}/.well-known/commerce/context.jsonld`);
  const loaded: string[] = [];
  const documentLoader = async (url: string) => {
    loaded.push(url);
    return inner(url);
  };
  const expanded = await jsonld.expand(doc as jsonld.JsonLdDocument, { documentLoader, safe: true } as jsonld.Options.Expand);
  const predicates = new Set<string>();
  const types = new Set<string>();
  const ids = new Set<string>();
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const x of n) walk(x);
      return;
    }
    if (!n || typeof n !== 'object') return;
    const isValue = '@value' in n;
    for (const [k, v] of Object.entries(n)) {
      if (k === '@type' && !isValue) for (const t of Array.isArray(v) ? v : [v]) types.add(String(t));
      else if (k === '@id') ids.add(String(v));
      else if (!k.startsWith('@')) predicates.add(k);
      walk(v);
    }
  };
  walk(expanded);
  const schema = schemaOrgTerms();
  const ours = ucpdTerms();
  const known = (iri: string) =>
    iri.startsWith('http://schema.org/')
      ? schema.has(iri.slice('http://schema.org/'.length))
      : iri.startsWith('https://schema.org/')
        ? schema.has(iri.slice('https://schema.org/'.length))
        : ours.has(iri) || extraTerms.has(iri);
  const unknown = [...predicates, ...types].filter((iri) => !known(iri));
  return { predicates, types, unknown, ids, loaded, expanded: expanded as unknown[] };
}
