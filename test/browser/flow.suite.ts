/**
 * Browser end-to-end tests: Debian's Chromium (playwright-core) drives the sandbox host page, which
 * frames the built widget (settings page and a record's chat panel) against the real backend and the
 * built-in Zoho CRM emulator. One admin's flow, in order: connect through the OAuth popup, choose
 * the destination and fields, activate, send WhatsApp messages in, read them in the chat panel,
 * deactivate, and see a failed activation explained next to the setting concerned. Every page state
 * passes axe-core with no violation.
 *
 * With UPDATE_SCREENSHOTS=1 it also saves docs/screenshots/settings.png and panel.png (a realistic
 * chat); a normal run writes nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  card,
  chatDay,
  frameFitsContent,
  hasChromium,
  checkAndClose,
  openSandbox,
  screenshot,
  signInThroughPopup,
  STEP_MS,
  TEST_RECORD,
  waitFor,
  WAIT_MS,
  widgetFrame,
  type BrowserSandbox,
} from './helpers.js';

const XSS_CONTACT = {
  name: 'Eve Tester',
  phone: '+34 600 999 888',
  e164: '+34600999888',
  text: 'Hola <b>x</b> <img src="x" onerror="__xss = 1"> <script>__xss = 2</script> ¿mañana a las 10?',
};

/** The README's sample chat: a few messages both ways, one with a brochure attached. */
const CHAT = {
  name: 'Lucía Fernández',
  phone: '+34 600 111 222',
  e164: '+34600111222',
  messages: [
    {
      minutesAgo: 42,
      direction: 'received',
      text: 'Hola, ¿tenéis disponibilidad para una demo esta semana?',
    },
    {
      minutesAgo: 38,
      direction: 'sent',
      text: '¡Hola Lucía! Sí, el jueves a las 10:00 o el viernes a las 16:00.',
    },
    {
      minutesAgo: 35,
      direction: 'received',
      text: 'El jueves a las 10:00 perfecto. ¿Me mandáis los precios?',
    },
    {
      minutesAgo: 31,
      direction: 'sent',
      text: 'Claro, te adjunto el folleto con las tarifas. ¡Hasta el jueves!',
      attachment: true,
    },
  ],
} as const;

describe.skipIf(!hasChromium)('sandbox in Chromium: settings page and chat panel', () => {
  let b: BrowserSandbox;
  let chatLinkField = '';

  const emulator = () => b.sandbox.server.emulator!;
  const workspace = () => b.sandbox.server.store.workspaces.byOrg(b.orgId);
  const contact = (e164: string) =>
    emulator()
      .state.records(b.orgId, 'Contacts')
      .find((r) => r.Mobile === e164);
  const expectAccessible = async (name: 'settings' | 'panel', state: string) =>
    expect(await axeViolations(widgetFrame(b.page, name)), `axe-core on the ${name} page, ${state}`).toEqual(
      [],
    );

  beforeAll(async () => {
    b = await openSandbox();
  }, STEP_MS);

  checkAndClose(() => b);

  it(
    'connects through the OAuth popup, saves the chosen module and fields with a created chat link field, and activation creates the test record, named and linked into the CRM',
    async () => {
      const { page, settings } = b;
      await settings.getByRole('button', { name: 'Connect Zoho CRM' }).waitFor();
      await expectAccessible('settings', 'not connected');
      await signInThroughPopup(page, settings, 'Connect Zoho CRM');
      // The callback page posts the session to the widget and closes itself.
      await card(settings, 'Zoho CRM connection').getByText('Connected', { exact: true }).waitFor();
      expect((await workspace())?.connection.status).toBe('connected');
      await settings.getByLabel('Sync destination').selectOption({ label: 'Contacts' });
      await expectAccessible('settings', 'connected, the form editable');

      await settings.getByLabel('WhatsApp number field').selectOption({ label: 'Mobile' });
      await settings.getByLabel('Contact name field').selectOption({ label: 'Last Name' });
      await settings.getByLabel('Lead source field').selectOption({ label: 'Lead Source' });
      await settings.getByRole('button', { name: 'Create a field for me' }).click();
      await settings.getByText('Created the field “WhatsApp Chat” in Contacts.').waitFor();
      const created = emulator()
        .state.fields(b.orgId, 'Contacts')
        .find((f) => f.label === 'WhatsApp Chat');
      expect(created).toMatchObject({ dataType: 'website', custom: true });
      chatLinkField = created!.apiName;
      await expect
        .poll(() => settings.getByLabel('Chat link field').inputValue(), { timeout: WAIT_MS })
        .toBe(chatLinkField);

      await settings.getByRole('button', { name: 'Activate integration' }).click();
      await settings.getByRole('button', { name: 'Deactivate and edit settings' }).waitFor();
      const notice = settings.getByText(/The integration is active\./);
      await expect
        .poll(() => notice.textContent(), { timeout: WAIT_MS })
        .toContain(`The test record “${TEST_RECORD.name}” was created in Contacts.`);
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
      const testRecord = contact(TEST_RECORD.phone);
      expect(testRecord).toMatchObject({ Last_Name: TEST_RECORD.name, Lead_Source: 'TimelinesAI' });
      expect(testRecord![chatLinkField]).toMatch(/^https:\/\/app\.timelines\.ai\/chat\//);
      // The notice's link opens the record in the CRM (the sandbox's record page).
      const link = notice.getByRole('link', { name: /Open the test record in Zoho CRM/ });
      expect(await link.getAttribute('href')).toBe(
        `${b.sandbox.url}/sandbox/crm/org${b.orgId}/tab/Contacts/${String(testRecord!.id)}`,
      );
      await expectAccessible('settings', 'active');

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
      const { page } = b;
      await page.getByLabel('Contact phone').fill(XSS_CONTACT.phone);
      await page.getByLabel('Contact name (WhatsApp)').fill(XSS_CONTACT.name);
      await page.getByLabel('Message text').fill(XSS_CONTACT.text);
      await page.getByLabel('With an attachment').check();
      const daysAround = [chatDay(new Date())];
      await page.getByRole('button', { name: 'Send message' }).click();
      await page.locator('#send-status').getByText('Delivered to the webhook').waitFor();

      // The sync reaches the emulator: a new contact with one Note (and its attachment).
      const record = await waitFor(() => contact(XSS_CONTACT.e164));
      const note = await waitFor(() => emulator().state.notes(b.orgId, String(record.id))[0]);
      await waitFor(() => emulator().state.attachments(b.orgId, String(note.id))[0]);
      await b.sandbox.server.scheduler.idle();
      daysAround.push(chatDay(new Date()));
      expect(emulator().state.notes(b.orgId, String(record.id))).toHaveLength(1);
      const title = String(note.Note_Title);
      expect(daysAround.map((d) => `WhatsApp chat with ${XSS_CONTACT.name} (${d})`)).toContain(title);

      await page.getByRole('button', { name: 'Contacts', exact: true }).click();
      await page.getByRole('link', { name: `Open record ${XSS_CONTACT.name}` }).click();
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
        .toContain(XSS_CONTACT.text);
      expect(await day.locator('.attachments').textContent()).toContain('brochure.txt');
      expect(
        await panel.getByRole('link', { name: /Open chat in TimelinesAI/ }).getAttribute('href'),
      ).toMatch(/^https:\/\/app\.timelines\.ai\/chat\/\d+\/messages\/$/);
      expect(await panel.locator('.summary').textContent()).toContain(XSS_CONTACT.e164);

      // Untrusted chat text is text: no element made from it, no script run.
      expect(await body.locator('b, img, script').count()).toBe(0);
      expect(
        await widgetFrame(page, 'panel').evaluate(() => (globalThis as { __xss?: unknown }).__xss),
      ).toBeUndefined();
      expect(await page.evaluate(() => (globalThis as { __xss?: unknown }).__xss)).toBeUndefined();
    },
    STEP_MS,
  );

  it(
    'shows a realistic chat in the panel (no scrollbar when it fits, accessible) and the settings page with its sync activity',
    async () => {
      const { page, sandbox } = b;
      const now = Date.now();
      for (const m of CHAT.messages) {
        const res = await fetch(`${sandbox.url}/sandbox/api/send-message`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            phone: CHAT.phone,
            name: CHAT.name,
            text: m.text,
            direction: m.direction,
            attachment: 'attachment' in m,
            timestamp: new Date(now - m.minutesAgo * 60_000).toISOString(),
          }),
        });
        expect(res.status).toBe(200);
      }
      const record = await waitFor(() => contact(CHAT.e164));
      const last = CHAT.messages[CHAT.messages.length - 1]!;
      const note = await waitFor(() =>
        emulator()
          .state.notes(b.orgId, String(record.id))
          .find((n) => String(n.Note_Content).includes(last.text)),
      );
      await waitFor(() => emulator().state.attachments(b.orgId, String(note.id))[0]);
      await sandbox.server.scheduler.idle();

      await page.getByRole('button', { name: 'Contacts', exact: true }).click();
      await page.getByRole('link', { name: `Open record ${CHAT.name}` }).click();
      const panel = page.frameLocator('#panel-frame');
      await expect
        .poll(() => panel.locator('.day').first().textContent(), { timeout: WAIT_MS })
        .toContain(last.text);
      await frameFitsContent(page, '#panel-frame');
      await expectAccessible('panel', 'with a chat');
      // Below 1100 px the host page gives the panel the record's whole width: the README's picture.
      await page.setViewportSize({ width: 1000, height: 900 });
      await frameFitsContent(page, '#panel-frame');
      await screenshot(page, '#panel-frame', 'panel.png');
      await page.setViewportSize({ width: 1280, height: 900 });

      // The settings page, active, with the messages in its sync activity (names, numbers, links).
      await page.getByRole('button', { name: 'Integration settings' }).click();
      const log = card(b.settings, 'Sync activity');
      await expect
        .poll(
          async () => {
            await log.getByRole('button', { name: 'Refresh' }).click();
            return log.locator('tbody').textContent();
          },
          { timeout: WAIT_MS },
        )
        .toContain(CHAT.name);
      await frameFitsContent(page, '#settings-frame');
      await expectAccessible('settings', 'active, with sync activity');
      await screenshot(page, '#settings-frame', 'settings.png');
    },
    STEP_MS,
  );

  it(
    'deactivating unlocks the settings: the form is editable again with the saved choices',
    async () => {
      const { page, settings } = b;
      await page.getByRole('button', { name: 'Integration settings' }).click();
      await settings.getByRole('button', { name: 'Deactivate and edit settings' }).click();
      await settings
        .getByRole('alertdialog', { name: 'Deactivate the integration?' })
        .getByRole('button', { name: 'Deactivate', exact: true })
        .click();
      const activate = settings.getByRole('button', { name: 'Activate integration' });
      await activate.waitFor();
      await card(settings, 'Integration settings').getByText('Inactive', { exact: true }).waitFor();
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
      await expectAccessible('settings', 'inactive after a deactivation');
    },
    STEP_MS,
  );

  it(
    'an activation failing because the chat link field was deleted in Zoho CRM shows the message next to the chat link select, and the integration stays inactive',
    async () => {
      const { page, settings } = b;
      await page.getByRole('button', { name: 'Integration settings' }).click();
      emulator().state.deleteField(b.orgId, 'Contacts', chatLinkField);

      await settings.getByRole('button', { name: 'Activate integration' }).click();
      const select = settings.getByLabel('Chat link field');
      await expect.poll(() => select.getAttribute('aria-invalid'), { timeout: WAIT_MS }).toBe('true');
      const field = settings.locator('.field', { has: select });
      const error = field.locator('.field-error');
      expect(await error.textContent()).toContain(`"${chatLinkField}" does not exist in Contacts`);
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
      await expectAccessible('settings', 'with an error on a setting');

      await card(settings, 'Integration settings').getByText('Inactive', { exact: true }).waitFor();
      expect(await settings.getByRole('button', { name: 'Activate integration' }).isEnabled()).toBe(true);
      expect((await workspace())?.active).toBe(false);
    },
    STEP_MS,
  );

  it(
    'after that failure the admin can create a new chat link field from the form and activate',
    async () => {
      const { settings } = b;
      // The deleted field is no longer offered as a usable choice, and a new one can be created.
      const select = settings.getByLabel('Chat link field');
      await expect
        .poll(() => select.locator('option:checked').textContent(), { timeout: WAIT_MS })
        .toBe(`${chatLinkField} (not usable in Contacts)`);
      await settings.getByRole('button', { name: 'Create a field for me' }).click();
      await settings.getByText('Created the field “WhatsApp Chat” in Contacts.').waitFor();
      const recreated = emulator()
        .state.fields(b.orgId, 'Contacts')
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
