// The viewer page in a real browser (headless Chromium from the system, driven by playwright-core;
// no browser download): a failing trace's page draws its lanes and bands, highlights the failure,
// shows a clicked step's detail and state changes, answers the keyboard, and a 200,000-step page
// loads without freezing and keeps only the visible rows in the list. Screenshots go to
// test-output/ (gitignored). Skipped, saying why, when no Chromium is found (CHROMIUM_PATH or
// /usr/bin/chromium).
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderViewerHtml } from '../../src/trace/html/page.ts';
import { readTrace } from '../../src/trace/reader.ts';
import type { Trace, TraceStep } from '../../src/trace/format.ts';
import { cli, ROOT } from '../cli/cli_helpers.ts';

const CHROMIUM = [process.env['CHROMIUM_PATH'], '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p !== undefined && p !== '' && existsSync(p));
if (CHROMIUM === undefined) console.warn('viewer browser test skipped: no Chromium found (set CHROMIUM_PATH or install the chromium package)');

const OUT = join(ROOT, 'test-output');
const dir = mkdtempSync(join(tmpdir(), 'swsim-viewer-'));
let browser: Browser;

async function open(file: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
  return { page, errors };
}

/** A synthetic trace of `n` steps shaped like a real one (messages, faults, state changes). */
function bigTrace(base: Trace, n: number): Trace {
  const steps: TraceStep[] = [];
  for (let i = 1; i <= n; i++) {
    const node = `n${1 + (i % 3)}`;
    const detail = i % 5000 === 0 ? `crash ${node} | ${node}.up=0` : i % 5000 === 10 ? `restart ${node} | ${node}.up=${i}` :
      i % 2 === 0 ? `n1→${node} +3ms wal lsn=${i >> 1} ep=1 | ${node}.rcv=${i >> 1}` : `op ${i} done ok | n1.head=${i} n1.shp.${node}=${i % 7 === 0 ? 'catching_up' : 'in_sync'}`;
    steps.push({ type: 'step', step: i, t: Math.floor(i / 3), actor: i % 5000 === 0 || i % 5000 === 10 ? 'fault' : node, kind: i % 2 === 0 ? 'net.frame' : 'vol.write', detail, fp: (i * 2654435761 >>> 0).toString(16).padStart(16, '0') });
  }
  return { header: base.header, steps, outcome: { type: 'outcome', status: 'fail', invariant: 'I99', step: n, message: 'synthetic failure', steps: n, findings: [] }, choices: [] };
}

describe.skipIf(CHROMIUM === undefined)('swsim view in Chromium', () => {
  const trace = join(dir, 'b5.jsonl');
  const html = join(dir, 'b5.html');

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    expect((await cli(['run', '--seed', '1', '--bug', 'B5', '--profile', 'basic', '--control', 'ideal', '--trace', trace])).code).toBe(1);
    expect((await cli(['view', trace, '-o', html])).code).toBe(0);
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox', '--disable-gpu'] });
  }, 120_000);

  afterAll(async () => { await browser?.close(); });

  it('draws the lanes and bands, highlights the failure, shows a clicked step', async () => {
    const { page, errors } = await open(html);
    const lanes = (await page.getAttribute('#lanes', 'data-lanes'))!.split(',');
    for (const l of ['fault', 'master', 'client', 'n1', 'n2', 'n3']) expect(lanes).toContain(l);
    const view = await page.evaluate('({ bands: window.__swsimView.bands, plot: window.__swsimView.plot })') as { bands: string[]; plot: string[] };
    expect(view.bands).toEqual(expect.arrayContaining(['n1.role', 'n2.role']));
    expect(view.bands.some((b) => /^n\d\.shp\.n\d$/.test(b))).toBe(true);
    expect(view.plot).toEqual(expect.arrayContaining(['n1.head', 'n2.rcv']));
    const banner = await page.textContent('#failure');
    expect(banner).toMatch(/^FAIL I26 at step \d+: replica vol1\/s1 session/);
    const failRow = page.locator('.row.fail');
    await expect.poll(() => failRow.count()).toBe(1);
    await failRow.click();
    const h3 = await page.textContent('#detail h3');
    const failStep = /at step (\d+)/.exec(banner!)![1]!;
    expect(h3).toContain(`step ${failStep}`);
    expect(await page.textContent('#detail .failmsg')).toContain('FAIL I26');
    expect(await page.textContent('#what')).toMatch(/\S/);
    expect(await page.textContent('#fp')).toMatch(/^[0-9a-f]{16}$/);
    await page.screenshot({ path: join(OUT, 'viewer.png') });
    // keyboard: k goes to the previous step, f to the next fault
    await page.keyboard.press('k');
    expect(await page.textContent('#detail h3')).toContain(`step ${Number(failStep) - 1}`);
    await page.keyboard.press('g');
    await page.keyboard.press('F');
    expect(await page.textContent('#detail h3')).toMatch(/· fault ·/);
    // a step that changed state lists its changes; the filter narrows the list
    await page.fill('#kindFilter', 'master.assign');
    await page.fill('#textFilter', 'assign primary');
    const rows = page.locator('.row');
    await rows.first().click();
    expect(await page.textContent('#detail h3')).toContain('master.assign');
    expect(await page.locator('#changes tr').count()).toBeGreaterThan(1);
    expect(await page.textContent('#count')).toMatch(/^\d+ of \d+ steps shown$/);
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('a 200,000-step page loads without freezing and renders only the visible rows', async () => {
    const big = join(dir, 'big.html');
    writeFileSync(big, renderViewerHtml(bigTrace(readTrace(trace), 200_000), 'big.jsonl'));
    const t0 = performance.now();
    const { page, errors } = await open(big);
    const loadMs = performance.now() - t0;
    expect(loadMs).toBeLessThan(20_000);
    expect(await page.locator('.row').count()).toBeLessThan(200);
    expect(await page.textContent('#count')).toBe('200000 of 200000 steps shown');
    const t1 = performance.now();
    for (let i = 0; i < 20; i++) await page.keyboard.press('j');
    await page.mouse.wheel(0, -500);
    await page.evaluate("document.getElementById('list').scrollTop = 1000000");
    expect(performance.now() - t1).toBeLessThan(10_000);
    expect(await page.locator('.row').count()).toBeLessThan(200);
    await page.screenshot({ path: join(OUT, 'viewer-200k.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
