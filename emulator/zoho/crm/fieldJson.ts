/** A field's metadata in the shape `GET /settings/fields` answers (Zoho CRM v8). */
import type { OrgState } from '../model/orgState.js';
import type { EmuFieldType, FieldDef } from '../model/types.js';
import { dt } from '../records/values.js';
import { cryptJson } from '../model/encryption.js';
import { profilesOf } from './modules.js';

function jsonType(t: EmuFieldType): string {
  switch (t) {
    case 'integer':
    case 'bigint':
      return 'integer';
    case 'double':
    case 'currency':
    case 'percent':
      return 'double';
    case 'boolean':
      return 'boolean';
    case 'ownerlookup':
      return 'jsonobject';
    case 'multiselectpicklist':
      return 'jsonarray';
    default:
      return 'string';
  }
}

export function fieldJson(org: OrgState, f: FieldDef, seq: number): Record<string, unknown> {
  const editable = !f.readOnly && f.dataType !== 'autonumber';
  return {
    associated_module: null,
    webhook: true,
    operation_type: {
      web_update: editable,
      api_create: editable,
      web_create: editable,
      api_update: editable,
    },
    colour_code_enabled_by_system: false,
    field_label: f.label,
    tooltip: null,
    type: 'used',
    field_read_only: f.readOnly,
    customizable_properties: [],
    display_label: f.label,
    read_only: f.readOnly,
    association_details: null,
    businesscard_supported: true,
    multi_module_lookup: {},
    id: f.id,
    created_time: f.custom ? dt(org, f.createdAt) : null,
    filterable: true,
    visible: true,
    refer_from_field: null,
    profiles: profilesOf(org).map((p) => ({
      permission_type: editable ? 'read_write' : 'read_only',
      name: p.name,
      id: p.id,
    })),
    view_type: { view: true, edit: editable, quick_create: f.mandatory, create: editable },
    separator: false,
    searchable: true,
    external: null,
    api_name: f.apiName,
    unique: {},
    enable_colour_code: false,
    pick_list_values: (f.picklist ?? []).map((p, i) => ({
      display_value: p.display,
      sequence_number: i + 1,
      reference_value: p.display,
      colour_code: null,
      actual_value: p.actual,
      id: p.id,
      type: 'used',
    })),
    system_mandatory: f.mandatory,
    virtual_field: false,
    json_type: jsonType(f.dataType),
    // null unless encrypted (model/encryption.ts gives the shape and its sources)
    crypt: cryptJson(f),
    created_source: f.custom ? 'crm' : 'default',
    display_type: -1,
    ui_type: uiType(f.dataType),
    modified_time: f.custom ? dt(org, f.modifiedAt) : null,
    email_parser: { fields_update_supported: false, record_operations_supported: false },
    currency: {},
    custom_field: f.custom,
    lookup: {},
    rollup_summary: {},
    length: f.length ?? null,
    column_name: f.apiName.toUpperCase(),
    sortable: true,
    sequence_number: seq,
    multiselectlookup: {},
    auto_number: {},
    decimal_place: f.dataType === 'currency' || f.dataType === 'double' ? 2 : null,
    mass_update: editable,
    data_type: f.dataType,
    formula: {},
    private: null,
    history_tracking: null,
  };
}

function uiType(t: EmuFieldType): number {
  return (
    (
      {
        text: 1,
        textarea: 3,
        email: 25,
        phone: 33,
        website: 21,
        picklist: 2,
        multiselectpicklist: 100,
        integer: 32,
        bigint: 32,
        double: 36,
        currency: 36,
        percent: 38,
        boolean: 301,
        date: 24,
        datetime: 333,
        ownerlookup: 8,
        autonumber: 1,
      } as Record<string, number>
    )[t] ?? 1
  );
}
