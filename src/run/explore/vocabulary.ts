/**
 * An explore vocabulary (docs/explore.md §2): the kernel calls `patlab
 * explore` may chain, each with the values each argument ranges over, over
 * a small universe of handles (a few pages, a VMA, a BO), with the
 * preconditions that keep a sequence meaningful. Parsed from YAML by
 * src/io/explore/vocabulary.ts; the calls are the scenario language's own
 * (src/run/driver.ts CALLS), so a counterexample is a scenario.
 */

import type { MachineSpec } from '../../kernel/machine.js';
import type { Pos, RawArg } from '../scenario.js';

/** One value an argument may take: a literal as written, or any live handle of a class. */
export type VocabChoice =
  | { t: 'literal'; raw: RawArg; text: string }
  | { t: 'handle'; cls: string; index?: number; offset?: number };

export interface VocabArg {
  name: string;
  choices: VocabChoice[];
}

/**
 * A hold on a handle: it cannot be consumed while it has one. `label` is a
 * fixed tag (`caching`), or `from` names a handle: the one passed as the
 * argument `label` (`$addr`), or the one this call makes (`$as`).
 */
export interface VocabHold {
  arg: string;
  label: string;
  from?: 'arg' | 'as';
}

export interface VocabCall {
  call: string;
  pos: Pos;
  args: VocabArg[];
  /** The class of the handle the call yields (a kernel handle when the call has one, else a token that marks the call done). */
  as?: string;
  /** The argument whose handle this call ends; its holds must be gone, and holds it placed on others go with it. */
  consumes?: string;
  /** Classes whose every live handle this call ends (tokens such as "the BO's PTEs are zapped", which a fault undoes). */
  ends: string[];
  /** Classes that need a live handle for the call to be tried (e.g. a TTM device). */
  requires: string[];
  hold: VocabHold[];
  release: VocabHold[];
}

export interface Vocabulary {
  file: string;
  name: string;
  machine: MachineSpec;
  /** How a scenario names that machine: a preset name, or the machine's YAML mapping (written inline). */
  machineYaml: string;
  /** Handle classes and how many of each may be live at once, in declaration order. */
  classes: Map<string, number>;
  calls: VocabCall[];
}
