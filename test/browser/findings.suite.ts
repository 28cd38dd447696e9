/**
 * The admin's and the rep's findings of the second round, walked in Chromium: the chat link field
 * refuses the name field, the second activation reuses the test record (named and linked), the
 * confirmation before deactivating and the count of messages skipped meanwhile, the webhook's last
 * event, the sync log's filters, pages and links into the CRM, the panel's times and zones, the
 * panel without a chat, and a 360 px wide page without double scrollbars. axe-core checks the
 * states shown on the way.
 */
import type { FrameLocator, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  card,
  frameFitsContent,
  hasChromium,
  checkAndClose,
  openSandbox,
  signInThroughPopup,
  STEP_MS,
  TEST_RECORD,
  waitFor,
  WAIT_MS,
  widgetFrame,
  type BrowserSandbox,
} from './helpers.js';

/** The browser's zone differs from the org's (Europe/Madrid): the panel must say which is which. */
const BROWSER_ZONE = 'America/New_York';

describe.skipIf(!hasChromium)('second-round findings in Chromium', () => {
  let b: BrowserSandbox;
  let s: FrameLocator;
  let nickname = '';

  const emulator = () => b.sandbox.server.emulator!;
  const workspace = async () => (await b.sandbox.server.store.workspaces.byOrg(b.orgId))!;
  const testRecords = () =>
    emulator()
      .state.records(b.orgId, 'Contacts')
      .filter((r) => r.Last_Name === TEST_RECORD.name);
  const expectAccessible = async (page: Page, name: 'settings' | 'panel', state: string) =>
    expect(await axeViolations(widgetFrame(page, name)), `axe-core on the ${name} page, ${state}`).toEqual(
      [],
    );
  /** A message in through the sandbox's send endpoint (the host page's form without the typing). */
  const sendIn = async (m: { phone: string; name: string; text: string }) => {
    const res = await fetch(`${b.sandbox.url}/sandbox/api/send-message`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(m),
    });
    expect(res.status).toBe(200);
  };

  beforeAll(async () => {
    b = await openSandbox({ timezoneId: BROWSER_ZONE });
    s = b.settings;
  }, STEP_MS);

  checkAndClose(() => b);

  it(
    'the chat link field refuses the name field: name fields are never offered, and one chosen as the name becomes unusable',
    async () => {
      nickname = emulator().state.addField(b.orgId, 'Contacts', {
        apiName: 'Nickname',
        label: 'Nickname',
        dataType: 'text',
        mandatory: false,
      }).apiName;
      await signInThroughPopup(b.page, s, 'Connect Zoho CRM');
      await s.getByLabel('Sync destination').selectOption({ label: 'Contacts' });
      const chatLink = s.getByLabel('Chat link field');
      await expect
        .poll(() => chatLink.locator('option').allTextContents(), { timeout: WAIT_MS })
        .toContain('Nickname');
      const offered = await chatLink
        .locator('option')
        .evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
      for (const name of ['Last_Name', 'First_Name', 'Full_Name', 'Mobile', 'Phone'])
        expect(offered).not.toContain(name);

      await chatLink.selectOption(nickname);
      await s.getByLabel('Contact name field').selectOption(nickname);
      await expect
        .poll(() => chatLink.locator('option:checked').textContent(), { timeout: WAIT_MS })
        .toBe(`${nickname} (not usable in Contacts)`);
      await s.getByRole('button', { name: 'Activate integration' }).click();
      const error = s.locator('.field', { has: chatLink }).locator('.field-error');
      await expect
        .poll(() => error.textContent(), { timeout: WAIT_MS })
        .toContain('The chat link field cannot be the contact name field');
      expect((await workspace()).active).toBe(false);
      await expectAccessible(b.page, 'settings', 'with the chat link refused');
      await s.getByLabel('Contact name field').selectOption('Last_Name');
    },
    STEP_MS,
  );

  it(
    'the second activation reuses the test record, names it and links it into the CRM; deactivating asks first and counts what is skipped',
    async () => {
      await s.getByRole('button', { name: 'Create a field for me' }).click();
      await s.getByText('Created the field “WhatsApp Chat” in Contacts.').waitFor();
      await s.getByRole('button', { name: 'Activate integration' }).click();
      await s.getByRole('button', { name: 'Deactivate and edit settings' }).waitFor();
      const [first] = testRecords();

      // Deactivating asks first; "Keep it active" changes nothing.
      await s.getByRole('button', { name: 'Deactivate and edit settings' }).click();
      const dialog = s.getByRole('alertdialog', { name: 'Deactivate the integration?' });
      expect(await dialog.textContent()).toMatch(/messages that arrive are not synced/);
      await expectAccessible(b.page, 'settings', 'confirming a deactivation');
      await dialog.getByRole('button', { name: 'Keep it active' }).click();
      expect((await workspace()).active).toBe(true);
      await s.getByRole('button', { name: 'Deactivate and edit settings' }).click();
      await dialog.getByRole('button', { name: 'Deactivate', exact: true }).click();
      await s.getByText('No WhatsApp messages have arrived since the integration was deactivated.').waitFor();

      await sendFromHostPage(b.page, {
        phone: '+34 611 000 111',
        name: 'Pablo Skipped',
        text: 'Are you open?',
      });
      const settingsCard = card(s, 'Integration settings');
      await expect
        .poll(
          async () => {
            await card(s, 'Sync activity').getByRole('button', { name: 'Refresh' }).click();
            return settingsCard.textContent();
          },
          { timeout: WAIT_MS },
        )
        .toContain('1 WhatsApp message arrived since the integration was deactivated and was not synced');

      await s.getByRole('button', { name: 'Activate integration' }).click();
      const notice = s.getByText(/The integration is active\./);
      await expect
        .poll(() => notice.textContent(), { timeout: WAIT_MS })
        .toContain(
          `The test record “${TEST_RECORD.name}” in Contacts was updated (the same record as before).`,
        );
      expect(testRecords().map((r) => r.id)).toEqual([first!.id]);
      // Its link opens the record's page in the CRM (the sandbox's host page on that record).
      const opened = b.context.waitForEvent('page');
      await notice.getByRole('link', { name: /Open the test record in Zoho CRM/ }).click();
      const recordPage = await opened;
      await recordPage.locator('#record-title').getByText(TEST_RECORD.name).waitFor();
      await recordPage.close();
    },
    STEP_MS,
  );

  it(
    'says when the webhook last received an event, and filters, pages and links the sync activity',
    async () => {
      await card(s, 'TimelinesAI webhook')
        .getByText(/Webhook: last event received (just now|\d+ minutes? ago)/)
        .waitFor();
      expect(await card(s, 'TimelinesAI webhook').textContent()).toContain('Integrations → Webhooks v2');

      // 30 chats' messages while inactive (skipped), then one synced: more than a page of entries.
      await s.getByRole('button', { name: 'Deactivate and edit settings' }).click();
      await s.getByRole('alertdialog').getByRole('button', { name: 'Deactivate', exact: true }).click();
      await s.getByRole('button', { name: 'Activate integration' }).waitFor();
      for (let i = 0; i < 30; i++) {
        await sendIn({ phone: `+34 612 00${String(100 + i)}`, name: `Skipped ${i}`, text: `Message ${i}` });
      }
      await s.getByRole('button', { name: 'Activate integration' }).click();
      await s.getByRole('button', { name: 'Deactivate and edit settings' }).waitFor();
      await sendFromHostPage(b.page, {
        phone: '+34 622 333 444',
        name: 'Carmen Synced',
        text: 'Gracias por todo',
      });
      const record = await waitFor(() =>
        emulator()
          .state.records(b.orgId, 'Contacts')
          .find((r) => r.Last_Name === 'Carmen Synced'),
      );
      await b.sandbox.server.scheduler.idle();

      const log = card(s, 'Sync activity');
      const rows = log.locator('tbody tr');
      await log.getByRole('radio', { name: 'Synced' }).check();
      await expect.poll(() => rows.first().textContent(), { timeout: WAIT_MS }).toContain('Carmen Synced');
      const first = rows.first();
      expect(await first.textContent()).toContain('+34622333444');
      const recordLink = first.getByRole('link', { name: /^Record of Carmen Synced in Zoho CRM/ });
      expect(await recordLink.getAttribute('href')).toBe(
        `${b.sandbox.url}/sandbox/crm/org${b.orgId}/tab/Contacts/${String(record.id)}`,
      );
      await expectAccessible(b.page, 'settings', 'sync activity filtered');
      const opened = b.context.waitForEvent('page');
      await recordLink.click();
      const recordPage = await opened;
      await recordPage.locator('#record-title').getByText('Carmen Synced').waitFor();
      await recordPage.close();

      await log.getByRole('radio', { name: 'Skipped' }).check();
      await expect.poll(() => rows.count(), { timeout: WAIT_MS }).toBe(25);
      for (const text of await rows.allTextContents()) expect(text).toContain('Skipped');
      await log.getByRole('button', { name: 'Show older entries' }).click();
      await expect.poll(() => rows.count(), { timeout: WAIT_MS }).toBe(31); // 30 + Pablo, skipped earlier
      expect(await rows.last().textContent()).toContain('Pablo Skipped');
      expect(await log.getByRole('button', { name: 'Show older entries' }).count()).toBe(0);
    },
    STEP_MS,
  );

  it(
    "shows the last message's time in the panel, naming the Notes' zone and the reader's where they differ",
    async () => {
      await b.page.getByRole('button', { name: 'Contacts', exact: true }).click();
      await b.page.getByRole('link', { name: 'Open record Carmen Synced' }).click();
      const panel = b.page.frameLocator('#panel-frame');
      const value = panel.locator('dt', { hasText: 'Last message' }).locator('xpath=following-sibling::dd');
      await expect.poll(() => value.textContent(), { timeout: WAIT_MS }).toContain('(Europe/Madrid)');
      expect(await value.textContent()).toContain('your time (America/New York)');
      await panel.getByText('Times in the Notes are Europe/Madrid time.').waitFor();
      await frameFitsContent(b.page, '#panel-frame');
      await expectAccessible(b.page, 'panel', 'with a chat, two zones');
      // The host page names both clocks too.
      expect(await b.page.locator('#notes-zones').textContent()).toContain('Europe/Madrid');
    },
    STEP_MS,
  );

  it(
    'shows a record without a chat, and the test record as a test, both accessible',
    async () => {
      emulator().state.createRecord(b.orgId, 'Contacts', {
        Last_Name: 'Walk-in Customer',
        Phone: '+34 910 000 000',
      });
      await b.page.getByRole('button', { name: 'Refresh' }).click();
      await b.page.getByRole('link', { name: 'Open record Walk-in Customer' }).click();
      const panel = b.page.frameLocator('#panel-frame');
      await panel.getByText('No WhatsApp chat yet').waitFor();
      await frameFitsContent(b.page, '#panel-frame');
      await expectAccessible(b.page, 'panel', 'without a chat');

      await b.page.getByRole('link', { name: `Open record ${TEST_RECORD.name}` }).click();
      await panel.getByText(/This is the integration's test record/).waitFor();
      expect(await panel.getByRole('link', { name: /Open chat in TimelinesAI/ }).count()).toBe(0);
    },
    STEP_MS,
  );

  it(
    'clears an error under the send form once the form is changed',
    async () => {
      const status = b.page.locator('#send-status');
      await b.page.getByLabel('Contact phone').fill('');
      await b.page.getByRole('button', { name: 'Send message' }).click();
      await expect.poll(() => status.getAttribute('data-tone'), { timeout: WAIT_MS }).toBe('error');
      expect(await status.textContent()).toMatch(/phone/);
      await b.page.getByLabel('Contact phone').fill('+34 600 123 456');
      expect(await status.textContent()).toBe('');
    },
    STEP_MS,
  );

  it(
    'is usable 360 px wide: no double scrollbars in the settings page, the records list or the panel',
    async () => {
      await b.page.setViewportSize({ width: 360, height: 800 });
      const noHorizontalOverflow = (selector: string) =>
        b.page.evaluate((sel) => {
          const el = (
            globalThis as unknown as { document: { querySelector(s: string): Box | null } }
          ).document.querySelector(sel);
          return !!el && el.scrollWidth <= el.clientWidth;
        }, selector);
      await frameFitsContent(b.page, '#panel-frame');
      expect(await noHorizontalOverflow('html')).toBe(true);
      expect(await noHorizontalOverflow('.record-list')).toBe(true);

      await b.page.getByRole('button', { name: 'Integration settings' }).click();
      await frameFitsContent(b.page, '#settings-frame');
      expect(await noHorizontalOverflow('html')).toBe(true);
      await expectAccessible(b.page, 'settings', '360 px wide');
      await b.page.setViewportSize({ width: 1280, height: 900 });
    },
    STEP_MS,
  );
});

interface Box {
  scrollWidth: number;
  clientWidth: number;
}

/** Sends a message in through the host page's form, as a tester would. */
async function sendFromHostPage(page: Page, m: { phone: string; name: string; text: string }): Promise<void> {
  await page.getByLabel('Contact phone').fill(m.phone);
  await page.getByLabel('Contact name (WhatsApp)').fill(m.name);
  await page.getByLabel('Message text').fill(m.text);
  await page.getByRole('button', { name: 'Send message' }).click();
  await page.locator('#send-status').getByText('Delivered to the webhook').waitFor();
}
