/**
 * `npm run bench explore` (docs/explore.md §8): states per second on one
 * thread on the small machine, the growth in states from depth 4 to 6, and
 * depth 6 over every design and invariant on the worker threads.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { packagedFile } from '../src/io/data/files.js';
import { parseVocabulary } from '../src/io/explore/vocabulary.js';
import { POLICIES, selectPolicies } from '../src/policy/registry.js';
import { CALLS } from '../src/run/driver.js';
import { exploreDesign } from '../src/run/explore/explore.js';
import { INVARIANTS } from '../src/run/explore/invariants.js';
import { exploreParallel } from '../src/run/explore/parallel.js';
import { ExploreTiming } from '../src/run/explore/timing.js';

export async function benchExplore(): Promise<void> {
  const vocab = parseVocabulary(packagedFile('explore/default.yaml'), 'default.yaml', CALLS);
  const base = selectPolicies('baseline')[0]!;
  console.log(`\nexplore (default vocabulary, ${vocab.machine.name}, every invariant):`);
  const states: number[] = [];
  for (const depth of [4, 5, 6]) {
    const t0 = performance.now();
    const r = exploreDesign(vocab, base, { depth, maxStates: 1e7, invariants: INVARIANTS });
    const s = (performance.now() - t0) / 1000;
    states.push(r.states);
    console.log(`  baseline depth ${depth}: ${r.states} states, ${r.runs} runs, ${r.duplicates} duplicates in ${s.toFixed(2)} s = ${(r.states / s).toFixed(0)} states/s, ${(r.runs / s).toFixed(0)} runs/s (one thread; target >= 20000 states/s)`);
  }
  console.log(`  growth in states depth 6 / depth 4 = ${(states[2]! / states[0]!).toFixed(2)}`);
  // Where a run's time goes, and what running the steps alone (nothing copied, judged or fingerprinted) would allow.
  const timing = new ExploreTiming();
  const r = exploreDesign(vocab, base, { depth: 6, maxStates: 1e7, invariants: INVARIANTS, timing });
  const us = (ms: number): string => ((ms * 1000) / r.runs).toFixed(1);
  const other = timing.total - timing.copy - timing.step - timing.judge - timing.fingerprint;
  const calls = timing.step - timing.record;
  console.log(
    `  baseline depth 6, per run (us): copy ${us(timing.copy)}, steps (the runner and the kernel model) ${us(calls)}, timeline recorder ${us(timing.record)}, judgement ${us(timing.judge)}, fingerprint ${us(timing.fingerprint)}, the rest ${us(other)}; ` +
      `${(r.runs / r.states).toFixed(2)} runs a state, so the steps alone allow ${(r.states / (calls / 1000)).toFixed(0)} states/s`,
  );
  const all = selectPolicies('all');
  const threads = Math.min(availableParallelism(), 4);
  const t0 = performance.now();
  const rs = await exploreParallel(vocab, all, { depth: 6, maxStates: 1e7, invariants: INVARIANTS }, threads);
  const s = (performance.now() - t0) / 1000;
  const total = rs.reduce((n, r) => n + r.states, 0);
  console.log(`  all ${all.length} designs (${POLICIES.length} single) depth 6 on ${threads} threads: ${total} states in ${s.toFixed(2)} s (target < 60 s on 2 cores)`);
}
