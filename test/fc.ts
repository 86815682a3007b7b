/**
 * fast-check for the tests, with one fixed global seed: every property test
 * runs the same cases on every machine and every run (Standards: no unseeded
 * randomness). A property that takes its own `seed` keeps it.
 */
import fc from 'fast-check';

fc.configureGlobal({ seed: 20251203 });

export default fc;
