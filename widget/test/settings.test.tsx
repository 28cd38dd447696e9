// @vitest-environment happy-dom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/client';
import { FakeApi, SAVED, SESSION, logEntry, memorySession, workspace } from './fakes';
import { choose, mount, select, settled } from './settingsHarness';

beforeEach(() => window.localStorage.clear());
afterEach(cleanup);

describe('settings page', () => {
  it('connects through the popup and then shows the organization', async () => {
    const session = memorySession(null);
    await mount({ session });
    expect(screen.getByText('Not connected')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Connect Zoho CRM' }));
    await screen.findByText('Acme Sandbox');
    // The popup's token is renewed at once: that tells its expiry, kept with it.
    await waitFor(() => expect(session.get()?.sessionToken).toBe('sess_renewed_1'));
    expect(session.get()?.expiresAt).toMatch(/^\d{4}-/);
    expect(session.get()?.email).toBe('owner@acme.test');
    expect(screen.getByText('Connected')).toBeTruthy();
  });

  it('shows why connecting failed, next to the button', async () => {
    const { ConnectError } = await import('../src/api/session');
    await mount({
      session: memorySession(null),
      connect: Promise.reject(new ConnectError('blocked', 'Your browser blocked the Zoho sign-in window.')),
    });
    fireEvent.click(screen.getByRole('button', { name: 'Connect Zoho CRM' }));
    expect((await screen.findByRole('alert')).textContent).toContain('blocked the Zoho sign-in window');
  });

  it('asks to connect again when the session has expired', async () => {
    const api = new FakeApi();
    api.workspaceError = new ApiError(
      401,
      'UNAUTHENTICATED',
      'Your session has expired. Connect Zoho CRM again.',
    );
    const session = memorySession(SESSION);
    await mount({ api, session });
    await screen.findByText('Session ended');
    expect(screen.getByText(/Your session as owner@acme.test has ended/)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign in again' })).toBeTruthy();
    expect(session.get()).toBeNull();
    expect(session.read()).toMatchObject({ kind: 'ended', reason: 'expired' });
  });

  it('offers only modules with a phone field and suggests sensible defaults', async () => {
    await mount();
    await settled();
    const modules = [...select('Sync destination').options].map((o) => o.value);
    expect(modules).toEqual(['', 'Contacts', 'Leads']);
    expect(select('Sync destination').value).toBe('Contacts');
    expect(select('WhatsApp number field').value).toBe('Phone');
    expect(select('Contact name field').value).toBe('Last_Name');
    expect(select('Lead source field').value).toBe('Lead_Source');
    // No "WhatsApp" field yet: no guess, but an offer to create one.
    expect(select('Chat link field').value).toBe('');
    expect(screen.getByRole('button', { name: 'Create a field for me' })).toBeTruthy();
  });

  it('changing the module clears the field choices made for the previous one', async () => {
    await mount();
    await settled();
    choose('Contact name field', 'First_Name');
    choose('Chat link field', 'Website');
    choose('Sync destination', 'Leads');
    await waitFor(() => expect(select('WhatsApp number field').value).toBe('Mobile'));
    // First_Name and Website exist in Leads too, but the old choices are gone: only Leads' defaults remain.
    expect(select('Contact name field').value).toBe('Last_Name');
    expect(select('Chat link field').value).toBe('');
    expect(select('Lead source field').value).toBe('Lead_Source');
  });

  it('creates the chat link field on request and selects it', async () => {
    const { api } = await mount();
    await settled();
    fireEvent.click(screen.getByRole('button', { name: 'Create a field for me' }));
    await waitFor(() => expect(select('Chat link field').value).toBe('WhatsApp_Chat'));
    expect(api.createChatLinkField).toHaveBeenCalledWith('Contacts');
    expect(screen.getByText('Created the field “WhatsApp Chat” in Contacts.')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Create a field for me' })).toBeNull();
  });

  it('keeps an unsaved draft across a reload, and can discard it', async () => {
    const api = new FakeApi(workspace({ settings: SAVED }));
    await mount({ api });
    await settled();
    choose('WhatsApp number field', 'Mobile');
    cleanup(); // the reload: a new page, same browser storage

    await mount({ api });
    await waitFor(() => expect(select('WhatsApp number field').value).toBe('Mobile'));
    expect(screen.getByText('Your unsaved changes from last time were restored.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Discard changes' }));
    expect(select('WhatsApp number field').value).toBe('Phone');
    expect(window.localStorage.getItem('wzsync:draft:ws_1')).toBeNull();
  });

  it('activates with the chosen settings, then locks them', async () => {
    const { api } = await mount();
    await settled();
    choose('Chat link field', 'Website');
    fireEvent.click(screen.getByRole('button', { name: 'Activate integration' }));
    await screen.findByRole('button', { name: 'Deactivate and edit settings' });
    expect(api.saveSettings).toHaveBeenCalledWith({
      module: 'Contacts',
      phoneField: 'Phone',
      nameField: 'Last_Name',
      chatLinkField: 'Website',
      leadSourceField: 'Lead_Source',
      timeZone: null,
    });
    expect(api.activate).toHaveBeenCalledTimes(1);
    expect(screen.queryAllByRole('combobox')).toHaveLength(0);
    expect(screen.getByText('Active')).toBeTruthy();
    const notice = screen.getByText(/The integration is active/);
    expect(notice.textContent).toContain(
      'The test record “WhatsApp test contact (TimelinesAI)” was created in Contacts.',
    );
    const link = within(notice).getByRole('link', { name: /Open the test record in Zoho CRM/ });
    expect(link.getAttribute('href')).toBe('https://crm.zoho.eu/crm/org20012345/tab/Contacts/rec_test');
    expect(link.getAttribute('target')).toBe('_blank');
    expect(window.localStorage.getItem('wzsync:draft:ws_1')).toBeNull();
  });

  it('shows the locked view while active, and "Deactivate and edit settings" unlocks it', async () => {
    const api = new FakeApi(workspace({ active: true, settings: SAVED }));
    await mount({ api });
    await screen.findByText('Website');
    expect(screen.queryAllByRole('combobox')).toHaveLength(0);
    expect(screen.queryByRole('button', { name: 'Activate integration' })).toBeNull();
    const summary = screen.getByText(
      'The settings are locked while the integration is active.',
    ).parentElement!;
    expect(within(summary).getByText('Last Name')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Deactivate and edit settings' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Deactivate' }));
    await waitFor(() => expect(select('WhatsApp number field').value).toBe('Phone'));
    expect(api.deactivate).toHaveBeenCalledTimes(1);
    expect(select('Chat link field').value).toBe('Website');
    expect(screen.getByRole('button', { name: 'Activate integration' })).toBeTruthy();
  });

  it('shows an activation error next to the setting it names, and focuses that setting', async () => {
    const api = new FakeApi();
    api.activateError = new ApiError(
      422,
      'ZOHO_VALIDATION',
      'Zoho refused the test record (INVALID_DATA) because of the field "Lead Source".',
      'leadSourceField',
    );
    await mount({ api });
    await settled();
    choose('Chat link field', 'Website');
    fireEvent.click(screen.getByRole('button', { name: 'Activate integration' }));
    const leadSource = select('Lead source field');
    await waitFor(() => expect(leadSource.getAttribute('aria-invalid')).toBe('true'));
    const described = leadSource.getAttribute('aria-describedby')!.split(' ');
    const message = described.map((id) => document.getElementById(id)?.textContent ?? '').join(' ');
    expect(message).toContain('because of the field "Lead Source"');
    expect(leadSource.closest('.field')!.textContent).toContain('because of the field "Lead Source"');
    await waitFor(() => expect(document.activeElement).toBe(leadSource));
    expect(select('WhatsApp number field').getAttribute('aria-invalid')).toBeNull();
    expect(screen.getByText('Inactive')).toBeTruthy();
  });

  it('after an error about a field, reads the fields again: a deleted chat link field shows as unusable and can be re-created', async () => {
    const { api } = await mount();
    await settled();
    fireEvent.click(screen.getByRole('button', { name: 'Create a field for me' }));
    await waitFor(() => expect(select('Chat link field').value).toBe('WhatsApp_Chat'));
    // Meanwhile someone deleted it in Zoho CRM (the fake's field list never had it).
    api.activateError = new ApiError(
      400,
      'FIELD_NOT_FOUND',
      'The chat link field "WhatsApp_Chat" does not exist in Contacts (it may have been deleted in Zoho CRM). Choose another field.',
      'chatLinkField',
    );
    fireEvent.click(screen.getByRole('button', { name: 'Activate integration' }));
    await waitFor(() => expect(select('Chat link field').getAttribute('aria-invalid')).toBe('true'));
    await screen.findByRole('button', { name: 'Create a field for me' });
    expect(api.getModuleFields).toHaveBeenCalledTimes(2);
    const chatLink = select('Chat link field');
    expect(chatLink.value).toBe('WhatsApp_Chat');
    expect(chatLink.selectedOptions[0]!.textContent).toBe('WhatsApp_Chat (not usable in Contacts)');
    expect(chatLink.closest('.field')!.textContent).toContain('does not exist in Contacts');
  });

  it('maps an error naming the Zoho field (not the setting) to the setting that uses it', async () => {
    const api = new FakeApi();
    api.activateError = new ApiError(422, 'ZOHO_VALIDATION', 'Phone is not writable in Contacts.', 'Phone');
    await mount({ api });
    await settled();
    choose('Chat link field', 'Website');
    fireEvent.click(screen.getByRole('button', { name: 'Activate integration' }));
    await waitFor(() => expect(select('WhatsApp number field').getAttribute('aria-invalid')).toBe('true'));
    expect(select('WhatsApp number field').closest('.field')!.textContent).toContain('not writable');
  });

  it('shows an error about no particular setting above the Activate button', async () => {
    const api = new FakeApi();
    api.activateError = new ApiError(
      503,
      'ZOHO_TEMPORARY',
      'Zoho CRM is not answering. Try again in a minute.',
    );
    await mount({ api });
    await settled();
    choose('Chat link field', 'Website');
    fireEvent.click(screen.getByRole('button', { name: 'Activate integration' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Try again in a minute');
  });

  it('does not call the backend while a setting is missing, and says which', async () => {
    const { api } = await mount();
    await settled();
    fireEvent.click(screen.getByRole('button', { name: 'Activate integration' }));
    await waitFor(() => expect(select('Chat link field').getAttribute('aria-invalid')).toBe('true'));
    expect(select('Chat link field').closest('.field')!.textContent).toContain('Create a field for me');
    expect(api.saveSettings).not.toHaveBeenCalled();
  });

  it('shows everything read-only to someone who is not the owner, with the reason', async () => {
    const api = new FakeApi(workspace({ settings: SAVED, webhookUrl: null }), {
      email: 'rep@acme.test',
      isOwner: false,
    });
    await mount({ api });
    await screen.findByText('Website');
    expect(
      screen.getByText(/Only the workspace owner \(owner@acme.test\) can change these settings/),
    ).toBeTruthy();
    expect(screen.queryAllByRole('combobox')).toHaveLength(0);
    expect(screen.queryByRole('button', { name: 'Activate integration' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Deactivate and edit settings' })).toBeNull();
    expect(screen.queryByLabelText('Webhook URL')).toBeNull();
  });

  it("switches to read-only with the backend's 403 message", async () => {
    const api = new FakeApi();
    api.activateError = new ApiError(
      403,
      'NOT_OWNER',
      'Only owner@acme.test, who connected this org, can change settings.',
    );
    await mount({ api });
    await settled();
    choose('Chat link field', 'Website');
    fireEvent.click(screen.getByRole('button', { name: 'Activate integration' }));
    await screen.findByText(/who connected this org, can change settings/);
    expect(screen.queryAllByRole('combobox')).toHaveLength(0);
  });

  it('shows the webhook URL with a copy button, and the latest sync outcomes', async () => {
    const api = new FakeApi();
    api.syncLog = [
      logEntry({
        id: 'e2',
        at: '2025-01-02T10:00:00Z',
        messageId: 'm2',
        outcome: 'failed',
        reason: 'Zoho said TOO_MANY_REQUESTS; will retry',
      }),
      logEntry({
        id: 'e1',
        at: '2025-01-02T09:00:00Z',
        messageId: 'm1',
        outcome: 'synced',
        recordId: '1001',
        noteId: 'n1',
        module: 'Contacts',
      }),
    ];
    await mount({ api });
    expect((screen.getByLabelText('Webhook URL') as HTMLInputElement).value).toBe(
      'http://localhost:3000/webhooks/timelines/tok_secret',
    );
    expect(screen.getByRole('button', { name: 'Copy' })).toBeTruthy();
    await screen.findByText('Zoho said TOO_MANY_REQUESTS; will retry');
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows[0]!.textContent).toContain('TOO_MANY_REQUESTS');
    expect(rows[0]!.textContent).toContain('Failed');
    expect(rows[1]!.textContent).toContain('Synced');
    expect(
      within(rows[1]!)
        .getByRole('link', { name: /^Record/ })
        .getAttribute('href'),
    ).toBe('https://crm.zoho.eu/crm/org20012345/tab/Contacts/1001');
  });
});
