/** scripts/serve-web.mjs: a malformed percent-encoded URL is a 400, the page and its worker carry a Content-Security-Policy (issues 15, 14). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../shared-dir.js';

test('dev server: 400 on bad percent-encoding, CSP on the page, still serving after', { skip: !existsSync(join(REPO_ROOT, 'web', 'dist', 'index.html')) && 'web/dist not built' }, async () => {
  const proc = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'serve-web.mjs'), '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const url = await new Promise<string>((res, rej) => {
      proc.stdout.on('data', (d: Buffer) => res(d.toString().split('\n')[0]!));
      proc.on('exit', (c) => rej(new Error(`exited ${c}`)));
    });
    assert.equal((await fetch(url + '%E0%A4%A')).status, 400);
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'.*script-src 'self'/);
    // The compute worker is the page's own script (no blob: or data: worker), served under the same policy.
    assert.match(page.headers.get('content-security-policy') ?? '', /worker-src 'self';/);
    const worker = await fetch(url + 'worker.js');
    assert.equal(worker.status, 200);
    assert.equal(worker.headers.get('content-security-policy'), page.headers.get('content-security-policy'));
    await worker.arrayBuffer();
  } finally {
    proc.kill();
  }
});
