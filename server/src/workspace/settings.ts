/**
 * Integration settings: which module and fields the sync writes to. Offers only what fits (modules
 * with a phone field, fields of the right types) and validates choices against Zoho's live metadata,
 * so a bad choice is refused with a message naming the field.
 */
import { z } from 'zod';
import { Problem } from '../errors.js';
import { patchWorkspace, type Frozen, type Store } from '../store/store.js';
import { SETTING_FIELDS, type SavedSettings, type Settings, type Workspace } from '../store/schema.js';
import type { ZohoField, ZohoGateway } from '../zoho/gateway.js';
import type { MetadataCache } from './metadataCache.js';

export const CHAT_LINK_FIELD_LABEL = 'WhatsApp Chat';

const optionalField = z
  .string()
  .trim()
  .max(100)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a Zoho field API name, e.g. Last_Name')
  .or(z.literal(''))
  .nullable()
  .optional()
  .transform((v) => (v ? v : undefined));

export const settingsInput = z
  .object({
    module: z.string().trim().min(1, 'choose a destination module').max(100),
    phoneField: optionalField,
    nameField: optionalField,
    chatLinkField: optionalField,
    leadSourceField: optionalField,
    timeZone: z
      .string()
      .trim()
      .max(64)
      .optional()
      .nullable()
      .transform((v) => (v ? v : undefined))
      .refine((v) => v === undefined || isTimeZone(v), {
        message: 'not an IANA time zone, e.g. Europe/Madrid',
      }),
  })
  .strict();

export type SettingsInput = z.infer<typeof settingsInput>;

export interface ModuleChoice {
  apiName: string;
  label: string;
  phoneFields: { apiName: string; label: string }[];
}

export interface FieldCandidates {
  phone: FieldChoice[];
  name: FieldChoice[];
  chatLink: FieldChoice[];
  leadSource: FieldChoice[];
}

export interface FieldChoice {
  apiName: string;
  label: string;
  type: string;
}

/**
 * The fields that hold a record's name in Zoho's modules (Contacts and Leads: First/Last/Full Name;
 * custom modules: Name). The chat link never goes there: it would replace the contact's name, or be
 * overwritten by it.
 */
export const NAME_FIELDS: ReadonlySet<string> = new Set(['First_Name', 'Last_Name', 'Full_Name', 'Name']);

export const candidateRules = {
  phone: (f: ZohoField) => f.type === 'phone' && !f.readOnly,
  name: (f: ZohoField) => f.type === 'text' && !f.readOnly,
  chatLink: (f: ZohoField) =>
    (f.type === 'website' || f.type === 'text') && !f.readOnly && !NAME_FIELDS.has(f.apiName),
  leadSource: (f: ZohoField) => f.type === 'picklist' && !f.readOnly,
} as const;

/**
 * Chat link candidates in the order to offer them: the "WhatsApp Chat" field first, then other
 * custom fields (made for this kind of data), URL fields before text; standard fields such as Title
 * last, since on matched records their current value is replaced by the link.
 */
function chatLinkRank(f: ZohoField): number {
  if (f.label === CHAT_LINK_FIELD_LABEL) return 0;
  return (f.custom ? 1 : 3) + (f.type === 'website' ? 0 : 1);
}

const SETTING_RULE: Record<
  Exclude<keyof Settings, 'module' | 'timeZone'>,
  { rule: keyof typeof candidateRules; what: string; expected: string }
> = {
  phoneField: { rule: 'phone', what: 'WhatsApp number field', expected: 'a phone field' },
  nameField: { rule: 'name', what: 'contact name field', expected: 'a single-line text field' },
  chatLinkField: {
    rule: 'chatLink',
    what: 'chat link field',
    expected: 'a URL (website) or single-line text field',
  },
  leadSourceField: { rule: 'leadSource', what: 'lead source field', expected: 'a picklist field' },
};

export function candidatesOf(fields: ZohoField[]): FieldCandidates {
  const choice = (f: ZohoField) => ({ apiName: f.apiName, label: f.label, type: f.type });
  const pick = (rule: keyof typeof candidateRules) => fields.filter(candidateRules[rule]).map(choice);
  const chatLink = fields
    .filter(candidateRules.chatLink)
    .map((f, i) => ({ f, i, rank: chatLinkRank(f) }))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map(({ f }) => choice(f));
  return { phone: pick('phone'), name: pick('name'), chatLink, leadSource: pick('leadSource') };
}

export class SettingsService {
  readonly #store: Store;

  constructor(
    store: Store,
    readonly metadata: MetadataCache,
  ) {
    this.#store = store;
  }

  /** API-supported modules that have at least one phone field. */
  async modules(ws: Frozen<Workspace>, zoho: ZohoGateway): Promise<ModuleChoice[]> {
    const modules = (await this.metadata.modules(ws.id, zoho)).filter((m) => m.apiSupported);
    const withFields = await Promise.all(
      modules.map(async (m) => {
        try {
          return { m, fields: await this.metadata.fields(ws.id, zoho, m.apiName) };
        } catch {
          return { m, fields: [] as ZohoField[] }; // modules whose fields cannot be read are not offered
        }
      }),
    );
    return withFields
      .map(({ m, fields }) => ({
        apiName: m.apiName,
        label: m.pluralLabel,
        phoneFields: fields.filter(candidateRules.phone).map((f) => ({ apiName: f.apiName, label: f.label })),
      }))
      .filter((m) => m.phoneFields.length > 0);
  }

  async fields(
    ws: Frozen<Workspace>,
    zoho: ZohoGateway,
    module: string,
  ): Promise<{ fields: ZohoField[]; candidates: FieldCandidates }> {
    const fields = await this.metadata.fields(ws.id, zoho, module);
    return { fields, candidates: candidatesOf(fields) };
  }

  /**
   * Saves the settings. A different module than before clears the field choices that are not
   * given anew (the UI sends them together); every chosen field is checked against live metadata.
   */
  async save(ws: Frozen<Workspace>, zoho: ZohoGateway, input: SettingsInput): Promise<SavedSettings> {
    if (ws.active) {
      throw new Problem(
        'conflict',
        'INTEGRATION_ACTIVE',
        'The integration is active: deactivate it to edit the settings.',
      );
    }
    const fields = await this.metadata.fields(ws.id, zoho, input.module, { fresh: true }).catch((e) => {
      throw new Problem(
        'invalid',
        'UNKNOWN_MODULE',
        `Zoho CRM has no module "${input.module}" this connection can use (${(e as Error).message}).`,
        'module',
      );
    });
    const sameModule = ws.settings?.module === input.module;
    const settings: SavedSettings = {
      module: input.module,
      ...(input.timeZone ? { timeZone: input.timeZone } : {}),
    };
    for (const key of SETTING_FIELDS) {
      const value = input[key] ?? (sameModule ? ws.settings?.[key] : undefined);
      if (value) settings[key] = value;
    }
    const problem = validateAgainst(fields, settings);
    if (problem) throw problem;
    await patchWorkspace(this.#store, ws.id, { settings });
    return settings;
  }

  /** Creates the "WhatsApp Chat" URL field on the module, or returns the one that exists. */
  async createChatLinkField(ws: Frozen<Workspace>, zoho: ZohoGateway, module: string): Promise<ZohoField> {
    const fields = await this.metadata.fields(ws.id, zoho, module, { fresh: true });
    const existing = fields.find((f) => f.label === CHAT_LINK_FIELD_LABEL && candidateRules.chatLink(f));
    if (existing) return existing;
    const created = await zoho.createField(module, { label: CHAT_LINK_FIELD_LABEL, type: 'website' });
    this.metadata.invalidate(ws.id, module);
    return created;
  }
}

/** The first problem with the chosen fields, as an admin-readable error naming the setting. */
export function validateAgainst(fields: ZohoField[], s: SavedSettings): Problem | undefined {
  return chatLinkClash(fields, s) ?? fieldProblem(fields, s);
}

/** The chat link field may not be the field chosen for the name or the phone (nor any name field). */
function chatLinkClash(fields: ZohoField[], s: SavedSettings): Problem | undefined {
  const chatLink = s.chatLinkField;
  if (!chatLink) return undefined;
  const label = fields.find((f) => f.apiName === chatLink)?.label ?? chatLink;
  const clash =
    chatLink === s.nameField || NAME_FIELDS.has(chatLink)
      ? "holds the contact's name"
      : chatLink === s.phoneField
        ? 'is the WhatsApp number field'
        : undefined;
  if (!clash) return undefined;
  return new Problem(
    'invalid',
    'CHAT_LINK_FIELD_CLASH',
    `The chat link field cannot be "${label}" (${chatLink}): it ${clash}, and the link would overwrite it. ` +
      'Choose another field, or create one with "Create a field for me".',
    'chatLinkField',
  );
}

function fieldProblem(fields: ZohoField[], s: SavedSettings): Problem | undefined {
  for (const [key, spec] of Object.entries(SETTING_RULE) as [
    keyof typeof SETTING_RULE,
    (typeof SETTING_RULE)[keyof typeof SETTING_RULE],
  ][]) {
    const apiName = s[key];
    if (apiName === undefined) continue;
    const field = fields.find((f) => f.apiName === apiName);
    if (!field) {
      return new Problem(
        'invalid',
        'FIELD_NOT_FOUND',
        `The ${spec.what} "${apiName}" does not exist in ${s.module} (it may have been deleted in Zoho CRM). Choose another field.`,
        key,
      );
    }
    if (!candidateRules[spec.rule](field)) {
      return new Problem(
        'invalid',
        'FIELD_TYPE_MISMATCH',
        `The ${spec.what} must be ${spec.expected}; "${field.label}" (${field.apiName}) is ${field.readOnly ? 'read-only' : `a ${field.dataType} field`}. Choose another field.`,
        key,
      );
    }
  }
  return undefined;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
