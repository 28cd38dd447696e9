/**
 * Browser end-to-end test of the TimelinesAI API features in the sandbox (Chromium, the built widget,
 * the emulated Zoho CRM and TimelinesAI): the admin pastes the token the host page shows → activation
 * registers the webhook in TimelinesAI (seen in the emulator and on the settings page) → a message
 * comes in through TimelinesAI → a rep sends a text and a file from the record's chat panel → both are
 * in the day's Note once, after TimelinesAI's echo → with the quota used up, the rep reads why nothing
 * was sent. Every state passes axe-core.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { api, connectAs, CONTACT_SETTINGS } from '../helpers/harness.js';
import {
  axeViolations,
  card,
  hasChromium,
  checkAndClose,
  openSandbox,
  REP,
  signInThroughPopup,
  STEP_MS,
  waitFor,
  WAIT_MS,
  widgetFrame,
  type BrowserSandbox,
} from './helpers.js';

const CONTACT = { name: 'Lola Flores', phone: '+34 611 222 333', e164: '+34611222333' };
const TEXT = 'Buenos días Lola, le envío el presupuesto que hablamos.';
const FILE_TEXT = 'Aquí lo tiene, con las condiciones.';

describe.skipIf(!hasChromium)(
  'sandbox in Chromium: TimelinesAI token, webhooks and sending from the panel',
  () => {
    let b: BrowserSandbox;
    const zoho = () => b.sandbox.server.emulator!.state;
    const tl = () => b.sandbox.server.timelinesEmulator!;
    const tlWs = () => tl().workspace('ws1');
    const record = () =>
      zoho()
        .records(b.orgId, 'Contacts')
        .find((r) => r.Mobile === CONTACT.e164);
    const notes = () => zoho().notes(b.orgId, String(record()!.id)) as { id: string; Note_Content: string }[];
    const accessible = async (name: 'settings' | 'panel', state: string) =>
      expect(
        await axeViolations(widgetFrame(b.page, name)),
        `axe-core on the ${name} page, ${state}`,
      ).toEqual([]);

    beforeAll(async () => {
      b = await openSandbox();
      // The destination and fields are chosen through the API (the flow suite does it in the page).
      const s = await connectAs(b.sandbox.url, 'admin@sandbox.test');
      await api(b.sandbox.url, s.token, 'POST', '/api/zoho/modules/Contacts/chat-link-field');
      await api(b.sandbox.url, s.token, 'PUT', '/api/settings', CONTACT_SETTINGS);
    }, STEP_MS);

    checkAndClose(() => b);

    it(
      'pastes the token shown by the emulated TimelinesAI; activation registers the webhook there',
      async () => {
        const { page, settings } = b;
        await signInThroughPopup(page, settings, 'Connect Zoho CRM');
        const timelines = card(settings, 'TimelinesAI connection');
        await timelines.getByLabel('TimelinesAI API token').waitFor();
        await timelines.getByLabel('TimelinesAI API token').fill('wrong-token-0000');
        await timelines.getByRole('button', { name: 'Connect TimelinesAI' }).click();
        await timelines.getByText(/TimelinesAI refused this API token/).waitFor();
        await accessible('settings', 'a refused TimelinesAI token');

        const token = await page.getByLabel('TimelinesAI API token').inputValue();
        expect(token).toMatch(/^[0-9a-f-]{36}$/);
        await timelines.getByLabel('TimelinesAI API token').fill(token);
        await timelines.getByRole('button', { name: 'Connect TimelinesAI' }).click();
        await timelines.getByText('TimelinesAI is connected.').waitFor();
        await timelines.getByText(/\+34910000000/).waitFor();
        const webhook = card(settings, 'TimelinesAI webhook');
        await webhook.getByText(/Activating the integration registers the webhook/).waitFor();

        await settings.getByRole('button', { name: 'Activate integration' }).click();
        await settings.getByText(/TimelinesAI now delivers new WhatsApp messages here/).waitFor();
        expect(
          tlWs()
            .webhooks.map((w) => w.eventType)
            .sort(),
        ).toEqual(['message:received:new', 'message:sent:new']);
        await webhook.getByText('Registered in TimelinesAI automatically:').waitFor();
        await expect
          .poll(() => webhook.locator('.webhook-list li').allTextContents(), { timeout: WAIT_MS })
          .toEqual(['message:received:new no failed deliveries', 'message:sent:new no failed deliveries']);
        // The host page shows what the emulated TimelinesAI holds.
        await expect.poll(() => page.locator('#tl-webhooks li').count(), { timeout: WAIT_MS }).toBe(2);
        await accessible('settings', 'TimelinesAI connected, webhooks registered');
      },
      STEP_MS,
    );

    it(
      'a rep sends a text and a file from the chat panel; each is in the day’s Note once, after the echo',
      async () => {
        const { page } = b;
        // A WhatsApp message comes in through TimelinesAI (the host page's form goes through it now).
        await page.getByLabel('Contact phone').fill(CONTACT.phone);
        await page.getByLabel('Contact name (WhatsApp)').fill(CONTACT.name);
        await page.getByLabel('Message text').fill('Hola, ¿me manda el presupuesto?');
        await page.getByRole('button', { name: 'Send message' }).click();
        await page
          .locator('#send-status')
          .getByText(/Received by the emulated TimelinesAI/)
          .waitFor();
        await waitFor(() => (record() && notes().length ? true : undefined));

        await page.getByRole('button', { name: 'Contacts', exact: true }).click();
        await page.getByRole('link', { name: `Open record ${CONTACT.name}` }).click();
        expect(await page.getByLabel('Viewing this record as').inputValue()).toBe(REP.email);
        const panel = page.frameLocator('#panel-frame');
        await panel.getByRole('textbox', { name: 'New WhatsApp message' }).fill(TEXT);
        await accessible('panel', 'the composer');
        await panel.getByRole('button', { name: 'Send', exact: true }).click();
        await waitFor(() => (notes()[0]?.Note_Content.includes(TEXT) ? true : undefined));

        // The host page reloads the panel when the Note changes: the composer is found again.
        await expect
          .poll(
            async () => {
              await panel.getByRole('textbox', { name: 'New WhatsApp message' }).fill(FILE_TEXT);
              await panel.locator('#composer-file').setInputFiles({
                name: 'presupuesto.pdf',
                mimeType: 'application/pdf',
                buffer: Buffer.from('%PDF-1.4 presupuesto'),
              });
              return (
                (await panel.getByRole('textbox', { name: 'New WhatsApp message' }).inputValue()) ===
                FILE_TEXT
              );
            },
            { timeout: WAIT_MS },
          )
          .toBe(true);
        await panel.getByRole('button', { name: 'Send', exact: true }).click();
        await waitFor(() => (notes()[0]?.Note_Content.includes(FILE_TEXT) ? true : undefined));
        const note = notes()[0]!;
        await waitFor(() =>
          zoho()
            .attachments(b.orgId, note.id)
            .find((a) => a.fileName === 'presupuesto.pdf'),
        );
        await tl().idle();
        await b.sandbox.server.scheduler.idle();

        expect(notes()).toHaveLength(1);
        const content = notes()[0]!.Note_Content;
        expect(content.split(TEXT)).toHaveLength(2);
        expect(content.split(FILE_TEXT)).toHaveLength(2);
        expect(content).toContain(`${REP.name}: ${TEXT}`);
        // Both went out through TimelinesAI and came back as its echo webhooks.
        const sends = tl().sends('ws1');
        expect(sends.map((s) => [s.via, s.status, s.credits])).toEqual([
          ['chat', 'sent', 1],
          ['chat', 'sent', 2],
        ]);
        const echoes = tl()
          .deliveries('ws1')
          .filter((d) => d.eventType === 'message:sent:new' && d.ok);
        expect(echoes.map((d) => d.subject).sort()).toEqual(sends.map((s) => s.messageUid).sort());
        // The panel shows them in the day's Note.
        const day = panel.locator('.day').first();
        await expect
          .poll(() => day.locator('.note-content').textContent(), { timeout: WAIT_MS })
          .toContain(FILE_TEXT);
      },
      STEP_MS,
    );

    it(
      'with the quota used up, the rep reads why the message was not sent and keeps the text',
      async () => {
        const { page } = b;
        await page.getByRole('button', { name: 'Use up the quota' }).click();
        await page.getByRole('button', { name: 'Renew the quota' }).waitFor();
        const panel = page.frameLocator('#panel-frame');
        await panel.getByRole('textbox', { name: 'New WhatsApp message' }).fill('¿Le llamo mañana?');
        await panel.getByRole('button', { name: 'Send', exact: true }).click();
        const error = panel.getByRole('alert');
        await expect
          .poll(() => error.textContent(), { timeout: WAIT_MS })
          .toMatch(/Not sent: your company's WhatsApp message allowance in TimelinesAI is used up/);
        expect(await panel.getByRole('textbox', { name: 'New WhatsApp message' }).inputValue()).toBe(
          '¿Le llamo mañana?',
        );
        expect(tl().sends('ws1')).toHaveLength(2);
        await accessible('panel', 'a refused send');
      },
      STEP_MS,
    );
  },
);
