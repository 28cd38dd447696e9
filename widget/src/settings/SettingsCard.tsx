/** Integration settings: the editable form, or the locked / read-only summary. */
import { useEffect, useMemo } from 'preact/hooks';
import type { ModuleFields, SettingKey } from '../api/client';
import { Alert, Badge, Button, Card, ConfirmPanel, SelectField, type Option } from '../ui/components';
import { useSettings } from './context';
import {
  CANDIDATES_OF,
  FIELD_KEYS,
  isWhatsAppLabel,
  ranWithModule,
  usableAsChatLink,
  type Draft,
  type FieldKey,
} from './logic';
import { ModuleChangeConfirm, moduleChangeWarning } from './ModuleChangeConfirm';
import { PhoneIndexStatus } from './PhoneIndexStatus';
import { isEditable, moduleLabel, type Notice, type SettingsState } from './settingsController';

export const FIELD_TEXT: Record<FieldKey, { label: string; hint: string }> = {
  phoneField: {
    label: 'WhatsApp number field',
    hint: 'A phone field (e.g. Phone or Mobile). New records get the number in international format.',
  },
  nameField: {
    label: 'Contact name field',
    hint: 'Gets the WhatsApp chat name, or “New WhatsApp contact: <number>” when the chat has none.',
  },
  chatLinkField: {
    label: 'Chat link field',
    hint: 'Gets the link to the chat in TimelinesAI. A dedicated field is easiest to find on the record.',
  },
  leadSourceField: {
    label: 'Lead source field',
    hint: 'Set to “TimelinesAI” on new records; the value is added to the picklist if it is missing.',
  },
};

const ID: Record<SettingKey, string> = {
  module: 'setting-module',
  phoneField: 'setting-phone',
  nameField: 'setting-name',
  chatLinkField: 'setting-chat-link',
  leadSourceField: 'setting-lead-source',
  timeZone: 'setting-time-zone',
};

const ERROR_ORDER: readonly SettingKey[] = ['module', ...FIELD_KEYS, 'timeZone'];

export function SettingsCard() {
  const [s] = useSettings();
  const ws = s.workspace;
  if (!ws) return null;
  const locked = ws.active || s.readOnlyReason !== null;
  return (
    <Card
      id="settings"
      title="Integration settings"
      actions={ws.active ? <Badge tone="success">Active</Badge> : <Badge tone="neutral">Inactive</Badge>}
    >
      {s.notice ? <NoticeAlert notice={s.notice} /> : null}
      {!ws.active && ws.activatedAt ? <SkippedCounter count={ws.skippedWhileInactive} /> : null}
      <PhoneIndexStatus />
      {locked ? <SettingsSummary /> : <SettingsForm />}
    </Card>
  );
}

function NoticeAlert({ notice }: { notice: Notice }) {
  return (
    <Alert tone="success" focusOnMount>
      {notice.text}
      {notice.link ? (
        <>
          {' '}
          <a href={notice.link.href} target="_blank" rel="noopener noreferrer">
            {notice.link.label}
            <span class="visually-hidden"> (opens in a new tab)</span>
          </a>
        </>
      ) : null}
    </Alert>
  );
}

/** While inactive: how many messages arrived and were not synced since the deactivation. */
function SkippedCounter({ count }: { count: number }) {
  return (
    <Alert tone={count > 0 ? 'warning' : 'info'}>
      {count === 0
        ? 'No WhatsApp messages have arrived since the integration was deactivated.'
        : `${count} WhatsApp message${count === 1 ? '' : 's'} arrived since the integration was deactivated and ${count === 1 ? 'was' : 'were'} not synced (see “Skipped” in the sync activity).`}
    </Alert>
  );
}

function fieldOptions(
  meta: ModuleFields | null | undefined,
  key: FieldKey,
  draft: Draft,
  module: string,
): Option[] {
  const current = draft[key];
  const all = meta?.candidates[CANDIDATES_OF[key]] ?? [];
  // The chat link may not go into the name or phone field (the server refuses it too).
  const choices = key === 'chatLinkField' ? all.filter((c) => usableAsChatLink(c.apiName, draft)) : all;
  const labelCount = new Map<string, number>();
  for (const c of choices) labelCount.set(c.label, (labelCount.get(c.label) ?? 0) + 1);
  const options = choices.map((c) => ({
    value: c.apiName,
    label: (labelCount.get(c.label) ?? 0) > 1 ? `${c.label} (${c.apiName})` : c.label,
  }));
  if (current && !choices.some((c) => c.apiName === current)) {
    options.unshift({ value: current, label: meta ? `${current} (not usable in ${module})` : current });
  }
  return options;
}

/** The chat link's hint, warning when the chosen field is a standard one with its own meaning. */
function chatLinkHint(meta: ModuleFields | null, draft: Draft, module: string): string {
  const chosen = meta?.fields.find((f) => f.apiName === draft.chatLinkField);
  if (!chosen || chosen.custom) return FIELD_TEXT.chatLinkField.hint;
  return `“${chosen.label}” is a standard ${module} field: on records that already exist, its value is replaced by the chat link. A dedicated field (“Create a field for me”) keeps it.`;
}

/** A field's label from the module's metadata, else its API name. */
function fieldLabel(meta: ModuleFields | null | undefined, apiName: string): string {
  return meta?.fields.find((f) => f.apiName === apiName)?.label ?? apiName;
}

const MODULE_HINT =
  'The CRM module WhatsApp contacts are matched in and created in. Only modules with a phone field are listed. Changing it clears the field choices below.';

/** The destination's hint; once a new destination is chosen for an integration that ran, what it does. */
function moduleHint(s: SettingsState): string {
  const ran = s.workspace ? ranWithModule(s.workspace) : null;
  const next = s.draft.module;
  if (!ran || !next || next === ran) return MODULE_HINT;
  return `After activation: ${moduleChangeWarning(moduleLabel(s, ran), moduleLabel(s, next))}`;
}

function timeZoneOptions(): Option[] {
  try {
    return Intl.supportedValuesOf('timeZone').map((z) => ({ value: z, label: z.replace(/_/g, ' ') }));
  } catch {
    return [];
  }
}

function SettingsForm() {
  const [s, c] = useSettings();
  const ws = s.workspace!;
  const editable = isEditable(s);
  const { draft } = s;
  const fieldsState = draft.module ? s.fields[draft.module] : undefined;
  const meta = fieldsState?.data ?? null;
  const zones = useMemo(timeZoneOptions, []);

  // After a failed activation, take the keyboard to the first setting with a message.
  useEffect(() => {
    const first = ERROR_ORDER.find((k) => s.fieldErrors[k]);
    if (first) document.getElementById(ID[first])?.focus();
  }, [s.fieldErrors]);

  const modulePlaceholder =
    s.modules.status === 'loading' && !s.modules.data ? 'Loading modules…' : 'Choose a module…';
  const fieldPlaceholder = !draft.module
    ? 'Choose a module first'
    : fieldsState?.status === 'loading' && !meta
      ? 'Loading fields…'
      : 'Choose a field…';
  const hasWhatsAppField = !!meta?.candidates.chatLink.some((c) => isWhatsAppLabel(c.label));

  return (
    <form
      class="settings-form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void c.activate();
      }}
    >
      {s.draftRestored ? (
        <Alert tone="info">
          <span>Your unsaved changes from last time were restored.</span>{' '}
          <Button variant="link" onClick={() => c.discardDraft()}>
            Discard changes
          </Button>
        </Alert>
      ) : null}
      <fieldset disabled={!editable}>
        <legend class="visually-hidden">Integration settings</legend>
        <SelectField
          id={ID.module}
          label="Sync destination"
          value={draft.module}
          placeholder={modulePlaceholder}
          options={(s.modules.data ?? []).map((m) => ({ value: m.apiName, label: m.label }))}
          hint={moduleHint(s)}
          error={s.fieldErrors.module ?? (s.modules.status === 'error' ? s.modules.error : null)}
          onChange={(v) => c.selectModule(v)}
        />
        <ModuleChangeConfirm />
        {draft.module && fieldsState?.status === 'error' ? (
          <Alert tone="error">
            Could not load the fields of {moduleLabel(s, draft.module)}: {fieldsState.error}
          </Alert>
        ) : null}
        {FIELD_KEYS.map((key) => (
          <SelectField
            key={key}
            id={ID[key]}
            label={FIELD_TEXT[key].label}
            value={draft[key]}
            placeholder={fieldPlaceholder}
            options={fieldOptions(meta, key, draft, moduleLabel(s, draft.module))}
            hint={
              key === 'chatLinkField'
                ? chatLinkHint(meta, draft, moduleLabel(s, draft.module))
                : FIELD_TEXT[key].hint
            }
            error={s.fieldErrors[key]}
            onChange={(v) => c.setField(key, v)}
            action={
              key === 'chatLinkField' && draft.module && meta && !hasWhatsAppField ? (
                <Button
                  busy={s.busy === 'creatingField'}
                  busyLabel="Creating…"
                  onClick={() => void c.createChatLinkField()}
                >
                  Create a field for me
                </Button>
              ) : undefined
            }
          />
        ))}
        <SelectField
          id={ID.timeZone}
          label="Time zone for Notes"
          value={draft.timeZone}
          placeholder={`The organization's time zone (${ws.orgTimeZone ?? ws.timeZone})`}
          options={zones}
          hint="Messages are grouped into one Note per calendar day in this time zone."
          error={s.fieldErrors.timeZone}
          onChange={(v) => c.setTimeZone(v)}
        />
      </fieldset>
      {s.formError ? <Alert tone="error">{s.formError}</Alert> : null}
      <div class="actions">
        <Button
          type="submit"
          variant="primary"
          busy={s.busy === 'activating'}
          busyLabel="Activating…"
          disabled={!editable}
        >
          Activate integration
        </Button>
        <span class="muted">
          Activation checks these settings in Zoho CRM and creates a test record
          {draft.module ? ` in ${moduleLabel(s, draft.module)}` : ''}.
        </span>
      </div>
    </form>
  );
}

function summaryValue(s: SettingsState, key: FieldKey): string {
  const settings = s.workspace?.settings;
  const apiName = settings?.[key];
  if (!settings || !apiName) return 'Not set';
  const meta = s.fields[settings.module]?.data;
  return fieldLabel(meta, apiName);
}

function SettingsSummary() {
  const [s, c] = useSettings();
  const ws = s.workspace!;
  const settings = ws.settings;
  return (
    <div class="settings-summary">
      {s.readOnlyReason ? (
        <Alert tone="info">
          <strong>Read-only.</strong> {s.readOnlyReason}
        </Alert>
      ) : ws.active ? (
        <p class="muted">The settings are locked while the integration is active.</p>
      ) : null}
      {settings ? (
        <dl class="summary">
          <div>
            <dt>Sync destination</dt>
            <dd>{moduleLabel(s, settings.module)}</dd>
          </div>
          {FIELD_KEYS.map((key) => (
            <div key={key}>
              <dt>{FIELD_TEXT[key].label}</dt>
              <dd>{summaryValue(s, key)}</dd>
            </div>
          ))}
          <div>
            <dt>Time zone for Notes</dt>
            <dd>{settings.timeZone || `The organization's time zone (${ws.orgTimeZone ?? ws.timeZone})`}</dd>
          </div>
        </dl>
      ) : (
        <p>The integration is not configured yet.</p>
      )}
      {s.formError ? <Alert tone="error">{s.formError}</Alert> : null}
      {ws.active && !s.readOnlyReason ? (
        s.confirming === 'deactivate' ? (
          <ConfirmPanel
            id="confirm-deactivate"
            title="Deactivate the integration?"
            confirmLabel="Deactivate"
            cancelLabel="Keep it active"
            onConfirm={() => void c.deactivate()}
            onCancel={() => c.cancelConfirm()}
          >
            <p>
              While it is inactive, WhatsApp messages that arrive are not synced: the sync activity lists them
              as skipped, and they are not added to the CRM later. Activate it again as soon as your changes
              are made.
            </p>
          </ConfirmPanel>
        ) : (
          <div class="actions">
            <Button
              busy={s.busy === 'deactivating'}
              busyLabel="Deactivating…"
              onClick={() => c.requestDeactivate()}
            >
              Deactivate and edit settings
            </Button>
          </div>
        )
      ) : null}
    </div>
  );
}
