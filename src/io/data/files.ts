/**
 * Data files shipped with patlab (`machines/`, `scenarios/suite/`), read by
 * path relative to the package root. On Node they are read from the package
 * (this module sits at dist/src/io/data/ once built); the web build
 * (scripts/build-web.mjs) replaces this module with one that holds the same
 * files bundled, so the code that uses them is the same in both.
 */
import { readFileSync } from 'node:fs';

const ROOT = new URL('../../../../', import.meta.url);

/** The text of a packaged file, e.g. `machines/desktop-x86-64.yaml`. */
export function packagedFile(rel: string): string {
  return readFileSync(new URL(rel, ROOT), 'utf8');
}
