/**
 * The interactive page in a real browser, built and served as `npm run web`
 * does: the default scenario runs in the page, the table shows the debate's
 * answer, a typed YAML error is shown at its line, the URL reproduces the
 * view, pickers work, no console errors, layout at 1280×800 and a phone
 * width; a long job computes in the worker while the page answers and the
 * editor reacts, and an edit cancels it. It also times the whole built-in
 * suite under every design in the browser, and scattered-1e5-pages from edit
 * to result (reported, not asserted). Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, assertBaselineWbHonoursWc, buildWeb, launch, NO_H_OVERFLOW, READ_TABLE, serveWeb, skipReason, watchErrors } from './browser.js';

type Table = Record<string, Record<string, string>>;

const skip = skipReason();

describe('interactive page in Chromium', { skip }, () => {
  let browser: Browser;
  let server: ChildProcess | undefined;
  let url: string;

  before(async () => {
    buildWeb();
    const s = await serveWeb();
    server = s.proc;
    url = s.url;
    browser = await launch();
  });
  after(async () => {
    await browser?.close();
    server?.kill();
  });

  async function open(at: string, width = 1280, height = 800): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width, height } });
    const errors = watchErrors(page);
    await page.goto(at);
    await page.waitForSelector('body[data-ready="1"][data-state="ok"]');
    return { page, errors };
  }

  /** Wait until the debounced run after an edit has finished in `state`. */
  async function settled(page: Page, state: 'ok' | 'error'): Promise<void> {
    await page.waitForSelector(`body[data-state="${state}"]`);
  }

  test('the default scenario runs in the page: baseline WB, insert-honours-prot WC, charts and strip drawn', async () => {
    const { page, errors } = await open(url);
    assertBaselineWbHonoursWc((await page.evaluate(READ_TABLE)) as Table);
    assert.ok((await page.locator('.charts figure svg').count()) >= 1);
    assert.ok((await page.locator('.strip[data-wired] rect').count()) > 0);
    assert.match((await page.locator('#status').textContent()) ?? '', /designs in \d+ ms/);
    // The verdict cites the shipped explore result (explore/precomputed.json) for the designs shown.
    assert.match((await page.locator('.bottom-line').first().textContent()) ?? '', /Explore \(vocabulary default on small-686-pae[^]*baseline: breaks/);
    assert.equal(await page.evaluate(NO_H_OVERFLOW), true, 'the page scrolls sideways');
    await page.screenshot({ path: join(ARTIFACTS, 'page-1280.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('a typed YAML error is shown at its line, in the editor and the status; undo clears it', async () => {
    const { page, errors } = await open(url);
    const lines = page.locator('.cm-content .cm-line');
    // The line of the first step's call: rename the call by typing over it.
    const texts = await lines.allTextContents();
    const idx = texts.findIndex((t) => /^\s*- ttm_device_init:/.test(t));
    assert.ok(idx >= 0, 'the default scenario starts TTM');
    const word = lines.nth(idx).getByText('ttm_device_init', { exact: false });
    await word.dblclick();
    await page.keyboard.type('ttm_device_bogus');
    await settled(page, 'error');
    const status = page.locator('#status');
    assert.equal(await status.getAttribute('data-line'), String(idx + 1));
    assert.match((await status.textContent()) ?? '', new RegExp(`^line ${idx + 1}, column \\d+: .*ttm_device_bogus`));
    // The editor underlines the call on that same line.
    const markLine = await page.evaluate(`(() => {
      const mark = document.querySelector('.cm-lintRange-error');
      const line = mark && mark.closest('.cm-line');
      return line ? [...document.querySelectorAll('.cm-content .cm-line')].indexOf(line) + 1 : -1;
    })()`);
    assert.equal(markLine, idx + 1);
    assert.equal(await page.locator('#out.stale').count(), 1, 'the last good result stays, dimmed');
    await page.screenshot({ path: join(ARTIFACTS, 'page-yaml-error.png') });
    await page.keyboard.press('Control+z');
    await settled(page, 'ok');
    assert.equal(await page.locator('.cm-lintRange-error').count(), 0);
    assertBaselineWbHonoursWc((await page.evaluate(READ_TABLE)) as Table);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('the URL reproduces the view: scenario text and chosen designs', async () => {
    const { page, errors } = await open(url);
    // Keep two designs: uncheck every other one.
    await page.locator('#baseline-only').click();
    await page.locator('#policies input[value="insert-honours-prot"]').check();
    await settled(page, 'ok');
    await page.waitForFunction(`location.hash.includes('p=baseline%2Cinsert-honours-prot')`);
    // Edit the text too, so the link must carry the edit.
    const desc = page.locator('.cm-content .cm-line').filter({ hasText: /^name:/ }).first();
    await desc.click();
    await page.keyboard.press('End');
    await page.keyboard.type('-linked');
    await settled(page, 'ok');
    await page.waitForFunction(`document.querySelector('section.scenario h2').textContent.endsWith('-linked')`);
    const link = page.url();
    const table = (await page.evaluate(READ_TABLE)) as Table;
    assert.deepEqual(Object.keys(table), ['baseline', 'insert-honours-prot']);
    await page.close();

    const again = await open(link);
    assert.deepEqual((await again.page.evaluate(READ_TABLE)) as Table, table);
    assert.match((await again.page.locator('section.scenario h2').textContent()) ?? '', /-linked$/);
    assert.deepEqual(errors, []);
    assert.deepEqual(again.errors, []);
    await again.page.close();
  });

  test('the machine picker rewrites the scenario; the examples picker loads the built-in examples', async () => {
    const { page, errors } = await open(url);
    const names = (await page.locator('#example option').allTextContents()).slice(1);
    assert.ok(names.length >= 1 && names.some((n) => /ttm-highmem-wc/.test(n)), `examples: ${names.join(', ')}`);
    await page.locator('#machine').selectOption('x86-32-pae-4g');
    await page.waitForFunction(`document.querySelector('.cm-content').textContent.includes('machine: x86-32-pae-4g')`);
    await page.waitForSelector('body[data-state="ok"], body[data-state="error"]');
    // Every example loads and runs (a scenario is an example only if it runs).
    for (let i = 0; i < names.length; i++) {
      await page.locator('#example').selectOption(String(i));
      await settled(page, 'ok');
      assert.equal(await page.locator('section.scenario h2').textContent(), names[i]);
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('at a phone width (390×844) the editor and the results stack without sideways scrolling', async () => {
    const { page, errors } = await open(url, 390, 844);
    assert.equal(await page.evaluate(NO_H_OVERFLOW), true, 'the page scrolls sideways');
    const ed = await page.locator('#editor').boundingBox();
    const out = await page.locator('#out').boundingBox();
    assert.ok(ed && out && out.y >= ed.y + ed.height - 1, 'results below the editor');
    await page.screenshot({ path: join(ARTIFACTS, 'page-phone.png') });
    await page.locator('table.cmp:not(.verdict-table)').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'page-phone-table.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });

  /** Pick the built-in example whose name contains `name` (an edit: the editor's text is replaced). */
  async function pick(page: Page, name: string): Promise<void> {
    const names = (await page.evaluate('window.patlab.examples')) as string[];
    const i = names.findIndex((n) => n.includes(name));
    assert.ok(i >= 0, `no example ${name} in ${names.join(', ')}`);
    await page.locator('#example').selectOption(String(i));
  }

  type Stats = { started: number; terminated: number; shown: string[] };
  const stats = (page: Page): Promise<Stats> => page.evaluate('window.patlab.stats') as Promise<Stats>;

  /** A long job (scattered-1e5-pages, seconds under every design) has reached the worker and reports progress. */
  async function longJobRunning(page: Page): Promise<void> {
    await pick(page, 'scattered-1e5-pages');
    await page.waitForSelector('body[data-state="running"][data-progress]');
    assert.match((await page.locator('#status').textContent()) ?? '', /^scattered-1e5-pages: \d+ of \d+ designs/);
  }

  test('a long job runs in the worker: the page answers and the editor reacts meanwhile; an edit cancels the job and only the new result is shown', async () => {
    const { page, errors } = await open(url);
    await longJobRunning(page);
    // The main thread is free: round trips to the page come back at once (on the main thread this waited for the whole job).
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      assert.equal(await page.evaluate('document.body.dataset.state'), 'running');
      const ms = Date.now() - t0;
      assert.ok(ms < 1000, `a page.evaluate round trip took ${ms} ms while the job ran`);
    }
    // Typing during the job: the editor shows the keystrokes while the job is still running ...
    const before = await stats(page);
    const nameLine = page.locator('.cm-content .cm-line').filter({ hasText: /^name:/ }).first();
    await nameLine.click();
    await page.keyboard.press('End');
    const t0 = Date.now();
    await page.keyboard.type('-typed');
    await page.waitForFunction(`document.querySelector('.cm-content').textContent.includes('scattered-1e5-pages-typed')`, null, { timeout: 2000 });
    const typedMs = Date.now() - t0;
    assert.ok(typedMs < 2000, `typing 6 characters took ${typedMs} ms to show`);
    // ... and the edit terminated the job in flight: only the edited scenario's result is shown.
    await settled(page, 'ok');
    assert.equal(await page.locator('section.scenario h2').textContent(), 'scattered-1e5-pages-typed');
    const after = await stats(page);
    assert.ok(after.terminated > before.terminated, 'the workers running the superseded job were terminated');
    assert.deepEqual(after.shown.slice(before.shown.length), ['scattered-1e5-pages-typed']);

    // Picking another example during a long job: the quick one is shown, the long one never is.
    await longJobRunning(page);
    const mid = await stats(page);
    await pick(page, 'ttm-highmem-wc');
    await page.waitForFunction(`document.body.dataset.state === 'ok' && document.querySelector('section.scenario h2').textContent === 'ttm-highmem-wc'`);
    assertBaselineWbHonoursWc((await page.evaluate(READ_TABLE)) as Table);
    await page.waitForTimeout(1500); // a stale result would arrive about now, were the old job still computing
    const end = await stats(page);
    assert.ok(end.terminated > mid.terminated, 'the workers running the superseded job were terminated');
    assert.deepEqual(end.shown.slice(mid.shown.length), ['ttm-highmem-wc']);
    assert.equal(await page.locator('section.scenario h2').textContent(), 'ttm-highmem-wc');
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('speed: the whole built-in suite under every design, and scattered-1e5-pages from edit to result, in the browser (reported, not asserted)', async (t) => {
    const { page, errors } = await open(url);
    type R = { ms: number; wallMs: number; parts: number; scenarios: number; policies: number; runs: number };
    const first = (await page.evaluate('window.patlab.runSuite()')) as R;
    const warm = (await page.evaluate('window.patlab.runSuite()')) as R;
    const t0 = Date.now();
    await pick(page, 'scattered-1e5-pages');
    await page.waitForFunction(`document.body.dataset.state === 'ok' && document.querySelector('section.scenario h2').textContent === 'scattered-1e5-pages'`, null, { timeout: 120_000 });
    const scattered = Date.now() - t0;
    const note =
      `suite in the browser's workers (${first.parts}): ${first.scenarios} scenarios × ${first.policies} designs (${first.runs} runs): ${first.ms.toFixed(0)} ms cold, ${warm.ms.toFixed(0)} ms warm ` +
      `(${first.wallMs.toFixed(0)}/${warm.wallMs.toFixed(0)} ms with the worker's start); scattered-1e5-pages edit to result ${scattered} ms (300 ms of it the edit debounce; ${(await page.locator('#status').textContent()) ?? ''})`;
    t.diagnostic(note);
    console.log(`# ${note}`);
    assert.ok(first.runs > 0);
    assert.deepEqual(errors, []);
    await page.close();
  });
});
