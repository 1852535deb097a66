/**
 * JSON with object keys sorted by UTF-16 code units, recursively: the JSON Canonicalization Scheme
 * (RFC 8785) for the values ucpd emits (strings, safe integers, finite numbers, booleans, null, arrays,
 * plain objects; ECMAScript number and string serialisation is what JCS specifies). UCP response bodies
 * are sent canonical, so a Content-Digest over the raw bytes equals one over the JCS form.
 *
 * Hot responses are built canonical instead (`sortedDeep` once per cached part, `withKey` for what a
 * request adds), so they serialise with plain JSON.stringify: sorting a 50 KB body per request costs
 * twice the serialisation itself.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortedDeep(value));
}

/** A copy with every object's keys in sorted order (undefined members dropped). */
export function sortedDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortedDeep) as T;
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return sortedDeep((value as unknown as { toJSON(): unknown }).toJSON()) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = sortedDeep(v);
  }
  return out as T;
}

/** A shallow copy of a key-sorted object with `key` set, still key-sorted. */
export function withKey<T extends object>(obj: T, key: string, value: unknown): T {
  const out: Record<string, unknown> = {};
  let placed = false;
  for (const k of Object.keys(obj)) {
    if (!placed && k >= key) {
      out[key] = value;
      placed = true;
      if (k === key) continue;
    }
    out[k] = (obj as Record<string, unknown>)[k];
  }
  if (!placed) out[key] = value;
  return out as T;
}

/** Whether every object in `value` already has its keys in sorted order (for tests and assertions). */
export function isCanonical(value: unknown): boolean {
  return JSON.stringify(value) === canonicalJson(value);
}
