/**
 * The built-in suite under every design in the interactive page, in headless Chromium (issue 14:
 * < 2 s), cold and warm, as `window.patlab.runSuite()` measures it in the page's workers; skipped,
 * saying why, where /usr/bin/chromium is absent. Builds web/dist first. Prints, asserts nothing.
 */
import { buildWeb, launch, serveWeb, skipReason } from '../test/web/browser.js';

export async function benchWeb(): Promise<void> {
  console.log('\ninteractive page (headless Chromium):');
  const skip = skipReason();
  if (skip) {
    console.log(`  skipped: ${skip}`);
    return;
  }
  buildWeb();
  const { url, proc } = await serveWeb();
  const browser = await launch();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="1"][data-state="ok"]');
    type R = { ms: number; wallMs: number; parts: number; scenarios: number; policies: number; runs: number };
    const cold = (await page.evaluate('window.patlab.runSuite()')) as R;
    const warm = (await page.evaluate('window.patlab.runSuite()')) as R;
    console.log(
      `  the built-in suite, ${cold.scenarios} scenarios x ${cold.policies} designs (${cold.runs} runs) in ${cold.parts} workers: ${(cold.wallMs / 1000).toFixed(2)} s cold, ${(warm.wallMs / 1000).toFixed(2)} s warm, the workers' start included (${(cold.ms / 1000).toFixed(2)} / ${(warm.ms / 1000).toFixed(2)} s without) (target < 2 s)`,
    );
  } finally {
    await browser.close();
    proc.kill();
  }
}
