/** Pure rules of the settings form: the draft, defaults, validation, where an error belongs. */
import type {
  FieldCandidates,
  IntegrationSettings,
  ModuleFields,
  ModuleInfo,
  SettingKey,
  SettingsRequest,
  Workspace,
} from '../api/client';

export type FieldKey = 'phoneField' | 'nameField' | 'chatLinkField' | 'leadSourceField';

export const FIELD_KEYS: readonly FieldKey[] = [
  'phoneField',
  'nameField',
  'chatLinkField',
  'leadSourceField',
];

/** Which candidate list of GET /api/zoho/modules/:module/fields feeds each select. */
export const CANDIDATES_OF: Record<FieldKey, keyof FieldCandidates> = {
  phoneField: 'phone',
  nameField: 'name',
  chatLinkField: 'chatLink',
  leadSourceField: 'leadSource',
};

/** The form's state; '' means "not chosen". timeZone '' means "the org's time zone". */
export interface Draft {
  module: string;
  phoneField: string;
  nameField: string;
  chatLinkField: string;
  leadSourceField: string;
  timeZone: string;
}

export const EMPTY_DRAFT: Draft = {
  module: '',
  phoneField: '',
  nameField: '',
  chatLinkField: '',
  leadSourceField: '',
  timeZone: '',
};

const DRAFT_KEYS = Object.keys(EMPTY_DRAFT) as (keyof Draft)[];

export function draftFromSettings(settings: IntegrationSettings | null | undefined): Draft {
  if (!settings) return { ...EMPTY_DRAFT };
  return {
    module: settings.module ?? '',
    phoneField: settings.phoneField ?? '',
    nameField: settings.nameField ?? '',
    chatLinkField: settings.chatLinkField ?? '',
    leadSourceField: settings.leadSourceField ?? '',
    timeZone: settings.timeZone ?? '',
  };
}

export function settingsFromDraft(draft: Draft): SettingsRequest {
  return {
    module: draft.module,
    phoneField: draft.phoneField,
    nameField: draft.nameField,
    chatLinkField: draft.chatLinkField,
    leadSourceField: draft.leadSourceField,
    timeZone: draft.timeZone || null,
  };
}

export function sameDraft(a: Draft, b: Draft): boolean {
  return DRAFT_KEYS.every((k) => a[k] === b[k]);
}

/** Reads a draft back from storage; anything malformed is dropped. */
export function parseDraft(value: unknown): Draft | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const draft = { ...EMPTY_DRAFT };
  for (const k of DRAFT_KEYS) {
    if (typeof v[k] === 'string') draft[k] = v[k];
    else if (v[k] !== undefined && v[k] !== null) return null;
  }
  return draft;
}

/** Changing the destination clears the four field choices (they belong to the old module). */
export function changeModule(draft: Draft, module: string): Draft {
  return { ...EMPTY_DRAFT, module, timeZone: draft.timeZone };
}

/** The workspace facts that decide whether a new destination needs a warning. */
export type ModuleHistory = Pick<Workspace, 'settings' | 'activatedAt' | 'testRecordId'>;

/**
 * The module the integration ran with, when it ran (activated, or a test record made): its chats are
 * linked to that module's records, so moving the destination matches them again in the new one and
 * leaves their earlier Notes behind. null: nothing to warn about.
 */
export function ranWithModule(ws: ModuleHistory): string | null {
  const saved = ws.settings?.module;
  return saved && (ws.activatedAt || ws.testRecordId) ? saved : null;
}

/** Whether choosing `next` (the draft has `current`) must be confirmed before it replaces the module. */
export function moduleChangeNeedsConfirm(ws: ModuleHistory, current: string, next: string): boolean {
  const ran = ranWithModule(ws);
  return ran !== null && next !== '' && next !== ran && next !== current;
}

const PREFERRED: Record<FieldKey, readonly string[]> = {
  phoneField: ['Phone', 'Mobile'],
  nameField: ['Last_Name', 'Name', 'Full_Name'],
  chatLinkField: ['WhatsApp_Chat', 'WhatsApp_Chat_Link', 'WhatsApp_Link'],
  leadSourceField: ['Lead_Source'],
};

/**
 * The suggested field for a setting: Phone (else Mobile, else the first phone field), Last_Name,
 * an existing "WhatsApp Chat" field, Lead_Source. The chat link and lead source have no fallback:
 * guessing "Website" or an unrelated picklist would write data where nobody expects it.
 */
export function defaultField(key: FieldKey, meta: ModuleFields): string {
  const candidates = meta.candidates[CANDIDATES_OF[key]] ?? [];
  const preferred = PREFERRED[key].find((name) => candidates.some((c) => c.apiName === name));
  if (preferred) return preferred;
  if (key === 'chatLinkField') return candidates.find((c) => isWhatsAppLabel(c.label))?.apiName ?? '';
  if (key === 'leadSourceField') return candidates.find((c) => /lead\s*source/i.test(c.label))?.apiName ?? '';
  return candidates[0]?.apiName ?? '';
}

export function isWhatsAppLabel(label: string): boolean {
  return /whats\s*app/i.test(label);
}

/** Fills the settings not chosen yet with their defaults; chosen ones are kept. */
export function withDefaults(draft: Draft, meta: ModuleFields): Draft {
  const next = { ...draft };
  for (const key of FIELD_KEYS) if (!next[key]) next[key] = defaultField(key, meta);
  return next;
}

/** The module's fields with a field just created for the chat link, offered first. */
export function withCreatedField(
  meta: ModuleFields,
  field: { apiName: string; label: string },
): ModuleFields {
  const known = meta.fields.some((f) => f.apiName === field.apiName);
  const created = { ...field, type: 'website', mandatory: false, readOnly: false, custom: true };
  return {
    fields: known ? meta.fields : [...meta.fields, created],
    candidates: {
      ...meta.candidates,
      chatLink: [
        { apiName: field.apiName, label: field.label, type: 'website' },
        ...meta.candidates.chatLink.filter((c) => c.apiName !== field.apiName),
      ],
    },
  };
}

/** Contacts when offered (the guide's "test contact"), else the first destination. */
export function defaultModule(modules: readonly ModuleInfo[]): string {
  return (modules.find((m) => m.apiName === 'Contacts') ?? modules[0])?.apiName ?? '';
}

export const REQUIRED_MESSAGE: Record<'module' | FieldKey, string> = {
  module: 'Choose the module WhatsApp contacts are synced to.',
  phoneField: 'Choose the field that holds the WhatsApp number.',
  nameField: "Choose the field that holds the contact's name.",
  chatLinkField: 'Choose a field for the chat link, or create one with “Create a field for me”.',
  leadSourceField: 'Choose the lead source field.',
};

export function validateDraft(draft: Draft): Partial<Record<SettingKey, string>> {
  const errors: Partial<Record<SettingKey, string>> = {};
  if (!draft.module) errors.module = REQUIRED_MESSAGE.module;
  else for (const key of FIELD_KEYS) if (!draft[key]) errors[key] = REQUIRED_MESSAGE[key];
  const clash = chatLinkClash(draft);
  if (clash && !errors.chatLinkField) errors.chatLinkField = clash;
  return errors;
}

/**
 * The fields that hold a record's name; the server refuses them as the chat link field (the link
 * would replace the name). The widget mirrors the rule so the form says so before a round trip.
 */
export const NAME_FIELDS: ReadonlySet<string> = new Set(['First_Name', 'Last_Name', 'Full_Name', 'Name']);

/** Whether a field may take the chat link given the other choices: not a name field, nor the name or phone setting. */
export function usableAsChatLink(apiName: string, draft: Pick<Draft, 'nameField' | 'phoneField'>): boolean {
  return !NAME_FIELDS.has(apiName) && apiName !== draft.nameField && apiName !== draft.phoneField;
}

export function chatLinkClash(draft: Draft): string | null {
  const field = draft.chatLinkField;
  if (!field || usableAsChatLink(field, draft)) return null;
  const what =
    field === draft.phoneField
      ? 'the WhatsApp number field'
      : field === draft.nameField
        ? "the contact name field (the link would replace the contact's name)"
        : "a name field (the link would replace the contact's name)";
  return `The chat link field cannot be ${what}. Choose another field, or create one with “Create a field for me”.`;
}

const ALIASES: Record<string, SettingKey> = {
  module: 'module',
  destination: 'module',
  phone: 'phoneField',
  phoneField: 'phoneField',
  name: 'nameField',
  nameField: 'nameField',
  chatLink: 'chatLinkField',
  chatLinkField: 'chatLinkField',
  leadSource: 'leadSourceField',
  leadSourceField: 'leadSourceField',
  timeZone: 'timeZone',
};

/**
 * The setting a backend error is about: its `field` is a setting key (`chatLinkField`), a short
 * alias (`chatLink`), or the API name of the chosen Zoho field (`Lead_Source`).
 */
export function settingForError(field: string | undefined, draft: Draft): SettingKey | null {
  if (!field) return null;
  const alias = ALIASES[field];
  if (alias) return alias;
  const byValue = FIELD_KEYS.find((k) => draft[k] === field);
  if (byValue) return byValue;
  return draft.module === field ? 'module' : null;
}
