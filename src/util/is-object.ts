/** A plain JSON object (not null, not an array): what every reader of request bodies and documents checks first. */
export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
