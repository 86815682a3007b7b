/** `patlab explore` on the command line: same bytes for any thread count, counterexample files that `patlab run` reproduces, positioned errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../shared-dir.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const patlab = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test('explore prints the same bytes with 1 or 3 threads, and its counterexample files replay with patlab run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patlab-explore-'));
  const args = ['explore', '--policies', 'baseline,insert-honours-prot,vm-insert-pages-pgprot', '--depth', '4'];
  const one = patlab(...args, '--threads', '1', '--out', dir);
  assert.equal(one.status, 0, one.stderr);
  const three = patlab(...args, '--threads', '3', '--out', dir);
  assert.equal(three.stdout, one.stdout);
  assert.match(one.stdout, /^== Explore: vocabulary default \(\d+ calls\) on small-686-pae, depth 4/);
  assert.match(one.stdout, /insert-honours-prot: .*no-weaker-change.* up to depth 4/);
  const files = readdirSync(dir).sort();
  assert.ok(files.includes('vm-insert-pages-pgprot--no-sigbus.yaml'), files.join(' '));
  for (const f of files) {
    const design = f.split('--')[0]!;
    const r = patlab('run', join(dir, f), '--policy', design);
    assert.equal(r.status, 0, `${f}: ${r.stdout}${r.stderr}`);
  }
  const json = JSON.parse(patlab(...args, '--format', 'json', '--threads', '2').stdout);
  assert.equal(json.format, 'patlab-explore/1');
  assert.equal(json.designs.length, 3);
});

test('a bad vocabulary or option is one positioned line and exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patlab-explore-'));
  const cases: [string, RegExp][] = [
    ['name: v\nmachine: small-686-pae\nhandles: { page: 1 }\ncalls:\n  - alloc_pagez: { gfp: GFP_KERNEL }\n', /:5:5: unknown kernel call 'alloc_pagez'.*did you mean 'alloc_pages'/],
    ['name: v\nmachine: small-686-pae\nhandles: { page: 1 }\ncalls:\n  - __free_pages: { pages: $pgae }\n', /:5:28: unknown handle class 'pgae' in __free_pages's 'pages': expected one declared in 'handles' \(page\)/],
    ['name: v\nmachine: small-686-pae\nhandles: { page: 1 }\ncalls:\n  - alloc_pages: { gfp: [GFP_KERNEL, GFP_HIGH] }\n', /:5:38: bad alloc_pages's 'gfp'/],
    ['name: v\nmachine: small-686-pae\nhandles: { page: 99 }\ncalls: []\n', /:3:18: bad count for 'page'/],
    ['name: v\nmachine: small-686-pae\nhandles: { page: 1 }\ncalls:\n  - alloc_pages: { gfp: GFP_KERNEL }\n    consumes: gfp\n', /:6:15: 'consumes: gfp': every value of 'gfp' must be a handle/],
  ];
  cases.forEach(([text, re], i) => {
    const f = join(dir, `v${i}.yaml`);
    writeFileSync(f, text);
    const r = patlab('explore', '--calls', f, '--depth', '1');
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
  });
  for (const [opt, re] of [
    [['--depth', '0'], /bad --depth '0'/],
    [['--invariants', 'no-alias'], /unknown invariant 'no-alias'/],
    [['--policies', 'nope'], /unknown policy 'nope'/],
    [['--format', 'pdf'], /unknown format 'pdf'/],
  ] as [string[], RegExp][]) {
    const r = patlab('explore', ...opt);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, re);
  }
});

test('compare --explore FILE cites the explore verdict of each design compared, in text, JSON and HTML; a file that is not one is exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patlab-explore-'));
  const ex = patlab('explore', '--policies', 'baseline,insert-honours-prot', '--depth', '3', '--format', 'json');
  assert.equal(ex.status, 0, ex.stderr);
  const f = join(dir, 'ex.json');
  writeFileSync(f, ex.stdout);
  const sc = join(REPO_ROOT, 'scenarios/spec04/case01-highmem-insert-wc.yaml');
  const text = patlab('compare', sc, '--policies', 'baseline,insert-honours-prot', '--explore', f);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /Explore \(vocabulary default on small-686-pae, every call sequence up to 3 calls\):/);
  const flat = text.stdout.replace(/\n\s+/g, ' ');
  assert.match(flat, /- baseline: breaks [^;]*no-weaker-change in 3 calls/);
  assert.match(flat, /- insert-honours-prot: breaks [^;]*; [^.]*no-weaker-change[^.]* hold up to depth 3/);
  const json = JSON.parse(patlab('compare', sc, '--policies', 'baseline', '--explore', f, '--format', 'json').stdout);
  const cited = json.explore.designs.find((d: { policy: string }) => d.policy === 'baseline');
  assert.equal(cited.invariants.find((i: { invariant: string }) => i.invariant === 'no-weaker-change').calls, 3);
  const html = patlab('compare', sc, '--policies', 'baseline', '--explore', f, '--format', 'html');
  assert.match(html.stdout, /Explore \(vocabulary default/);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"format":"patlab-compare/2"}');
  const r = patlab('compare', sc, '--explore', bad);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.json:1:1: not a patlab explore result: 'format' is "patlab-compare\/2"/);
});

test('explore --format html: the result table, each distinct counterexample once with the designs that found it, compared under every design', () => {
  const args = ['explore', '--policies', 'baseline,insert-honours-prot', '--depth', '3', '--format', 'html'];
  const a = patlab(...args, '--threads', '1');
  assert.equal(a.status, 0, a.stderr);
  assert.equal(patlab(...args, '--threads', '2').stdout, a.stdout);
  const html = a.stdout;
  assert.match(html, /<meta http-equiv="Content-Security-Policy"/);
  const cases = html.match(/<section class="explore-case"/g)?.length ?? 0;
  // baseline and insert-honours-prot share the 2-call highmem oops: fewer sections than counterexamples.
  const json = JSON.parse(patlab(...args.slice(0, -2), '--format', 'json').stdout);
  const cxs = json.designs.flatMap((d: { results: { counterexample?: unknown }[] }) => d.results.filter((r) => r.counterexample)).length;
  assert.ok(cases >= 1 && cases < cxs, `${cases} sections for ${cxs} counterexamples`);
  assert.match(html, /Found for: baseline \(no-fatal\), insert-honours-prot \(no-fatal\)/);
  for (const m of html.matchAll(/href="#(cx-\d+)"/g)) assert.ok(html.includes(`id="${m[1]}"`), m[1]);
});
