#!/usr/bin/env node
/**
 * The web page's static server (`npm run web`): serves web/dist with the cross-origin-isolation headers that
 * wasm threads need (SharedArrayBuffer), the right MIME type for .wasm (streaming compilation), and `/files/`
 * from a folder of the caller's choice (checkpoints and images the tests and the benchmark hand the page).
 * Localhost only; a small http server rather than a dependency: it has to set three headers.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIST = fileURLToPath(new URL('../web/dist/', import.meta.url));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.safetensors': 'application/octet-stream',
  '.pth': 'application/octet-stream',
};

/** Headers of every response: cross-origin isolated (COOP + COEP), same-origin resources only, no caching. */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** The file under `root` a URL path names, or null when it escapes root or does not exist. */
function fileUnder(root, urlPath) {
  const rel = decodeURIComponent(urlPath).replace(/^\/+/, '');
  const file = path.resolve(root, rel || 'index.html');
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  try {
    const st = statSync(file);
    return st.isDirectory() ? fileUnder(root, path.join(rel, 'index.html')) : file;
  } catch {
    return null;
  }
}

/**
 * Start serving; resolves to { url, close() } once listening. `port` 0 picks a free one. `files` (optional)
 * is served under /files/.
 */
export function startWebServer({ root = WEB_DIST, port = 0, host = '127.0.0.1', files } = {}) {
  const distRoot = path.resolve(root);
  const filesRoot = files ? path.resolve(files) : null;
  const server = createServer((req, res) => {
    const urlPath = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = filesRoot && urlPath.startsWith('/files/') ? fileUnder(filesRoot, urlPath.slice('/files/'.length)) : fileUnder(distRoot, urlPath);
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(file ? 405 : 404, { 'Content-Type': 'text/plain', ...ISOLATION });
      res.end(file ? 'method not allowed' : 'not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': statSync(file).size, ...ISOLATION });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolve({ url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}/`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const port = Number(process.env.PORT ?? 8080);
  try {
    statSync(path.join(WEB_DIST, 'index.html'));
  } catch {
    console.error('web/dist/index.html is missing: run `npm run web:build` first');
    process.exit(1);
  }
  const { url } = await startWebServer({ port, files: process.env.MILA_WEB_FILES });
  console.log(`mila-dense web page at ${url} (cross-origin isolated; Ctrl-C stops)`);
}
