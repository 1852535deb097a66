/**
 * How big a parsed JSON value is: its nesting depth and its number of nodes (objects, arrays and
 * values), counted without recursion and stopping as soon as a limit is passed. Requests are refused
 * past these limits before any work whose cost grows with them (a deep value overflows the stack of
 * JSON.stringify; canonicalising a credential costs the square of its size).
 */
/** Deepest JSON accepted in a request body, on every surface. */
export const MAX_JSON_DEPTH = 64;

export interface JsonLimits {
  maxDepth: number;
  maxNodes?: number;
}

/** What is past the limits ("nesting deeper than 64", "more than 1000 values"), or undefined. */
export function jsonOverLimits(value: unknown, limits: JsonLimits): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  let nodes = 0;
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    nodes++;
    if (limits.maxNodes !== undefined && nodes > limits.maxNodes) return `more than ${limits.maxNodes} values`;
    if (v === null || typeof v !== 'object') continue;
    if (depth > limits.maxDepth) return `nesting deeper than ${limits.maxDepth} levels`;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return undefined;
}
