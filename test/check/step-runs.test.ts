/** The timeline's steps held as runs of consecutive steps (check/timeline.ts StepRuns): the same sequence back, in order, repeats included. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../fc.js';
import { StepRuns } from '../../src/check/timeline.js';

test('StepRuns gives back exactly the steps pushed, in order, and a copy is not changed by later pushes', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constant(1), fc.constant(0), fc.integer({ min: -3, max: 40 })), { maxLength: 200 }), fc.nat(200), (deltas, cut) => {
      // Mostly consecutive steps (as a run observes them), with repeats and jumps.
      const steps: number[] = [];
      let s = 0;
      for (const d of deltas) steps.push((s = Math.max(0, s + d)));
      const runs = new StepRuns();
      const at = Math.min(cut, steps.length);
      steps.slice(0, at).forEach((x) => runs.push(x));
      const copy = runs.copy();
      steps.slice(at).forEach((x) => runs.push(x));
      assert.deepEqual([...runs], steps);
      assert.deepEqual([...copy], steps.slice(0, at));
    }),
  );
});

test('a million consecutive steps are one run', () => {
  const runs = new StepRuns();
  for (let i = 0; i <= 1_000_000; i++) runs.push(i);
  assert.equal((runs as unknown as { runs: number[] }).runs.length, 2);
  let n = 0;
  for (const _ of runs) n++;
  assert.equal(n, 1_000_001);
});
