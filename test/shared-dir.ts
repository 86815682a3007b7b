/** Where ../shared is, from the repo root (tests run from the repo root via npm test). */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (dist/test/.. /..). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared folder beside the repo: the spec, goldens and captures. */
export const SHARED_DIR = process.env.PATLAB_SHARED ?? resolve(REPO_ROOT, '..', 'shared');

export function sharedAvailable(): boolean {
  return existsSync(resolve(SHARED_DIR, 'golden', 'memtype'));
}
