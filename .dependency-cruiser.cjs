/**
 * The layering of DESIGN.md, with the call table as its own layer:
 * hw -> kernel -> calls -> policy -> check -> run -> io -> cli (web on top).
 * A lower layer never imports a higher one. Each rule forbids one layer from
 * reaching any layer above it; so the kernel cannot see the scenario
 * language (src/calls), and designs register their calls through it.
 */
const layers = ['hw', 'kernel', 'calls', 'policy', 'check', 'run', 'io', 'cli'];
const forbidden = layers.slice(0, -1).map((layer, i) => ({
  name: `${layer}-imports-higher-layer`,
  comment: `src/${layer} is below ${layers.slice(i + 1).join(', ')} (DESIGN.md: lower never imports higher)`,
  severity: 'error',
  from: { path: `^src/${layer}/` },
  to: { path: `^(src/(${layers.slice(i + 1).join('|')})/|web/)` },
}));
forbidden.push({
  name: 'no-circular-across-layers',
  comment: 'cycles make the layering meaningless',
  severity: 'error',
  from: {},
  // Type-only cycles (a module and the context interface it is handed) are
  // erased at compile time; runtime cycles are not allowed.
  to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
});
module.exports = {
  forbidden,
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: 'specify',
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
