/** What full-text search indexes for a product: its title, its brand, and everything else an agent might say. */
import type { Product } from './model.js';
import { descriptionText } from './quality.js';

export interface SearchDocument {
  title: string;
  brand: string;
  body: string;
}

export function searchDocument(p: Product): SearchDocument {
  const parts: string[] = [descriptionText(p.description)];
  for (const c of p.categories) parts.push(c.path.replace(/\s*>\s*/g, ' '));
  parts.push(...p.tags);
  for (const o of p.options) parts.push(o.name, ...o.values);
  for (const [k, v] of Object.entries(p.attributes)) parts.push(k.replace(/_/g, ' '), v);
  for (const c of p.certifications) parts.push(c.name, c.certifier);
  return { title: p.title, brand: p.brand ?? '', body: parts.filter(Boolean).join(' \n') };
}
