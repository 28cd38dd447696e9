/**
 * `GET /settings/modules[/{api_name}]` (with If-Modified-Since: 304 when no module changed) and
 * `GET /settings/related_lists?module=`, in Zoho's shapes.
 */
import type { ModuleState } from '../model/moduleState.js';
import type { OrgState } from '../model/orgState.js';
import { dt } from '../records/values.js';
import { Errors, sendJson } from '../http/errors.js';
import { moduleParam, need, type Ctx } from './context.js';

export function profilesOf(org: OrgState): { name: string; id: string }[] {
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

export function getModules(ctx: Ctx, apiName?: string): void {
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

function relatedList(mod: ModuleState, seq: number, name: string, moduleId: string | null) {
  return {
    id: `${mod.def.id.slice(0, -3)}90${seq}`,
    sequence_number: String(seq),
    display_label: name,
    api_name: name,
    module: { api_name: name, id: moduleId },
    name,
    action: null,
    href: `${mod.def.apiName}/{ENTITYID}/${name}`,
    type: 'default',
    connectedmodule: null,
    linkingmodule: null,
    visible: true,
    customize_sort: false,
    customize_fields: false,
    customize_display_label: false,
    status: 'visible',
  };
}

/** A module's related lists: Notes and Attachments, the two this product uses. */
export function getRelatedLists(ctx: Ctx): void {
  need(ctx, 'settings', 'related_lists', 'READ', 'modules');
  const mod = moduleParam(ctx);
  const notes = ctx.org.module('Notes');
  sendJson(ctx.res, 200, {
    related_lists: [
      relatedList(mod, 1, 'Notes', notes?.def.id ?? null),
      relatedList(mod, 2, 'Attachments', null),
    ],
  });
}
