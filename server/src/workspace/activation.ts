/**
 * Activation (SPEC §3): check the settings against live metadata, make sure the lead source value
 * exists, and create a test record through the very code path a WhatsApp contact takes. Every
 * failure becomes an admin-readable message naming the Zoho error, the field and the fix.
 */
import { ApiError } from '../http/errors.js';
import type { Store } from '../store/store.js';
import { completeSettings, SETTING_FIELDS, type Settings, type Workspace } from '../store/schema.js';
import { newRecordFields, LEAD_SOURCE_VALUE } from '../sync/recordRules.js';
import { isZohoError, type ZohoError } from '../zoho/errors.js';
import type { RowResult, ZohoField, ZohoGateway } from '../zoho/gateway.js';
import type { MetadataCache } from './metadataCache.js';
import { validateAgainst } from './settings.js';

/** A number from a range reserved for fiction (Ofcom, UK), so the test record never matches a real person. */
export const TEST_RECORD_PHONE = '+447700900123';
export const TEST_RECORD_CHAT_URL = 'https://app.timelines.ai/chat/0/messages/';
export const TEST_RECORD_NAME = 'WhatsApp test contact (TimelinesAI)';

export class ActivationService {
  constructor(
    private readonly store: Store,
    private readonly metadata: MetadataCache,
    private readonly onActivated: (workspaceId: string) => void = () => undefined,
  ) {}

  async activate(ws: Workspace, zoho: ZohoGateway): Promise<{ testRecordId: string }> {
    const settings = completeSettings(ws.settings);
    if (!settings) {
      const missing = SETTING_FIELDS.find((k) => !ws.settings?.[k]);
      throw new ApiError(
        400,
        'INCOMPLETE_SETTINGS',
        ws.settings
          ? `Choose the ${SETTING_LABEL[missing ?? 'phoneField']} before activating.`
          : 'Choose the destination module and fields, then activate.',
        ws.settings ? missing : 'module',
      );
    }
    if (ws.active) throw new ApiError(409, 'ALREADY_ACTIVE', 'The integration is already active.');

    let fields: ZohoField[];
    try {
      fields = await this.metadata.fields(ws.id, zoho, settings.module, { fresh: true });
    } catch (e) {
      throw zohoProblem(e, settings, 'reading the fields of');
    }
    const invalid = validateAgainst(fields, settings);
    if (invalid) throw invalid;

    const leadSource = fields.find((f) => f.apiName === settings.leadSourceField);
    if (leadSource && !(leadSource.picklistValues ?? []).includes(LEAD_SOURCE_VALUE)) {
      try {
        await zoho.addPicklistValue(settings.module, settings.leadSourceField, LEAD_SOURCE_VALUE);
        this.metadata.invalidate(ws.id, settings.module);
      } catch (e) {
        throw zohoProblem(
          e,
          settings,
          `adding the "${LEAD_SOURCE_VALUE}" value to ${settings.leadSourceField} in`,
        );
      }
    }

    const row = newRecordFields(
      settings,
      { name: TEST_RECORD_NAME, phone: TEST_RECORD_PHONE, url: TEST_RECORD_CHAT_URL },
      TEST_RECORD_PHONE,
      ws.owner.userId,
    );
    let result: RowResult<{ id: string }> | undefined;
    try {
      [result] = await zoho.createRecords(settings.module, [row]);
    } catch (e) {
      throw zohoProblem(e, settings, 'creating the test record in');
    }
    if (!result)
      throw new ApiError(
        502,
        'ZOHO_NO_ANSWER',
        'Zoho answered the test record without a result row; try again.',
      );
    if (!result.ok) throw rowProblem(result, settings, fields);

    ws.active = true;
    ws.activatedAt = new Date().toISOString();
    ws.testRecordId = result.value.id;
    await this.store.commit();
    this.onActivated(ws.id);
    return { testRecordId: result.value.id };
  }

  async deactivate(ws: Workspace): Promise<void> {
    ws.active = false;
    await this.store.commit();
  }
}

const SETTING_LABEL: Record<(typeof SETTING_FIELDS)[number], string> = {
  phoneField: 'WhatsApp number field',
  nameField: 'contact name field',
  chatLinkField: 'chat link field',
  leadSourceField: 'lead source field',
};

const SETTING_OF_FIELD = (s: Settings, field: string | undefined): string | undefined =>
  field === undefined
    ? undefined
    : (['phoneField', 'nameField', 'chatLinkField', 'leadSourceField'] as const).find((k) => s[k] === field);

function rowProblem(
  row: Extract<RowResult<unknown>, { ok: false }>,
  s: Settings,
  fields: ZohoField[],
): ApiError {
  const label = fields.find((f) => f.apiName === row.field)?.label ?? row.field;
  const setting = SETTING_OF_FIELD(s, row.field);
  switch (row.zohoCode) {
    case 'MANDATORY_NOT_FOUND':
      return new ApiError(
        422,
        'MANDATORY_FIELD_MISSING',
        `Zoho refused the test record (MANDATORY_NOT_FOUND): the field "${label}" is mandatory in ${s.module}, and WhatsApp contacts have no value for it. ` +
          `Make "${label}" optional in Zoho CRM (Setup → Customization → Modules and Fields → ${s.module}), or choose it as the contact name field.`,
        setting ?? row.field,
      );
    case 'INVALID_DATA':
      return new ApiError(
        422,
        'INVALID_FIELD_VALUE',
        `Zoho refused the test record (INVALID_DATA) because of the field "${label}": ${row.message}. ` +
          (setting
            ? 'Choose another field for this setting, or check the field in Zoho CRM.'
            : 'Check that field in Zoho CRM.'),
        setting ?? row.field,
      );
    default:
      return problemFor(
        row.code,
        row.zohoCode,
        row.message,
        s,
        setting ?? row.field,
        'creating the test record in',
      );
  }
}

function zohoProblem(e: unknown, s: Settings, doing: string): ApiError {
  if (e instanceof ApiError) return e;
  if (!isZohoError(e)) throw e;
  const err = e as ZohoError;
  return problemFor(
    err.code,
    err.zohoCode,
    err.message,
    s,
    SETTING_OF_FIELD(s, err.field) ?? err.field,
    doing,
  );
}

function problemFor(
  code: string,
  zohoCode: string | undefined,
  message: string,
  s: Settings,
  field: string | undefined,
  doing: string,
): ApiError {
  const tag = zohoCode ?? code;
  switch (code) {
    case 'permission':
      return new ApiError(
        403,
        'ZOHO_PERMISSION',
        `Zoho denied ${doing} ${s.module} (${tag}): the connected user lacks a permission or the connection lacks a scope. ` +
          'Reconnect Zoho CRM as a CRM administrator and approve every requested permission.',
        field,
      );
    case 'auth':
      return new ApiError(
        401,
        'ZOHO_AUTH',
        `Zoho no longer accepts this connection (${tag}). Click "Connect Zoho CRM" to reconnect, then activate again.`,
      );
    case 'not_found':
      return new ApiError(
        400,
        'ZOHO_NOT_FOUND',
        `Zoho could not find what the settings name while ${doing} ${s.module} (${tag}${field ? `, field "${field}"` : ''}): it may have been deleted. Review the settings.`,
        field,
      );
    case 'rate_limited':
    case 'temporary':
      return new ApiError(
        503,
        'ZOHO_UNAVAILABLE',
        `Zoho is busy or unavailable (${tag}) while ${doing} ${s.module}. Nothing was changed; try again in a minute.`,
      );
    default:
      return new ApiError(
        422,
        'ZOHO_REJECTED',
        `Zoho refused ${doing} ${s.module} (${tag}${field ? `, field "${field}"` : ''}): ${message}`,
        field,
      );
  }
}
