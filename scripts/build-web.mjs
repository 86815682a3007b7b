// `npm run build:web`: bundle web/main.ts (the page) and web/worker.ts (its
// compute worker), each with the src/ modules it imports, unchanged, with
// esbuild into web/dist/main.js and web/dist/worker.js, next to index.html and
// styles.css.
// src/ is Node-first: the only Node API it touches (node:path's basename, in
// load-machine.ts) is aliased to a browser shim; nothing in src/ changes.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'web', 'dist');

/**
 * `patlab:examples`: the built-in debate suite when src/io/compare/debate-suite.ts
 * exists; until then, the scenario files of scenarios/drivers/ and the web
 * fixture, so the page always has examples.
 */
const examplesPlugin = {
  name: 'patlab-examples',
  setup(b) {
    b.onResolve({ filter: /^patlab:examples$/ }, () => ({ path: 'examples', namespace: 'patlab' }));
    b.onLoad({ filter: /.*/, namespace: 'patlab' }, () => {
      const suite = join(root, 'src', 'io', 'compare', 'debate-suite.ts');
      if (existsSync(suite)) {
        return {
          contents: `export { DEBATE_SUITE as EXAMPLES } from ${JSON.stringify(suite)};\nexport const SOURCE = 'the debate suite';`,
          resolveDir: root,
          loader: 'ts',
        };
      }
      const files = [];
      const dir = join(root, 'scenarios', 'drivers');
      if (existsSync(dir)) for (const f of readdirSync(dir).sort()) if (f.endsWith('.yaml')) files.push(join(dir, f));
      files.unshift(join(root, 'test', 'fixtures', 'web', 'ttm-highmem-wc.yaml'));
      const list = files.map((f) => {
        const yaml = readFileSync(f, 'utf8');
        const name = /^name:\s*(\S+)/m.exec(yaml)?.[1] ?? f;
        return { name, yaml };
      });
      return { contents: `export const EXAMPLES = ${JSON.stringify(list)};\nexport const SOURCE = 'scenario files';`, loader: 'js' };
    });
  },
};

/** `patlab:data`: the packaged files src/io/data/files.ts reads on Node (web/shims/node-fs.ts serves them). */
const dataPlugin = {
  name: 'patlab-data',
  setup(b) {
    b.onResolve({ filter: /^patlab:data$/ }, () => ({ path: 'data', namespace: 'patlab-data' }));
    b.onLoad({ filter: /.*/, namespace: 'patlab-data' }, () => {
      const files = {};
      for (const dir of ['machines', join('scenarios', 'suite'), 'explore'])
        for (const f of readdirSync(join(root, dir)).sort()) if (f.endsWith('.yaml') || f === 'precomputed.json') files[`${dir.split('\\').join('/')}/${f}`] = readFileSync(join(root, dir, f), 'utf8');
      return { contents: `export const FILES = ${JSON.stringify(files)};`, loader: 'js' };
    });
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const t0 = Date.now();
await build({
  absWorkingDir: root,
  entryPoints: { main: 'web/main.ts', worker: 'web/worker.ts' },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  outdir: out,
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  alias: { 'node:path': './web/shims/node-path.ts', 'node:fs': './web/shims/node-fs.ts' },
  plugins: [examplesPlugin, dataPlugin],
  logLevel: 'warning',
});
for (const f of ['index.html', 'styles.css']) copyFileSync(join(root, 'web', f), join(out, f));
console.log(`web/dist built in ${Date.now() - t0} ms`);
