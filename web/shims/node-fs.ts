/**
 * The one `node:fs` function src/ uses (io/data/files.ts reads the packaged
 * machines/ and scenarios/suite/ files), for the browser bundle: esbuild
 * aliases `node:fs` here, and the build bundles those files as `patlab:data`.
 */
import { FILES } from 'patlab:data';

export function readFileSync(path: URL | string, _encoding?: string): string {
  const p = typeof path === 'string' ? path : path.pathname;
  const key = Object.keys(FILES).find((k) => p.endsWith('/' + k));
  if (key === undefined) throw new Error(`not bundled with the page: ${p}`);
  return FILES[key]!;
}
