/**
 * The emulated Zoho Accounts sign-in (consent) page in Chromium: axe-core finds no violation (all
 * its default rules, contrast included), and the choice of user is spelled out (who, what kind of
 * user) so that a sandbox user knows whom to approve as.
 *
 * Without /usr/bin/chromium the test is skipped locally, and fails in CI (`CI` set).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZohoEmulator, SANDBOX_ORG_ID, type ZohoEmulator } from '../../../emulator/zoho/index.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
  passes: { id: string }[];
}

if (!hasChromium && process.env.CI) {
  describe('consent page accessibility', () => {
    it(`needs Debian chromium at ${CHROMIUM} (CI must not skip it)`, () => {
      throw new Error(`${CHROMIUM} is missing: CI installs it in .ci/run.`);
    });
  });
}

describe.skipIf(!hasChromium)('emulated Zoho Accounts consent page in Chromium', () => {
  let emu: ZohoEmulator;
  let close: () => Promise<void>;
  let url: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    emu = createZohoEmulator();
    emu.seedDefaultSandbox();
    emu.seedOrg({ companyName: 'Second Org' });
    emu.registerClient({ clientId: '1000.A11Y', clientSecret: 's' });
    ({ url, close } = await emu.listen(0));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
    page = await browser.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await close?.();
  });

  const authUrl = (extra = '') =>
    `${url}/oauth/v2/auth?client_id=1000.A11Y&response_type=code&access_type=offline` +
    `&scope=ZohoCRM.modules.ALL,ZohoCRM.settings.ALL&redirect_uri=${encodeURIComponent('http://app.test/cb')}${extra}`;

  async function axe(): Promise<AxeResult> {
    await page.addScriptTag({ content: axeSource });
    return (await page.evaluate('axe.run(document)')) as AxeResult;
  }

  it('has no axe-core violation, contrast and landmarks included', async () => {
    await page.goto(authUrl());
    const result = await axe();
    expect(
      result.violations.map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.map((n) => n.target))}`),
    ).toEqual([]);
    const passed = result.passes.map((p) => p.id);
    for (const rule of [
      'color-contrast',
      'html-has-lang',
      'landmark-one-main',
      'heading-order',
      'page-has-heading-one',
    ])
      expect(passed).toContain(rule);
  });

  it('says whom each choice signs in as, and what kind of user that is', async () => {
    await page.goto(authUrl());
    const org = emu.state.org(SANDBOX_ORG_ID);
    expect(await page.getByRole('heading', { level: 2, name: 'Sign in as' }).count()).toBe(1);
    const admin = page.getByRole('link', { name: /Accept as Sandra Admin \(administrator\)/ });
    expect(await admin.count()).toBe(1);
    expect(await admin.textContent()).toContain(org.admin.email);
    const rep = page.getByRole('link', { name: /Accept as Rafa Rep \(sales rep, Standard profile\)/ });
    expect(await rep.count()).toBe(1);
    expect(await page.getByRole('heading', { level: 3, name: /Sandbox Company/ }).count()).toBe(1);
  });

  it('has no axe-core violation on an error page either', async () => {
    await page.goto(authUrl().replace('1000.A11Y', 'unknown-client'));
    expect(await page.getByRole('heading', { level: 1, name: 'Invalid Client' }).count()).toBe(1);
    expect((await axe()).violations.map((v) => v.id)).toEqual([]);
  });
});
