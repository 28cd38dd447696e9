/** Modules and fields through the SDK: reading them, creating a field, adding a picklist value. */
import * as Z from '@zohocrm/typescript-sdk-8.0';
import { ZohoError } from '../errors.js';
import type { NewFieldSpec, ZohoField, ZohoModule } from '../gateway.js';
import type { SdkClient } from './client.js';
import { ID_RE, bigId, checkApiName, rowOrThrow, rowResult, toField } from './convert.js';
import { entriesOf, objectsOf, optStr, str, type Json } from './json.js';

/** See ZohoGateway.modules. */
export async function modules(client: SdkClient): Promise<ZohoModule[]> {
  const a = await client.exec('modules', () => new Z.Modules.ModulesOperations().getModules());
  return objectsOf(a.json, 'modules').map((m) => ({
    apiName: str(m.api_name),
    pluralLabel: optStr(m.plural_label) ?? str(m.api_name),
    singularLabel: optStr(m.singular_label) ?? str(m.api_name),
    apiSupported: m.api_supported === true,
  }));
}

/** Zoho's field objects of a module, as they come. */
async function rawFields(client: SdkClient, module: string): Promise<Json[]> {
  const pm = new Z.ParameterMap();
  await pm.add(Z.Fields.GetFieldsParam.MODULE, module);
  const a = await client.exec(`fields of ${module}`, () => new Z.Fields.FieldsOperations().getFields(pm));
  return objectsOf(a.json, 'fields');
}

/** See ZohoGateway.fields. */
export async function fields(client: SdkClient, module: string): Promise<ZohoField[]> {
  checkApiName(module, 'fields');
  return (await rawFields(client, module)).map(toField);
}

/** See ZohoGateway.createField. */
export async function createField(client: SdkClient, module: string, spec: NewFieldSpec): Promise<ZohoField> {
  checkApiName(module, 'create field');
  const f = new Z.Fields.Fields();
  f.setFieldLabel(spec.label);
  f.setDataType(spec.type);
  f.setLength(spec.length ?? 255);
  const body = new Z.Fields.BodyWrapper();
  body.setFields([f]);
  const pm = new Z.ParameterMap();
  await pm.add(Z.Fields.CreateFieldParam.MODULE, module);
  const a = await client.exec(
    `create field in ${module}`,
    () => new Z.Fields.FieldsOperations().createField(body, pm),
    { rows: 'fields' },
  );
  const row = rowResult(entriesOf(a.json, 'fields')[0]);
  const { id } = rowOrThrow(row, `create field "${spec.label}" in ${module}`, a.status);
  await client.forgetMetadata(module);
  const created = (await fields(client, module)).find((x) => x.id === id);
  if (!created) {
    throw new ZohoError(`create field in ${module}: field ${id} not found after creation`, {
      code: 'temporary',
      zohoCode: 'FIELD_NOT_VISIBLE',
    });
  }
  return created;
}

/** The picklist field `fieldApiName` of a module (exact name first, then case-insensitive). */
async function picklistField(client: SdkClient, module: string, fieldApiName: string): Promise<Json> {
  const all = await rawFields(client, module);
  const raw =
    all.find((f) => str(f.api_name) === fieldApiName) ??
    all.find((f) => str(f.api_name).toLowerCase() === fieldApiName.toLowerCase());
  if (!raw) {
    throw new ZohoError(`field ${fieldApiName} does not exist in ${module}`, {
      code: 'not_found',
      zohoCode: 'INVALID_FIELD',
      field: fieldApiName,
    });
  }
  if (str(raw.data_type) !== 'picklist') {
    throw new ZohoError(`field ${fieldApiName} of ${module} is not a picklist (${str(raw.data_type)})`, {
      code: 'validation',
      zohoCode: 'NOT_A_PICKLIST',
      field: fieldApiName,
    });
  }
  return raw;
}

/** See ZohoGateway.addPicklistValue. */
export async function addPicklistValue(
  client: SdkClient,
  module: string,
  fieldApiName: string,
  value: string,
): Promise<void> {
  checkApiName(module, 'add picklist value');
  const wanted = value.trim();
  if (wanted === '')
    throw new ZohoError('add picklist value: empty value', { code: 'validation', field: fieldApiName });
  const raw = await picklistField(client, module, fieldApiName);
  const existing = objectsOf(raw, 'pick_list_values');
  const lower = wanted.toLowerCase();
  if (
    existing.some(
      (v) => str(v.display_value).toLowerCase() === lower || str(v.actual_value).toLowerCase() === lower,
    )
  )
    return;

  // Send the existing values (with their ids, unchanged) plus the new one: correct whether Zoho
  // merges or replaces the list.
  const values = existing.map((v) => {
    const p = new Z.Fields.PickListValue();
    if (ID_RE.test(str(v.id))) p.setId(BigInt(str(v.id)));
    p.setDisplayValue(str(v.display_value));
    p.setActualValue(str(v.actual_value ?? v.display_value));
    return p;
  });
  const added = new Z.Fields.PickListValue();
  added.setDisplayValue(wanted);
  added.setActualValue(wanted);
  values.push(added);
  const f = new Z.Fields.Fields();
  f.setPickListValues(values);
  const body = new Z.Fields.BodyWrapper();
  body.setFields([f]);
  const upm = new Z.ParameterMap();
  await upm.add(Z.Fields.UpdateFieldParam.MODULE, module);
  const fieldId = bigId(str(raw.id), 'add picklist value');
  const what = `add "${wanted}" to ${module}.${fieldApiName}`;
  const u = await client.exec(what, () => new Z.Fields.FieldsOperations().updateField(fieldId, body, upm), {
    rows: 'fields',
  });
  const row = rowResult(entriesOf(u.json, 'fields')[0]);
  // A 2xx answer without a row for the field counts as done.
  const doneWithoutRow = !row.ok && row.zohoCode === 'NO_ROW' && u.status < 300;
  if (!doneWithoutRow) rowOrThrow(row, what, u.status, fieldApiName);
  await client.forgetMetadata(module);
}
