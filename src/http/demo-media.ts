/**
 * Placeholder product images for the demo catalog (its media URLs are /demo/media/<name>.svg): a small
 * deterministic SVG per name, so the demo store's pages and feeds have images without shipping binaries.
 */
import type { RequestHandler } from 'express';
import { createHash } from 'node:crypto';
import { problem, sendProblem } from '../edge/problem.js';

const NAME = /^[a-z0-9-]{1,200}\.svg$/;

export function demoMedia(): RequestHandler {
  return (req, res) => {
    const name = String(req.params.name ?? '');
    if (!NAME.test(name)) return sendProblem(res, problem(404, 'not_found', 'no such demo image'));
    const label = name.replace(/\.svg$/, '').replace(/-/g, ' ');
    const hue = createHash('sha1').update(name).digest()[0]! * 1.4;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="1200" viewBox="0 0 1200 1200">
<rect width="1200" height="1200" fill="hsl(${hue.toFixed(0)},35%,88%)"/>
<path d="M0 900 L350 450 L600 760 L800 540 L1200 900 L1200 1200 L0 1200Z" fill="hsl(${hue.toFixed(0)},30%,55%)"/>
<text x="600" y="1080" font-family="sans-serif" font-size="44" text-anchor="middle" fill="#222">${label.replace(/[<&>]/g, '')}</text>
</svg>`;
    res.setHeader('Cache-Control', 'public, max-age=86400, immutable');
    res.type('image/svg+xml').send(svg);
  };
}
