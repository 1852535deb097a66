/**
 * JSON with object keys sorted by UTF-16 code units, recursively: the JSON Canonicalization Scheme
 * (RFC 8785) for the values ucpd emits (strings, safe integers, finite numbers, booleans, null, arrays,
 * plain objects; ECMAScript number and string serialisation is what JCS specifies). UCP response bodies
 * are sent canonical, so a Content-Digest over the raw bytes equals one over the JCS form.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return sortKeys((value as { toJSON(): unknown }).toJSON());
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined && typeof v !== 'function') out[key] = sortKeys(v);
  }
  return out;
}
