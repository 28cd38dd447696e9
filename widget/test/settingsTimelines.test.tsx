// @vitest-environment happy-dom
/**
 * The settings page's TimelinesAI parts on the fake backend: pasting the token (refused with
 * TimelinesAI's reason, then accepted), the webhook card switching from the URL to paste to the
 * subscriptions TimelinesAI holds with their failed deliveries, removing the token, and the history
 * import (start, progress with an ETA, the outcome).
 */
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeApi, SAVED, workspace } from './fakes';
import { mount } from './settingsHarness';

beforeEach(() => window.localStorage.clear());
afterEach(cleanup);

const region = (name: string) => screen.getByRole('region', { name });
const tokenBox = () => screen.getByLabelText('TimelinesAI API token') as HTMLInputElement;

describe('TimelinesAI connection', () => {
  it('refuses a wrong token with TimelinesAI’s reason, connects with a good one, then shows the subscriptions', async () => {
    const api = new FakeApi(workspace({ settings: SAVED, active: true }));
    await mount({ api });
    await screen.findByLabelText('TimelinesAI API token');
    expect(within(region('TimelinesAI webhook')).getByText('Webhook URL')).toBeTruthy();

    fireEvent.input(tokenBox(), { target: { value: 'bad' } });
    fireEvent.click(screen.getByRole('button', { name: 'Connect TimelinesAI' }));
    expect((await screen.findByText(/Invalid or expired token/)).textContent).toContain('refused');
    expect(tokenBox().getAttribute('aria-invalid')).toBe('true');

    fireEvent.input(tokenBox(), { target: { value: 'good-token-123' } });
    fireEvent.click(screen.getByRole('button', { name: 'Connect TimelinesAI' }));
    await screen.findByText('TimelinesAI is connected.');
    expect(api.connectTimelines).toHaveBeenLastCalledWith('good-token-123');
    expect(screen.getByText('12 of 100 used', { exact: false })).toBeTruthy();
    // Active with a token: the webhook card shows what TimelinesAI holds instead of the URL to paste.
    const hooks = await within(region('TimelinesAI webhook')).findByText(
      'Registered in TimelinesAI automatically:',
    );
    expect(hooks).toBeTruthy();
    const items = within(region('TimelinesAI webhook'))
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(items).toEqual([
      'message:received:new no failed deliveries',
      "message:sent:new 3 failed deliveries (TimelinesAI's count)",
    ]);
    expect(within(region('TimelinesAI webhook')).queryByText('Webhook URL')).toBeNull();
  });

  it('removes the token after a confirmation, and the URL to paste comes back', async () => {
    const api = new FakeApi(
      workspace({
        settings: SAVED,
        active: true,
        timelines: { connected: true, connectedAt: '2025-03-02T10:00:00Z', problem: null },
      }),
    );
    await mount({ api });
    fireEvent.click(await screen.findByRole('button', { name: 'Remove token' }));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Remove token' }));
    await screen.findByText(/The token is removed/);
    expect(api.disconnectTimelines).toHaveBeenCalledTimes(1);
    await within(region('TimelinesAI webhook')).findByText('Webhook URL');
  });

  it('shows a token TimelinesAI refuses, and only the owner may change it', async () => {
    const api = new FakeApi(
      workspace({
        settings: SAVED,
        timelines: {
          connected: true,
          connectedAt: null,
          problem: 'TimelinesAI no longer accepts the API token.',
        },
      }),
      { email: 'rep@acme.test', isOwner: false },
    );
    api.getTimelines.mockImplementation(async () => ({ ...api.timelinesStatus(), error: null }));
    await mount({ api });
    await within(region('TimelinesAI connection')).findByText('TimelinesAI no longer accepts the API token.');
    expect(screen.queryByRole('button', { name: 'Replace token' })).toBeNull();
  });
});

describe('history import', () => {
  it('starts from the chosen day, shows progress with an ETA while it runs, then the outcome', async () => {
    const api = new FakeApi(
      workspace({
        settings: SAVED,
        active: true,
        timelines: { connected: true, connectedAt: '2025-03-02T10:00:00Z', problem: null },
      }),
    );
    const { controller } = await mount({ api });
    const since = (await screen.findByLabelText('Import messages since')) as HTMLInputElement;
    fireEvent.input(since, { target: { value: '2025-02-01' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import history' }));
    await waitFor(() => expect(api.startHistoryImport).toHaveBeenCalledWith('2025-02-01'));
    api.history = {
      ...api.history,
      chats: { done: 120, total: 300 },
      messages: { done: 1200, total: 3000 },
      etaSeconds: 240,
    };
    await controller.timelines.loadHistory();
    const progress = await screen.findByText(/Importing/);
    expect(progress.closest('p')!.textContent).toBe(
      'Importing since 2025-02-01: Chats 120 of 300 · messages 1,200 of 3,000 · about 4 min left',
    );
    expect(screen.queryByRole('button', { name: 'Import history' })).toBeNull();
    api.history = {
      ...api.history,
      status: 'done',
      finishedAt: '2025-03-02T11:00:00Z',
      chats: { done: 300, total: 300 },
      messages: { done: 3000, total: 3000 },
      duplicates: 100,
      etaSeconds: null,
    };
    await controller.timelines.loadHistory();
    expect((await screen.findByText(/Imported since 2025-02-01/)).textContent).toContain(
      '100 were already in the CRM',
    );
  });
});
