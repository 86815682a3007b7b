/**
 * Virtual module made by scripts/build-web.mjs: the built-in debate suite
 * (src/io/compare/debate-suite.ts) when it exists, else the scenario files
 * under scenarios/drivers/ and the web test fixture, as `{ name, yaml }`.
 */
declare module 'patlab:examples' {
  export const EXAMPLES: readonly { name: string; yaml: string }[];
  /** 'debate-suite' or 'scenario files'. */
  export const SOURCE: string;
}
