/**
 * check-capture on every bundle: each prediction agrees, or its difference
 * is listed in docs/capture-differences.md as a known model limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkCapture } from '../../../src/io/capture/check.js';
import { REPO_ROOT, SHARED_DIR } from '../../shared-dir.js';

const CAPTURES = join(SHARED_DIR, 'captures');
const bundles = existsSync(CAPTURES) ? readdirSync(CAPTURES).filter((d) => statSync(join(CAPTURES, d)).isDirectory()).sort() : [];
const doc = readFileSync(join(REPO_ROOT, 'docs', 'capture-differences.md'), 'utf8');
/** `- BUNDLE PREDICTION: cause` lines of the "Known differences" list. */
const known = new Set([...doc.matchAll(/^- (\S+) (\S+): /gm)].map((m) => `${m[1]} ${m[2]}`));

for (const b of bundles) {
  test(`check-capture ${b}: every prediction agrees or is a listed difference`, () => {
    const r = checkCapture(join(CAPTURES, b));
    assert.deepEqual(r.import.issues, []);
    for (const p of r.predictions) {
      if (p.status !== 'differs') continue;
      assert.ok(known.has(`${b} ${p.name}`), `${b} ${p.name} differs and is not in docs/capture-differences.md:\n- ${p.captured.join('\n- ')}\n+ ${p.predicted.join('\n+ ')}`);
    }
    const by = new Map(r.predictions.map((p) => [p.name, p.status]));
    // These must always agree: they are what the model is built to predict.
    assert.equal(by.get('pat_config'), 'agrees');
    assert.equal(by.get('directmap_total'), 'agrees');
    const list = r.predictions.find((p) => p.name.startsWith('pat_memtype_list'))!;
    assert.equal(list.status, 'agrees');
  });
}

test('listed differences still differ (the list does not go stale)', { skip: bundles.length === 0 }, () => {
  for (const k of known) {
    const [b, name] = k.split(' ') as [string, string];
    if (!bundles.includes(b)) continue;
    const p = checkCapture(join(CAPTURES, b)).predictions.find((x) => x.name === name);
    assert.equal(p?.status, 'differs', `${k} is listed in docs/capture-differences.md but agrees now`);
  }
});
