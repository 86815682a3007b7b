/** `npm run fuzz`: FUZZ_CASES (default 100 000) mutated inputs per kind, FUZZ_SEED (default 15); prints counts per outcome class, exits 1 on a violation. */
import { fuzz, KINDS } from '../test/fuzz/contract.js';

const n = Number(process.env.FUZZ_CASES ?? 100_000);
const seed = Number(process.env.FUZZ_SEED ?? 15);
let bad = 0;
for (const kind of KINDS) {
  const t0 = Date.now();
  const r = fuzz(kind, n, seed);
  console.log(`${kind}: ${n} cases in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${Object.entries(r.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const v of r.violations) console.log(v + '\n');
  bad += r.counts.violation;
}
process.exitCode = bad > 0 ? 1 : 0;
