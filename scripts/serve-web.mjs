// `npm run web`: serve web/dist on localhost only (never another interface).
// `node scripts/serve-web.mjs [--port N]` (0 = any free port); prints the URL
// on its first line, which the browser tests read.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'web', 'dist');
const i = process.argv.indexOf('--port');
const port = i > 0 ? Number(process.argv[i + 1]) : Number(process.env.PORT ?? 8080);
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json', '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png' };

if (!existsSync(join(root, 'index.html'))) {
  console.error('web/dist/index.html is missing: run `npm run build:web` first');
  process.exit(2);
}

/**
 * The page's Content-Security-Policy: its own script and styles only, no
 * fetch, no frames, no form posts. The compute worker is the page's own
 * script too (worker-src 'self': worker.js from this server, no blob: or
 * data: workers); it is served with this same header, which is the policy
 * it runs under. CodeMirror and the views set inline styles ('unsafe-inline'
 * for styles only); vega compiles chart expressions with `Function`
 * ('unsafe-eval', in the worker; no inline script is allowed).
 */
const CSP = "default-src 'none'; script-src 'self' 'unsafe-eval'; worker-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const server = createServer((req, res) => {
  let path;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    // A malformed percent-encoding (`/%E0%A4%A`) or URL: the client's error, not the server's end.
    res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request: malformed URL\n');
    return;
  }
  const file = normalize(join(root, path.endsWith('/') ? path + 'index.html' : path));
  // No escaping web/dist through `..`.
  if (!(file === root || file.startsWith(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-store',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
  });
  createReadStream(file).pipe(res);
});
server.listen(port, '127.0.0.1', () => {
  const a = server.address();
  console.log(`http://127.0.0.1:${a.port}/`);
});
