/**
 * The official UCP JSON Schemas of each protocol version (Apache-2.0, schemas/ucp/<version>/), every file
 * of a version loaded by its $id into one Ajv (JSON Schema 2020-12) instance of its own (the versions
 * share $ids). The server validates requests with them; the tests validate every response with them.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { projectPath } from '../paths.js';
import { BUYER_CONSENT, DISCOUNT, FULFILLMENT } from './constants.js';
import { bundleSchemas } from './schema-bundle.js';
import { PREVIOUS_VERSION, versionSpec, type VersionSpec } from './versions.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export const UCP_SCHEMA_BASE = 'https://ucp.dev/schemas';

/** Schema references for the documents the server sends and the tests and the conformance suite check (the same in both versions; profiles and the error response: VersionSpec). */
export const BUSINESS_PROFILE = versionSpec(PREVIOUS_VERSION).businessProfile;
export const PLATFORM_PROFILE = versionSpec(PREVIOUS_VERSION).platformProfile;
export const SEARCH_RESPONSE = 'shopping/catalog_search.json#/$defs/search_response';
export const LOOKUP_RESPONSE = 'shopping/catalog_lookup.json#/$defs/lookup_response';
export const PRODUCT_RESPONSE = 'shopping/catalog_lookup.json#/$defs/get_product_response';
export const ERROR_RESPONSE = versionSpec(PREVIOUS_VERSION).errorResponse;

/** The schemas a checkout (request or response) must satisfy, given the capabilities in play. */
export function checkoutSchemaRefs(capabilities: { has(name: string): boolean }): string[] {
  const refs = ['shopping/checkout.json'];
  if (capabilities.has(FULFILLMENT)) refs.push('shopping/fulfillment.json#/$defs/dev.ucp.shopping.checkout');
  if (capabilities.has(DISCOUNT)) refs.push('shopping/discount.json#/$defs/dev.ucp.shopping.checkout');
  if (capabilities.has(BUYER_CONSENT)) refs.push('shopping/buyer_consent.json#/$defs/dev.ucp.shopping.checkout');
  return refs;
}
const PROFILE_SCHEMA_ID = 'https://ucp.dev/schemas/discovery/profile.json';
const PROFILE_SCHEMA_REBASED = 'https://ucp.dev/discovery/profile.json';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : name.endsWith('.json') ? [p] : [];
  });
}

/** Request variants of the schemas (UCP's `ucp_request` annotations resolved for one operation). */
export type RequestOp = 'create' | 'update' | 'complete';
const REQUEST_BASE = 'https://ucpd.dev/ucp-request';

type Json = Record<string, unknown>;

/**
 * The schema as a request body for `op`: each property annotated `ucp_request` is required, optional, or
 * omitted (response-only: not required, and ignored when sent) for that operation, recursively.
 * Unannotated properties keep the base schema's rule.
 */
export function requestVariant(schema: unknown, op: RequestOp): unknown {
  if (Array.isArray(schema)) return schema.map((x) => requestVariant(x, op));
  if (!schema || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema as Json)) out[k] = requestVariant(v, op);
  const props = out.properties as Json | undefined;
  if (props && typeof props === 'object' && !Array.isArray(props)) {
    const required = new Set(Array.isArray(out.required) ? (out.required as string[]) : []);
    for (const [name, prop] of Object.entries(props)) {
      const note = (prop as Json | undefined)?.ucp_request;
      const mode = typeof note === 'string' ? note : note && typeof note === 'object' ? (note as Json)[op] : undefined;
      if (mode === 'omit') {
        props[name] = {};
        required.delete(name);
      } else if (mode === 'required') required.add(name);
      else if (mode === 'optional') required.delete(name);
    }
    if (Array.isArray(out.required) || required.size) out.required = [...required];
  }
  return out;
}

export class UcpSchemas {
  readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly sources: { id: string; schema: object }[] = [];
  private readonly variants = new Set<RequestOp>();

  /** One version's official schemas, plus ucpd's own extension schemas (schemas/ucpd, $id under https://ucpd.dev). */
  constructor(
    readonly spec: VersionSpec = versionSpec(PREVIOUS_VERSION),
    dirs: readonly string[] = [spec.schemaDir, projectPath('schemas', 'ucpd')],
  ) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    for (const file of dirs.flatMap(files)) {
      const schema = JSON.parse(readFileSync(file, 'utf8')) as { $id?: string };
      // The profile schema's $id says /schemas/discovery/ but its $refs ("../schemas/ucp.json") are written
      // relative to the source tree (source/discovery -> source/schemas). Rebase it so they resolve.
      if (schema.$id === PROFILE_SCHEMA_ID) schema.$id = PROFILE_SCHEMA_REBASED;
      this.ajv.addSchema(schema as object);
      if (schema.$id?.startsWith(`${UCP_SCHEMA_BASE}/`)) this.sources.push({ id: schema.$id, schema });
    }
  }

  /** A validator for a schema or a fragment, e.g. `shopping/catalog_search.json#/$defs/search_request`. */
  validator(ref: string): ValidateFunction {
    let id = ref.startsWith('https://') ? ref : `${UCP_SCHEMA_BASE}/${ref}`;
    if (id.startsWith(PROFILE_SCHEMA_ID)) id = PROFILE_SCHEMA_REBASED + id.slice(PROFILE_SCHEMA_ID.length);
    let v = this.compiled.get(id);
    if (!v) {
      v = this.ajv.getSchema(id);
      if (!v) throw new Error(`no UCP schema ${id}`);
      this.compiled.set(id, v);
    }
    return v;
  }

  /** A validator for the request form of a schema (e.g. `shopping/checkout.json` for `create`). */
  requestValidator(ref: string, op: RequestOp): ValidateFunction {
    if (!this.variants.has(op)) {
      for (const { id, schema } of this.sources) {
        const variant = requestVariant(schema, op) as Json;
        variant.$id = `${REQUEST_BASE}/${op}/${id.slice(UCP_SCHEMA_BASE.length + 1)}`;
        this.ajv.addSchema(variant);
      }
      this.variants.add(op);
    }
    return this.validator(`${REQUEST_BASE}/${op}/${ref}`);
  }

  /**
   * Self-contained schemas for `refs` (their request form for `op`, when given): the rewritten refs and
   * the `$defs` holding every official file they reach (MCP tool schemas).
   */
  bundle(refs: readonly string[], op?: RequestOp): { roots: string[]; defs: Record<string, unknown> } {
    const files = new Map(this.sources.map((s) => [s.id, s.schema]));
    return bundleSchemas(files, UCP_SCHEMA_BASE, refs, op ? (schema) => requestVariant(schema, op) as object : undefined);
  }

  /** Problems of a request body against the request form of `ref` for `op`. */
  requestProblems(ref: string, op: RequestOp, value: unknown): string[] {
    const v = this.requestValidator(ref, op);
    if (v(value)) return [];
    return (v.errors ?? []).slice(0, 10).map(describe);
  }

  /** Problems of `value` against `ref`, as "path: message" strings (empty when valid). */
  problems(ref: string, value: unknown): string[] {
    const v = this.validator(ref);
    if (v(value)) return [];
    return (v.errors ?? []).slice(0, 10).map(describe);
  }
}

function describe(e: ErrorObject): string {
  const at = e.instancePath ? `$${e.instancePath.replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.')}` : '$';
  if (e.keyword === 'required') return `${at}.${String((e.params as { missingProperty?: string }).missingProperty)}: is required`;
  if (e.keyword === 'additionalProperties') return `${at}.${String((e.params as { additionalProperty?: string }).additionalProperty)}: is not allowed`;
  return `${at}: ${e.message ?? 'is invalid'}`;
}

const shared = new Map<string, UcpSchemas>();
/** The schemas of a protocol version ucpd implements (2026-04-08 unless told), compiled once per process. */
export function ucpSchemas(version: string = PREVIOUS_VERSION): UcpSchemas {
  let s = shared.get(version);
  if (!s) {
    s = new UcpSchemas(versionSpec(version));
    shared.set(version, s);
  }
  return s;
}
