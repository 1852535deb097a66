/**
 * Requests for the fuzz suite, derived from the server's route table (app.routes()) and the official UCP
 * request schemas: a route, its method (or another), path parameters (real ids, and hostile text:
 * malformed percent-escapes, overlong UTF-8, traversal, control characters, 10k-character ids), a query,
 * headers (content types and encodings, UCP-Agent, Idempotency-Key, tokens, validators, signatures, all
 * valid or not), and a body: valid against the route's schema, or that with one value replaced by
 * something hostile (1e308, 2^53 + 1, -0, lone surrogates, deep nesting, the wrong type), or raw bytes
 * (invalid JSON, invalid UTF-8, gzip that is not, a body past the size limits).
 */
import fc from 'fast-check';
import { gzipSync } from 'node:zlib';
import type { RouteInfo } from '../../src/edge/routes.js';
import { ucpSchemas, UCP_SCHEMA_BASE } from '../../src/ucp/schemas.js';

export interface FuzzRequest {
  method: string;
  /** The request target exactly as sent (no normalisation). */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** The route it was derived from (for reports). */
  route: string;
}

export interface FuzzContext {
  routes: RouteInfo[];
  /** Real ids to put in path parameters and bodies, by parameter name (id, name, list, version, n). */
  ids: Record<string, string[]>;
  /** Real catalog item ids (variants and products) for line items. */
  items: string[];
  /** UCP-Agent profile URLs the server knows (pinned). */
  profiles: string[];
  /** An admin bearer token. */
  token: string;
}

type Json = unknown;
type Schema = Record<string, unknown> | boolean;

// ------------------------------------------------------------------------------------- hostile values

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\u202e\u202d',
  '\ud800',
  '\udfff\ud800',
  '%',
  '%zz',
  '%ff',
  '%c0%ae%c0%ae/',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  "'; DROP TABLE orders; --",
  '{"$ne": null}',
  '__proto__',
  'constructor',
  'x'.repeat(10_000),
  '😀'.repeat(300),
  'a\r\nSet-Cookie: x=1',
  'https://127.0.0.1/admin',
  'NaN',
  '1e308',
];
const HOSTILE_NUMBERS = [1e308, -1e308, 2 ** 53 + 1, -(2 ** 53) - 2, 1e20, -0, 0, -1, 0.5, 1e-300, 4294967296, 2147483648, -2147483649];

const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(...HOSTILE_STRINGS),
  fc.constantFrom<Json>(...HOSTILE_NUMBERS),
  fc.constantFrom<Json>(null, true, false, [], {}, [null], [[[]]], { '': '' }, { __proto__: { polluted: true } }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 1, max: 60 }).map((depth) => {
    let v: Json = 'deep';
    for (let i = 0; i < depth * 10; i++) v = i % 2 ? [v] : { v };
    return v;
  }),
);

// ---------------------------------------------------------------------------------- schema -> values

const schemas = ucpSchemas();

function resolve(ref: string, base: string): { schema: Schema; base: string } | undefined {
  const url = new URL(ref, base);
  const id = url.href;
  const found = schemas.ajv.getSchema(id) ?? schemas.ajv.getSchema(id.replace(`${UCP_SCHEMA_BASE}/discovery/`, 'https://ucp.dev/discovery/'));
  if (!found) return undefined;
  return { schema: found.schema as Schema, base: `${url.origin}${url.pathname}` };
}

const STRING_FORMATS: Record<string, fc.Arbitrary<string>> = {
  uri: fc.constantFrom('https://agent.example/x', 'https://shop.example/products/p1', 'urn:x:y'),
  email: fc.constantFrom('buyer@example.com', 'a@b.co'),
  'date-time': fc.constantFrom('2026-11-01T12:00:00Z', '2026-12-24T08:30:00.000Z'),
  date: fc.constantFrom('2026-11-01'),
};

/** A schema with its `$ref`s followed (one level at a time), and the base its own refs resolve against. */
function deref(schema: Schema, base: string, hops = 0): { schema: Schema; base: string } {
  if (typeof schema === 'object' && typeof schema.$ref === 'string' && hops < 10) {
    const r = resolve(schema.$ref, base);
    if (r) return deref(r.schema, r.base, hops + 1);
  }
  return { schema, base };
}

/** Values valid for `schema` (as far as a small generator can), depth-limited; `$ref`s resolve through Ajv. */
export function fromSchema(schema: Schema, base: string, depth = 0, items: string[] = []): fc.Arbitrary<Json> {
  if (schema === true || schema === false || depth > 14) return fc.constant(null);
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === 'string') {
    const r = resolve(s.$ref, base);
    return r ? fromSchema(r.schema, r.base, depth + 1, items) : fc.constant(null);
  }
  if ('const' in s) return fc.constant(s.const as Json);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as Json[]));
  const alternatives = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
  if (Array.isArray(alternatives) && alternatives.length) return fc.oneof(...alternatives.map((a) => fromSchema(a, base, depth + 1, items)));
  if (Array.isArray(s.allOf) && s.allOf.length) {
    // object parts merge into one object schema (their properties and requirements together)
    const parts = (s.allOf as Schema[]).map((a) => deref(a, base));
    if (parts.every((p) => typeof p.schema === 'object' && (p.schema.type === 'object' || 'properties' in p.schema || 'required' in p.schema))) {
      const properties: Record<string, Schema> = {};
      const required = new Set<string>();
      const bases = new Map<string, string>();
      for (const p of parts) {
        const ps = p.schema as Record<string, unknown>;
        for (const [k, v] of Object.entries((ps.properties ?? {}) as Record<string, Schema>)) {
          properties[k] = v;
          bases.set(k, p.base);
        }
        for (const r of (ps.required as string[] | undefined) ?? []) required.add(r);
      }
      const record: Record<string, fc.Arbitrary<Json>> = {};
      for (const [k, v] of Object.entries(properties)) record[k] = fromSchema(v, bases.get(k)!, depth + 1, items);
      return fc.record(record, { requiredKeys: [...required].filter((k) => k in record) });
    }
    return fromSchema(parts[0]!.schema, parts[0]!.base, depth + 1, items);
  }
  const type = Array.isArray(s.type) ? (s.type[0] as string) : (s.type as string | undefined);
  switch (type ?? (s.properties ? 'object' : undefined)) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = new Set((s.required as string[] | undefined) ?? []);
      const record: Record<string, fc.Arbitrary<Json>> = {};
      for (const [name, sub] of Object.entries(props)) {
        // line items name real catalog items most of the time, so requests reach the business logic
        if (name === 'id' && base.endsWith('/item.json') && items.length)
          record[name] = fc.oneof({ arbitrary: fc.constantFrom(...items), weight: 4 }, { arbitrary: fc.string({ maxLength: 20 }), weight: 1 });
        else if (name === 'quantity') record[name] = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 5 }), weight: 4 }, { arbitrary: fc.constantFrom(1000, 1001, 1e9, 2 ** 53), weight: 1 });
        else record[name] = fromSchema(sub, base, depth + 1, items);
      }
      return fc.record(record, { requiredKeys: [...required].filter((k) => k in record) });
    }
    case 'array':
      return fc.array(fromSchema((s.items ?? {}) as Schema, base, depth + 1, items), { minLength: Math.min(1, Number(s.minItems ?? 0)), maxLength: 3 });
    case 'string': {
      const format = typeof s.format === 'string' ? STRING_FORMATS[s.format] : undefined;
      if (format) return format;
      if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern)).filter((x) => x.length <= 200);
      return fc.string({ minLength: Number(s.minLength ?? 0), maxLength: Math.max(Number(s.minLength ?? 0), 24) });
    }
    case 'integer':
      return fc.integer({ min: Math.max(Number(s.minimum ?? -1000), -1e6), max: Math.min(Number(s.maximum ?? 100_000), 1e9) });
    case 'number':
      return fc.double({ min: Number(s.minimum ?? -1e6), max: Number(s.maximum ?? 1e6), noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** `value` with one randomly chosen node (or the whole) replaced by a hostile value. */
function mutate(value: Json): fc.Arbitrary<Json> {
  const paths: (string | number)[][] = [[]];
  const walk = (v: Json, at: (string | number)[]): void => {
    if (at.length > 8) return;
    if (Array.isArray(v)) {
      v.forEach((x, i) => {
        paths.push([...at, i]);
        walk(x, [...at, i]);
      });
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        paths.push([...at, k]);
        walk(x, [...at, k]);
      }
    }
  };
  walk(value, []);
  return fc.tuple(fc.constantFrom(...paths), hostileValue).map(([at, bad]) => {
    if (at.length === 0) return bad;
    const copy = structuredClone(value) as Record<string | number, Json>;
    let node: Record<string | number, Json> = copy;
    for (const k of at.slice(0, -1)) node = node[k] as Record<string | number, Json>;
    node[at[at.length - 1]!] = bad;
    return copy;
  });
}

// ------------------------------------------------------------------------------------------ requests

const BAD_ESCAPES = ['%', '%zz', '%ff', '%u002e', '%c0%ae', '%E0%A4%A', '%00', '%2e%2e%2f', '..', '.', '%25', '%%', '%F0%9F%98'];

/** Raw path segment text for a parameter: real ids, and hostile text that node's HTTP client will send. */
function paramText(name: string, ctx: FuzzContext): fc.Arbitrary<string> {
  const real = ctx.ids[name] ?? [];
  const encode = (s: string) => s.replace(/[^\w.~!$&'()*+,;=:@%-]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''));
  return fc.oneof(
    ...(real.length ? [{ arbitrary: fc.constantFrom(...real), weight: 4 }] : []),
    { arbitrary: fc.constantFrom(...BAD_ESCAPES).chain((bad) => fc.constantFrom(bad, `chk_${bad}`, `${bad}${bad}x`)), weight: 3 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map(encode), weight: 2 },
    { arbitrary: fc.constantFrom(...HOSTILE_STRINGS).map(encode), weight: 2 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(encode), weight: 1 },
  );
}

const queryPart: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'limit',
        'cursor',
        'since',
        'q',
        'country',
        'currency',
        'modified_since',
        'category',
        'availability',
        'variant',
        'type',
        'subject',
        'format',
        'mode',
        'dry_run',
        'lang',
        'postal_code',
        'x',
      ),
      fc.oneof(
        fc.constantFrom('1', '0', '-1', '1e308', '100000', 'US', 'CA', 'EUR', '2026-11-01T00:00:00Z', 'true', '', '%', '%ff', '%c0%ae', 'in_stock', 'a'.repeat(3000)),
        fc.string({ maxLength: 12 }).map(encodeURIComponent),
      ),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));

/** A header that is usually `usual` (or absent), sometimes something else. */
function header(usual: string | undefined, others: readonly string[], othersWeight = 1): fc.Arbitrary<string | undefined> {
  return fc.oneof({ arbitrary: fc.constant(usual), weight: 8 }, { arbitrary: fc.constantFrom<string | undefined>(undefined, ...others), weight: othersWeight });
}

function headersArb(ctx: FuzzContext): fc.Arbitrary<Record<string, string>> {
  const agents = ctx.profiles.map((p) => `profile="${p}"`);
  return fc
    .record({
      'ucp-agent': fc.oneof(
        { arbitrary: fc.constantFrom(...agents), weight: 8 },
        {
          arbitrary: fc.constantFrom(
            'profile="https://127.0.0.1/p.json"',
            'profile="http://[::1]/p"',
            'profile="https://[2002:7f00:1::]/p"',
            'profile=',
            'garbage;;;',
            'profile="https://unknown.invalid/p.json"',
            `profile="${'a'.repeat(5000)}"`,
          ),
          weight: 1,
        },
      ),
      'content-type': header('application/json', [
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=latin9',
        'multipart/form-data; boundary=x',
        'application/x-ndjson',
        'text/tab-separated-values',
      ]),
      'content-encoding': header(undefined, ['gzip', 'br', 'deflate', 'identity', 'x-nonsense', 'gzip, gzip']),
      'idempotency-key': fc.oneof(fc.uuid(), fc.constantFrom(undefined, '', 'k'.repeat(300), 'same-key')),
      authorization: header(`Bearer ${ctx.token}`, ['Bearer nope', 'Basic Zm9vOmJhcg==', 'Bearer', `Bearer ${ctx.token}x`]),
      accept: header(undefined, ['application/json', 'application/ld+json', 'text/html', 'text/event-stream', '*/*', 'application/vc+jwt', 'image/png', 'application/json;q=0'], 3),
      'if-none-match': header(undefined, ['"x"', '*', 'W/"x", "y"']),
      'if-modified-since': header(undefined, ['Tue, 01 Dec 2026 00:00:00 GMT', 'yesterday']),
      'last-event-id': header(undefined, ['0', '99999999999999999999', '-1', 'x']),
      'ucp-context': header(undefined, ['country=CA, currency=CAD', 'country=ZZ', '=;;=,', 'currency="EUR"']),
      'x-forwarded-for': header(undefined, ['203.0.113.1', 'garbage', '1.1.1.1, 2.2.2.2']),
      'signature-input': header(undefined, ['sig1=("@method");created=1;keyid="x"', 'garbage']),
      signature: header(undefined, ['sig1=:AAAA:', 'garbage']),
      'content-digest': header(undefined, ['sha-256=:AAAA:', 'nope']),
      'request-id': header(undefined, ['r1', 'x'.repeat(500)]),
    })
    .map((h) => Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')));
}

function bodyArb(route: RouteInfo, ctx: FuzzContext): fc.Arbitrary<Buffer | undefined> {
  const json = (v: Json) => Buffer.from(JSON.stringify(v) ?? 'null');
  const raw = fc.oneof(
    fc.constantFrom(
      Buffer.from('{'),
      Buffer.from('{"a":'),
      Buffer.from('[1,2'),
      Buffer.from('nul'),
      Buffer.from([0xff, 0xfe, 0xfd]),
      Buffer.from('{"a":"\udcff"}'),
      Buffer.from(''),
      gzipSync('{"query":"tent"}'),
      gzipSync('{}').subarray(0, 8),
    ),
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    fc.constantFrom(2 * 1024 * 1024, 6 * 1024 * 1024).map((n) => Buffer.from(`{"pad":"${'x'.repeat(n)}"}`)),
  );
  const base = route.body ? fromSchema({ $ref: route.body.schema }, `${UCP_SCHEMA_BASE}/`, 0, ctx.items) : fc.jsonValue({ maxDepth: 3 });
  return fc.oneof({ arbitrary: base.map(json), weight: 4 }, { arbitrary: base.chain(mutate).map(json), weight: 4 }, { arbitrary: raw, weight: 2 }, { arbitrary: fc.constant(undefined), weight: 1 });
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

/** One request derived from one route of the table. */
function requestFor(route: RouteInfo, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const params = fc.tuple(...names.map((n) => paramText(n, ctx)));
  return fc
    .record({
      method: fc.oneof({ arbitrary: fc.constant(route.method), weight: 8 }, { arbitrary: fc.constantFrom(...METHODS), weight: 1 }),
      params,
      rootAlias: fc.boolean(),
      query: queryPart,
      headers: headersArb(ctx),
      body: bodyArb(route, ctx),
    })
    .map(({ method, params: values, rootAlias, query, headers, body }) => {
      let i = 0;
      let path = route.path.replace(/\{\w+\}/g, () => values[i++]!);
      if (route.surface === 'ucp' && rootAlias) path = path.replace(/^\/ucp\/v1/, '');
      const withBody = method !== 'GET' && method !== 'HEAD' && body !== undefined;
      const h = { ...headers };
      if (!withBody) delete h['content-encoding'];
      return { method, path: `${path}${query}`, headers: h, ...(withBody ? { body } : {}), route: `${route.method} ${route.path}` };
    });
}

/** Requests over the whole route table, each route about equally likely. */
export function fuzzRequests(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...ctx.routes.map((r) => requestFor(r, ctx)));
}
