/**
 * Browser end-to-end tests: Debian's Chromium (playwright-core) drives the sandbox host page, which
 * frames the built widget (settings page and a record's chat panel) against the real backend and the
 * built-in Zoho CRM emulator. One admin's flow, in order: connect through the OAuth popup, choose
 * the destination and fields, activate, send a WhatsApp message in, read it in the chat panel,
 * deactivate, and see a failed activation explained next to the setting concerned.
 *
 * Saves docs/screenshots/settings.png and docs/screenshots/panel.png on every run.
 *
 * Without /usr/bin/chromium the tests are skipped locally, and fail in CI (`CI` set).
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSandbox, type Harness } from '../helpers/harness.js';

const CHROMIUM = '/usr/bin/chromium';
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
const hasChromium = existsSync(CHROMIUM);
const inCI = !!process.env.CI;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCREENSHOTS = path.join(root, 'docs/screenshots');

/** Generous: two cores shared with the rest of the suite. */
const WAIT_MS = 20_000;
const STEP_MS = 60_000;

/** The sandbox org's time zone (Notes are grouped by day in it). */
const ORG_TIME_ZONE = 'Europe/Madrid';
const TEST_RECORD = { name: 'WhatsApp test contact (TimelinesAI)', phone: '+447700900123' };
const CONTACT = {
  name: 'Lucía Fernández',
  phone: '+34 600 111 222',
  e164: '+34600111222',
  text: 'Hola <b>x</b> <img src="x" onerror="__xss = 1"> <script>__xss = 2</script> ¿mañana a las 10?',
};

if (!hasChromium) {
  const message = `${CHROMIUM} is missing: browser tests skipped (install Debian's chromium: apt-get install chromium).`;
  if (inCI) {
    describe('browser end-to-end tests', () => {
      it(`need Debian chromium at ${CHROMIUM} (CI must not skip them)`, () => {
        throw new Error(`${message.replace('skipped', 'cannot run')} CI installs it in .ci/run.`);
      });
    });
  } else {
    console.warn(message);
  }
}

/** The part of an iframe element the page-side checks use (the test tsconfig has no DOM types). */
interface IFrameLike {
  style: { height: string };
  contentDocument: {
    querySelector(selector: string): { getBoundingClientRect(): { height: number } } | null;
  } | null;
}

/** DD/MM/YYYY in the org's time zone, as in the Note titles. */
function chatDay(date: Date): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: ORG_TIME_ZONE,
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
  }).format(date);
}

describe.skipIf(!hasChromium)('sandbox in Chromium: settings page and chat panel', () => {
  let sandbox: Harness;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let settings: FrameLocator;
  let orgId: string;
  let chatLinkField = '';
  /** Uncaught errors in the host page or the widget frames. */
  const pageErrors: string[] = [];

  /** A card of the settings page, by its heading. */
  const card = (title: string) => settings.getByRole('region', { name: title, exact: true });
  /** Waits until the host has resized a widget frame to its content (CRM.UI.Resize), e.g. before a screenshot. */
  const frameFitsContent = async (selector: string) => {
    const fits = () =>
      page.locator(selector).evaluate((element) => {
        const frame = element as unknown as IFrameLike;
        const content = frame.contentDocument?.querySelector('.host-frame');
        return !!content && frame.style.height === `${Math.ceil(content.getBoundingClientRect().height)}px`;
      });
    await expect.poll(fits, { timeout: WAIT_MS }).toBe(true);
  };
  /** Saves an element's screenshot to docs/screenshots (write then rename: concurrent runs never leave half a file). */
  const screenshot = async (selector: string, name: string) => {
    const image = await page.locator(selector).screenshot({ animations: 'disabled', caret: 'hide' });
    const file = path.join(SCREENSHOTS, name);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, image);
    renameSync(tmp, file);
  };
  const emulator = () => sandbox.server.emulator!;
  const workspace = () => sandbox.server.store.workspaces.byOrg(orgId);

  beforeAll(async () => {
    // test/browser/globalSetup.ts rebuilt app/ if it was older than widget/ (absent with another config).
    const build = inject('widgetBuild') as { ok: boolean; message: string } | undefined;
    if (build && !build.ok) throw new Error(build.message);
    mkdirSync(SCREENSHOTS, { recursive: true });
    sandbox = await startSandbox();
    orgId = emulator().state.orgs()[0]!.orgId;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
    context.setDefaultTimeout(WAIT_MS);
    page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${sandbox.url}/sandbox/`);
    settings = page.frameLocator('#settings-frame');
  }, STEP_MS);

  afterEach(() => {
    expect(pageErrors.splice(0), 'uncaught errors in the page or the widget').toEqual([]);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await sandbox?.close();
  }, STEP_MS);

  it(
    'connects through the OAuth popup, saves the chosen module and fields with a created chat link field, and activation creates the test record (emulator and host page list)',
    async () => {
      const connect = settings.getByRole('button', { name: 'Connect Zoho CRM' });
      const popupOpened = page.waitForEvent('popup');
      await connect.click();
      const popup = await popupOpened;
      await popup.getByRole('link', { name: /Accept as Sandra Admin/ }).click();
      // The callback page posts the session to the widget and closes itself.
      await card('Zoho CRM connection').getByText('Connected', { exact: true }).waitFor();
      await expect.poll(() => popup.isClosed(), { timeout: WAIT_MS }).toBe(true);
      expect((await workspace())?.connection.status).toBe('connected');

      await settings.getByLabel('Sync destination').selectOption({ label: 'Contacts' });
      await settings.getByLabel('WhatsApp number field').selectOption({ label: 'Mobile' });
      await settings.getByLabel('Contact name field').selectOption({ label: 'Last Name' });
      await settings.getByLabel('Lead source field').selectOption({ label: 'Lead Source' });

      await settings.getByRole('button', { name: 'Create a field for me' }).click();
      await settings.getByText('Created the field “WhatsApp Chat” in Contacts.').waitFor();
      const created = emulator()
        .state.fields(orgId, 'Contacts')
        .find((f) => f.label === 'WhatsApp Chat');
      expect(created).toMatchObject({ dataType: 'website', custom: true });
      chatLinkField = created!.apiName;
      await expect
        .poll(() => settings.getByLabel('Chat link field').inputValue(), { timeout: WAIT_MS })
        .toBe(chatLinkField);

      await settings.getByRole('button', { name: 'Activate integration' }).click();
      await settings.getByRole('button', { name: 'Deactivate and edit settings' }).waitFor();
      await settings.getByText('The integration is active. A test record was created in Contacts.').waitFor();

      expect(await workspace()).toMatchObject({
        active: true,
        settings: {
          module: 'Contacts',
          phoneField: 'Mobile',
          nameField: 'Last_Name',
          chatLinkField,
          leadSourceField: 'Lead_Source',
        },
      });
      const testRecord = emulator()
        .state.records(orgId, 'Contacts')
        .find((r) => r.Mobile === TEST_RECORD.phone);
      expect(testRecord).toMatchObject({
        Last_Name: TEST_RECORD.name,
        Lead_Source: 'TimelinesAI',
        [chatLinkField]: expect.stringMatching(/^https:\/\/app\.timelines\.ai\/chat\//),
      });

      await page.getByRole('button', { name: 'Contacts', exact: true }).click();
      const row = page.locator('#record-rows tr', {
        has: page.getByRole('link', { name: `Open record ${TEST_RECORD.name}` }),
      });
      await row.waitFor();
      expect(await row.locator('td').nth(1).textContent()).toBe(TEST_RECORD.phone);
    },
    STEP_MS,
  );

  it(
    "shows a WhatsApp message sent from the host page in the record's chat panel as that day's Note, with the chat's markup as plain text",
    async () => {
      await page.getByLabel('Contact phone').fill(CONTACT.phone);
      await page.getByLabel('Contact name (WhatsApp)').fill(CONTACT.name);
      await page.getByLabel('Message text').fill(CONTACT.text);
      await page.getByLabel('With an attachment').check();
      const daysAround = [chatDay(new Date())];
      await page.getByRole('button', { name: 'Send message' }).click();
      await page.locator('#send-status').getByText('Delivered to the webhook').waitFor();

      // The sync reaches the emulator: a new contact with one Note (and its attachment).
      const record = await waitFor(() =>
        emulator()
          .state.records(orgId, 'Contacts')
          .find((r) => r.Mobile === CONTACT.e164),
      );
      const note = await waitFor(() => emulator().state.notes(orgId, String(record.id))[0]);
      await waitFor(() => emulator().state.attachments(orgId, String(note.id))[0]);
      await sandbox.server.scheduler.idle();
      daysAround.push(chatDay(new Date()));
      expect(emulator().state.notes(orgId, String(record.id))).toHaveLength(1);
      const title = String(note.Note_Title);
      expect(daysAround.map((d) => `WhatsApp chat with ${CONTACT.name} (${d})`)).toContain(title);

      await page.getByRole('button', { name: 'Contacts', exact: true }).click();
      await page.getByRole('link', { name: `Open record ${CONTACT.name}` }).click();
      const panel = page.frameLocator('#panel-frame');
      const day = panel.locator('.day', { has: panel.getByText(title, { exact: true }) });
      const toggle = day.getByRole('button');
      const body = day.locator('.note-content');
      // The host page reloads the panel when the record's Notes change: expand until it stays expanded.
      await expect
        .poll(
          async () => {
            if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
            return body.textContent();
          },
          { timeout: WAIT_MS },
        )
        .toContain(CONTACT.text);
      expect(await toggle.getAttribute('aria-expanded')).toBe('true');
      expect(await day.locator('.attachments').textContent()).toContain('brochure.txt');
      expect(
        await panel.getByRole('link', { name: /Open chat in TimelinesAI/ }).getAttribute('href'),
      ).toMatch(/^https:\/\/app\.timelines\.ai\/chat\/\d+\/messages\/$/);
      expect(await panel.locator('.summary').textContent()).toContain(CONTACT.e164);

      // Untrusted chat text is text: no element made from it, no script run.
      expect(await body.locator('b, img, script').count()).toBe(0);
      const panelFrame = page.frames().find((f) => f.url().includes('/widget/panel.html'));
      expect(await panelFrame!.evaluate(() => (globalThis as { __xss?: unknown }).__xss)).toBeUndefined();
      expect(await page.evaluate(() => (globalThis as { __xss?: unknown }).__xss)).toBeUndefined();

      await frameFitsContent('#panel-frame');
      await screenshot('#panel-frame', 'panel.png');

      // The settings page, active, with the message in its sync log.
      await page.getByRole('button', { name: 'Integration settings' }).click();
      const log = card('Recent sync activity');
      await expect
        .poll(
          async () => {
            if ((await log.locator('tbody tr').count()) === 0)
              await log.getByRole('button', { name: 'Refresh' }).click();
            return log.locator('tbody').textContent();
          },
          { timeout: WAIT_MS },
        )
        .toContain(`record ${String(record.id)}`);
      await frameFitsContent('#settings-frame');
      await screenshot('#settings-frame', 'settings.png');
    },
    STEP_MS,
  );

  it(
    'deactivating unlocks the settings: the form is editable again with the saved choices',
    async () => {
      await page.getByRole('button', { name: 'Integration settings' }).click();
      await settings.getByRole('button', { name: 'Deactivate and edit settings' }).click();
      const activate = settings.getByRole('button', { name: 'Activate integration' });
      await activate.waitFor();
      await card('Integration settings').getByText('Inactive', { exact: true }).waitFor();
      expect((await workspace())?.active).toBe(false);

      const selects = {
        'Sync destination': 'Contacts',
        'WhatsApp number field': 'Mobile',
        'Contact name field': 'Last_Name',
        'Chat link field': chatLinkField,
        'Lead source field': 'Lead_Source',
      };
      for (const [label, value] of Object.entries(selects)) {
        const select = settings.getByLabel(label);
        await expect.poll(() => select.isEnabled(), { timeout: WAIT_MS }).toBe(true);
        expect(await select.inputValue()).toBe(value);
      }
      expect(await activate.isEnabled()).toBe(true);

      // Editable for real: a choice sticks (then goes back to the saved one).
      const phone = settings.getByLabel('WhatsApp number field');
      await phone.selectOption('Phone');
      expect(await phone.inputValue()).toBe('Phone');
      await phone.selectOption('Mobile');
      expect(await phone.inputValue()).toBe('Mobile');
    },
    STEP_MS,
  );

  it(
    'an activation failing because the chat link field was deleted in Zoho CRM shows the message next to the chat link select, and the integration stays inactive',
    async () => {
      await page.getByRole('button', { name: 'Integration settings' }).click();
      emulator().state.deleteField(orgId, 'Contacts', chatLinkField);

      await settings.getByRole('button', { name: 'Activate integration' }).click();
      const select = settings.getByLabel('Chat link field');
      await expect.poll(() => select.getAttribute('aria-invalid'), { timeout: WAIT_MS }).toBe('true');
      const field = settings.locator('.field', { has: select });
      const error = field.locator('.field-error');
      const message = await error.textContent();
      expect(message).toContain(`"${chatLinkField}" does not exist in Contacts`);
      expect(await error.isVisible()).toBe(true);
      expect((await select.getAttribute('aria-describedby'))?.split(' ')).toContain(
        await error.getAttribute('id'),
      );
      // Only that setting is marked, and the keyboard is taken to it.
      expect(await settings.locator('[aria-invalid="true"]').count()).toBe(1);
      expect(await settings.locator('.field-error').count()).toBe(1);
      await expect
        .poll(() => settings.locator('#setting-chat-link:focus').count(), { timeout: WAIT_MS })
        .toBe(1);

      await card('Integration settings').getByText('Inactive', { exact: true }).waitFor();
      expect(await settings.getByRole('button', { name: 'Activate integration' }).isEnabled()).toBe(true);
      expect((await workspace())?.active).toBe(false);
    },
    STEP_MS,
  );

  it(
    'after that failure the admin can create a new chat link field from the form and activate',
    async () => {
      // The deleted field is no longer offered as a usable choice, and a new one can be created.
      const select = settings.getByLabel('Chat link field');
      await expect
        .poll(() => select.locator('option:checked').textContent(), { timeout: WAIT_MS })
        .toBe(`${chatLinkField} (not usable in Contacts)`);
      await settings.getByRole('button', { name: 'Create a field for me' }).click();
      await settings.getByText('Created the field “WhatsApp Chat” in Contacts.').waitFor();
      const recreated = emulator()
        .state.fields(orgId, 'Contacts')
        .find((f) => f.label === 'WhatsApp Chat');
      expect(recreated).toBeDefined();
      await expect.poll(() => select.inputValue(), { timeout: WAIT_MS }).toBe(recreated!.apiName);
      expect(await select.getAttribute('aria-invalid')).toBeNull();

      await settings.getByRole('button', { name: 'Activate integration' }).click();
      await settings.getByRole('button', { name: 'Deactivate and edit settings' }).waitFor();
      expect(await workspace()).toMatchObject({
        active: true,
        settings: { chatLinkField: recreated!.apiName },
      });
    },
    STEP_MS,
  );
});

/** Polls `probe` until it returns a value (not undefined). */
async function waitFor<T>(probe: () => T | undefined, timeout = WAIT_MS): Promise<T> {
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
