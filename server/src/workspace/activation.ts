/**
 * Activation: check the settings against live metadata, make sure the lead source value exists, and
 * write the workspace's test record with the fields a new WhatsApp contact gets. One test record per
 * workspace: it is updated while it exists in the chosen module, created otherwise. Every failure
 * becomes an admin-readable message naming the Zoho error, the field and the fix.
 */
import { TEST_CHAT_URL } from '../../../contract/adminApi.js';
import { Problem } from '../errors.js';
import { patchWorkspace, type Frozen, type Store } from '../store/store.js';
import { newIndexState, sameFields } from '../store/phoneIndexState.js';
import { completeSettings, SETTING_FIELDS, type Settings, type Workspace } from '../store/schema.js';
import { newRecordFields, LEAD_SOURCE_VALUE } from '../sync/recordRules.js';
import { isZohoError, type ZohoError } from '../zoho/errors.js';
import type { RowResult, ZohoField, ZohoGateway } from '../zoho/gateway.js';
import type { MetadataCache } from './metadataCache.js';
import { validateAgainst } from './settings.js';

/** A number from a range reserved for fiction (Ofcom, UK), so the test record never matches a real person. */
export const TEST_RECORD_PHONE = '+447700900123';
export const TEST_RECORD_NAME = 'WhatsApp test contact (TimelinesAI)';

/** What activation did with the test record. */
export interface TestRecordOutcome {
  id: string;
  module: string;
  name: string;
  /** false: the workspace's existing test record was updated. */
  created: boolean;
}

export class ActivationService {
  readonly #store: Store;
  readonly #metadata: MetadataCache;
  readonly #onActivated: (workspaceId: string) => Promise<void> | void;

  constructor(
    store: Store,
    metadata: MetadataCache,
    /** waiting messages resume and the phone index build starts (awaited: done when activation answers) */
    onActivated: (workspaceId: string) => Promise<void> | void = () => undefined,
  ) {
    this.#store = store;
    this.#metadata = metadata;
    this.#onActivated = onActivated;
  }

  async activate(ws: Frozen<Workspace>, zoho: ZohoGateway): Promise<TestRecordOutcome> {
    const settings = completeSettings(ws.settings);
    if (!settings) {
      const missing = SETTING_FIELDS.find((k) => !ws.settings?.[k]);
      throw new Problem(
        'invalid',
        'INCOMPLETE_SETTINGS',
        ws.settings
          ? `Choose the ${SETTING_LABEL[missing ?? 'phoneField']} before activating.`
          : 'Choose the destination module and fields, then activate.',
        ws.settings ? missing : 'module',
      );
    }
    if (ws.active) throw new Problem('conflict', 'ALREADY_ACTIVE', 'The integration is already active.');

    let fields: ZohoField[];
    try {
      fields = await this.#metadata.fields(ws.id, zoho, settings.module, { fresh: true });
    } catch (e) {
      throw zohoProblem(e, settings, 'reading the fields of');
    }
    const invalid = validateAgainst(fields, settings);
    if (invalid) throw invalid;

    const leadSource = fields.find((f) => f.apiName === settings.leadSourceField);
    if (leadSource && !(leadSource.picklistValues ?? []).includes(LEAD_SOURCE_VALUE)) {
      try {
        await zoho.addPicklistValue(settings.module, settings.leadSourceField, LEAD_SOURCE_VALUE);
        this.#metadata.invalidate(ws.id, settings.module);
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
      { name: TEST_RECORD_NAME, phone: TEST_RECORD_PHONE, url: TEST_CHAT_URL },
      TEST_RECORD_PHONE,
      ws.owner.userId,
    );
    const outcome = await this.#writeTestRecord(ws, zoho, settings, row, fields);

    const uow = this.#store.begin();
    uow.workspaces.patch(ws.id, {
      active: true,
      activatedAt: new Date().toISOString(),
      testRecordId: outcome.id,
      testRecordModule: outcome.module,
      deactivatedAt: undefined,
      skippedWhileInactive: undefined,
    });
    // The phone index of the destination module is (re)built in the background when it does not
    // match the settings (another module, a phone field added or removed); messages wait for it.
    const phoneFields = fields.filter((f) => f.type === 'phone').map((f) => f.apiName);
    const index = await this.#store.phoneIndex.state(ws.id);
    if (!index || index.module !== settings.module || !sameFields(index.phoneFields, phoneFields))
      uow.phoneIndex.start(ws.id, newIndexState(settings.module, phoneFields));
    await uow.commit();
    await this.#onActivated(ws.id);
    return outcome;
  }

  /** Updates the workspace's test record while it exists in the module, else creates one. */
  async #writeTestRecord(
    ws: Frozen<Workspace>,
    zoho: ZohoGateway,
    settings: Settings,
    row: Record<string, unknown>,
    fields: ZohoField[],
  ): Promise<TestRecordOutcome> {
    const module = settings.module;
    const existing = await this.#existingTestRecord(ws, zoho, settings);
    let result: RowResult<{ id: string }> | undefined;
    let created = false;
    try {
      if (existing) [result] = await zoho.updateRecords(module, [{ ...row, id: existing }]);
      // Deleted between the read and the update: make a new one.
      if (!existing || (result && !result.ok && result.code === 'not_found')) {
        created = true;
        [result] = await zoho.createRecords(module, [row]);
      }
    } catch (e) {
      throw zohoProblem(e, settings, `${existing ? 'updating' : 'creating'} the test record in`);
    }
    if (!result)
      throw new Problem(
        'upstream',
        'ZOHO_NO_ANSWER',
        'Zoho answered the test record without a result row; try again.',
      );
    if (!result.ok) throw rowProblem(result, settings, fields);
    return { id: result.value.id, module, name: TEST_RECORD_NAME, created };
  }

  /** The id of the test record made by an earlier activation, when it is still in the module. */
  async #existingTestRecord(
    ws: Frozen<Workspace>,
    zoho: ZohoGateway,
    settings: Settings,
  ): Promise<string | undefined> {
    const id = ws.testRecordId;
    if (!id || (ws.testRecordModule ?? settings.module) !== settings.module) return undefined;
    try {
      const [found] = await zoho.getRecords(settings.module, [id], ['id']);
      return found ? id : undefined;
    } catch (e) {
      if (isZohoError(e) && e.code === 'not_found') return undefined;
      throw zohoProblem(e, settings, 'looking for the test record in');
    }
  }

  async deactivate(ws: Frozen<Workspace>): Promise<void> {
    await patchWorkspace(this.#store, ws.id, { active: false, deactivatedAt: new Date().toISOString() });
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
): Problem {
  const label = fields.find((f) => f.apiName === row.field)?.label ?? row.field;
  const setting = SETTING_OF_FIELD(s, row.field);
  switch (row.zohoCode) {
    case 'MANDATORY_NOT_FOUND':
      return new Problem(
        'unprocessable',
        'MANDATORY_FIELD_MISSING',
        `Zoho refused the test record (MANDATORY_NOT_FOUND): the field "${label}" is mandatory in ${s.module}, and WhatsApp contacts have no value for it. ` +
          `Make "${label}" optional in Zoho CRM (Setup → Customization → Modules and Fields → ${s.module}), or choose it as the contact name field.`,
        setting ?? row.field,
      );
    case 'INVALID_DATA':
      return new Problem(
        'unprocessable',
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

function zohoProblem(e: unknown, s: Settings, doing: string): Problem {
  if (e instanceof Problem) return e;
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
): Problem {
  const tag = zohoCode ?? code;
  switch (code) {
    case 'permission':
      return new Problem(
        'forbidden',
        'ZOHO_PERMISSION',
        `Zoho denied ${doing} ${s.module} (${tag}): the connected user lacks a permission or the connection lacks a scope. ` +
          'Reconnect Zoho CRM as a CRM administrator and approve every requested permission.',
        field,
      );
    case 'auth':
      return new Problem(
        'unauthenticated',
        'ZOHO_AUTH',
        `Zoho no longer accepts this connection (${tag}). Click "Connect Zoho CRM" to reconnect, then activate again.`,
      );
    case 'not_found':
      return new Problem(
        'invalid',
        'ZOHO_NOT_FOUND',
        `Zoho could not find what the settings name while ${doing} ${s.module} (${tag}${field ? `, field "${field}"` : ''}): it may have been deleted. Review the settings.`,
        field,
      );
    case 'rate_limited':
    case 'temporary':
      return new Problem(
        'unavailable',
        'ZOHO_UNAVAILABLE',
        `Zoho is busy or unavailable (${tag}) while ${doing} ${s.module}. Nothing was changed; try again in a minute.`,
      );
    default:
      return new Problem(
        'unprocessable',
        'ZOHO_REJECTED',
        `Zoho refused ${doing} ${s.module} (${tag}${field ? `, field "${field}"` : ''}): ${message}`,
        field,
      );
  }
}
