/**
 * The one `node:path` function src/ uses (load-machine.ts names a machine
 * after its file), for the browser bundle: esbuild aliases `node:path` here.
 * POSIX semantics, as Node's default on the machines patlab runs on.
 */
export function basename(p: string, ext?: string): string {
  const base = p.replace(/\/+$/, '').split('/').pop() ?? '';
  return ext && base.endsWith(ext) && base !== ext ? base.slice(0, -ext.length) : base;
}

export default { basename };
