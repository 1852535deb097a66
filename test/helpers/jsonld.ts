/** JSON-LD checks: offline expansion in safe mode, and every predicate and type a known term. */
import jsonld from 'jsonld';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { offlineLoader, type DocumentLoader } from '../../src/linked-data/contexts.js';
import { projectPath } from '../../src/paths.js';
import { SHARED } from './store.js';

let vocabulary: Set<string> | undefined;

/** Every term of schema.org 30.0 (classes, properties, enumeration members), as local names. */
export function schemaOrgTerms(): Set<string> {
  if (!vocabulary) {
    const all = JSON.parse(readFileSync(path.join(SHARED, 'vocab', 'schemaorg-30.0-all-https.jsonld'), 'utf8')) as { '@graph': { '@id': string }[] };
    vocabulary = new Set(all['@graph'].map((n) => n['@id']).filter((id) => id.startsWith('schema:')).map((id) => id.slice('schema:'.length)));
  }
  return vocabulary;
}

/** IRIs the ucpd context defines. */
export function ucpdTerms(): Set<string> {
  const ctx = JSON.parse(readFileSync(projectPath('well-known', 'ucpd-context-v1.jsonld'), 'utf8'))['@context'] as Record<string, string | { '@id': string }>;
  const prefixes: Record<string, string> = { ucpd: 'https://ucpd.dev/ns#', hydra: 'http://www.w3.org/ns/hydra/core#' };
  const out = new Set<string>();
  for (const [term, def] of Object.entries(ctx)) {
    if (term.startsWith('@') || term in prefixes || term === 'xsd') continue;
    const id = typeof def === 'string' ? def : def['@id'];
    const [p, local] = id.split(':');
    out.add(prefixes[p!]! + local);
  }
  return out;
}

export interface Expansion {
  predicates: Set<string>;
  types: Set<string>;
  /** Predicates and types that are neither schema.org terms nor defined by ucpd's context. */
  unknown: string[];
  /** Every @id in the expanded document. */
  ids: Set<string>;
  /** Documents the loader was asked for. */
  loaded: string[];
}

export async function expandChecked(doc: unknown, base: string, loaderArg?: DocumentLoader): Promise<Expansion> {
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
    if (Array.isArray(n)) return n.forEach(walk);
    if (!n || typeof n !== 'object') return;
    const isValue = '@value' in n;
    for (const [k, v] of Object.entries(n)) {
      if (k === '@type' && !isValue) (Array.isArray(v) ? v : [v]).forEach((t) => types.add(String(t)));
      else if (k === '@id') ids.add(String(v));
      else if (!k.startsWith('@')) predicates.add(k);
      walk(v);
    }
  };
  walk(expanded);
  const schema = schemaOrgTerms();
  const ours = ucpdTerms();
  const known = (iri: string) => (iri.startsWith('http://schema.org/') ? schema.has(iri.slice('http://schema.org/'.length)) : ours.has(iri));
  const unknown = [...predicates, ...types].filter((iri) => !known(iri));
  return { predicates, types, unknown, ids, loaded };
}
