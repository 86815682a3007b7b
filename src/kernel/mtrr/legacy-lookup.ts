/**
 * `mtrr_type_lookup()` before v6.5 (arch/x86/kernel/cpu/mtrr/generic.c as in
 * Linux 6.1; spec 02 §5.3 version note). Placeholder until the algorithm is
 * written from the 6.1 source: it refuses to guess.
 */

import { NotModelledError } from '../not-modelled.js';
import type { MtrrState } from './cache-map.js';

export class LegacyMtrrLookup {
  constructor(readonly state: MtrrState | null) {}

  typeLookup(_start: number, _end: number): { type: number; uniform: boolean } {
    throw new NotModelledError('the pre-v6.5 mtrr_type_lookup() (kernel 6.1)');
  }
}
