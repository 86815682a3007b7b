/**
 * Headless Debian Chromium through playwright-core, as the env notes say to
 * run it here: /usr/bin/chromium (installed by .ci/run with apt-get), never a
 * downloaded browser, with the flags that keep it off the closed network.
 * Tests skip, saying why, when the browser is absent.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REPO_ROOT } from '../shared-dir.js';

/** PATLAB_CHROMIUM only exists to try the skip path (point it at a missing file). */
export const CHROMIUM = process.env['PATLAB_CHROMIUM'] ?? '/usr/bin/chromium';
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** false when the browser is there; else the reason the browser tests skip. */
export function skipReason(): false | string {
  if (existsSync(CHROMIUM)) return false;
  const why = `${CHROMIUM} is absent (apt-get install -y chromium; .ci/run does): browser tests skipped`;
  console.log(`# ${why}`);
  return why;
}

export async function launch(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Console errors, uncaught page errors and failed requests of a page, for the "no console errors" checks. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  return errors;
}

/**
 * Build web/dist as `npm run build:web` does, so the page tested is the current source: the page's
 * type check (web/tsconfig.json: browser types only, which every src file the page reaches must
 * satisfy), then esbuild; a few seconds each.
 */
export function buildWeb(): void {
  const tsc = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(REPO_ROOT, 'web', 'tsconfig.json')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`the page's type check (tsc -p web/tsconfig.json) failed:\n${tsc.stdout}\n${tsc.stderr}`);
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-web.mjs')], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`build-web failed:\n${r.stdout}\n${r.stderr}`);
}

/** scripts/serve-web.mjs on a free localhost port; resolves with its URL. */
export function serveWeb(): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'serve-web.mjs'), '--port', '0'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^(http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out);
      if (m) resolve({ url: m[1]!, proc });
    });
    proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    proc.on('exit', (code) => reject(new Error(`serve-web exited ${code}: ${err}`)));
  });
}

/**
 * The debate suite's ttm-highmem-wc once the lead's module exists; until
 * then the fixture with the same story. Loaded by path so this file compiles
 * either way.
 */
export async function ttmHighmemScenario(): Promise<{ name: string; yaml: string; file: string }> {
  const suitePath = join(REPO_ROOT, 'dist', 'src', 'io', 'compare', 'debate-suite.js');
  if (existsSync(suitePath)) {
    const m = (await import(pathToFileURL(suitePath).href)) as { DEBATE_SUITE?: { name: string; yaml: string }[] };
    const s = m.DEBATE_SUITE?.find((x) => /ttm-highmem-wc/.test(x.name));
    if (s) return { ...s, file: `<built-in ${s.name}>` };
  }
  const file = join(REPO_ROOT, 'test', 'fixtures', 'web', 'ttm-highmem-wc.yaml');
  return { name: 'fixture-ttm-highmem-wc', yaml: readFileSync(file, 'utf8'), file };
}

/**
 * In the page: the comparison table as {policy: {mapping column: effective type}}.
 * A string, not a function, so this Node-typed file needs no DOM typings.
 */
export const READ_TABLE = `(() => {
  const out = {};
  for (const tr of document.querySelectorAll('table.cmp:not(.verdict-table) tbody tr[data-policy]')) {
    const row = {};
    for (const td of tr.querySelectorAll('td[data-mapping]')) row[td.dataset.mapping] = td.dataset.effective || td.textContent.trim();
    out[tr.dataset.policy] = row;
  }
  return out;
})()`;

/** Some reported mapping is WB under baseline and WC under insert-honours-prot: the debate in one cell pair. */
export function assertBaselineWbHonoursWc(table: Record<string, Record<string, string>>): string {
  const base = table['baseline'];
  const ihp = table['insert-honours-prot'];
  assert.ok(base && ihp, `rows: ${Object.keys(table).join(', ')}`);
  const col = Object.keys(base).find((c) => base[c] === 'WB' && ihp[c] === 'WC');
  assert.ok(col, `no mapping column with baseline WB and insert-honours-prot WC: ${JSON.stringify({ base, ihp })}`);
  return col;
}

export const NO_H_OVERFLOW = 'document.documentElement.scrollWidth <= window.innerWidth + 1';

