/** The settings page's state: what the views read from the controller's store. */
import type {
  ModuleFields,
  ModuleInfo,
  SettingKey,
  SyncLogEntry,
  SyncOutcome,
  WebhookSetup,
  Workspace,
  WorkspaceResponse,
} from '../api/client';
import type { EndReason } from '../api/session';
import { draftFromSettings, type Draft } from './logic';

export interface Loadable<T> {
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** Kept while reloading, so lists do not collapse. */
  data: T | null;
  error: string | null;
}

export type Busy = null | 'activating' | 'deactivating' | 'creatingField' | 'disconnecting';

/** A short confirmation, with a link when it names something in the CRM. */
export interface Notice {
  text: string;
  link?: { href: string; label: string };
}

export type LogFilter = 'all' | SyncOutcome;

/** Regenerating the webhook URL: asked, under way, done (the reminder where to paste it stays), failed. */
export interface WebhookRotation {
  step: 'idle' | 'confirming' | 'rotating' | 'rotated';
  error: string | null;
}

export const idleRotation = (): WebhookRotation => ({ step: 'idle', error: null });

export interface SyncLogState {
  filter: LogFilter;
  status: 'idle' | 'loading' | 'ready' | 'error';
  /** Newest first; null until the first page arrived. */
  entries: SyncLogEntry[] | null;
  /** The cursor of the next (older) page; null when there is none. */
  next: string | null;
  loadingMore: boolean;
  error: string | null;
}

export interface SettingsState {
  /** 'signedOut': no usable session in this browser (see `ended` for why). */
  phase: 'loading' | 'signedOut' | 'ready' | 'error';
  /** Why the last session ended (null: never connected from this browser) and who was signed in. */
  ended: { reason: EndReason | null; email: string | null };
  loadError: string | null;
  /** The sign-in popup is open: to connect, or to sign in as someone else. */
  connecting: null | 'connect' | 'switch';
  /** Shown next to the sign-in buttons: why connecting did not finish. */
  connectMessage: { tone: 'error' | 'info'; text: string } | null;
  workspace: Workspace | null;
  you: WorkspaceResponse['you'] | null;
  modules: Loadable<ModuleInfo[]>;
  fields: Record<string, Loadable<ModuleFields>>;
  draft: Draft;
  /** The draft came back from a previous visit and differs from the saved settings. */
  draftRestored: boolean;
  busy: Busy;
  fieldErrors: Partial<Record<SettingKey, string>>;
  formError: string | null;
  notice: Notice | null;
  /** Why this user sees the settings read-only (not the owner, or the backend's 403 message). */
  readOnlyReason: string | null;
  /** An action waiting for the admin's confirmation. */
  confirming: null | 'deactivate' | 'disconnect';
  /** A new destination for an integration that ran before, waiting for the admin's confirmation. */
  moduleChange: { from: string; to: string } | null;
  webhookRotation: WebhookRotation;
  syncLog: SyncLogState;
}

export const idle = <T>(): Loadable<T> => ({ status: 'idle', data: null, error: null });

export const emptySyncLog = (filter: LogFilter = 'all'): SyncLogState => ({
  filter,
  status: 'idle',
  entries: null,
  next: null,
  loadingMore: false,
  error: null,
});

export function initialState(): SettingsState {
  return {
    phase: 'loading',
    ended: { reason: null, email: null },
    loadError: null,
    connecting: null,
    connectMessage: null,
    workspace: null,
    you: null,
    modules: idle(),
    fields: {},
    draft: draftFromSettings(null),
    draftRestored: false,
    busy: null,
    fieldErrors: {},
    formError: null,
    notice: null,
    readOnlyReason: null,
    confirming: null,
    moduleChange: null,
    webhookRotation: idleRotation(),
    syncLog: emptySyncLog(),
  };
}

/** The state of a page without a session: everything about the workspace is forgotten. */
export function signedOutState(reason: EndReason | null, email: string | null): Partial<SettingsState> {
  return {
    phase: 'signedOut',
    ended: { reason, email },
    workspace: null,
    you: null,
    modules: idle(),
    fields: {},
    busy: null,
    confirming: null,
    moduleChange: null,
    webhookRotation: idleRotation(),
    notice: null,
    formError: null,
    fieldErrors: {},
    readOnlyReason: null,
    syncLog: emptySyncLog(),
  };
}

/** Whether the form may be edited now. */
export function isEditable(s: SettingsState): boolean {
  return (
    s.phase === 'ready' &&
    !!s.workspace &&
    s.workspace.connected &&
    !s.workspace.active &&
    s.readOnlyReason === null &&
    s.busy === null
  );
}

export function moduleLabel(s: SettingsState, apiName: string): string {
  return s.modules.data?.find((m) => m.apiName === apiName)?.label ?? apiName;
}

/** The confirmation after an activation, naming the test record and linking it into the CRM. */
export function activationNotice(
  record: { name: string; created: boolean; url: string | null },
  module: string,
  webhooks?: WebhookSetup,
): Notice {
  const what = record.created
    ? `The test record “${record.name}” was created in ${module}.`
    : `The test record “${record.name}” in ${module} was updated (the same record as before).`;
  const hooks =
    webhooks?.mode === 'automatic'
      ? ' TimelinesAI now delivers new WhatsApp messages here (its webhooks are registered).'
      : webhooks?.mode === 'failed'
        ? ` The webhooks could not be registered in TimelinesAI (${webhooks.problem ?? 'no reason given'}): paste the webhook URL there by hand.`
        : '';
  return {
    text: `The integration is active. ${what}${hooks}`,
    ...(record.url ? { link: { href: record.url, label: 'Open the test record in Zoho CRM' } } : {}),
  };
}
