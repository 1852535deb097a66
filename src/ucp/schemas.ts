/**
 * The official UCP 2026-04-08 JSON Schemas (Apache-2.0, schemas/ucp/), every file loaded by its $id into
 * one Ajv (JSON Schema 2020-12) instance. The server validates requests with them; the tests validate
 * every response with them.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { projectPath } from '../paths.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export const UCP_SCHEMA_BASE = 'https://ucp.dev/schemas';
const PROFILE_SCHEMA_ID = 'https://ucp.dev/schemas/discovery/profile.json';
const PROFILE_SCHEMA_REBASED = 'https://ucp.dev/discovery/profile.json';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? files(p) : name.endsWith('.json') ? [p] : [];
  });
}

export class UcpSchemas {
  readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction>();

  /** The official schemas, plus ucpd's own extension schemas (schemas/ucpd, $id under https://ucpd.dev). */
  constructor(dirs: readonly string[] = [projectPath('schemas', 'ucp', '2026-04-08'), projectPath('schemas', 'ucpd')]) {
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats(this.ajv);
    for (const file of dirs.flatMap(files)) {
      const schema = JSON.parse(readFileSync(file, 'utf8')) as { $id?: string };
      // The profile schema's $id says /schemas/discovery/ but its $refs ("../schemas/ucp.json") are written
      // relative to the source tree (source/discovery -> source/schemas). Rebase it so they resolve.
      if (schema.$id === PROFILE_SCHEMA_ID) schema.$id = PROFILE_SCHEMA_REBASED;
      this.ajv.addSchema(schema as object);
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

let shared: UcpSchemas | undefined;
export function ucpSchemas(): UcpSchemas {
  shared ??= new UcpSchemas();
  return shared;
}
