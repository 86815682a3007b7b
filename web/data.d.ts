/** The packaged data files (machines/, scenarios/suite/), bundled by scripts/build-web.mjs: path relative to the package → text. */
declare module 'patlab:data' {
  export const FILES: Readonly<Record<string, string>>;
}
