/**
 * One self-contained JSON Schema from the official UCP schema files: the file a reference names and
 * every file it reaches go under `$defs` (keyed by their path, e.g. `shopping.types.buyer.json`), and
 * every `$ref` is rewritten to point there. MCP's tools/list needs this: a tool's input and output schema
 * must stand alone, since a client cannot fetch https://ucp.dev (and ucpd never asks it to).
 */
type Json = Record<string, unknown>;

/** The `$defs` key of a schema file, from its `$id` under `base`. */
function keyOf(id: string, base: string): string {
  return id.slice(base.length + 1).replace(/\//g, '.');
}

/**
 * `refs` (each e.g. `shopping/checkout.json` or `shopping/catalog_search.json#/$defs/search_request`)
 * and every file they reach: `roots` are the refs rewritten (`#/$defs/...`), `defs` the files. `files`
 * maps each file's `$id` to its content; `transform` may rewrite each file first (request variants).
 * Throws for a reference to a file that is not there.
 */
export function bundleSchemas(files: ReadonlyMap<string, object>, base: string, refs: readonly string[], transform: (schema: object) => object = (s) => s): { roots: string[]; defs: Json } {
  const defs: Json = {};
  const pending: string[] = [];
  const target = (abs: string): string => {
    const [file, fragment = ''] = abs.split('#') as [string, string?];
    if (!files.has(file)) throw new Error(`no schema file ${file}`);
    const key = keyOf(file, base);
    if (!(key in defs)) {
      defs[key] = true; // placeholder, filled below
      pending.push(file);
    }
    return `#/$defs/${key}${fragment}`;
  };
  const rewrite = (value: unknown, fileId: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => rewrite(v, fileId));
    if (!value || typeof value !== 'object') return value;
    const out: Json = {};
    for (const [k, v] of Object.entries(value as Json)) {
      if (k === '$id' || k === '$schema') continue;
      out[k] = k === '$ref' && typeof v === 'string' ? target(new URL(v, fileId).href) : rewrite(v, fileId);
    }
    return out;
  };
  const roots = refs.map((ref) => target(new URL(ref, `${base}/`).href));
  for (let file = pending.shift(); file !== undefined; file = pending.shift()) defs[keyOf(file, base)] = rewrite(transform(files.get(file)!), file);
  return { roots, defs };
}
