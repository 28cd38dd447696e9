/**
 * The Zoho CRM v8 REST API (`/crm/v8/...`), for what this product and the official SDK use:
 * users, org, modules, fields (read, create, update picklists), related lists, records (CRUD,
 * upsert, search, COQL), Notes and Attachments. Answers with Zoho's JSON shapes and status codes.
 */
import { Router, type Request, type Response } from 'express';
import type { EmuCore } from './core.js';
import { sleep } from './core.js';
import { ApiError, Errors, jsonBody, multipart, q, sendError, sendJson, sendNoContent } from './http.js';
import {
  ADMIN_PROFILE,
  userFullName,
  type AccessTokenRec,
  type ModuleState,
  type OrgState,
} from './state.js';
import type { EmuFieldType, FieldDef, NoteRec, RecordRec, UserRec } from './types.js';
import {
  dt,
  invalidData,
  mandatoryNotFound,
  minUser,
  pickFields,
  rowError,
  serializeAttachment,
  serializeNote,
  serializeRecord,
  validateRecordRow,
  writeDetails,
  fieldValue,
  type RowError,
} from './records.js';
import { CoqlError, candidates, compile, parseCoql, resolveSelect, sorter } from './coql.js';
import { compileCriteria, parseCriteria } from './criteria.js';

type Op = 'READ' | 'CREATE' | 'UPDATE' | 'DELETE';

interface Ctx {
  core: EmuCore;
  req: Request;
  res: Response;
  org: OrgState;
  user: UserRec;
  token: AccessTokenRec;
  segs: string[];
}

const MAX_WRITE_ROWS = 100;
const MAX_PER_PAGE = 200;
const SEARCH_MAX_RESULTS = 2000;

// ------------------------------------------------------------------ auth & scopes

function authenticate(core: EmuCore, req: Request): { org: OrgState; user: UserRec; token: AccessTokenRec } {
  const h = req.headers.authorization;
  if (!h) throw Errors.authFailure();
  const m = /^Zoho-oauthtoken\s+(\S+)$/i.exec(h.trim());
  if (!m || !m[1]) throw Errors.invalidToken();
  const token = core.state.accessTokens.get(m[1]);
  if (!token || token.revoked || token.expiresAt <= core.now()) throw Errors.invalidToken();
  const org = core.state.orgs.get(token.orgId);
  const user = org?.users.get(token.userId);
  if (!org || !user) throw Errors.invalidToken();
  if (user.status !== 'active') throw Errors.authFailure();
  return { org, user, token };
}

function opOk(granted: string, op: Op): boolean {
  return granted === 'all' || granted === op.toLowerCase() || (granted === 'write' && op !== 'READ');
}

export function hasScope(scopes: string[], group: string, sub: string | undefined, op: Op): boolean {
  return scopes.some((s) => {
    const p = s.toLowerCase().split('.');
    if (p[0] !== 'zohocrm' || p[1] !== group) return false;
    if (p.length === 3) return opOk(p[2] ?? '', op);
    if (p.length === 4) return sub !== undefined && p[2] === sub.toLowerCase() && opOk(p[3] ?? '', op);
    return false;
  });
}

function need(ctx: Ctx, group: string, sub: string | undefined, op: Op, altSub?: string): void {
  if (hasScope(ctx.token.scopes, group, sub, op)) return;
  if (altSub !== undefined && hasScope(ctx.token.scopes, group, altSub, op)) return;
  throw Errors.scope();
}

function needAdmin(ctx: Ctx): void {
  if (ctx.user.profile.name !== ADMIN_PROFILE) throw Errors.noPermission(['Crm_Implied_Customize_Zoho_CRM']);
}

// ------------------------------------------------------------------ helpers

function moduleOr400(ctx: Ctx, name: string | undefined, index = 0): ModuleState {
  const mod = name ? ctx.org.module(name) : undefined;
  if (!mod || !mod.def.apiSupported) throw Errors.invalidModule(index);
  return mod;
}

function moduleParam(ctx: Ctx): ModuleState {
  const name = q(ctx.req, 'module');
  if (!name) throw Errors.paramMissing('module');
  const mod = ctx.org.module(name);
  if (!mod)
    throw new ApiError(400, 'INVALID_MODULE', 'the module name given seems to be invalid', {
      param_name: 'module',
    });
  return mod;
}

function paging(req: Request): { page: number; perPage: number } {
  const page = Number(q(req, 'page') ?? '1');
  const perPage = Number(q(req, 'per_page') ?? String(MAX_PER_PAGE));
  if (!Number.isInteger(page) || page < 1) throw Errors.invalidParam('page');
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE)
    throw Errors.invalidParam('per_page');
  return { page, perPage };
}

function pageOf<T>(items: T[], page: number, perPage: number): { slice: T[]; more: boolean } {
  const start = (page - 1) * perPage;
  return { slice: items.slice(start, start + perPage), more: items.length > start + perPage };
}

function isId(s: string | undefined): s is string {
  return typeof s === 'string' && /^\d{1,25}$/.test(s);
}

async function dataRows(ctx: Ctx, key = 'data'): Promise<{ rows: unknown[]; body: Record<string, unknown> }> {
  const body = await jsonBody(ctx.req);
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw Errors.invalidBody();
  const rows = (body as Record<string, unknown>)[key];
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new ApiError(400, 'INVALID_DATA', 'invalid data', {
      expected_data_type: 'jsonarray',
      api_name: key,
      json_path: `$.${key}`,
    });
  }
  if (rows.length > MAX_WRITE_ROWS)
    throw Errors.limit(MAX_WRITE_ROWS, { api_name: key, json_path: `$.${key}` });
  return { rows, body: body as Record<string, unknown> };
}

/** 2xx when all rows succeeded, 207 when some did, 400 when none did (Zoho). */
function writeStatus(results: { status: string }[], okStatus: number): number {
  const ok = results.filter((r) => r.status === 'success').length;
  if (ok === results.length) return okStatus;
  return ok === 0 ? 400 : 207;
}

function visible(ctx: Ctx, rec: RecordRec): boolean {
  const lag = ctx.core.switches.searchLagSec;
  return lag <= 0 || ctx.core.now() - rec.createdAt >= lag * 1000;
}

// ------------------------------------------------------------------ JSON shapes

function userJson(org: OrgState, u: UserRec): Record<string, unknown> {
  return {
    country: org.org.countryCode,
    language: 'en_US',
    microsoft: false,
    $shift_effective_from: null,
    id: u.id,
    state: null,
    fax: null,
    country_locale: 'en_US',
    sandboxDeveloper: false,
    zip: null,
    decimal_separator: 'Period',
    created_time: dt(org, u.createdAt),
    time_format: 'HH:mm',
    offset: 0,
    profile: { name: u.profile.name, id: u.profile.id },
    created_by: null,
    zuid: u.zuid,
    full_name: userFullName(u),
    phone: null,
    dob: null,
    sort_order_preference__s: 'First Name,Last Name',
    status: u.status === 'disabled' ? 'disabled' : u.status,
    role: { name: u.role.name, id: u.role.id },
    customize_info: {
      notes_desc: null,
      show_right_panel: null,
      bc_view: null,
      show_home: false,
      show_detail_view: true,
      unpin_recent_item: null,
    },
    city: null,
    signature: null,
    locale: 'en_US',
    personal_account: false,
    Isonline: false,
    default_tab_group: '0',
    Modified_By: null,
    street: null,
    Currency: org.org.currency,
    alias: null,
    theme: null,
    first_name: u.firstName || null,
    email: u.email,
    status_reason__s: null,
    website: null,
    Modified_Time: dt(org, u.createdAt),
    mobile: null,
    last_name: u.lastName,
    time_zone: org.org.timeZone,
    number_separator: 'Comma',
    confirm: true,
    date_format: 'dd/MM/yyyy',
    category: 'regular_user',
    name_format__s: 'Salutation,First Name,Last Name',
    Created_Time: dt(org, u.createdAt),
    Created_By: null,
  };
}

function orgJson(org: OrgState): Record<string, unknown> {
  const o = org.org;
  return {
    country: o.country,
    photo_id: null,
    city: null,
    description: null,
    mc_status: false,
    gapps_enabled: false,
    domain_name: `org${o.id}`,
    translation_enabled: false,
    street: null,
    alias: null,
    currency: o.currency,
    id: o.id,
    state: null,
    fax: null,
    employee_count: null,
    zip: null,
    website: null,
    currency_symbol: o.currencySymbol,
    mobile: null,
    currency_locale: 'en_US',
    primary_zuid: o.primaryZuid,
    zia_portal_id: null,
    time_zone: o.timeZone,
    zgid: o.id,
    country_code: o.countryCode,
    license_details: {
      paid_expiry: null,
      users_license_purchased: Math.max(10, org.users.size),
      trial_type: null,
      trial_expiry: null,
      paid: o.edition.toLowerCase() !== 'free',
      paid_type: o.edition.toLowerCase(),
    },
    phone: null,
    company_name: o.companyName,
    privacy_settings: false,
    primary_email: o.primaryEmail,
    hipaa_compliance_enabled: false,
    iso_code: o.currency,
    max_per_page: MAX_PER_PAGE,
    type: 'production',
    lite_users_enabled: false,
    created_time: dt(org, o.createdAt),
  };
}

function profilesOf(org: OrgState): { name: string; id: string }[] {
  const seen = new Map<string, string>();
  for (const u of org.users.values()) seen.set(u.profile.id, u.profile.name);
  return [...seen].map(([id, name]) => ({ name, id }));
}

function moduleJson(org: OrgState, mod: ModuleState, seq: number): Record<string, unknown> {
  const d = mod.def;
  const isNotes = d.kind === 'notes';
  return {
    has_more_profiles: false,
    access_type: 'org_based',
    global_search_supported: !isNotes,
    deletable: true,
    description: null,
    creatable: true,
    recycle_bin_on_delete: true,
    modified_time: dt(org, d.modifiedAt),
    plural_label: d.pluralLabel,
    presence_sub_menu: !isNotes,
    lookupable: !isNotes,
    id: d.id,
    visibility: 1,
    convertable: d.apiName === 'Leads',
    sub_menu_available: !isNotes,
    editable: true,
    profiles: profilesOf(org),
    show_as_tab: !isNotes,
    web_link: null,
    sequence_number: seq,
    singular_label: d.singularLabel,
    viewable: true,
    api_supported: d.apiSupported,
    api_name: d.apiName,
    quick_create: !isNotes,
    modified_by: null,
    generated_type: d.generatedType,
    feeds_required: false,
    public_fields_configured: false,
    arguments: [],
    module_name: d.apiName,
    business_card_field_limit: 5,
    parent_module: {},
    status: isNotes ? 'system_hidden' : 'visible',
    isBlueprintSupported: !isNotes,
  };
}

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

function fieldJson(org: OrgState, f: FieldDef, seq: number): Record<string, unknown> {
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
    crypt: null,
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

// ------------------------------------------------------------------ users / org / modules

function getUsers(ctx: Ctx): void {
  need(ctx, 'users', undefined, 'READ');
  const type = q(ctx.req, 'type') ?? 'AllUsers';
  const { page, perPage } = paging(ctx.req);
  const all = [...ctx.org.users.values()];
  const isAdmin = (u: UserRec) => ctx.org.isAdmin(u);
  const filters: Record<string, (u: UserRec) => boolean> = {
    AllUsers: (u) => u.status !== 'deleted',
    ActiveUsers: (u) => u.status === 'active',
    DeactiveUsers: (u) => u.status === 'disabled',
    ConfirmedUsers: (u) => u.status !== 'deleted',
    NotConfirmedUsers: () => false,
    DeletedUsers: (u) => u.status === 'deleted',
    ActiveConfirmedUsers: (u) => u.status === 'active',
    AdminUsers: (u) => isAdmin(u) && u.status !== 'deleted',
    ActiveConfirmedAdmins: (u) => isAdmin(u) && u.status === 'active',
    CurrentUser: (u) => u.id === ctx.user.id,
  };
  const filter = filters[type];
  if (!filter) throw Errors.invalidParam('type');
  const users = all.filter(filter);
  const { slice, more } = pageOf(users, page, perPage);
  if (slice.length === 0) return sendNoContent(ctx.res);
  sendJson(ctx.res, 200, {
    users: slice.map((u) => userJson(ctx.org, u)),
    info: { per_page: perPage, count: slice.length, page, more_records: more },
  });
}

function getUser(ctx: Ctx, id: string): void {
  need(ctx, 'users', undefined, 'READ');
  const u = ctx.org.users.get(id);
  if (!u)
    throw new ApiError(400, 'INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: 1 });
  sendJson(ctx.res, 200, { users: [userJson(ctx.org, u)] });
}

function getOrg(ctx: Ctx): void {
  need(ctx, 'org', undefined, 'READ');
  sendJson(ctx.res, 200, { org: [orgJson(ctx.org)] });
}

function getModules(ctx: Ctx, apiName?: string): void {
  need(ctx, 'settings', 'modules', 'READ');
  const mods = [...ctx.org.modules.values()];
  if (apiName !== undefined) {
    const i = mods.findIndex((m) => m.def.apiName.toLowerCase() === apiName.toLowerCase());
    const mod = mods[i];
    if (!mod) throw Errors.invalidModule(2);
    return sendJson(ctx.res, 200, { modules: [moduleJson(ctx.org, mod, i + 1)] });
  }
  const ims = ctx.req.headers['if-modified-since'];
  if (typeof ims === 'string') {
    const since = Date.parse(ims);
    if (!Number.isNaN(since)) {
      const changed = mods.map((m, i) => ({ m, i })).filter(({ m }) => m.def.modifiedAt > since);
      if (changed.length === 0) {
        ctx.res.status(304).end();
        return;
      }
      return sendJson(ctx.res, 200, { modules: changed.map(({ m, i }) => moduleJson(ctx.org, m, i + 1)) });
    }
  }
  sendJson(ctx.res, 200, { modules: mods.map((m, i) => moduleJson(ctx.org, m, i + 1)) });
}

function getRelatedLists(ctx: Ctx): void {
  need(ctx, 'settings', 'related_lists', 'READ', 'modules');
  const mod = moduleParam(ctx);
  const notes = ctx.org.module('Notes');
  sendJson(ctx.res, 200, {
    related_lists: [
      {
        id: `${mod.def.id.slice(0, -3)}901`,
        sequence_number: '1',
        display_label: 'Notes',
        api_name: 'Notes',
        module: { api_name: 'Notes', id: notes?.def.id ?? null },
        name: 'Notes',
        action: null,
        href: `${mod.def.apiName}/{ENTITYID}/Notes`,
        type: 'default',
        connectedmodule: null,
        linkingmodule: null,
        visible: true,
        customize_sort: false,
        customize_fields: false,
        customize_display_label: false,
        status: 'visible',
      },
      {
        id: `${mod.def.id.slice(0, -3)}902`,
        sequence_number: '2',
        display_label: 'Attachments',
        api_name: 'Attachments',
        module: { api_name: 'Attachments', id: null },
        name: 'Attachments',
        action: null,
        href: `${mod.def.apiName}/{ENTITYID}/Attachments`,
        type: 'default',
        connectedmodule: null,
        linkingmodule: null,
        visible: true,
        customize_sort: false,
        customize_fields: false,
        customize_display_label: false,
        status: 'visible',
      },
    ],
  });
}

// ------------------------------------------------------------------ fields

const CREATABLE_TYPES = new Set<EmuFieldType>([
  'text',
  'textarea',
  'email',
  'phone',
  'website',
  'picklist',
  'multiselectpicklist',
  'integer',
  'bigint',
  'double',
  'currency',
  'percent',
  'boolean',
  'date',
  'datetime',
]);
const MAX_LENGTH: Partial<Record<EmuFieldType, number>> = {
  text: 255,
  website: 255,
  phone: 30,
  email: 100,
  textarea: 32000,
  integer: 9,
  bigint: 18,
  double: 16,
  currency: 16,
  percent: 5,
};

function fieldApiNameFor(label: string): string {
  const base = label
    .normalize('NFKD')
    .replace(/[^\w\s]/g, '')
    .trim()
    .replace(/\s+/g, '_');
  return /^[A-Za-z]/.test(base) ? base : `Field_${base}`;
}

function getFields(ctx: Ctx): void {
  need(ctx, 'settings', 'fields', 'READ');
  const mod = moduleParam(ctx);
  if (q(ctx.req, 'type') === 'unused') return sendNoContent(ctx.res);
  sendJson(ctx.res, 200, { fields: mod.def.fields.map((f, i) => fieldJson(ctx.org, f, i + 1)) });
}

function getField(ctx: Ctx, id: string): void {
  need(ctx, 'settings', 'fields', 'READ');
  const mod = moduleParam(ctx);
  const i = mod.def.fields.findIndex((f) => f.id === id);
  const f = mod.def.fields[i];
  if (!f)
    throw new ApiError(400, 'INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: 2 });
  sendJson(ctx.res, 200, { fields: [fieldJson(ctx.org, f, i + 1)] });
}

async function createFields(ctx: Ctx): Promise<void> {
  need(ctx, 'settings', 'fields', 'CREATE');
  const mod = moduleParam(ctx);
  needAdmin(ctx);
  const { rows } = await dataRows(ctx, 'fields');
  const results: Record<string, unknown>[] = [];
  rows.forEach((row, i) => {
    const err = (code: string, message: string, api: string) =>
      rowError(code, message, { api_name: api, json_path: `$.fields[${i}].${api}` });
    const r = (row ?? {}) as Record<string, unknown>;
    const label = typeof r.field_label === 'string' ? r.field_label.trim() : '';
    if (!label)
      return results.push({
        ...mandatoryNotFound('field_label', i),
        details: { api_name: 'field_label', json_path: `$.fields[${i}].field_label` },
      });
    const dataType = r.data_type;
    if (typeof dataType !== 'string')
      return results.push({ ...err('MANDATORY_NOT_FOUND', 'required field not found', 'data_type') });
    if (!CREATABLE_TYPES.has(dataType as EmuFieldType))
      return results.push(err('INVALID_DATA', 'invalid data', 'data_type'));
    const t = dataType as EmuFieldType;
    if (label.length > 50)
      return results.push({
        ...err('INVALID_DATA', 'invalid data', 'field_label'),
        details: { api_name: 'field_label', json_path: `$.fields[${i}].field_label`, maximum_length: 50 },
      });
    if (mod.def.fields.some((f) => f.label.toLowerCase() === label.toLowerCase()))
      return results.push(err('DUPLICATE_DATA', 'duplicate data', 'field_label'));
    let apiName =
      typeof r.api_name === 'string' && /^[A-Za-z][A-Za-z0-9_]*$/.test(r.api_name)
        ? r.api_name
        : fieldApiNameFor(label);
    if (mod.field(apiName)) {
      if (typeof r.api_name === 'string')
        return results.push(err('DUPLICATE_DATA', 'duplicate data', 'api_name'));
      let n = 1;
      while (mod.field(`${apiName}${n}`)) n++;
      apiName = `${apiName}${n}`;
    }
    let length: number | undefined = MAX_LENGTH[t];
    if (t === 'textarea') {
      const ta = r.textarea as Record<string, unknown> | undefined;
      length = ta?.type === 'large' || ta?.type === 'rich_text' ? 32000 : 2000;
    } else if (r.length !== undefined) {
      const max = MAX_LENGTH[t];
      if (
        typeof r.length !== 'number' ||
        !Number.isInteger(r.length) ||
        r.length < 1 ||
        (max !== undefined && r.length > max)
      ) {
        return results.push(err('INVALID_DATA', 'invalid data', 'length'));
      }
      length = r.length;
    }
    let picklist: string[] | undefined;
    if (t === 'picklist' || t === 'multiselectpicklist') {
      const pv = r.pick_list_values;
      if (!Array.isArray(pv) || pv.length === 0)
        return results.push(err('MANDATORY_NOT_FOUND', 'required field not found', 'pick_list_values'));
      picklist = [];
      for (const v of pv) {
        const dv = (v as Record<string, unknown> | null)?.display_value;
        if (typeof dv !== 'string' || !dv.trim())
          return results.push(err('INVALID_DATA', 'invalid data', 'pick_list_values'));
        if (picklist.some((x) => x.toLowerCase() === dv.toLowerCase()))
          return results.push(err('DUPLICATE_DATA', 'duplicate data', 'pick_list_values'));
        picklist.push(dv);
      }
    }
    const f = ctx.core.state.buildField(
      { apiName, label, dataType: t, length, mandatory: false, custom: true, picklist },
      true,
    );
    if (picklist) {
      const pvRaw = r.pick_list_values as Record<string, unknown>[];
      f.picklist = (f.picklist ?? []).map((p, j) => ({
        ...p,
        actual: typeof pvRaw[j]?.actual_value === 'string' ? (pvRaw[j]?.actual_value as string) : p.actual,
      }));
    }
    const insertAt = mod.def.fields.findIndex((x) => x.apiName === 'Created_By');
    if (insertAt >= 0) mod.def.fields.splice(insertAt, 0, f);
    else mod.def.fields.push(f);
    mod.reindexFields();
    mod.def.modifiedAt = ctx.core.now();
    results.push({ code: 'SUCCESS', details: { id: f.id }, message: 'field created', status: 'success' });
  });
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results as { status: string }[], 201), { fields: results });
}

function updateOneField(
  ctx: Ctx,
  mod: ModuleState,
  f: FieldDef,
  r: Record<string, unknown>,
  i: number,
): Record<string, unknown> {
  const at = (api: string) => `$.fields[${i}].${api}`;
  if (
    f.readOnly ||
    ['Owner', 'Created_By', 'Modified_By', 'Created_Time', 'Modified_Time'].includes(f.apiName)
  ) {
    return rowError('NOT_ALLOWED', 'field cannot be updated', {
      api_name: f.apiName,
      json_path: `$.fields[${i}]`,
    });
  }
  const next: Partial<FieldDef> = {};
  if (r.field_label !== undefined) {
    if (typeof r.field_label !== 'string' || !r.field_label.trim())
      return rowError('INVALID_DATA', 'invalid data', {
        api_name: 'field_label',
        json_path: at('field_label'),
      });
    const lbl = r.field_label.trim();
    if (mod.def.fields.some((x) => x !== f && x.label.toLowerCase() === lbl.toLowerCase()))
      return rowError('DUPLICATE_DATA', 'duplicate data', {
        api_name: 'field_label',
        json_path: at('field_label'),
      });
    next.label = lbl;
  }
  if (r.length !== undefined) {
    const max = MAX_LENGTH[f.dataType];
    if (
      typeof r.length !== 'number' ||
      !Number.isInteger(r.length) ||
      r.length < 1 ||
      (max !== undefined && r.length > max)
    ) {
      return rowError('INVALID_DATA', 'invalid data', { api_name: 'length', json_path: at('length') });
    }
    next.length = r.length;
  }
  if (r.pick_list_values !== undefined) {
    if (!f.picklist)
      return rowError('INVALID_DATA', 'invalid data', {
        api_name: 'pick_list_values',
        json_path: at('pick_list_values'),
      });
    if (!Array.isArray(r.pick_list_values))
      return rowError('INVALID_DATA', 'invalid data', {
        api_name: 'pick_list_values',
        json_path: at('pick_list_values'),
      });
    const list = f.picklist.map((p) => ({ ...p }));
    for (const [j, raw] of r.pick_list_values.entries()) {
      const v = (raw ?? {}) as Record<string, unknown>;
      const path = `$.fields[${i}].pick_list_values[${j}]`;
      const id = typeof v.id === 'string' || typeof v.id === 'number' ? String(v.id) : undefined;
      const dv = typeof v.display_value === 'string' ? v.display_value.trim() : undefined;
      const av = typeof v.actual_value === 'string' ? v.actual_value : undefined;
      if (id !== undefined) {
        const idx = list.findIndex((p) => p.id === id);
        const cur = list[idx];
        if (!cur)
          return rowError('INVALID_DATA', 'invalid data', { api_name: 'id', json_path: `${path}.id` });
        if (v._delete === true || v._delete === null) {
          list.splice(idx, 1);
          continue;
        }
        if (dv !== undefined) {
          if (list.some((p) => p !== cur && p.display.toLowerCase() === dv.toLowerCase()))
            return rowError('DUPLICATE_DATA', 'duplicate data', {
              api_name: 'display_value',
              json_path: `${path}.display_value`,
            });
          cur.display = dv;
        }
        if (av !== undefined) cur.actual = av;
        continue;
      }
      if (!dv)
        return rowError('MANDATORY_NOT_FOUND', 'required field not found', {
          api_name: 'display_value',
          json_path: `${path}.display_value`,
        });
      if (list.some((p) => p.display.toLowerCase() === dv.toLowerCase()))
        return rowError('DUPLICATE_DATA', 'duplicate data', {
          api_name: 'display_value',
          json_path: `${path}.display_value`,
        });
      list.push({ id: ctx.core.state.nextId(), display: dv, actual: av ?? dv });
    }
    next.picklist = list;
  }
  Object.assign(f, next, { modifiedAt: ctx.core.now() });
  mod.def.modifiedAt = ctx.core.now();
  return { code: 'SUCCESS', details: { id: f.id }, message: 'field updated', status: 'success' };
}

async function updateFields(ctx: Ctx, id: string | undefined): Promise<void> {
  need(ctx, 'settings', 'fields', 'UPDATE');
  const mod = moduleParam(ctx);
  needAdmin(ctx);
  const { rows } = await dataRows(ctx, 'fields');
  const results: Record<string, unknown>[] = [];
  if (id !== undefined) {
    const f = mod.def.fields.find((x) => x.id === id);
    if (!f)
      throw new ApiError(400, 'INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: 2 });
    if (rows.length !== 1) throw Errors.limit(1, { api_name: 'fields', json_path: '$.fields' });
    results.push(updateOneField(ctx, mod, f, (rows[0] ?? {}) as Record<string, unknown>, 0));
  } else {
    rows.forEach((row, i) => {
      const r = (row ?? {}) as Record<string, unknown>;
      const rid = typeof r.id === 'string' || typeof r.id === 'number' ? String(r.id) : undefined;
      if (rid === undefined)
        return results.push(
          rowError('MANDATORY_NOT_FOUND', 'required field not found', {
            api_name: 'id',
            json_path: `$.fields[${i}].id`,
          }),
        );
      const f = mod.def.fields.find((x) => x.id === rid);
      if (!f)
        return results.push(
          rowError('INVALID_DATA', 'the id given seems to be invalid', {
            api_name: 'id',
            json_path: `$.fields[${i}].id`,
          }),
        );
      results.push(updateOneField(ctx, mod, f, r, i));
    });
  }
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results as { status: string }[], 200), { fields: results });
}

function deleteField(ctx: Ctx, id: string): void {
  need(ctx, 'settings', 'fields', 'DELETE');
  const mod = moduleParam(ctx);
  needAdmin(ctx);
  const f = mod.def.fields.find((x) => x.id === id);
  if (!f)
    throw new ApiError(400, 'INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: 2 });
  if (!f.custom) throw new ApiError(400, 'NOT_ALLOWED', 'standard fields cannot be deleted', { id });
  removeField(ctx.core, ctx.org, mod, f.apiName);
  sendJson(ctx.res, 200, {
    fields: [{ code: 'SUCCESS', details: { id }, message: 'field deleted', status: 'success' }],
  });
}

export function removeField(core: EmuCore, org: OrgState, mod: ModuleState, apiName: string): void {
  const f = mod.field(apiName);
  if (!f) throw new Error(`emulator: no field ${apiName} in ${mod.def.apiName}`);
  mod.def.fields = mod.def.fields.filter((x) => x !== f);
  mod.reindexFields();
  for (const rec of mod.records.values()) org.setValue(mod, rec, f.apiName, undefined);
  mod.index.delete(f.apiName);
  mod.def.modifiedAt = core.now();
  core.changed();
}

// ------------------------------------------------------------------ records

interface RowResult {
  status: string;
  [k: string]: unknown;
}

function insertRecord(
  ctx: Ctx,
  mod: ModuleState,
  changes: Map<string, unknown>,
  ownerId: string | undefined,
): RecordRec {
  const now = ctx.core.now();
  const rec: RecordRec = {
    id: ctx.core.state.nextId(),
    values: {},
    ownerId: ownerId ?? ctx.user.id,
    createdById: ctx.user.id,
    modifiedById: ctx.user.id,
    createdAt: now,
    modifiedAt: now,
  };
  for (const [k, v] of changes) if (v !== null && v !== undefined) rec.values[k] = v;
  ctx.org.addRecord(mod, rec);
  return rec;
}

function applyUpdate(
  ctx: Ctx,
  mod: ModuleState,
  rec: RecordRec,
  changes: Map<string, unknown>,
  ownerId: string | undefined,
): void {
  for (const [k, v] of changes) ctx.org.setValue(mod, rec, k, v);
  if (ownerId) rec.ownerId = ownerId;
  rec.modifiedAt = Math.max(ctx.core.now(), rec.modifiedAt + 1);
  rec.modifiedById = ctx.user.id;
}

/** Unique-field check: an error when another record holds the same value. */
function uniqueViolation(
  ctx: Ctx,
  mod: ModuleState,
  changes: Map<string, unknown>,
  i: number,
  selfId?: string,
): RowError | undefined {
  for (const f of mod.def.fields) {
    if (!f.unique) continue;
    const v = changes.get(f.apiName);
    if (v === undefined || v === null) continue;
    for (const id of mod.lookup(f.apiName, v) ?? []) {
      if (id === selfId) continue;
      const other = mod.records.get(id);
      if (!other) continue;
      return rowError('DUPLICATE_DATA', 'duplicate data', {
        api_name: f.apiName,
        json_path: `$.data[${i}].${f.apiName}`,
        duplicate_record: {
          id,
          module: { api_name: mod.def.apiName, id: mod.def.id },
          Owner: minUser(ctx.org, other.ownerId, false),
        },
      });
    }
  }
  return undefined;
}

function insertResult(ctx: Ctx, rec: RecordRec): RowResult {
  return {
    code: 'SUCCESS',
    duplicate_field: null,
    action: 'insert',
    details: writeDetails(ctx.org, rec),
    message: 'record added',
    status: 'success',
  };
}

function updateResult(ctx: Ctx, rec: RecordRec, duplicateField: string | null = null): RowResult {
  return {
    code: 'SUCCESS',
    duplicate_field: duplicateField,
    action: 'update',
    details: writeDetails(ctx.org, rec),
    message: 'record updated',
    status: 'success',
  };
}

async function createRecords(ctx: Ctx, mod: ModuleState): Promise<void> {
  need(ctx, 'modules', mod.def.apiName, 'CREATE');
  const { rows } = await dataRows(ctx);
  const results: RowResult[] = rows.map((row, i) => {
    const v = validateRecordRow(ctx.org, mod, row, i, 'create');
    if (!v.ok) return v.error;
    const dup = uniqueViolation(ctx, mod, v.changes, i);
    if (dup) return dup;
    return insertResult(ctx, insertRecord(ctx, mod, v.changes, v.ownerId));
  });
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results, 201), { data: results });
}

function updateRow(ctx: Ctx, mod: ModuleState, row: unknown, i: number, id: string | undefined): RowResult {
  if (id === undefined)
    return rowError('MANDATORY_NOT_FOUND', 'required field not found', {
      api_name: 'id',
      json_path: `$.data[${i}].id`,
    });
  const rec = mod.records.get(id);
  if (!rec)
    return rowError('INVALID_DATA', 'the id given seems to be invalid', {
      api_name: 'id',
      json_path: `$.data[${i}].id`,
    });
  const v = validateRecordRow(ctx.org, mod, row, i, 'update');
  if (!v.ok) return v.error;
  const dup = uniqueViolation(ctx, mod, v.changes, i, rec.id);
  if (dup) return dup;
  applyUpdate(ctx, mod, rec, v.changes, v.ownerId);
  return updateResult(ctx, rec);
}

function rowId(row: unknown): string | undefined {
  const id = row && typeof row === 'object' ? (row as Record<string, unknown>).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

async function updateRecords(ctx: Ctx, mod: ModuleState, urlId: string | undefined): Promise<void> {
  need(ctx, 'modules', mod.def.apiName, 'UPDATE');
  const { rows } = await dataRows(ctx);
  if (urlId !== undefined && rows.length > 1)
    throw Errors.limit(1, { api_name: 'data', json_path: '$.data' });
  const results = rows.map((row, i) => updateRow(ctx, mod, row, i, urlId ?? rowId(row)));
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results, 200), { data: results });
}

async function upsertRecords(ctx: Ctx, mod: ModuleState): Promise<void> {
  need(ctx, 'modules', mod.def.apiName, 'CREATE');
  need(ctx, 'modules', mod.def.apiName, 'UPDATE');
  const { rows, body } = await dataRows(ctx);
  const dupParam = body.duplicate_check_fields;
  const dupFields = (
    Array.isArray(dupParam)
      ? dupParam.filter((x): x is string => typeof x === 'string')
      : mod.def.duplicateCheck.concat(mod.def.fields.filter((f) => f.unique).map((f) => f.apiName))
  )
    .map((n) => mod.field(n))
    .filter((f): f is FieldDef => !!f);
  let anyInsert = false;
  const results: RowResult[] = rows.map((row, i) => {
    const id = rowId(row);
    if (id !== undefined) return updateRow(ctx, mod, row, i, id);
    const r = row && typeof row === 'object' ? (row as Record<string, unknown>) : {};
    for (const f of dupFields) {
      const val = r[f.apiName];
      if (val === undefined || val === null || val === '') continue;
      const hits = [...(ctx.org.module(mod.def.apiName)?.lookup(f.apiName, val) ?? [])];
      const target = hits.map((h) => mod.records.get(h)).find((x): x is RecordRec => !!x);
      if (target) {
        const res = updateRow(ctx, mod, row, i, target.id);
        if (res.status === 'success') return { ...res, duplicate_field: f.apiName };
        return res;
      }
    }
    const v = validateRecordRow(ctx.org, mod, row, i, 'create');
    if (!v.ok) return v.error;
    const dup = uniqueViolation(ctx, mod, v.changes, i);
    if (dup) return dup;
    anyInsert = true;
    return insertResult(ctx, insertRecord(ctx, mod, v.changes, v.ownerId));
  });
  ctx.core.changed();
  const allInsert = anyInsert && results.every((r) => r.status !== 'success' || r.action === 'insert');
  sendJson(ctx.res, writeStatus(results, allInsert ? 201 : 200), { data: results });
}

function getRecord(ctx: Ctx, mod: ModuleState, id: string): void {
  need(ctx, 'modules', mod.def.apiName, 'READ');
  const rec = mod.records.get(id);
  if (!rec) return sendNoContent(ctx.res);
  const fields = pickFields(mod, q(ctx.req, 'fields'));
  sendJson(ctx.res, 200, { data: [serializeRecord(ctx.org, mod, rec, fields)] });
}

function sortRecords(
  mod: ModuleState,
  recs: RecordRec[],
  sortBy: string | undefined,
  sortOrder: string | undefined,
): RecordRec[] {
  const by = sortBy ? mod.field(sortBy) : undefined;
  if (sortBy && !by && sortBy !== 'id') throw Errors.invalidParam('sort_by');
  const desc = sortOrder === 'desc';
  const key = (r: RecordRec): string | number => {
    if (!by) return r.id;
    if (by.apiName === 'Created_Time') return r.createdAt;
    if (by.apiName === 'Modified_Time') return r.modifiedAt;
    const v = r.values[by.apiName];
    return typeof v === 'number' ? v : typeof v === 'string' ? v.toLowerCase() : '';
  };
  return recs.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const c = ka < kb ? -1 : ka > kb ? 1 : 0;
    return desc ? -c : c;
  });
}

function listRecords(ctx: Ctx, mod: ModuleState): void {
  need(ctx, 'modules', mod.def.apiName, 'READ');
  const fieldsParam = q(ctx.req, 'fields');
  if (!fieldsParam && !q(ctx.req, 'cvid')) throw Errors.paramMissing('fields');
  const fields = fieldsParam ? pickFields(mod, fieldsParam) : undefined;
  const { page, perPage } = paging(ctx.req);
  const idsParam = q(ctx.req, 'ids');
  let recs: RecordRec[];
  if (idsParam !== undefined) {
    const ids = idsParam
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (ids.length > 100) throw Errors.limit(100, { param_name: 'ids' });
    recs = ids.map((id) => mod.records.get(id)).filter((r): r is RecordRec => !!r);
  } else {
    recs = sortRecords(mod, [...mod.records.values()], q(ctx.req, 'sort_by'), q(ctx.req, 'sort_order'));
  }
  const { slice, more } = pageOf(recs, page, perPage);
  if (slice.length === 0) return sendNoContent(ctx.res);
  sendJson(ctx.res, 200, {
    data: slice.map((r) => serializeRecord(ctx.org, mod, r, fields)),
    info: {
      per_page: perPage,
      next_page_token: null,
      count: slice.length,
      sort_by: q(ctx.req, 'sort_by') ?? 'id',
      page,
      previous_page_token: null,
      page_token_expiry: null,
      sort_order: q(ctx.req, 'sort_order') ?? 'desc',
      more_records: more,
    },
  });
}

/** The ids a DELETE names (in the URL, or `?ids=a,b`), at least one and at most 100, as Zoho. */
function deleteIds(ctx: Ctx, urlId: string | undefined): string[] {
  const ids =
    urlId !== undefined
      ? [urlId]
      : (q(ctx.req, 'ids') ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  if (ids.length === 0) throw Errors.paramMissing('ids');
  if (ids.length > 100) throw Errors.limit(100, { param_name: 'ids' });
  return ids;
}

function deleteRecords(ctx: Ctx, mod: ModuleState, urlId: string | undefined): void {
  need(ctx, 'modules', mod.def.apiName, 'DELETE');
  const ids = deleteIds(ctx, urlId);
  const results = ids.map((id) => {
    if (!mod.records.has(id)) return rowError('INVALID_DATA', 'the id given seems to be invalid', { id });
    ctx.org.removeRecord(mod, id);
    return { code: 'SUCCESS', details: { id }, message: 'record deleted', status: 'success' };
  });
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results, 200), { data: results });
}

function digits(s: string): string {
  return s.replace(/\D/g, '');
}

function searchRecords(ctx: Ctx, mod: ModuleState): void {
  need(ctx, 'modules', mod.def.apiName, 'READ');
  const criteria = q(ctx.req, 'criteria');
  const email = q(ctx.req, 'email');
  const phone = q(ctx.req, 'phone');
  const word = q(ctx.req, 'word');
  if (criteria === undefined && email === undefined && phone === undefined && word === undefined)
    throw Errors.paramMissing('criteria');
  const { page, perPage } = paging(ctx.req);
  if ((page - 1) * perPage >= SEARCH_MAX_RESULTS)
    throw new ApiError(400, 'LIMIT_REACHED', 'maximum limit reached', { limit: SEARCH_MAX_RESULTS });
  const preds: ((r: RecordRec) => boolean)[] = [];
  if (criteria !== undefined) preds.push(compileCriteria(mod, parseCriteria(criteria)));
  if (email !== undefined) {
    const e = email.toLowerCase();
    const fs = mod.def.fields.filter((f) => f.dataType === 'email');
    preds.push((r) =>
      fs.some(
        (f) => typeof r.values[f.apiName] === 'string' && (r.values[f.apiName] as string).toLowerCase() === e,
      ),
    );
  }
  if (phone !== undefined) {
    const d = digits(phone);
    const fs = mod.def.fields.filter((f) => f.dataType === 'phone');
    preds.push(
      (r) =>
        d.length > 0 &&
        fs.some(
          (f) => typeof r.values[f.apiName] === 'string' && digits(r.values[f.apiName] as string) === d,
        ),
    );
  }
  if (word !== undefined) {
    const w = word.toLowerCase();
    const fs = mod.def.fields.filter((f) =>
      ['text', 'textarea', 'email', 'phone', 'website', 'picklist'].includes(f.dataType),
    );
    preds.push((r) =>
      fs.some((f) =>
        String(fieldValue(ctx.org, f, r) ?? '')
          .toLowerCase()
          .includes(w),
      ),
    );
  }
  const hits: RecordRec[] = [];
  for (const r of mod.records.values()) if (visible(ctx, r) && preds.every((p) => p(r))) hits.push(r);
  const capped = hits.slice(0, SEARCH_MAX_RESULTS);
  const { slice, more } = pageOf(capped, page, perPage);
  if (slice.length === 0) return sendNoContent(ctx.res);
  const fields = pickFields(mod, q(ctx.req, 'fields'));
  sendJson(ctx.res, 200, {
    data: slice.map((r) => serializeRecord(ctx.org, mod, r, fields)),
    info: { per_page: perPage, count: slice.length, page, more_records: more },
  });
}

async function coql(ctx: Ctx): Promise<void> {
  need(ctx, 'coql', undefined, 'READ');
  const body = await jsonBody(ctx.req);
  const query = body && typeof body === 'object' ? (body as Record<string, unknown>).select_query : undefined;
  if (typeof query !== 'string') throw Errors.paramMissing('select_query');
  const parsed = parseCoql(query);
  const mod = ctx.org.module(parsed.module);
  if (!mod || mod.def.kind !== 'records') {
    throw new CoqlError(
      'INVALID_QUERY',
      {
        module_name: parsed.module,
        clause: 'from',
        line: 1,
        reason: 'the module name given seems to be invalid',
      },
      'Invalid query formed',
    );
  }
  need(ctx, 'modules', mod.def.apiName, 'READ');
  const select = resolveSelect(mod, parsed);
  const pred = parsed.where ? compile(mod, parsed.where) : () => true;
  const sort = sorter(mod, parsed.orderBy);
  const cand = parsed.where ? candidates(mod, parsed.where) : undefined;
  const matched: RecordRec[] = [];
  const consider = (r: RecordRec | undefined) => {
    if (r && visible(ctx, r) && pred(r)) matched.push(r);
  };
  if (cand) for (const id of cand) consider(mod.records.get(id));
  else for (const r of mod.records.values()) consider(r);
  matched.sort(sort);
  const page = matched.slice(parsed.offset, parsed.offset + parsed.limit);
  if (page.length === 0) return sendNoContent(ctx.res);
  const data = page.map((r) => {
    const o: Record<string, unknown> = {};
    for (const f of select) if (f !== 'id') o[f.apiName] = fieldValue(ctx.org, f, r, true);
    o.id = r.id;
    return o;
  });
  sendJson(ctx.res, 200, {
    data,
    info: { count: data.length, more_records: matched.length > parsed.offset + parsed.limit },
  });
}

// ------------------------------------------------------------------ notes

const NOTE_KEYS = new Set(['Note_Title', 'Note_Content', 'Parent_Id', 'se_module', 'Owner', 'id']);

function noteParent(
  ctx: Ctx,
  r: Record<string, unknown>,
  i: number,
): { module: string; id: string } | RowError {
  const p = r.Parent_Id;
  let moduleName: unknown = r.se_module;
  let id: unknown = p;
  if (p && typeof p === 'object') {
    const po = p as Record<string, unknown>;
    id = po.id;
    const m = po.module;
    if (m && typeof m === 'object') moduleName = (m as Record<string, unknown>).api_name ?? moduleName;
    else if (typeof m === 'string') moduleName = m;
  }
  if (id === undefined || id === null || id === '') return mandatoryNotFound('Parent_Id', i);
  const sid = String(id);
  if (moduleName === undefined || moduleName === null || moduleName === '') {
    const m = ctx.org.recordModule.get(sid);
    if (!m) return mandatoryNotFound('se_module', i);
    moduleName = m;
  }
  const mod = typeof moduleName === 'string' ? ctx.org.module(moduleName) : undefined;
  if (!mod || mod.def.kind !== 'records')
    return invalidData('Parent_Id', i, {}, 'the module name given seems to be invalid');
  if (!mod.records.has(sid))
    return invalidData('Parent_Id', i, {}, 'the related id given seems to be invalid');
  return { module: mod.def.apiName, id: sid };
}

function noteText(
  r: Record<string, unknown>,
  key: 'Note_Title' | 'Note_Content',
  i: number,
  max: number,
): string | null | undefined | RowError {
  const v = r[key];
  if (v === undefined) return undefined;
  if (v === null || v === '') return null;
  if (typeof v !== 'string') return invalidData(key, i, { expected_data_type: 'text' });
  if (v.length > max) return invalidData(key, i, { maximum_length: max });
  return v;
}

function isRowError(x: unknown): x is RowError {
  return !!x && typeof x === 'object' && (x as RowError).status === 'error';
}

function noteLimits(ctx: Ctx): { title: number; content: number } {
  const mod = ctx.org.module('Notes');
  return {
    title: mod?.field('Note_Title')?.length ?? 255,
    content: mod?.field('Note_Content')?.length ?? 32000,
  };
}

function createNoteRow(
  ctx: Ctx,
  row: unknown,
  i: number,
  fixedParent?: { module: string; id: string },
): RowResult {
  if (!row || typeof row !== 'object' || Array.isArray(row))
    return rowError('INVALID_DATA', 'invalid data', {
      expected_data_type: 'jsonobject',
      json_path: `$.data[${i}]`,
    });
  const r = row as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!NOTE_KEYS.has(k) && !k.startsWith('$')) return invalidData(k, i);
  const lim = noteLimits(ctx);
  const content = noteText(r, 'Note_Content', i, lim.content);
  if (isRowError(content)) return content;
  if (!content) return mandatoryNotFound('Note_Content', i);
  const title = noteText(r, 'Note_Title', i, lim.title);
  if (isRowError(title)) return title;
  const parent = fixedParent ?? noteParent(ctx, r, i);
  if (isRowError(parent)) return parent;
  let ownerId = ctx.user.id;
  if (r.Owner !== undefined && r.Owner !== null) {
    const oid = typeof r.Owner === 'object' ? (r.Owner as Record<string, unknown>).id : r.Owner;
    const u = typeof oid === 'string' || typeof oid === 'number' ? ctx.org.users.get(String(oid)) : undefined;
    if (!u || u.status !== 'active') return invalidData('Owner', i, { expected_data_type: 'lookup' });
    ownerId = u.id;
  }
  const now = ctx.core.now();
  const n: NoteRec = {
    id: ctx.core.state.nextId(),
    title: title ?? null,
    content,
    parentModule: parent.module,
    parentId: parent.id,
    ownerId,
    createdById: ctx.user.id,
    modifiedById: ctx.user.id,
    createdAt: now,
    modifiedAt: now,
  };
  ctx.org.addNote(n);
  return {
    code: 'SUCCESS',
    details: writeDetails(ctx.org, n, false),
    message: 'record added',
    status: 'success',
  };
}

async function createNotes(ctx: Ctx, fixedParent?: { module: string; id: string }): Promise<void> {
  need(ctx, 'modules', 'notes', 'CREATE');
  const { rows } = await dataRows(ctx);
  const results = rows.map((row, i) => createNoteRow(ctx, row, i, fixedParent));
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results, 201), { data: results });
}

function updateNoteRow(ctx: Ctx, row: unknown, i: number, id: string | undefined): RowResult {
  if (!row || typeof row !== 'object' || Array.isArray(row))
    return rowError('INVALID_DATA', 'invalid data', {
      expected_data_type: 'jsonobject',
      json_path: `$.data[${i}]`,
    });
  if (id === undefined)
    return rowError('MANDATORY_NOT_FOUND', 'required field not found', {
      api_name: 'id',
      json_path: `$.data[${i}].id`,
    });
  const n = ctx.org.notes.get(id);
  if (!n)
    return rowError('INVALID_DATA', 'the id given seems to be invalid', {
      api_name: 'id',
      json_path: `$.data[${i}].id`,
    });
  const r = row as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!NOTE_KEYS.has(k) && !k.startsWith('$')) return invalidData(k, i);
  const lim = noteLimits(ctx);
  const content = noteText(r, 'Note_Content', i, lim.content);
  if (isRowError(content)) return content;
  if (content === null) return mandatoryNotFound('Note_Content', i);
  const title = noteText(r, 'Note_Title', i, lim.title);
  if (isRowError(title)) return title;
  if (content !== undefined) n.content = content;
  if (title !== undefined) n.title = title;
  n.modifiedAt = Math.max(ctx.core.now(), n.modifiedAt + 1);
  n.modifiedById = ctx.user.id;
  return {
    code: 'SUCCESS',
    details: writeDetails(ctx.org, n, false),
    message: 'record updated',
    status: 'success',
  };
}

async function updateNotes(ctx: Ctx, urlId: string | undefined): Promise<void> {
  need(ctx, 'modules', 'notes', 'UPDATE');
  const { rows } = await dataRows(ctx);
  if (urlId !== undefined && rows.length > 1)
    throw Errors.limit(1, { api_name: 'data', json_path: '$.data' });
  const results = rows.map((row, i) => updateNoteRow(ctx, row, i, urlId ?? rowId(row)));
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results, 200), { data: results });
}

/** Zoho lists notes oldest first unless asked otherwise. */
function sortNotes(notes: NoteRec[], sortBy: string | undefined, sortOrder: string | undefined): NoteRec[] {
  const by = (sortBy ?? 'Created_Time').toLowerCase();
  if (!['modified_time', 'created_time', 'id'].includes(by)) throw Errors.invalidParam('sort_by');
  const desc = (sortOrder ?? 'asc') === 'desc';
  const key = (n: NoteRec) => (by === 'created_time' ? n.createdAt : by === 'id' ? n.id : n.modifiedAt);
  return notes.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    let c = ka < kb ? -1 : ka > kb ? 1 : 0;
    if (c === 0) c = a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return desc ? -c : c;
  });
}

function listNotes(ctx: Ctx, notes: NoteRec[]): void {
  need(ctx, 'modules', 'notes', 'READ');
  const fieldsParam = q(ctx.req, 'fields');
  if (!fieldsParam) throw Errors.paramMissing('fields');
  const fields = fieldsParam
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const { page, perPage } = paging(ctx.req);
  const idsParam = q(ctx.req, 'ids');
  let list = notes;
  if (idsParam !== undefined) {
    const ids = new Set(idsParam.split(',').map((s) => s.trim()));
    list = list.filter((n) => ids.has(n.id));
  }
  const sorted = sortNotes(list, q(ctx.req, 'sort_by'), q(ctx.req, 'sort_order'));
  const { slice, more } = pageOf(sorted, page, perPage);
  if (slice.length === 0) return sendNoContent(ctx.res);
  sendJson(ctx.res, 200, {
    data: slice.map((n) => serializeNote(ctx.org, n, fields)),
    info: {
      per_page: perPage,
      next_page_token: null,
      count: slice.length,
      sort_by: q(ctx.req, 'sort_by') ?? 'Created_Time',
      page,
      previous_page_token: null,
      page_token_expiry: null,
      sort_order: q(ctx.req, 'sort_order') ?? 'asc',
      more_records: more,
    },
  });
}

function getNote(ctx: Ctx, id: string): void {
  need(ctx, 'modules', 'notes', 'READ');
  const n = ctx.org.notes.get(id);
  if (!n) return sendNoContent(ctx.res);
  const fp = q(ctx.req, 'fields');
  sendJson(ctx.res, 200, {
    data: [serializeNote(ctx.org, n, fp ? fp.split(',').map((s) => s.trim()) : undefined)],
  });
}

function deleteNotes(ctx: Ctx, urlId: string | undefined): void {
  need(ctx, 'modules', 'notes', 'DELETE');
  const ids = deleteIds(ctx, urlId);
  const results = ids.map((id) => {
    if (!ctx.org.notes.has(id)) return rowError('INVALID_DATA', 'the id given seems to be invalid', { id });
    ctx.org.removeNote(id);
    return { code: 'SUCCESS', details: { id }, message: 'record deleted', status: 'success' };
  });
  ctx.core.changed();
  sendJson(ctx.res, writeStatus(results, 200), { data: results });
}

// ------------------------------------------------------------------ attachments

function attachmentParent(ctx: Ctx, moduleName: string, id: string): { module: string; id: string } {
  if (moduleName.toLowerCase() === 'notes') {
    if (!ctx.org.notes.has(id))
      throw new ApiError(400, 'INVALID_DATA', 'the related id given seems to be invalid', {
        resource_path_index: 1,
      });
    return { module: 'Notes', id };
  }
  const mod = moduleOr400(ctx, moduleName);
  if (!mod.records.has(id))
    throw new ApiError(400, 'INVALID_DATA', 'the related id given seems to be invalid', {
      resource_path_index: 1,
    });
  return { module: mod.def.apiName, id };
}

function decodeFileName(name: string): string {
  const utf8 = Buffer.from(name, 'latin1').toString('utf8');
  return utf8.includes('\uFFFD') ? name : utf8;
}

async function uploadAttachment(ctx: Ctx, moduleName: string, id: string): Promise<void> {
  need(ctx, 'modules', moduleName, 'CREATE', 'attachments');
  const parent = attachmentParent(ctx, moduleName, id);
  const ct = String(ctx.req.headers['content-type'] ?? '');
  if (!ct.startsWith('multipart/form-data')) throw Errors.paramMissing('file');
  const { files } = await multipart(ctx.req, ctx.res);
  const file = files.filter((f) => f.fieldname === 'file');
  if (file.length === 0) throw Errors.paramMissing('file');
  if (file.length > 1 || files.length > 1) throw Errors.limit(1, { param_name: 'file' });
  const f = file[0];
  if (!f) throw Errors.paramMissing('file');
  const now = ctx.core.now();
  const a = {
    id: ctx.core.state.nextId(),
    parentModule: parent.module,
    parentId: parent.id,
    fileName: decodeFileName(f.originalname || 'file'),
    mimeType: f.mimetype || 'application/octet-stream',
    size: f.size,
    data: f.buffer,
    ownerId: ctx.user.id,
    createdById: ctx.user.id,
    createdAt: now,
    modifiedAt: now,
  };
  ctx.org.addAttachment(a);
  ctx.core.changed();
  sendJson(ctx.res, 200, {
    data: [
      {
        code: 'SUCCESS',
        details: writeDetails(ctx.org, { ...a, modifiedById: a.createdById }, false),
        message: 'attachment uploaded',
        status: 'success',
      },
    ],
  });
}

function listAttachments(ctx: Ctx, moduleName: string, id: string): void {
  need(ctx, 'modules', moduleName, 'READ', 'attachments');
  const parent = attachmentParent(ctx, moduleName, id);
  if (!q(ctx.req, 'fields')) throw Errors.paramMissing('fields');
  const { page, perPage } = paging(ctx.req);
  const all = [...(ctx.org.attachmentsByParent.get(parent.id) ?? [])]
    .map((aid) => ctx.org.attachments.get(aid))
    .filter((a): a is NonNullable<typeof a> => !!a)
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  const { slice, more } = pageOf(all, page, perPage);
  if (slice.length === 0) return sendNoContent(ctx.res);
  const wanted = (q(ctx.req, 'fields') ?? '').split(',').map((s) => s.trim().toLowerCase());
  sendJson(ctx.res, 200, {
    data: slice.map((a) => {
      const full = serializeAttachment(ctx.org, a);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(full)) if (wanted.includes(k.toLowerCase())) out[k] = v;
      out.id = a.id;
      return out;
    }),
    info: { per_page: perPage, count: slice.length, page, more_records: more },
  });
}

function downloadAttachment(ctx: Ctx, moduleName: string, id: string, aid: string): void {
  need(ctx, 'modules', moduleName, 'READ', 'attachments');
  const parent = attachmentParent(ctx, moduleName, id);
  const a = ctx.org.attachments.get(aid);
  if (!a || a.parentId !== parent.id)
    throw new ApiError(400, 'INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: 3 });
  ctx.res.status(200);
  ctx.res.setHeader('Content-Type', a.mimeType);
  ctx.res.setHeader('Content-Disposition', `attachment;filename="${encodeURIComponent(a.fileName)}"`);
  ctx.res.end(a.data);
}

function deleteAttachment(ctx: Ctx, moduleName: string, id: string, aid: string): void {
  need(ctx, 'modules', moduleName, 'DELETE', 'attachments');
  const parent = attachmentParent(ctx, moduleName, id);
  const a = ctx.org.attachments.get(aid);
  if (!a || a.parentId !== parent.id)
    throw new ApiError(400, 'INVALID_DATA', 'the id given seems to be invalid', { resource_path_index: 3 });
  ctx.org.attachments.delete(aid);
  ctx.org.attachmentsByParent.get(parent.id)?.delete(aid);
  ctx.core.changed();
  sendJson(ctx.res, 200, {
    data: [{ code: 'SUCCESS', details: { id: aid }, message: 'record deleted', status: 'success' }],
  });
}

// ------------------------------------------------------------------ dispatch

/** Call kind for the counters (one kind per credit-consuming call type). */
export function classify(method: string, segs: string[]): string {
  const [a, b, c, d] = segs;
  const al = (a ?? '').toLowerCase();
  if (al === 'users') return 'users';
  if (al === 'org') return 'org';
  if (al === 'coql') return 'coql';
  if (al === 'settings') {
    if (b === 'modules') return 'modules';
    if (b === 'fields') return method === 'GET' ? 'fields' : 'field_write';
    if (b === 'related_lists') return 'related_lists';
    return 'other';
  }
  if (c === 'Attachments' || c?.toLowerCase() === 'attachments') return 'attachment';
  if (al === 'notes') {
    if (method === 'POST') return 'note_create';
    if (method === 'PUT') return 'note_update';
    if (method === 'DELETE') return 'note_delete';
    return 'note_list';
  }
  if (c?.toLowerCase() === 'notes' && d === undefined) return method === 'POST' ? 'note_create' : 'note_list';
  if (b === 'search') return 'search';
  if (b === 'upsert') return 'record_upsert';
  if (method === 'GET') return 'record_get';
  if (method === 'POST') return 'record_create';
  if (method === 'PUT') return 'record_update';
  if (method === 'DELETE') return 'record_delete';
  return 'other';
}

async function route(ctx: Ctx): Promise<void> {
  const { segs } = ctx;
  const m = ctx.req.method;
  const [a, b, c, d, e] = segs;
  if (!a) throw Errors.invalidUrl();
  const al = a.toLowerCase();
  if (al === 'users') {
    if (m !== 'GET') throw Errors.invalidMethod();
    if (b === undefined) return getUsers(ctx);
    if (c === undefined && isId(b)) return getUser(ctx, b);
    throw Errors.invalidUrl();
  }
  if (al === 'org' && b === undefined) {
    if (m !== 'GET') throw Errors.invalidMethod();
    return getOrg(ctx);
  }
  if (al === 'coql' && b === undefined) {
    if (m !== 'POST') throw Errors.invalidMethod();
    return coql(ctx);
  }
  if (al === 'settings') {
    if (b === 'modules' && d === undefined) {
      if (m !== 'GET') throw Errors.invalidMethod();
      return getModules(ctx, c);
    }
    if (b === 'fields' && c === undefined) {
      if (m === 'GET') return getFields(ctx);
      if (m === 'POST') return createFields(ctx);
      if (m === 'PATCH') return updateFields(ctx, undefined);
      throw Errors.invalidMethod();
    }
    if (b === 'fields' && c !== undefined && d === undefined) {
      if (m === 'GET') return getField(ctx, c);
      if (m === 'PATCH') return updateFields(ctx, c);
      if (m === 'DELETE') return deleteField(ctx, c);
      throw Errors.invalidMethod();
    }
    if (b === 'related_lists' && c === undefined) {
      if (m !== 'GET') throw Errors.invalidMethod();
      return getRelatedLists(ctx);
    }
    throw Errors.invalidUrl();
  }
  if (al === 'notes') {
    if (b === undefined) {
      if (m === 'GET') return listNotes(ctx, [...ctx.org.notes.values()]);
      if (m === 'POST') return createNotes(ctx);
      if (m === 'PUT') return updateNotes(ctx, undefined);
      if (m === 'DELETE') return deleteNotes(ctx, undefined);
      throw Errors.invalidMethod();
    }
    if (!isId(b)) throw Errors.invalidUrl();
    if (c === undefined) {
      if (m === 'GET') return getNote(ctx, b);
      if (m === 'PUT') return updateNotes(ctx, b);
      if (m === 'DELETE') return deleteNotes(ctx, b);
      throw Errors.invalidMethod();
    }
    if (c.toLowerCase() === 'attachments') return attachmentRoutes(ctx, 'Notes', b, d, e);
    throw Errors.invalidUrl();
  }
  const mod = moduleOr400(ctx, a);
  if (mod.def.kind !== 'records') throw Errors.invalidModule(0);
  if (b === undefined) {
    if (m === 'GET') return listRecords(ctx, mod);
    if (m === 'POST') return createRecords(ctx, mod);
    if (m === 'PUT') return updateRecords(ctx, mod, undefined);
    if (m === 'DELETE') return deleteRecords(ctx, mod, undefined);
    throw Errors.invalidMethod();
  }
  if (b === 'search' && c === undefined) {
    if (m !== 'GET') throw Errors.invalidMethod();
    return searchRecords(ctx, mod);
  }
  if (b === 'upsert' && c === undefined) {
    if (m !== 'POST') throw Errors.invalidMethod();
    return upsertRecords(ctx, mod);
  }
  if (!isId(b)) throw Errors.invalidUrl();
  if (c === undefined) {
    if (m === 'GET') return getRecord(ctx, mod, b);
    if (m === 'PUT') return updateRecords(ctx, mod, b);
    if (m === 'DELETE') return deleteRecords(ctx, mod, b);
    throw Errors.invalidMethod();
  }
  if (c.toLowerCase() === 'notes' && d === undefined) {
    if (!mod.records.has(b))
      throw new ApiError(400, 'INVALID_DATA', 'the related id given seems to be invalid', {
        resource_path_index: 1,
      });
    if (m === 'GET')
      return listNotes(
        ctx,
        [...(ctx.org.notesByParent.get(b) ?? [])]
          .map((id) => ctx.org.notes.get(id))
          .filter((n): n is NoteRec => !!n),
      );
    if (m === 'POST') return createNotes(ctx, { module: mod.def.apiName, id: b });
    throw Errors.invalidMethod();
  }
  if (c.toLowerCase() === 'attachments') return attachmentRoutes(ctx, mod.def.apiName, b, d, e);
  throw Errors.invalidUrl();
}

async function attachmentRoutes(
  ctx: Ctx,
  moduleName: string,
  id: string,
  aid: string | undefined,
  rest: string | undefined,
): Promise<void> {
  const m = ctx.req.method;
  if (rest !== undefined) throw Errors.invalidUrl();
  if (aid === undefined) {
    if (m === 'POST') return uploadAttachment(ctx, moduleName, id);
    if (m === 'GET') return listAttachments(ctx, moduleName, id);
    throw Errors.invalidMethod();
  }
  if (!isId(aid)) throw Errors.invalidUrl();
  if (m === 'GET') return downloadAttachment(ctx, moduleName, id, aid);
  if (m === 'DELETE') return deleteAttachment(ctx, moduleName, id, aid);
  throw Errors.invalidMethod();
}

function injected(res: Response, status: number, body: 'json' | 'html'): void {
  if (body === 'json') {
    if (status === 429) return sendError(res, Errors.tooMany());
    const code = status === 500 ? 'INTERNAL_ERROR' : status === 502 ? 'BAD_GATEWAY' : 'SERVICE_UNAVAILABLE';
    return sendJson(res, status, {
      code,
      details: {},
      message: status === 500 ? 'Internal Server Error' : 'Service temporarily unavailable',
      status: 'error',
    });
  }
  res
    .status(status)
    .type('text/html')
    .send(
      `<html><head><title>${status}</title></head><body><h1>${status === 502 ? '502 Bad Gateway' : '503 Service Temporarily Unavailable'}</h1></body></html>`,
    );
}

export function crmRouter(core: EmuCore): Router {
  const r = Router();
  r.use('/crm/v8', async (req: Request, res: Response) => {
    const segs = req.path
      .split('/')
      .filter(Boolean)
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      });
    let auth: ReturnType<typeof authenticate>;
    try {
      auth = authenticate(core, req);
    } catch (e) {
      await sleep(core.switches.latencyMs);
      return sendError(res, e as ApiError);
    }
    const { org } = auth;
    const cap = core.switches.concurrencyCap;
    if (cap !== undefined && org.inflight >= cap) {
      core.count(org.org.id, 'throttled');
      return sendError(res, Errors.tooMany());
    }
    org.inflight += 1;
    try {
      await sleep(core.switches.latencyMs);
      const inj = core.takeInjection(req.originalUrl, true);
      if (inj) {
        core.count(org.org.id, 'injected');
        return injected(res, inj.status, inj.body);
      }
      core.count(org.org.id, classify(req.method, segs));
      await route({ core, req, res, org, user: auth.user, token: auth.token, segs });
    } catch (e) {
      if (e instanceof ApiError) sendError(res, e);
      else if (e instanceof CoqlError)
        sendJson(res, 400, { code: e.code, details: e.details, message: e.message, status: 'error' });
      else if ((e as NodeJS.ErrnoException)?.code === 'ECONNRESET') {
        // The client went away (e.g. a connector killed in a crash test): nothing to answer.
      } else {
        console.error('zoho emulator: internal error', e);
        if (!res.headersSent)
          sendJson(res, 500, {
            code: 'INTERNAL_ERROR',
            details: {},
            message: 'Internal Server Error',
            status: 'error',
          });
      }
    } finally {
      org.inflight -= 1;
    }
  });
  return r;
}

export { userFullName };
