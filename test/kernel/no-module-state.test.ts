/**
 * Kernel state is declared on the kernel (issue 13 item 3): no kernel
 * module keeps mutable state at module level (a map, a set or a `let`),
 * since a kernel's state must be the kernel object alone (subsystems live in
 * `k.subsystems`, kernel/subsystems.ts). Frozen constant tables are fine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { filesUnder, REPO_ROOT } from '../shared-dir.js';


const MUTABLE_AT_TOP = /^(?:export\s+)?(?:let\s|var\s|const\s+\w+\s*(?::[^=]+)?=\s*new\s+(?:WeakMap|Map|Set|WeakSet)\b)/;

// src/calls too: the call table keeps what it tracks per kernel (ttm_bo_kmap's maps) in k.subsystems.
test('no module-level mutable state under src/kernel and src/calls', () => {
  const hits: string[] = [];
  for (const f of ['kernel', 'calls'].flatMap((d) => filesUnder(join(REPO_ROOT, 'src', d), '.ts'))) {
    readFileSync(f, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (MUTABLE_AT_TOP.test(line)) hits.push(`${f.slice(REPO_ROOT.length + 1)}:${i + 1}: ${line.trim()}`);
      });
  }
  assert.deepEqual(hits, []);
});

test('the check itself catches what it is for', () => {
  for (const bad of ['const STATE = new WeakMap<object, X>();', 'let current = 0;', 'export const REG: Map<string, number> = new Map();']) assert.ok(MUTABLE_AT_TOP.test(bad), bad);
  for (const ok of ['const PAGE_SHIFT = 12;', '  const m = new Map();', 'export const KEY = subsystemKey("vm", () => new Map());']) assert.ok(!MUTABLE_AT_TOP.test(ok), ok);
});
