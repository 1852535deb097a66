/**
 * A parsed JSON body as the tests read (and the mutating proxy rewrites) it. Assertions navigate
 * these bodies freely (`res.body.totals.find(...).amount`): the official JSON schemas, not the type
 * checker, vouch for their shape, and the tests validate responses against them where it matters.
 */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are navigated freely in assertions
export type Json = Record<string, any>;
