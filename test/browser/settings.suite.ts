/**
 * The settings page's webhook and destination in Chromium: regenerating the webhook URL (asked
 * first; the old URL refused at once, messages reach the new one), the warning before an integration
 * that ran moves to another module (cancel keeps it), and the phone index's progress while the new
 * module is indexed (held by the emulator refusing the index's COQL pages, then released), the page
 * reading it again by itself until it is ready. axe-core checks the states shown on the way.
 */
import type { FrameLocator } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  card,
  hasChromium,
  openSandbox,
  signInThroughPopup,
  STEP_MS,
  waitFor,
  WAIT_MS,
  widgetFrame,
  type BrowserSandbox,
} from './helpers.js';

/** Leads already in the CRM: more than two COQL pages (2,000 rows each) for the index to read. */
const LEADS = 5_000;
/** The seeded lead a WhatsApp chat comes from after the move to Leads. */
const KNOWN_LEAD = 4_321;
const leadPhone = (i: number) => `+34 655 ${String(i).padStart(6, '0')}`;
/** The browser's locale is en-GB (helpers.ts): digits grouped with commas. */
const grouped = (n: number) => new Intl.NumberFormat('en-GB').format(n);

describe.skipIf(!hasChromium)('the webhook URL, a module change and the phone index in Chromium', () => {
  let b: BrowserSandbox;
  let s: FrameLocator;

  const emulator = () => b.sandbox.server.emulator!;
  const workspace = async () => (await b.sandbox.server.store.workspaces.byOrg(b.orgId))!;
  const indexState = async () => b.sandbox.server.store.phoneIndex.state((await workspace()).id);
  const expectAccessible = async (state: string) =>
    expect(
      await axeViolations(widgetFrame(b.page, 'settings')),
      `axe-core on the settings page, ${state}`,
    ).toEqual([]);
  const postTo = (url: string, body: unknown) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const sendIn = async (m: { phone: string; name: string; text: string }) =>
    expect((await postTo(`${b.sandbox.url}/sandbox/api/send-message`, m)).status).toBe(200);

  beforeAll(async () => {
    b = await openSandbox();
    s = b.settings;
  }, STEP_MS);

  afterEach(() => {
    expect(b.pageErrors.splice(0), 'uncaught errors in the page or the widget').toEqual([]);
  });

  afterAll(async () => {
    emulator()?.controls.clearFailures();
    await b?.close();
  }, STEP_MS);

  it(
    'activates with Contacts, then says how many records its phone index holds once it is built',
    async () => {
      await signInThroughPopup(b.page, s, 'Connect Zoho CRM');
      await s.getByLabel('Sync destination').selectOption({ label: 'Contacts' });
      await s.getByLabel('WhatsApp number field').selectOption({ label: 'Mobile' });
      await s.getByRole('button', { name: 'Create a field for me' }).click();
      await s.getByText('Created the field “WhatsApp Chat” in Contacts.').waitFor();
      await s.getByRole('button', { name: 'Activate integration' }).click();
      await s.getByRole('button', { name: 'Deactivate and edit settings' }).waitFor();

      // The page reads the progress again by itself until the index is ready.
      const line = card(s, 'Integration settings').getByText(/^Phone index: [\d,]+ Contacts records?\.$/);
      await line.waitFor({ timeout: WAIT_MS });
      const state = (await indexState())!;
      expect(state).toMatchObject({ module: 'Contacts', status: 'ready' });
      expect(await line.textContent()).toContain(`Phone index: ${grouped(state.done)} Contacts record`);
    },
    STEP_MS,
  );

  it(
    'regenerates the webhook URL after a confirmation: the old URL is refused at once, messages reach the new one',
    async () => {
      const webhook = card(s, 'TimelinesAI webhook');
      const url = webhook.getByLabel('Webhook URL');
      const oldUrl = await url.inputValue();
      expect(oldUrl).toMatch(/\/webhooks\/timelines\/.+/);

      await webhook.getByRole('button', { name: 'Regenerate webhook URL' }).click();
      const dialog = webhook.getByRole('alertdialog', { name: 'Regenerate the webhook URL?' });
      expect(await dialog.textContent()).toContain('The current URL stops working at once');
      expect(await dialog.textContent()).toContain('Integrations → Webhooks v2');
      await expectAccessible('confirming a new webhook URL');
      await dialog.getByRole('button', { name: 'Keep the current URL' }).click();
      expect(await url.inputValue()).toBe(oldUrl);

      await webhook.getByRole('button', { name: 'Regenerate webhook URL' }).click();
      await dialog.getByRole('button', { name: 'Regenerate URL' }).click();
      await expect.poll(() => url.inputValue(), { timeout: WAIT_MS }).not.toBe(oldUrl);
      const newUrl = await url.inputValue();
      await webhook.getByText(/A new webhook URL was made; the old one no longer works\./).waitFor();
      expect(await webhook.textContent()).toContain('replace the URL of both message endpoints');
      await expectAccessible('after a new webhook URL');

      // The backend agrees: the old token is refused, the sandbox's sender (the current URL) gets in.
      expect((await postTo(oldUrl, {})).status).toBe(404);
      await sendIn({ phone: '+34 611 222 333', name: 'Nuria Nueva', text: 'Hola' });
      await waitFor(() =>
        emulator()
          .state.records(b.orgId, 'Contacts')
          .find((r) => r.Last_Name === 'Nuria Nueva'),
      );
      await b.page.reload();
      await expect
        .poll(() => b.settings.getByLabel('Webhook URL').inputValue(), { timeout: WAIT_MS })
        .toBe(newUrl);
    },
    STEP_MS,
  );

  it(
    'warns before the integration moves to Leads (cancel keeps Contacts), then shows the new index being built and reads it again until it is ready',
    async () => {
      const ids = emulator().state.seedRecords(
        b.orgId,
        'Leads',
        Array.from({ length: LEADS }, (_, i) => ({ Last_Name: `Lead ${i}`, Mobile: leadPhone(i) })),
      );
      await s.getByRole('button', { name: 'Deactivate and edit settings' }).click();
      await s.getByRole('alertdialog').getByRole('button', { name: 'Deactivate', exact: true }).click();
      const destination = s.getByLabel('Sync destination');
      await expect.poll(() => destination.isEnabled(), { timeout: WAIT_MS }).toBe(true);

      await destination.selectOption({ label: 'Leads' });
      const dialog = s.getByRole('alertdialog', { name: 'Sync to Leads instead of Contacts?' });
      expect(await dialog.textContent()).toContain(
        'New messages will go to Leads records: chats linked to Contacts records are matched again in Leads',
      );
      expect(await dialog.textContent()).toContain('their earlier Notes stay on the Contacts records');
      await expectAccessible('confirming a module change');
      await dialog.getByRole('button', { name: 'Keep Contacts' }).click();
      expect(await destination.inputValue()).toBe('Contacts');
      expect(await s.getByLabel('WhatsApp number field').inputValue()).toBe('Mobile');

      await destination.selectOption({ label: 'Leads' });
      await dialog.getByRole('button', { name: 'Change to Leads' }).click();
      expect(await destination.inputValue()).toBe('Leads');
      await s.getByText(/^After activation: New messages will go to Leads records/).waitFor();
      await s.getByRole('button', { name: 'Create a field for me' }).click();
      await s.getByText('Created the field “WhatsApp Chat” in Leads.').waitFor();

      // The index's COQL pages are refused until released: the build stays at "0 of …" meanwhile.
      emulator().controls.failNext(10_000, 503, { pathIncludes: '/coql' });
      await s.getByRole('button', { name: 'Activate integration' }).click();
      await s.getByRole('button', { name: 'Deactivate and edit settings' }).waitFor();
      await expect.poll(async () => (await indexState())?.total, { timeout: WAIT_MS }).toBeTypeOf('number');
      const building = (await indexState())!;
      expect(building).toMatchObject({ module: 'Leads', status: 'building', done: 0 });
      const settingsCard = card(s, 'Integration settings');
      await settingsCard
        .getByText(
          `Indexing 0 of ${grouped(building.total!)} Leads — messages from new chats wait until it is done.`,
        )
        .waitFor({ timeout: WAIT_MS });
      const bar = settingsCard.getByRole('progressbar', { name: /^Indexing 0 of/ });
      expect(await bar.getAttribute('max')).toBe(String(building.total));
      await expectAccessible('while the phone index is built');

      // Released: the build resumes by itself, and the page follows it to the end without a click.
      emulator().controls.clearFailures();
      const ready = settingsCard.getByText(/^Phone index: [\d,]+ Leads records\.$/);
      await ready.waitFor({ timeout: 3 * WAIT_MS });
      const built = (await indexState())!;
      expect(built).toMatchObject({ module: 'Leads', status: 'ready' });
      expect(built.done).toBeGreaterThanOrEqual(LEADS);
      expect(await ready.textContent()).toBe(`Phone index: ${grouped(built.done)} Leads records.`);
      expect(await settingsCard.getByRole('progressbar').count()).toBe(0);

      // The move took effect: a chat from a number a lead holds lands on that lead.
      const leads = emulator().state.records(b.orgId, 'Leads').length;
      await sendIn({ phone: leadPhone(KNOWN_LEAD), name: 'Known Lead', text: 'Hola otra vez' });
      await waitFor(() => emulator().state.notes(b.orgId, ids[KNOWN_LEAD]!)[0]);
      expect(emulator().state.records(b.orgId, 'Leads')).toHaveLength(leads);
    },
    STEP_MS,
  );
});
