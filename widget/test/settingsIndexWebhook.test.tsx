// @vitest-environment happy-dom
/**
 * Three parts of the settings page: the phone index's progress (read again every few seconds while
 * it builds, and no more once it is ready), regenerating the webhook URL (owner only, confirmed
 * first, the new URL with where to paste it), and the warning before an integration that ran moves
 * to another destination module (cancel keeps the module).
 */
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PhoneIndexView } from '../../contract/adminApi';
import { ApiError } from '../src/api/client';
import { INDEX_POLL_MS } from '../src/settings/phoneIndexActions';
import { formatCount } from '../src/ui/format';
import { FakeApi, SAVED, workspace } from './fakes';
import { choose, mount, select, settled } from './settingsHarness';

beforeEach(() => window.localStorage.clear());
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const ACTIVATED = '2025-03-01T10:00:00.000Z';
const building = (done: number, total: number | null): PhoneIndexView => ({
  module: 'Contacts',
  status: 'building',
  done,
  total,
});
/** The page groups digits in the reader's locale ("120,000" in English). */
const n = (x: number) => formatCount(x);
const WAIT = '— messages from new chats wait until it is done.';

describe('the phone index', () => {
  it('shows the progress while it builds, reads it again every few seconds, and stops once it is ready', async () => {
    // Fake clock (moving with real time too, so the page's own waits still run): the polls are counted.
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const api = new FakeApi(
      workspace({
        settings: SAVED,
        active: true,
        activatedAt: ACTIVATED,
        phoneIndex: building(34_000, 120_000),
      }),
    );
    await mount({ api });
    await screen.findByText(`Indexing ${n(34_000)} of ${n(120_000)} Contacts ${WAIT}`);
    const bar = screen.getByRole('progressbar', { name: /^Indexing/ }) as HTMLProgressElement;
    expect([bar.value, bar.max]).toEqual([34_000, 120_000]);

    api.ws = { ...api.ws, phoneIndex: building(80_000, 120_000) };
    await vi.advanceTimersByTimeAsync(INDEX_POLL_MS);
    await screen.findByText(`Indexing ${n(80_000)} of ${n(120_000)} Contacts ${WAIT}`);

    api.ws = { ...api.ws, phoneIndex: { ...building(120_000, 120_000), status: 'ready' } };
    await vi.advanceTimersByTimeAsync(INDEX_POLL_MS);
    await screen.findByText(`Phone index: ${n(120_000)} Contacts records.`);
    expect(screen.queryByRole('progressbar')).toBeNull();
    expect(screen.queryByText(/^Indexing/)).toBeNull();

    // Ready: no more reads, however long the page stays open.
    const reads = api.getWorkspace.mock.calls.length;
    await vi.advanceTimersByTimeAsync(10 * INDEX_POLL_MS);
    expect(api.getWorkspace.mock.calls.length).toBe(reads);
  });

  it('counts the records read while the total is not known yet, and leaves the form being edited alone', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const api = new FakeApi(
      workspace({ settings: SAVED, active: true, activatedAt: ACTIVATED, phoneIndex: building(0, null) }),
    );
    await mount({ api });
    await screen.findByText(`Indexing Contacts: 0 records read ${WAIT}`);
    expect(screen.queryByRole('progressbar')).toBeNull();

    // Another tab deactivated meanwhile: the poll takes the index's figures only.
    api.ws = { ...api.ws, active: false, phoneIndex: building(2_000, null) };
    await vi.advanceTimersByTimeAsync(INDEX_POLL_MS);
    await screen.findByText(`Indexing Contacts: ${n(2_000)} records read ${WAIT}`);
    expect(screen.getByRole('button', { name: 'Deactivate and edit settings' })).toBeTruthy();
  });

  it("notices a rebuild on the sync activity's refresh (a phone field added in the CRM) and follows it", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const ready: PhoneIndexView = { module: 'Contacts', status: 'ready', done: 1, total: 1 };
    const api = new FakeApi(
      workspace({ settings: SAVED, active: true, activatedAt: ACTIVATED, phoneIndex: ready }),
    );
    await mount({ api });
    await screen.findByText('Phone index: 1 Contacts record.');

    api.ws = { ...api.ws, phoneIndex: building(500, 1_200) };
    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await screen.findByText(`Indexing 500 of ${n(1_200)} Contacts ${WAIT}`);
    api.ws = { ...api.ws, phoneIndex: { ...building(1_200, 1_200), status: 'ready' } };
    await vi.advanceTimersByTimeAsync(INDEX_POLL_MS);
    await screen.findByText(`Phone index: ${n(1_200)} Contacts records.`);
  });

  it('says an unfinished index continues at the next activation while the integration is inactive, without polling', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const api = new FakeApi(
      workspace({ settings: SAVED, activatedAt: ACTIVATED, phoneIndex: building(4_000, 9_000) }),
    );
    await mount({ api });
    await screen.findByText(
      `The phone index of Contacts is not finished (${n(4_000)} of ${n(9_000)} records read): it continues when the integration is activated.`,
    );
    const reads = api.getWorkspace.mock.calls.length;
    await vi.advanceTimersByTimeAsync(5 * INDEX_POLL_MS);
    expect(api.getWorkspace.mock.calls.length).toBe(reads);
  });
});

describe('regenerating the webhook URL', () => {
  const OLD_URL = 'http://localhost:3000/webhooks/timelines/tok_secret';
  const urlField = () => screen.getByLabelText('Webhook URL') as HTMLInputElement;
  const regenerate = () => fireEvent.click(screen.getByRole('button', { name: 'Regenerate webhook URL' }));

  it('asks first (the old URL stops at once; where to paste the new one), then shows the new URL with the reminder', async () => {
    const { api } = await mount();
    await screen.findByDisplayValue(OLD_URL);

    regenerate();
    const dialog = screen.getByRole('alertdialog', { name: 'Regenerate the webhook URL?' });
    expect(dialog.textContent).toContain('The current URL stops working at once');
    expect(dialog.textContent).toContain('Integrations → Webhooks v2');
    expect(dialog.textContent).toContain('message:received:new');
    expect(document.activeElement).toBe(dialog);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Keep the current URL' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(api.rotateWebhook).not.toHaveBeenCalled();
    expect(urlField().value).toBe(OLD_URL);

    regenerate();
    fireEvent.click(screen.getByRole('button', { name: 'Regenerate URL' }));
    await waitFor(() => expect(urlField().value).toBe(api.ws.webhookUrl));
    expect(urlField().value).not.toBe(OLD_URL);
    expect(api.rotateWebhook).toHaveBeenCalledTimes(1);
    const reminder = screen
      .getByText(/A new webhook URL was made; the old one no longer works\./)
      .closest('.alert')!;
    expect(reminder.textContent).toContain(
      'Paste the new URL below in TimelinesAI (Integrations → Webhooks v2',
    );
    await waitFor(() => expect(document.activeElement).toBe(reminder));
    expect(screen.getByText(/replace the URL of both message endpoints/)).toBeTruthy();
    const control = urlField().closest('.field-control')!;
    expect(within(control as HTMLElement).getByRole('button', { name: 'Copy' })).toBeTruthy();
  });

  it('says a failed regeneration changed nothing, and a session that ended is shown as such', async () => {
    const api = new FakeApi();
    api.rotateError = new ApiError(
      500,
      'INTERNAL',
      'The sync service failed (HTTP 500). Try again in a moment.',
    );
    await mount({ api });
    await screen.findByDisplayValue(OLD_URL);
    regenerate();
    fireEvent.click(screen.getByRole('button', { name: 'Regenerate URL' }));
    const error = await screen.findByRole('alert');
    expect(error.textContent).toBe(
      'The sync service failed (HTTP 500). Try again in a moment. The webhook URL was not changed.',
    );
    expect(urlField().value).toBe(OLD_URL);

    api.rotateError = new ApiError(401, 'SESSION_EXPIRED', 'Your session has expired.');
    regenerate();
    fireEvent.click(screen.getByRole('button', { name: 'Regenerate URL' }));
    await screen.findByText('Session ended');
  });

  it('is not offered to read-only users', async () => {
    const api = new FakeApi(workspace(), { email: 'rep@acme.test', isOwner: false });
    await mount({ api });
    await screen.findByText(/Only the workspace owner \(owner@acme.test\) sees the webhook URL/);
    expect(screen.queryByRole('button', { name: 'Regenerate webhook URL' })).toBeNull();
  });
});

describe('changing the destination module', () => {
  const ran = () =>
    new FakeApi(workspace({ settings: SAVED, activatedAt: ACTIVATED, testRecordId: 'rec_test' }));
  const warning =
    "New messages will go to Leads records: chats linked to Contacts records are matched again in Leads (a new Leads record is created when none has the chat's number), and their earlier Notes stay on the Contacts records.";

  it('warns before an integration that ran moves to another module; cancel keeps the old module and its fields', async () => {
    const { api } = await mount({ api: ran() });
    await settled();
    choose('Sync destination', 'Leads');
    const dialog = screen.getByRole('alertdialog', { name: 'Sync to Leads instead of Contacts?' });
    expect(dialog.textContent).toContain(warning);
    // Nothing changed yet: the select still shows the saved module and its fields.
    expect(select('Sync destination').value).toBe('Contacts');
    expect(select('WhatsApp number field').value).toBe('Phone');

    fireEvent.click(within(dialog).getByRole('button', { name: 'Keep Contacts' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(select('Sync destination').value).toBe('Contacts');
    expect(select('Chat link field').value).toBe('Website');
    expect(window.localStorage.length).toBe(0); // no draft: nothing was changed

    choose('Sync destination', 'Leads');
    fireEvent.click(screen.getByRole('button', { name: 'Change to Leads' }));
    expect(select('Sync destination').value).toBe('Leads');
    await waitFor(() => expect(select('WhatsApp number field').value).toBe('Mobile'));
    // Until activation the destination's hint keeps saying what the change does.
    expect(screen.getByText(`After activation: ${warning}`)).toBeTruthy();

    choose('Chat link field', 'Website');
    fireEvent.click(screen.getByRole('button', { name: 'Activate integration' }));
    await screen.findByRole('button', { name: 'Deactivate and edit settings' });
    expect(api.saveSettings).toHaveBeenCalledWith(expect.objectContaining({ module: 'Leads' }));
  });

  it('does not ask when the integration never ran, nor when going back to the saved module', async () => {
    await mount({ api: new FakeApi(workspace({ settings: SAVED })) });
    await settled();
    choose('Sync destination', 'Leads');
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(select('Sync destination').value).toBe('Leads');
    cleanup();
    window.localStorage.clear();

    await mount({ api: ran() });
    await settled();
    choose('Sync destination', 'Leads');
    fireEvent.click(screen.getByRole('button', { name: 'Change to Leads' }));
    choose('Sync destination', 'Contacts');
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(select('Sync destination').value).toBe('Contacts');
  });
});
