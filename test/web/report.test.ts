/**
 * The HTML report in a real browser, opened from file:// as a reader would:
 * the table's answer for the reported problem, no console errors, no network
 * request at all, the memory strip zooming with the report's own script, and
 * a layout that holds at 1280×800 and at a phone width. Screenshots go to
 * test-artifacts/.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { compareScenario } from '../../src/run/compare.js';
import { compareToHtml } from '../../src/io/render/compare-html.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { selectPolicies } from '../../src/policy/registry.js';
import { ARTIFACTS, assertBaselineWbHonoursWc, launch, NO_H_OVERFLOW, READ_TABLE, skipReason, ttmHighmemScenario, watchErrors } from './browser.js';

const skip = skipReason();

describe('HTML report in Chromium', { skip }, () => {
  let browser: Browser;
  let reportUrl: string;

  before(async () => {
    browser = await launch();
    const sc = await ttmHighmemScenario();
    const cmp = compareScenario(loadScenarioFile(sc.yaml, sc.file), selectPolicies('all'));
    const file = join(ARTIFACTS, 'report-ttm-highmem-wc.html');
    writeFileSync(file, await compareToHtml([cmp]));
    reportUrl = pathToFileURL(file).href;
  });
  after(async () => {
    await browser?.close();
  });

  async function open(width: number, height: number): Promise<{ page: Page; errors: string[]; requests: string[] }> {
    const page = await browser.newPage({ viewport: { width, height } });
    const errors = watchErrors(page);
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(reportUrl);
    await page.waitForSelector('.strip[data-wired] .strip-view rect');
    return { page, errors, requests };
  }

  test('at 1280×800: baseline WB, insert-honours-prot WC, no error, no request but the file itself', async () => {
    const { page, errors, requests } = await open(1280, 800);
    const table = (await page.evaluate(READ_TABLE)) as Record<string, Record<string, string>>;
    const col = assertBaselineWbHonoursWc(table);
    assert.match((await page.locator(`tr[data-policy="baseline"] td[data-mapping="${col}"]`).textContent()) ?? '', /WB\s*req WC/);
    assert.equal(await page.evaluate(NO_H_OVERFLOW), true, 'the page scrolls sideways');
    await page.screenshot({ path: join(ARTIFACTS, 'report-1280.png') });
    await page.screenshot({ path: join(ARTIFACTS, 'report-1280-full.png'), fullPage: true });
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [reportUrl]);
    await page.close();
  });

  test('the memory strip zooms to a flagged pfn with the inline script, down to single pages', async () => {
    const { page, errors } = await open(1280, 800);
    const strip = page.locator('.strip').first();
    const whole = await strip.getAttribute('data-window');
    const target = strip.locator('button[data-zoom*="-"]').filter({ hasText: /alias|downgrade/ }).first();
    const zoom = (await target.getAttribute('data-zoom'))!;
    await target.click();
    const win = (await strip.getAttribute('data-window'))!;
    assert.notEqual(win, whole);
    const [lo, hi] = win.split('-').map(Number) as [number, number];
    const [zlo] = zoom.split('-').map(Number) as [number, number];
    assert.ok(lo <= zlo && zlo < hi && hi - lo <= 400, `window ${win} around ${zoom}`);
    assert.match((await strip.locator('.strip-window').textContent()) ?? '', /page resolution/);
    await strip.scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'report-strip-zoomed.png') });
    await strip.locator('button[data-zoom="reset"]').click();
    assert.equal(await strip.getAttribute('data-window'), whole);
    assert.deepEqual(errors, []);
    await page.close();
  });

  test('at a phone width (390×844) the page does not scroll sideways; the table scrolls inside its frame', async () => {
    const { page, errors } = await open(390, 844);
    assert.equal(await page.evaluate(NO_H_OVERFLOW), true, 'the page scrolls sideways');
    assertBaselineWbHonoursWc((await page.evaluate(READ_TABLE)) as Record<string, Record<string, string>>);
    await page.screenshot({ path: join(ARTIFACTS, 'report-phone.png') });
    await page.locator('table.cmp:not(.verdict-table)').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(ARTIFACTS, 'report-phone-table.png') });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
