/**
 * The playground's static files: the page, its script and styles from `web/` (no build step),
 * and the real Adaptive Cards renderer from node_modules. Only the files named here are served.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendJson } from '../../src/server.js';

/** `web/` beside this module (the build copies it), or the source tree's when running from dist/ without it. */
export function webDir(): string {
  const here = fileURLToPath(new URL('./web/', import.meta.url));
  const fromSource = fileURLToPath(new URL('../../../adapters/playground/web/', import.meta.url));
  return existsSync(here) || !existsSync(fromSource) ? here : fromSource;
}

/** The browser bundle of the `adaptivecards` package. */
export function adaptiveCardsBundle(): string {
  const pkg = createRequire(import.meta.url).resolve('adaptivecards/package.json');
  return join(dirname(pkg), 'dist', 'adaptivecards.min.js');
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const HTML = 'text/html; charset=utf-8';

/**
 * The page may run only its own scripts and talk only to this server; images only from here (a
 * card naming a remote image does not make the browser call out). Inline styles are allowed: the
 * Adaptive Cards renderer sets them.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface Asset {
  path: string;
  file: () => string;
  type: string;
}

export function assets(): Asset[] {
  const web = webDir();
  return [
    { path: '/', file: () => join(web, 'index.html'), type: HTML },
    { path: '/playground/app.js', file: () => join(web, 'app.js'), type: JS },
    { path: '/playground/markdown.js', file: () => join(web, 'markdown.js'), type: JS },
    { path: '/playground/app.css', file: () => join(web, 'app.css'), type: CSS },
    { path: '/playground/adaptivecards.js', file: adaptiveCardsBundle, type: JS },
  ];
}

/** Serves one asset, read from disk on each request (edits to web/ show on reload). */
export function assetHandler(asset: Asset) {
  return async function serveAsset(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    let content: Buffer;
    try {
      content = await readFile(asset.file());
    } catch {
      sendJson(res, 500, { error: `the playground file for ${asset.path} is missing` });
      return;
    }
    res.writeHead(200, {
      'content-type': asset.type,
      'content-length': content.length,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...(asset.type === HTML ? { 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-frame-options': 'DENY' } : {}),
    });
    res.end(content);
  };
}
