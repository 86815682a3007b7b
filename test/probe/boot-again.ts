/**
 * The probe's lines that say a scenario was booted again (src/cli/probe.ts): its shared boot
 * differed and it ran in a boot of its own, or a boot did not finish and was repeated. The
 * probe tests print them as diagnostics, so a slow CI run says why it booted more.
 */
export function bootedAgainNotes(probeOut: string): string[] {
  return probeOut
    .split('\n')
    .filter((l) => /note: (run again|the first boot did not finish)/.test(l))
    .map((l) => l.trim());
}
