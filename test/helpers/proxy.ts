/**
 * A loopback reverse proxy in front of a real ucpd that can break its answers on purpose: the
 * conformance suite's mutation tests point `ucpd check` at it and assert the matching check fails.
 * Start ucpd with `--base-url <proxy url>` so every link it publishes goes through the proxy.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Json } from './json.js';

export interface ProxiedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface ProxiedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Change a response (return it, changed or not). */
export type Mutation = (req: ProxiedRequest, res: ProxiedResponse) => ProxiedResponse | Promise<ProxiedResponse>;

export interface MutatingProxy {
  url: string;
  port: number;
  target?: string;
  mutate(m: Mutation | undefined): void;
  close(): Promise<void>;
}

export async function mutatingProxy(): Promise<MutatingProxy> {
  let mutation: Mutation | undefined;
  const proxy: MutatingProxy = {
    url: '',
    port: 0,
    mutate: (m) => (mutation = m),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = new URL(req.url ?? '/', proxy.target);
      const headers = { ...req.headers };
      delete headers['content-length'];
      const up = http.request(target, { method: req.method, headers: { ...headers, ...(body.length ? { 'content-length': String(body.length) } : {}) } }, (upRes) => {
        const out: Buffer[] = [];
        upRes.on('data', (c: Buffer) => out.push(c));
        upRes.on('end', async () => {
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(upRes.headers)) if (v !== undefined && k !== 'transfer-encoding' && k !== 'connection' && k !== 'keep-alive') h[k] = Array.isArray(v) ? v.join(', ') : v;
          let answer: ProxiedResponse = { status: upRes.statusCode ?? 502, headers: h, body: Buffer.concat(out) };
          const u = new URL(req.url ?? '/', 'http://proxy');
          try {
            if (mutation) answer = await mutation({ method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body }, answer);
          } catch (err) {
            answer = { status: 599, headers: { 'content-type': 'text/plain' }, body: Buffer.from(`mutation failed: ${String(err)}`) };
          }
          if (answer.status !== 304 && answer.status !== 204) answer.headers['content-length'] = String(answer.body.length);
          res.writeHead(answer.status, answer.headers).end(answer.status === 304 ? undefined : answer.body);
        });
      });
      up.on('error', (err) => res.writeHead(502, { 'content-type': 'text/plain' }).end(String(err)));
      up.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.url = `http://127.0.0.1:${proxy.port}`;
  return proxy;
}

/** A mutation of JSON bodies on paths matching `path`. */
export function jsonMutation(path: RegExp | string, change: (json: Json, req: ProxiedRequest) => void, o: { contentType?: RegExp } = {}): Mutation {
  return (req, res) => {
    const matches = typeof path === 'string' ? req.path === path : path.test(req.path);
    if (!matches || res.status < 200 || res.status >= 300 || !(o.contentType ?? /json/).test(res.headers['content-type'] ?? '')) return res;
    const json = JSON.parse(res.body.toString('utf8')) as Json;
    change(json, req);
    return { ...res, body: Buffer.from(JSON.stringify(json)) };
  };
}
