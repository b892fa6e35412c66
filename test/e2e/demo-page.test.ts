import { existsSync, mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deadline } from '../../src/pipeline/deadline.ts';
import type { Ranker } from '../../src/ports/ranker.ts';
import { runPersisted, startTestGateway, type TestGateway } from '../fixtures/gateway-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const OUTPUT = new URL('./output/', import.meta.url);
/** Each answer of the ranker is this much slower than the real one. */
const RANKER_DELAY_MS = 400;
/** Big enough that the slowed (or held) ranker never misses it: the refined answer is real. */
const BUDGET = { BUDGET_HOME_MS: '20000' };
/** Items the page shows by default; it asks for both rankings 100 deep. */
const SHOWN = 10;
const DEPTH = 100;

/**
 * The real ranker, slowed; `hold()` keeps its answers back until `release()`, so the test
 * decides when the refined ranking can exist and can look at the page before it does.
 */
class HeldRanker implements Ranker {
  /** Answers handed back so far. */
  answered = 0;
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;

  constructor(private readonly inner: Ranker, private readonly delayMs: number) {}

  get modelId(): string {
    return this.inner.modelId;
  }

  get featureCount(): number {
    return this.inner.featureCount;
  }

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = null;
  }

  async score(features: Float32Array, rows: number, deadline: Deadline): Promise<Float32Array> {
    try {
      const scores = await this.inner.score(features, rows, deadline);
      await sleep(this.delayMs);
      if (this.gate) await this.gate;
      return scores;
    } finally {
      this.answered++;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Console errors and uncaught exceptions (a CSP violation shows up here). */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

interface ShownItem {
  id: string;
  title: string;
  move: string | null;
  mark: string;
  coarsePosition: number | null;
}

function shownItems(page: Page): Promise<ShownItem[]> {
  return page.$$eval('#items li', (lis) =>
    lis.map((li) => ({
      id: (li as HTMLElement).dataset.itemId!,
      title: li.querySelector('.title')!.textContent!,
      move: (li as HTMLElement).dataset.move ?? null,
      mark: li.querySelector('.move')!.textContent!,
      coarsePosition: (li as HTMLElement).dataset.coarsePosition ? Number((li as HTMLElement).dataset.coarsePosition) : null,
    })),
  );
}

const text = (page: Page, selector: string) => page.locator(selector).innerText();
const millis = async (page: Page, selector: string) => Number((await text(page, selector)).replace(/ ms$/, ''));

/** The mark the page must show for an item now at `to` that was at `from` in the coarse list. */
function expectedMark(from: number, to: number): string {
  if (from < 0) return 'new';
  if (from > to) return `▲${from - to}`;
  if (from < to) return `▼${to - from}`;
  return '=';
}

function stage(page: Page, generation: number, name: 'COARSE' | 'REFINED') {
  return page.waitForSelector(`#feed[data-generation="${generation}"][data-stage="${name}"] #items li`, { timeout: 15_000 });
}

const missing = `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y --no-install-recommends chromium)`;

if (!HAVE_CHROMIUM && process.env.CI) {
  describe('demo page in Chromium', () => {
    it('needs Chromium on CI', () => {
      throw new Error(`${missing}; .ci/run installs it before npm test`);
    });
  });
}

describe.skipIf(!HAVE_CHROMIUM)(`demo page in Chromium${HAVE_CHROMIUM ? '' : ` (skipped: ${missing})`}`, () => {
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    browser = await launch();
  });
  afterAll(() => browser?.close());

  describe('development identity (x-user-id)', () => {
    let gw: TestGateway;
    let ranker: HeldRanker;
    beforeAll(async () => {
      gw = await startTestGateway({ env: BUDGET, wrapRanker: (real) => (ranker = new HeldRanker(real, RANKER_DELAY_MS)) });
    });
    afterAll(() => gw?.close());

    it('shows the coarse list first, then the refined ranking with moves marked, and follows a click', async () => {
      const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
      const errors = collectErrors(page);
      try {
        // The page loads user 1's HOME feed by itself; the ranker's answer is held back.
        ranker.hold();
        await page.goto(`${gw.url}/demo`);
        await stage(page, 1, 'COARSE');
        // The coarse list is on screen while the ranker has not answered: refined cannot exist yet.
        expect(ranker.answered).toBe(0);
        const coarse = await shownItems(page);
        expect(coarse).toHaveLength(SHOWN);
        expect(await page.locator('#items li').first().isVisible()).toBe(true);
        expect(coarse.every((item) => item.move === null)).toBe(true);
        expect(await text(page, '#m-source')).toMatch(/^(PRECOMPUTED|ANN)$/);
        expect(await text(page, '#m-model')).toBe('none');
        expect(await text(page, '#status')).toContain('waiting for the ranking');
        await sleep(300);
        expect(await page.getAttribute('#feed', 'data-stage')).toBe('COARSE');

        ranker.release();
        await stage(page, 1, 'REFINED');
        const refined = await shownItems(page);
        expect(refined).toHaveLength(SHOWN);
        // The coarse order 100 deep, as any client gets it (no session yet: the same order the page got).
        const deep = await runPersisted(gw, 'CoarseFeed', { first: DEPTH }, { 'x-user-id': '1' });
        const coarseIds: string[] = deep.body.data!.feed.coarse.items.map((r: any) => r.item.id);
        expect(coarseIds.slice(0, SHOWN)).toEqual(coarse.map((item) => item.id));
        refined.forEach((item, to) => {
          const from = coarseIds.indexOf(item.id);
          expect(item.mark, `item ${item.id}, coarse #${from + 1}, refined #${to + 1}`).toBe(expectedMark(from, to));
          expect(item.coarsePosition).toBe(from < 0 ? null : from + 1);
        });
        // The model re-ranked 500 candidates: some of its top items came up from lower coarse places.
        expect(refined.some((item) => item.move === 'up' || item.move === 'down')).toBe(true);
        expect(await text(page, '#m-model')).toBe(ranker.modelId);
        expect(await page.locator('#degraded-badge').isHidden()).toBe(true);
        const first = await millis(page, '#m-first');
        const last = await millis(page, '#m-last');
        expect(last - first).toBeGreaterThanOrEqual(RANKER_DELAY_MS);
        expect(await text(page, '#status')).toContain(`Refined by ${ranker.modelId}`);
        await page.screenshot({ path: new URL('demo.png', OUTPUT).pathname, animations: 'disabled' });

        // A click is recorded and the feed reloads from the session: the clicked item is left out.
        const clicked = refined[0]!;
        const answeredBefore = ranker.answered;
        ranker.hold();
        await page.locator(`#items button[data-item-id="${clicked.id}"]`).click();
        await stage(page, 2, 'COARSE');
        expect(ranker.answered).toBe(answeredBefore);
        expect(await page.getAttribute('#feed', 'data-source')).toBe('SESSION');
        expect((await shownItems(page)).map((item) => item.id)).not.toContain(clicked.id);
        ranker.release();
        await stage(page, 2, 'REFINED');
        const after = await shownItems(page);
        expect(after.map((item) => item.id)).not.toContain(clicked.id);
        expect(await text(page, '#m-source')).toBe('SESSION');
        expect(await text(page, '#status')).toContain(`Recorded a click on “${clicked.title}”`);
        expect(await text(page, '#clicks')).toContain(clicked.title);
        await page.screenshot({ path: new URL('demo-after-click.png', OUTPUT).pathname, animations: 'disabled' });
        expect(errors).toEqual([]);
      } finally {
        ranker.release();
        await page.close();
      }
    });
  });

  describe('production (JWT identity, persisted documents only)', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await startTestGateway({ env: { ...BUDGET, NODE_ENV: 'production', JWT_SECRET: 'demo-page-test-secret' } });
    });
    afterAll(() => gw?.close());

    it('works anonymously, says why the answer is degraded, and explains a refused token', async () => {
      const page = await browser.newPage({ viewport: { width: 900, height: 1000 } });
      const errors = collectErrors(page);
      try {
        await page.goto(`${gw.url}/demo`);
        expect(await page.locator('#token').isVisible()).toBe(true);
        expect(await page.locator('#viewer').isVisible()).toBe(false);
        await stage(page, 1, 'REFINED');
        expect(await text(page, '#m-viewer')).toMatch(/^anonymous \(demo-[0-9a-f]{16}\)$/);
        expect(await text(page, '#degraded-badge')).toBe('degraded: COLD_START');
        expect(await text(page, '#m-source')).toBe('TRENDING');

        // The anonymous session id carries the click: the next feed is steered by it.
        const clicked = (await shownItems(page))[0]!;
        await page.locator(`#items button[data-item-id="${clicked.id}"]`).click();
        await stage(page, 2, 'REFINED');
        expect(await text(page, '#m-source')).toBe('SESSION');
        expect(await page.locator('#degraded-badge').isHidden()).toBe(true);
        expect((await shownItems(page)).map((item) => item.id)).not.toContain(clicked.id);
        expect(errors).toEqual([]);

        await page.fill('#token', 'not-a-token');
        await page.click('#load');
        await page.waitForSelector('#status.error');
        expect(await text(page, '#status')).toContain('UNAUTHENTICATED');
      } finally {
        await page.close();
      }
    });
  });
});
