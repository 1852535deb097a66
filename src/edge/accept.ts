/**
 * HTTP content negotiation (RFC 9110 Accept): which of the representations a route offers the client
 * prefers. Shared by every protocol edge that serves more than one format.
 */
interface MediaRange {
  type: string;
  q: number;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header) return [{ type: '*/*', q: 1 }];
  return header
    .split(',')
    .map((part) => {
      const [type, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type!.trim(), q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((m) => m.type);
}

/** The best of `offered` for an Accept header (ties go to the first offered), or undefined (406). */
export function negotiate(header: string | undefined, offered: readonly string[]): string | undefined {
  const ranges = parseAccept(header);
  let best: { type: string; q: number; specificity: number } | undefined;
  for (const type of offered) {
    const [major] = type.split('/');
    for (const r of ranges) {
      const specificity = r.type === type ? 2 : r.type === `${major}/*` ? 1 : r.type === '*/*' ? 0 : -1;
      if (specificity < 0 || r.q <= 0) continue;
      if (!best || r.q > best.q || (r.q === best.q && specificity > best.specificity)) best = { type, q: r.q, specificity };
    }
  }
  return best?.type;
}
