/**
 * Built-in machines: the files under machines/ (machines/README.md says
 * where each comes from), in the machine-file language so that they go
 * through the same loader and checks as user files (load-machine.ts
 * `loadPreset`, `preset: NAME`).
 */

import { packagedFile } from '../data/files.js';

/** Preset names in the order machines/index.yaml lists them. */
const NAMES: readonly string[] = packagedFile('machines/index.yaml')
  .split('\n')
  .filter((l) => l.startsWith('- '))
  .map((l) => l.slice(2).trim());

/** Preset name → machine-file YAML. */
export const PRESET_YAML: Readonly<Record<string, string>> = Object.freeze(Object.fromEntries(NAMES.map((n) => [n, packagedFile(`machines/${n}.yaml`)])));

/** Preset names in a stable order. */
export function presetNames(): string[] {
  return [...NAMES];
}
