/** JSON-LD checks for tests: the same expansion the conformance checker uses (src/check/jsonld.ts). */
export { expandChecked, schemaOrgTerms, ucpdTerms, type Expansion } from '../../src/check/jsonld.js';
