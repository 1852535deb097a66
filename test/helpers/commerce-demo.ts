/**
 * The JSON-LD catalog over the demo store (demo/outdoor-gear.jsonl) for HTTP tests: `commerceDemoSuite()`
 * sets up an app for a test file (before all its tests, with an admin token) and tears it down after; its
 * `get` asks for JSON-LD and `crawl` follows a catalog feed's pages, checking that Link header and body agree.
 */
import { afterAll, beforeAll, expect } from '@jest/globals';
import request from 'supertest';
import { importFeed } from '../../src/feed/pipeline.js';
import { jsonlFile } from '../../src/feed/formats/jsonl.js';
import { projectPath } from '../../src/paths.js';
import { testApp, type TestApp } from './app.js';

export const BASE = 'https://shop.example';
export const local = (url: string) => url.replace(BASE, '');
export type Node = Record<string, unknown> & { '@type'?: string; '@id'?: string };

export interface CommerceDemoSuite {
  /** The app over the demo store and an admin token (set before the file's tests run). */
  current(): { t: TestApp; admin: string };
  /** GET `path` with `accept` (JSON-LD by default). */
  get(path: string, accept?: string): request.Test;
  /** Every page of a catalog feed from `start`, and the items on them. */
  crawl(start: string): Promise<{ pages: Node[]; items: Node[] }>;
}

export function commerceDemoSuite(): CommerceDemoSuite {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await testApp();
    const report = await importFeed(t.store, jsonlFile(projectPath('demo', 'outdoor-gear.jsonl')), { clock: t.clock });
    expect(report.status).toBe('applied');
    admin = await t.token();
  });
  afterAll(async () => {
    t.app.close();
    await t.close();
  });

  const get = (path: string, accept = 'application/ld+json') => request(t.app).get(path).set('Accept', accept);

  async function crawl(start: string): Promise<{ pages: Node[]; items: Node[] }> {
    const pages: Node[] = [];
    let next: string | undefined = start;
    while (next) {
      const res = await get(next);
      expect(res.status).toBe(200);
      const page = res.body as Node;
      pages.push(page);
      const link = res.headers.link as string | undefined;
      expect(link ? /<([^>]+)>; rel="next"/.exec(link)?.[1] : undefined).toBe(page.next);
      next = page.next ? local(page.next as string) : undefined;
    }
    return { pages, items: pages.flatMap((p) => p.dataFeedElement as Node[]) };
  }

  return { current: () => ({ t, admin }), get, crawl };
}
