/**
 * What makes the demo generator deterministic: the fixed instant generated dates are relative to, the
 * seeded PRNG all randomness comes from, and the day format dates are written in.
 */

/** Dates in the generated feed are relative to this instant, never to the wall clock. */
export const DEMO_EPOCH = Date.UTC(2026, 9, 1); // 2026-10-01

/** mulberry32: small, fast, good enough for test data; never for secrets. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The UTC calendar day (YYYY-MM-DD) of an instant. */
export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
