// @vitest-environment happy-dom
/**
 * The settings page's session and connection: restored in a new tab, renewed while used, signing
 * out, switching user, disconnecting (owner only, after a confirmation), the popup closed unanswered,
 * and another tab's sign-out.
 */
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/client';
import { ConnectError, type ConnectAttempt } from '../src/api/session';
import { RENEW_AFTER_MS } from '../src/settings/sessionActions';
import { FakeApi, SESSION, memorySession, workspace } from './fakes';
import { mount } from './settingsHarness';

beforeEach(() => window.localStorage.clear());
afterEach(cleanup);

const button = (name: string | RegExp) => screen.getByRole('button', { name });

describe('the session', () => {
  it('is restored silently in a new tab: renewed, then the page shows the organization', async () => {
    const api = new FakeApi();
    const session = memorySession({ ...SESSION, expiresAt: new Date(Date.now() + 3600_000).toISOString() });
    await mount({ api, session });
    await screen.findByText('Acme Sandbox');
    expect(screen.queryByRole('button', { name: 'Connect Zoho CRM' })).toBeNull();
    await waitFor(() => expect(session.get()?.sessionToken).toBe('sess_renewed_1'));
  });

  it('is renewed while the page is used, at most every ten minutes', async () => {
    let now = Date.parse('2025-03-01T10:00:00Z');
    const api = new FakeApi();
    const { controller } = await mount({ api, now: () => now });
    await screen.findByText('Acme Sandbox');
    await waitFor(() => expect(api.renewSession).toHaveBeenCalledTimes(1));
    now += RENEW_AFTER_MS - 1000;
    await controller.keepAlive();
    expect(api.renewSession).toHaveBeenCalledTimes(1);
    now += 2000;
    await controller.keepAlive();
    expect(api.renewSession).toHaveBeenCalledTimes(2);
  });

  it('after it expired, one click signs in again and the page is back as it was', async () => {
    const api = new FakeApi(workspace({ settings: { module: 'Contacts', phoneField: 'Mobile' } }));
    const session = memorySession(null);
    session.set({ ...SESSION, expiresAt: '2000-01-01T00:00:00Z' });
    session.end('expired');
    await mount({ api, session });
    expect(screen.getByText('Session ended')).toBeTruthy();
    expect(api.getWorkspace).not.toHaveBeenCalled();
    fireEvent.click(button('Sign in again'));
    await screen.findByText('Acme Sandbox');
    await waitFor(() =>
      expect((screen.getByLabelText('WhatsApp number field') as HTMLSelectElement).value).toBe('Mobile'),
    );
  });

  it('signs out: the page says so, and the token is forgotten', async () => {
    const session = memorySession(SESSION);
    await mount({ session });
    await screen.findByText('Acme Sandbox');
    fireEvent.click(button('Sign out'));
    expect(screen.getByText('Signed out')).toBeTruthy();
    expect(
      screen.getByText(/You signed out \(owner@acme.test\)\. The integration keeps syncing/),
    ).toBeTruthy();
    expect(session.get()).toBeNull();
    expect(button('Sign in with Zoho')).toBeTruthy();
  });

  it('follows another tab signing out', async () => {
    const session = memorySession(SESSION);
    await mount({ session });
    await screen.findByText('Acme Sandbox');
    session.other({ kind: 'ended', reason: 'signedOut', email: 'owner@acme.test' });
    await screen.findByText('Signed out');
  });

  it('follows another tab signing in as someone else', async () => {
    const api = new FakeApi();
    const session = memorySession(SESSION);
    await mount({ api, session });
    await screen.findByText(/owner@acme\.test \(owner\)/);
    api.you = { email: 'rep@acme.test', isOwner: false };
    session.other({
      kind: 'session',
      session: { ...SESSION, sessionToken: 'sess_rep', email: 'rep@acme.test' },
    });
    await screen.findByText(/rep@acme\.test \(read-only/);
  });

  it('switches user through the popup: a rep gets the read-only view, which says who is signed in', async () => {
    const api = new FakeApi(workspace({ settings: { module: 'Contacts' } }));
    const { controller } = await mount({
      api,
      connect: Promise.resolve({ sessionToken: 'sess_rep', workspaceId: 'ws_1', webhookUrl: null }),
    });
    await screen.findByText('Acme Sandbox');
    api.you = { email: 'rep@acme.test', isOwner: false };
    await controller.switchUser();
    await screen.findByText(/rep@acme\.test \(read-only: only the owner changes settings\)/);
    expect(
      screen.getByText(/Only the workspace owner \(owner@acme.test\) can change these settings/),
    ).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Disconnect Zoho CRM' })).toBeNull();
    expect(button('Sign out')).toBeTruthy();
    expect(
      screen.getByText(/Only the workspace owner \(owner@acme.test\) sees the webhook URL/),
    ).toBeTruthy();
  });

  it('disconnects after a confirmation that says what happens to incoming messages, then shows "Disconnected"', async () => {
    const api = new FakeApi();
    const session = memorySession(SESSION);
    await mount({ api, session });
    await screen.findByText('Acme Sandbox');
    fireEvent.click(button('Disconnect Zoho CRM'));
    const dialog = screen.getByRole('alertdialog', { name: 'Disconnect Zoho CRM?' });
    expect(dialog.textContent).toContain(
      'Incoming WhatsApp messages are kept and synced after you reconnect',
    );
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(api.disconnect).not.toHaveBeenCalled();

    fireEvent.click(button('Disconnect Zoho CRM'));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Disconnect' }));
    await screen.findByText('Disconnected');
    expect(api.disconnect).toHaveBeenCalledTimes(1);
    expect(screen.getByText(/kept and synced after you reconnect/)).toBeTruthy();
    expect(screen.queryByText(/invalid or expired/)).toBeNull();
    expect(session.read()).toMatchObject({ kind: 'ended', reason: 'disconnected' });
    expect(button('Connect Zoho CRM')).toBeTruthy();
  });

  it('returns the button to normal when the popup is closed unanswered, and says nothing changed', async () => {
    let reject: (e: unknown) => void = () => undefined;
    const attempt = (): ConnectAttempt => ({
      result: new Promise((_resolve, r) => (reject = r)),
      cancel: () => undefined,
    });
    await mount({ session: memorySession(null), connect: attempt });
    fireEvent.click(button('Connect Zoho CRM'));
    await screen.findByRole('button', { name: 'Waiting for Zoho…' });
    reject(new ConnectError('closed', 'The Zoho sign-in window was closed before you finished.'));
    await screen.findByText(/closed before you finished\. Nothing changed\./);
    expect((button('Connect Zoho CRM') as HTMLButtonElement).disabled).toBe(false);
    expect(screen.queryByRole('alert')).toBeNull(); // information, not an error
  });

  it('ends the session when the backend refuses the renewal', async () => {
    const api = new FakeApi();
    api.renewError = new ApiError(401, 'SESSION_TOO_OLD', 'You signed in more than 30 days ago.');
    await mount({ api });
    await screen.findByText('Session ended');
  });
});
