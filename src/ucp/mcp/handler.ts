/**
 * UCP over MCP (streamable HTTP, stateless, JSON responses): POST /ucp/mcp carries one JSON-RPC 2.0
 * message. `initialize`, `ping`, `tools/list` and `tools/call` are answered; notifications get 202. Each
 * tools/call runs the same pipeline as REST (../rest/router.ts) over the same operation table: admission
 * (the profile from `meta.ucp-agent`, the RFC 9421 signature over the HTTP request), idempotency
 * (`meta.idempotency-key`), validation against the official request schema, `execute`. The UCP body
 * goes in `result.structuredContent` and, as text, in `result.content`. Protocol errors are JSON-RPC
 * errors (-32000, -32001 for discovery) with the UCP error in `data`, and the HTTP status mirrors them.
 * Responses are signed like every agent-facing one.
 *
 * Not the SDK's server transport: its StreamableHTTPServerTransport writes the response itself, so the
 * exact bytes could not be signed (RFC 9421 Content-Digest) or shared with REST's admission and
 * idempotency, and it converts every request to a web Request. The SDK's protocol versions are used.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { RouteInfo } from '../../edge/routes.js';
import { UcpdError } from '../../errors.js';
import { ucpdVersion } from '../../paths.js';
import { canonicalJson } from '../../util/canonical-json.js';
import { jsonOverLimits, MAX_JSON_DEPTH } from '../../util/json-limits.js';
import { jsonRpcErrorCode, protocolError, protocolErrorBody, toProtocolError, type UcpProtocolError } from '../errors.js';
import { once } from '../once.js';
import { type Executed, execute, type Operation, validate } from '../operations.js';
import { httpAdmission, requestHeaders } from '../rest/admit.js';
import { header, readBody, unreadBody } from '../rest/body.js';
import type { UcpRouteDeps } from '../rest/router.js';
import { sendUcpJson } from '../rest/send.js';
import { type ToolDefinition, toolDefinition } from './tools.js';
import { MCP_PATH } from './path.js';
import { isObject } from '../../util/is-object.js';

type Json = Record<string, unknown>;
type Id = string | number | null;

/** A JSON-RPC error with its HTTP status. */
class RpcError extends UcpdError {
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly status: number,
    readonly data?: unknown,
  ) {
    super(status === 404 ? 'not_found' : status >= 500 ? 'internal' : 'invalid_input', `jsonrpc${rpcCode}`, message);
  }
}

const invalidParams = (message: string) => new RpcError(-32602, message, 400);

function rpcFromProtocol(e: UcpProtocolError, storefront: string): RpcError {
  return new RpcError(jsonRpcErrorCode(e), e.message, e.status, protocolErrorBody(e, storefront));
}

export function mcpHandler(deps: UcpRouteDeps, operations: readonly Operation[]): ((req: IncomingMessage, res: ServerResponse) => boolean) & { routes: RouteInfo[] } {
  const { ucp, config, logger, signer } = deps;
  const storefront = `${config.baseUrl}/`;
  const admitHttp = httpAdmission(deps);
  const byTool = new Map(operations.map((op) => [op.tool.name, op]));
  const version = ucpdVersion();
  let tools: ToolDefinition[] | undefined;

  const send = (req: IncomingMessage, res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}) => sendUcpJson(req, res, status, undefined, signer, extra, body);
  const result = (id: Id, json: string) => `{"id":${JSON.stringify(id)},"jsonrpc":"2.0","result":${json}}`;
  const failure = (id: Id, e: RpcError) => canonicalJson({ jsonrpc: '2.0', id, error: { code: e.rpcCode, message: e.message, ...(e.data !== undefined ? { data: e.data } : {}) } });

  /** tools/call: the operation behind the tool, run like its REST twin; resolves to the result's JSON. */
  const callTool = async (params: Json, req: IncomingMessage, rawBody: Buffer): Promise<{ json: string; replayed: boolean }> => {
    const name = params.name;
    const op = typeof name === 'string' ? byTool.get(name) : undefined;
    if (!op) throw invalidParams(`Unknown tool: ${String(name)}`);
    const args = params.arguments ?? {};
    if (!isObject(args)) throw invalidParams('arguments must be an object');
    const meta = args.meta;
    const agent = isObject(meta) && isObject(meta['ucp-agent']) ? meta['ucp-agent'].profile : undefined;
    if (typeof agent !== 'string') throw invalidParams('meta.ucp-agent.profile is required: the URL of the platform profile');
    const key = isObject(meta) && typeof meta['idempotency-key'] === 'string' ? meta['idempotency-key'].trim() : header(req, 'idempotency-key')?.trim();
    if (op.tool.keyRequired && !key) throw invalidParams(`meta.idempotency-key is required for ${op.tool.name}`);
    const id = args.id;
    if (op.tool.id && (typeof id !== 'string' || id === '')) throw invalidParams(`id is required for ${op.tool.name}: the resource it is about`);
    const sent = op.tool.payload ? args[op.tool.payload] : undefined;
    // REST's update body names the resource it replaces (`id`); over MCP the top-level id does
    const payload = op.method === 'PUT' && isObject(sent) && typeof id === 'string' && !('id' in sent) ? { id, ...sent } : sent;
    if (op.tool.id && isObject(payload) && 'id' in payload && payload.id !== id) throw invalidParams(`${op.tool.payload}.id must not differ from id (the top-level id names the resource)`);

    // the profile travels in meta; an HTTP UCP-Agent header, when sent too, must name the same one
    const headers = requestHeaders(req);
    const agentHeader = headers['ucp-agent'];
    if (agentHeader !== undefined && !agentHeader.includes(`"${agent}"`)) throw protocolError('invalid_request', 'the UCP-Agent header and meta.ucp-agent name different profiles');
    headers['ucp-agent'] = agentHeader ?? `profile="${agent}"`;
    const url = req.url ?? MCP_PATH;
    const q = url.indexOf('?');
    const admission = await admitHttp(req, { method: 'POST', path: q < 0 ? url : url.slice(0, q), query: q < 0 ? '' : url.slice(q + 1), body: rawBody, headers });
    const call = { admission, params: (typeof id === 'string' ? { id } : {}) as Record<string, string>, ...(key ? { idempotencyKey: key } : {}) };
    const respond = async (): Promise<Executed> => {
      validate(ucp, op, payload, admission);
      return execute(ucp, op, payload, call, storefront);
    };
    const scope = `${admission.negotiated.platform.url} mcp ${op.tool.name} ${typeof id === 'string' ? id : ''}`;
    const out = op.idempotent && key ? await once(ucp, { scope, key, hash: createHash('sha256').update(canonicalJson({ id, payload })).digest('base64url') }, respond) : await respond();
    // a replayed refusal is the same refusal
    if (out.status >= 400 && 'replayed' in out) {
      const data = JSON.parse(out.body) as Json;
      throw new RpcError(-32000, String(data.content ?? 'refused'), out.status, data);
    }
    return { json: `{"content":[{"text":${JSON.stringify(out.body)},"type":"text"}],"structuredContent":${out.body}}`, replayed: 'replayed' in out };
  };

  const run = async (req: IncomingMessage, res: ServerResponse) => {
    let id: Id = null;
    let method = '';
    try {
      const proto = header(req, 'mcp-protocol-version');
      if (proto !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(proto))
        throw new RpcError(-32600, `MCP-Protocol-Version ${proto} is not supported (${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`, 400);
      const rawBody = await readBody(req, config.ucp.bodyLimit);
      let msg: unknown;
      try {
        msg = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(rawBody));
      } catch {
        throw new RpcError(-32700, 'Parse error: the body is not UTF-8 JSON', 400);
      }
      const over = jsonOverLimits(msg, { maxDepth: MAX_JSON_DEPTH });
      if (over) throw new RpcError(-32600, `Invalid Request: the message is too complex (${over})`, 400);
      if (Array.isArray(msg)) throw new RpcError(-32600, 'JSON-RPC batches are not supported: send one message per request', 400);
      if (!isObject(msg) || msg.jsonrpc !== '2.0' || typeof msg.method !== 'string') throw new RpcError(-32600, 'Invalid Request: a JSON-RPC 2.0 message with a method', 400);
      method = msg.method;
      if (!('id' in msg)) {
        // a notification (notifications/initialized, cancelled, ...): accepted, nothing to answer
        res.writeHead(202, { 'Content-Length': '0' });
        res.end();
        return;
      }
      if (typeof msg.id !== 'string' && !(typeof msg.id === 'number' && Number.isFinite(msg.id))) throw new RpcError(-32600, 'Invalid Request: id must be a string or a finite number', 400);
      id = msg.id;
      const params = msg.params === undefined ? {} : msg.params;
      if (!isObject(params)) throw invalidParams('params must be an object');
      switch (method) {
        case 'initialize': {
          const asked = params.protocolVersion;
          const protocolVersion = typeof asked === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(asked) ? asked : LATEST_PROTOCOL_VERSION;
          const init = {
            protocolVersion,
            capabilities: { tools: { listChanged: false } },
            serverInfo: { name: 'ucpd', title: 'ucpd UCP shopping service', version },
            instructions: 'UCP (Universal Commerce Protocol) shopping service: every tool takes meta.ucp-agent.profile, the URL of your platform profile. Start with search_catalog.',
          };
          send(req, res, 200, result(id, canonicalJson(init)));
          return;
        }
        case 'ping':
          send(req, res, 200, result(id, '{}'));
          return;
        case 'tools/list':
          tools ??= operations.map((op) => toolDefinition(ucp.schemas, op));
          send(req, res, 200, result(id, JSON.stringify({ tools })));
          return;
        case 'tools/call': {
          const out = await callTool(params, req, rawBody);
          send(req, res, 200, result(id, out.json), out.replayed ? { 'Idempotent-Replayed': 'true' } : {});
          return;
        }
        default:
          throw new RpcError(-32601, `Method not found: ${method}`, 404);
      }
    } catch (err) {
      const e =
        err instanceof RpcError
          ? err
          : rpcFromProtocol(
              toProtocolError(err, (x) => logger.error('unhandled error in MCP call', { method, error: x instanceof Error ? x.stack : String(x) })),
              storefront,
            );
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const extra: Record<string, string> = { ...unreadBody(req) };
      if (e.status === 503 || e.status === 429) extra['Retry-After'] = '5';
      send(req, res, e.status, failure(id, e), extra);
    }
  };

  const handler = (req: IncomingMessage, res: ServerResponse): boolean => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    if ((q < 0 ? url : url.slice(0, q)) !== MCP_PATH) return false;
    if (req.method !== 'POST') {
      // stateless: no server-initiated stream (GET) and no session to end (DELETE)
      send(req, res, 405, failure(null, new RpcError(-32000, `${req.method} is not supported: POST one JSON-RPC message`, 405)), { Allow: 'POST', ...unreadBody(req) });
      return true;
    }
    void run(req, res);
    return true;
  };
  return Object.assign(handler, { routes: [{ surface: 'ucp' as const, method: 'POST', path: MCP_PATH }] });
}
