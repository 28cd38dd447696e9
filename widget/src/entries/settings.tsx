/** Entry point of settings.html inside Zoho CRM (or the sandbox host page): wires host, backend, views. */
import '../ui/styles.css';
import { render } from 'preact';
import { createApiClient } from '../api/client';
import { createSessionStore, startConnect } from '../api/session';
import { browserStorage } from '../browserStorage';
import { resolveConfig } from '../config';
import { createZohoHost } from '../host/zohoHost';
import { createDraftStorage } from '../settings/draftStorage';
import { SettingsApp } from '../settings/SettingsApp';
import { createSettingsController } from '../settings/settingsController';

const config = resolveConfig(window.location, import.meta.env.VITE_BACKEND_URL);
const host = createZohoHost(window);
// One session per backend in localStorage: every tab and later visit restores it (see api/session.ts).
const session = createSessionStore({
  storage: browserStorage('localStorage'),
  backendOrigin: config.backendOrigin,
  events: window,
});
const controller = createSettingsController({
  api: createApiClient({ baseUrl: config.backendUrl, getToken: () => session.get()?.sessionToken ?? null }),
  session,
  drafts: createDraftStorage(browserStorage('localStorage')),
  connect: () => startConnect(config),
  host,
});

render(<SettingsApp controller={controller} host={host} />, document.getElementById('app')!);
void controller.start();
