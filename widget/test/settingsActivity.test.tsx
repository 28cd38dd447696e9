// @vitest-environment happy-dom
/**
 * The settings page's activity and rules: the sync log (filters, paging, names, links, resolved
 * failures), the webhook's last event, the confirmation before deactivating and the counter of
 * messages skipped meanwhile, the chat link field's rules and the test record's notice.
 */
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/client';
import { SYNC_LOG_PAGE } from '../src/settings/syncLogActions';
import { FakeApi, SAVED, logEntry, workspace } from './fakes';
import { choose, mount, select, settled } from './settingsHarness';

beforeEach(() => window.localStorage.clear());
afterEach(cleanup);

const rows = () => screen.getAllByRole('row').slice(1);

describe('the sync log', () => {
  it('names the contact and its number, links the record and its Note into the CRM, and marks resolved failures', async () => {
    const api = new FakeApi();
    api.syncLog = [
      logEntry({ id: 'e3', outcome: 'synced', recordId: '1001', noteId: 'n1', module: 'Contacts' }),
      logEntry({ id: 'e2', outcome: 'failed', reason: 'Zoho is busy', willRetry: true, resolved: true }),
      logEntry({
        id: 'e1',
        outcome: 'failed',
        kind: 'attachment',
        reason: 'attachment not synced: photo.jpg: download answered HTTP 404',
        willRetry: false,
        contactName: null,
        phone: '+14155550123',
      }),
    ];
    await mount({ api });
    await screen.findByText('Zoho is busy', { exact: false });
    const [synced, retried, attachment] = rows();
    expect(synced!.textContent).toContain('María García');
    expect(synced!.textContent).toContain('+34612345678');
    const links = within(synced!).getAllByRole('link');
    expect(links.map((l) => l.textContent)).toEqual([
      'Record of María García in Zoho CRM (opens in a new tab)',
      "Note of María García, on the record's page in Zoho CRM (opens in a new tab)",
    ]);
    expect(links[0]!.getAttribute('href')).toBe('https://crm.zoho.eu/crm/org20012345/tab/Contacts/1001');
    expect(retried!.textContent).toContain('resolved');
    expect(retried!.textContent).not.toContain('tried again automatically');
    expect(attachment!.textContent).toContain('Attachment: attachment not synced: photo.jpg');
    expect(attachment!.textContent).toContain('(not retried)');
    expect(attachment!.textContent).toContain('+14155550123');
  });

  it('filters by outcome and pages back past the newest entries', async () => {
    const api = new FakeApi();
    const total = SYNC_LOG_PAGE + 5;
    api.syncLog = Array.from({ length: total }, (_, i) =>
      logEntry({
        id: `e${total - i}`,
        outcome: i % 2 ? 'skipped' : 'synced',
        contactName: `Contact ${total - i}`,
      }),
    );
    await mount({ api });
    await waitFor(() => expect(rows()).toHaveLength(SYNC_LOG_PAGE));
    fireEvent.click(screen.getByRole('button', { name: 'Show older entries' }));
    await waitFor(() => expect(rows()).toHaveLength(total));
    expect(screen.queryByRole('button', { name: 'Show older entries' })).toBeNull();

    fireEvent.click(screen.getByRole('radio', { name: 'Skipped' }));
    await waitFor(() => expect(rows()).toHaveLength(Math.floor(total / 2)));
    expect(rows().every((r) => r.textContent!.includes('Skipped'))).toBe(true);
    expect(api.getSyncLog).toHaveBeenLastCalledWith({ outcome: 'skipped', limit: SYNC_LOG_PAGE });

    fireEvent.click(screen.getByRole('radio', { name: 'Failed' }));
    await screen.findByText('No failures.');
  });

  it('keeps the older pages read when a refresh brings new entries', async () => {
    const api = new FakeApi();
    api.syncLog = Array.from({ length: SYNC_LOG_PAGE + 3 }, (_, i) =>
      logEntry({ id: `old${i}`, outcome: 'synced' }),
    );
    const { controller } = await mount({ api });
    await waitFor(() => expect(rows()).toHaveLength(SYNC_LOG_PAGE));
    await controller.loadMoreLog();
    await waitFor(() => expect(rows()).toHaveLength(SYNC_LOG_PAGE + 3));
    api.syncLog = [logEntry({ id: 'new1', outcome: 'failed', reason: 'brand new' }), ...api.syncLog];
    await controller.refreshSyncLog();
    await waitFor(() => expect(rows()).toHaveLength(SYNC_LOG_PAGE + 4));
    expect(rows()[0]!.textContent).toContain('brand new');
  });
});

describe('the webhook', () => {
  it('says when the last event arrived, or that none did, next to where to paste the URL', async () => {
    const api = new FakeApi(
      workspace({ webhook: { lastEventAt: new Date(Date.now() - 125_000).toISOString() } }),
    );
    await mount({ api });
    const status = await screen.findByText(/Webhook: last event received/);
    expect(status.textContent).toMatch(/2 minutes ago/);
    expect(screen.getByText(/Integrations → Webhooks v2 → \+ Add Endpoint/)).toBeTruthy();
    cleanup();

    await mount({ api: new FakeApi() });
    await screen.findByText('Webhook: no event received yet');
  });
});

describe('deactivating', () => {
  it('asks first, saying that messages arriving meanwhile are not synced, then counts them', async () => {
    const api = new FakeApi(
      workspace({ active: true, activatedAt: '2025-03-01T10:00:00Z', settings: SAVED }),
    );
    await mount({ api });
    fireEvent.click(await screen.findByRole('button', { name: 'Deactivate and edit settings' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Deactivate the integration?' });
    expect(dialog.textContent).toMatch(/messages that arrive are not synced/);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Keep it active' }));
    expect(api.deactivate).not.toHaveBeenCalled();
    expect(screen.getByText('Active')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Deactivate and edit settings' }));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Deactivate' }));
    await screen.findByRole('button', { name: 'Activate integration' });
    expect(
      screen.getByText('No WhatsApp messages have arrived since the integration was deactivated.'),
    ).toBeTruthy();

    api.ws = { ...api.ws, skippedWhileInactive: 3 };
    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await screen.findByText(
      /3 WhatsApp messages arrived since the integration was deactivated and were not synced/,
    );
  });
});

describe('the chat link field', () => {
  it('is never offered the name or phone field, and warns about a standard field', async () => {
    await mount();
    await settled();
    const offered = [...select('Chat link field').options].map((o) => o.value);
    expect(offered).not.toContain('Last_Name');
    expect(offered).not.toContain('First_Name');
    expect(offered).not.toContain('Phone');
    choose('Chat link field', 'Website');
    expect(
      screen.getByText(/“Website” is a standard Contacts field: on records that already exist/),
    ).toBeTruthy();
  });

  it('refuses, before any call, a chat link field that is the name field (a draft from before the rule)', async () => {
    const api = new FakeApi(workspace({ settings: { ...SAVED, chatLinkField: 'Last_Name' } }));
    await mount({ api });
    await settled();
    fireEvent.click(screen.getByRole('button', { name: 'Activate integration' }));
    await waitFor(() => expect(select('Chat link field').getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByText(/cannot be the contact name field/)).toBeTruthy();
    expect(api.saveSettings).not.toHaveBeenCalled();
  });

  it("shows the server's refusal next to the chat link select", async () => {
    const api = new FakeApi();
    api.saveSettings.mockRejectedValueOnce(
      new ApiError(
        400,
        'CHAT_LINK_FIELD_CLASH',
        'The chat link field cannot be "Nickname".',
        'chatLinkField',
      ),
    );
    await mount({ api });
    await settled();
    choose('Chat link field', 'Website');
    fireEvent.click(screen.getByRole('button', { name: 'Activate integration' }));
    await screen.findByText('The chat link field cannot be "Nickname".');
    expect(select('Chat link field').getAttribute('aria-invalid')).toBe('true');
  });
});

describe('the test record', () => {
  it('is named after a second activation as the same record, updated', async () => {
    const api = new FakeApi(
      workspace({ settings: SAVED, testRecordId: 'rec_test', activatedAt: '2025-03-01T10:00:00Z' }),
    );
    await mount({ api });
    await settled();
    fireEvent.click(screen.getByRole('button', { name: 'Activate integration' }));
    const notice = await screen.findByText(/The integration is active/);
    expect(notice.textContent).toContain('in Contacts was updated (the same record as before)');
  });
});
