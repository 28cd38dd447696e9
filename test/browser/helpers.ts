/**
 * What the browser tests share: Debian's Chromium through playwright-core, the sandbox host page,
 * axe-core checks of a page or a widget frame, and the README's screenshots (written only when
 * asked: UPDATE_SCREENSHOTS=1).
 *
 * Without /usr/bin/chromium the tests are skipped locally, and fail in CI (`CI` set).
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  chromium,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Frame,
  type FrameLocator,
  type Page,
} from 'playwright-core';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { startSandbox, type Harness } from '../helpers/harness.js';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];
export const hasChromium = existsSync(CHROMIUM);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOTS = path.join(root, 'docs/screenshots');
/** The README's screenshots are refreshed only when asked, so a normal run leaves the tree clean. */
export const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';

/** Generous: two cores shared with the rest of the suite. */
export const WAIT_MS = 20_000;
export const STEP_MS = 90_000;

/** The sandbox org's time zone (Notes are grouped by day in it). */
export const ORG_TIME_ZONE = 'Europe/Madrid';
export const TEST_RECORD = { name: 'WhatsApp test contact (TimelinesAI)', phone: '+447700900123' };
export const ADMIN = { name: 'Sandra Admin', email: 'admin@sandbox.test' };
export const REP = { name: 'Rafa Rep', email: 'rep@sandbox.test' };

/** Registers a failing test in CI when Chromium is missing (a skipped browser test must not pass CI). */
export function requireChromium(): void {
  if (hasChromium) return;
  const message = `${CHROMIUM} is missing: browser tests skipped (install Debian's chromium: apt-get install chromium).`;
  if (process.env.CI) {
    describe('browser end-to-end tests', () => {
      it(`need Debian chromium at ${CHROMIUM} (CI must not skip them)`, () => {
        throw new Error(`${message.replace('skipped', 'cannot run')} CI installs it in .ci/run.`);
      });
    });
  } else {
    console.warn(message);
  }
}

/** The sandbox and a browser on its host page; `pageErrors` collects uncaught errors of every page. */
export interface BrowserSandbox {
  sandbox: Harness;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  settings: FrameLocator;
  orgId: string;
  pageErrors: string[];
  /** A new tab of the same browser profile (localStorage shared), on the host page. */
  newTab(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * The hooks every suite needs around its sandbox: no uncaught error in the page or the widget after
 * each test, and the browser and sandbox closed at the end.
 */
export function checkAndClose(sandbox: () => BrowserSandbox | undefined): void {
  afterEach(() => {
    expect(sandbox()!.pageErrors.splice(0), 'uncaught errors in the page or the widget').toEqual([]);
  });
  afterAll(async () => {
    await sandbox()?.close();
  }, STEP_MS);
}

export async function openSandbox(options: BrowserContextOptions = {}): Promise<BrowserSandbox> {
  // test/browser/globalSetup.ts rebuilt app/ if it was older than widget/ (absent with another config).
  const build = inject('widgetBuild') as { ok: boolean; message: string } | undefined;
  if (build && !build.ok) throw new Error(build.message);
  const sandbox = await startSandbox();
  const orgId = sandbox.server.emulator!.state.orgs()[0]!.orgId;
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    locale: 'en-GB',
    ...options,
  });
  context.setDefaultTimeout(WAIT_MS);
  const pageErrors: string[] = [];
  const newTab = async () => {
    const tab = await context.newPage();
    tab.on('pageerror', (e) => pageErrors.push(e.message));
    await tab.goto(`${sandbox.url}/sandbox/`);
    return tab;
  };
  const page = await newTab();
  return {
    sandbox,
    browser,
    context,
    page,
    settings: page.frameLocator('#settings-frame'),
    orgId,
    pageErrors,
    newTab,
    async close() {
      await context.close();
      await browser.close();
      await sandbox.close();
    },
  };
}

/** A card of the settings page, by its heading. */
export const card = (settings: FrameLocator, title: string) =>
  settings.getByRole('region', { name: title, exact: true });

/**
 * Signs in through the sandbox's Zoho popup as `user` (the user is chosen in the popup, as in Zoho
 * where one signs in as oneself), after clicking `button` in the settings frame.
 */
export async function signInThroughPopup(
  page: Page,
  settings: FrameLocator,
  button: string,
  user: { name: string } = ADMIN,
): Promise<void> {
  const popupOpened = page.waitForEvent('popup');
  await settings.getByRole('button', { name: button, exact: true }).click();
  const popup = await popupOpened;
  await popup.getByRole('link', { name: new RegExp(`Accept as ${user.name}`) }).click();
  await expect.poll(() => popup.isClosed(), { timeout: WAIT_MS }).toBe(true);
}

/** The frame of a widget page (settings.html, panel.html) in the host page. */
export function widgetFrame(page: Page, name: 'settings' | 'panel'): Frame {
  const frame = page.frames().find((f) => f.url().includes(`/widget/${name}.html`));
  if (!frame) throw new Error(`no ${name} frame on the page`);
  return frame;
}

const require = createRequire(import.meta.url);
const AXE_SOURCE = (require('axe-core') as { source: string }).source;

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** axe-core's violations (WCAG 2.x A and AA, and best practices) in a page or frame, as readable lines. */
export async function axeViolations(target: Page | Frame): Promise<string[]> {
  if (!(await target.evaluate(() => 'axe' in globalThis))) await target.addScriptTag({ content: AXE_SOURCE });
  const violations = await target.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return (violations as AxeViolation[]).map(
    (v) =>
      `${v.id} (${v.help}): ${v.nodes
        .slice(0, 5)
        .map((n) => `${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`.replace(/\s+/g, ' '))
        .join(' | ')}`,
  );
}

/** The part of an iframe element the page-side checks use (the test tsconfig has no DOM types). */
interface IFrameLike {
  style: { height: string };
  clientHeight: number;
  contentDocument: {
    documentElement: { scrollHeight: number; clientHeight: number; scrollWidth: number; clientWidth: number };
    querySelector(selector: string): { getBoundingClientRect(): { height: number } } | null;
  } | null;
}

/**
 * Waits until the host has resized a widget frame to its content (CRM.UI.Resize) so that the
 * widget's document needs no scrollbar of its own, either way.
 */
export async function frameFitsContent(page: Page, selector: string): Promise<void> {
  const fits = () =>
    page.locator(selector).evaluate((element) => {
      const frame = element as unknown as IFrameLike;
      const doc = frame.contentDocument;
      const content = doc?.querySelector('.host-frame');
      if (!doc || !content) return false;
      const height = Math.ceil(content.getBoundingClientRect().height);
      const root = doc.documentElement;
      return (
        frame.style.height === `${height}px` &&
        frame.clientHeight === height &&
        root.scrollHeight <= root.clientHeight &&
        root.scrollWidth <= root.clientWidth
      );
    });
  await expect.poll(fits, { timeout: WAIT_MS }).toBe(true);
}

/** Saves an element's screenshot to docs/screenshots when UPDATE_SCREENSHOTS=1 (write, then rename). */
export async function screenshot(page: Page, selector: string, name: string): Promise<void> {
  if (!UPDATE_SCREENSHOTS) return;
  mkdirSync(SCREENSHOTS, { recursive: true });
  const image = await page.locator(selector).screenshot({ animations: 'disabled', caret: 'hide' });
  const file = path.join(SCREENSHOTS, name);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, image);
  renameSync(tmp, file);
}

/** Polls `probe` until it returns a value (not undefined). */
export async function waitFor<T>(probe: () => T | undefined, timeout = WAIT_MS): Promise<T> {
  let value: T | undefined;
  await expect
    .poll(
      () => {
        value = probe();
        return value !== undefined;
      },
      { timeout, interval: 100 },
    )
    .toBe(true);
  return value as T;
}

/** DD/MM/YYYY in the org's time zone, as in the Note titles. */
export function chatDay(date: Date): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: ORG_TIME_ZONE,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  }).format(date);
}
