/** Mounts the settings page on the fakes, as the component tests use it. */
import { fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { expect } from 'vitest';
import type { ConnectAttempt, ConnectedSession, SessionStore } from '../src/api/session';
import { createDraftStorage } from '../src/settings/draftStorage';
import { SettingsApp } from '../src/settings/SettingsApp';
import { createSettingsController, type SettingsController } from '../src/settings/settingsController';
import { FakeApi, SESSION, fakeConnect, memorySession } from './fakes';

export interface Setup {
  api?: FakeApi;
  session?: SessionStore;
  connect?: Promise<ConnectedSession> | (() => ConnectAttempt);
  now?: () => number;
}

export async function mount({
  api = new FakeApi(),
  session = memorySession(SESSION),
  connect,
  now,
}: Setup = {}) {
  const controller: SettingsController = createSettingsController({
    api,
    session,
    drafts: createDraftStorage(window.localStorage),
    connect: typeof connect === 'function' ? connect : fakeConnect(connect ?? Promise.resolve(SESSION)),
    ...(now ? { now } : {}),
  });
  const view = render(<SettingsApp controller={controller} syncLogPollMs={0} />);
  await controller.start();
  return { api, controller, view };
}

export const select = (label: string) => screen.getByLabelText(label) as HTMLSelectElement;
export const choose = (label: string, value: string) =>
  fireEvent.change(select(label), { target: { value } });

/** Waits until the form shows the module's fields with its defaults filled in. */
export async function settled() {
  await waitFor(() => expect(select('WhatsApp number field').value).not.toBe(''));
}
