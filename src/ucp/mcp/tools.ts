/**
 * The UCP operations as MCP tools (mcp.openrpc.json, 2026-04-08): per operation its tool name, and the
 * input and output schemas tools/list publishes, self-contained (every official schema file they reach
 * bundled under `$defs`), so a client can validate arguments and results without fetching anything.
 */
import type { Operation } from '../operations.js';
import type { UcpSchemas } from '../schemas.js';

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
}

/** The openrpc `meta` parameter: the platform profile (UCP-Agent), and the idempotency key when required. */
function meta(keyRequired: boolean): Record<string, unknown> {
  return {
    type: 'object',
    description: 'Request metadata.',
    required: keyRequired ? ['ucp-agent', 'idempotency-key'] : ['ucp-agent'],
    additionalProperties: true,
    properties: {
      'ucp-agent': {
        type: 'object',
        description: 'Platform agent identification. Maps to HTTP UCP-Agent header.',
        required: ['profile'],
        properties: { profile: { type: 'string', format: 'uri', description: "URL to the platform's UCP profile document." } },
      },
      'idempotency-key': { type: 'string', format: 'uuid', description: 'Unique key for retry safety. Maps to HTTP Idempotency-Key header.' },
    },
  };
}

/** The request form of each payload schema, per operation (the REST body's schema). */
function payloadRef(op: Operation): { ref: string; op?: 'create' | 'update' | 'complete' } | undefined {
  if (op.bodySchema) return { ref: op.bodySchema.schema, ...(op.bodySchema.op ? { op: op.bodySchema.op } : {}) };
  return op.requestSchema ? { ref: op.requestSchema } : undefined;
}

/**
 * A tool with its input and output schemas in `schemas`' protocol version. tools/list cannot know which
 * version a caller negotiates (the UCP-Agent profile travels in each call's arguments), so it describes
 * the current release; a caller at an older version reads that version's schemas from its leaf profile.
 */
export function toolDefinition(schemas: UcpSchemas, op: Operation): ToolDefinition {
  const t = op.tool;
  const properties: Record<string, unknown> = { meta: meta(t.keyRequired === true) };
  const required = ['meta'];
  let defs: Record<string, unknown> = {};
  if (t.id) {
    properties.id = { type: 'string', description: 'The resource this call is about.' };
    required.push('id');
  }
  const payload = payloadRef(op);
  if (t.payload && payload) {
    const bundled = schemas.bundle([payload.ref], payload.op);
    properties[t.payload] = { $ref: bundled.roots[0] };
    defs = bundled.defs;
    if (!op.bodyOptional) required.push(t.payload);
  }
  const result = schemas.bundle([t.result, schemas.spec.errorResponse]);
  return {
    name: t.name,
    title: t.name.replace(/_/g, ' '),
    description: t.description,
    inputSchema: { type: 'object', properties, required, $defs: defs },
    outputSchema: { type: 'object', oneOf: result.roots.map(($ref) => ({ $ref })), $defs: result.defs },
  };
}
