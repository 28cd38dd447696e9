/** Records, Notes and Attachments in the JSON shapes Zoho answers them. */
import type { AttachmentRec, FieldDef, NoteRec, RecordRec } from '../model/types.js';
import type { ModuleState } from '../model/moduleState.js';
import type { OrgState } from '../model/orgState.js';
import { dt, fieldValue, minUser } from './values.js';

export function serializeRecord(
  org: OrgState,
  mod: ModuleState,
  rec: RecordRec,
  fields?: FieldDef[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const list = fields ?? mod.def.fields;
  for (const f of list) out[f.apiName] = fieldValue(org, f, rec);
  if (!fields) {
    out.$state = 'save';
    out.$editable = true;
    out.$approval_state = 'approved';
    out.$approved = true;
    out.$process_flow = false;
    out.Tag = [];
    if (mod.def.fields.some((f) => f.dataType === 'currency')) out.$currency_symbol = org.org.currencySymbol;
  }
  out.id = rec.id;
  return out;
}

const NOTE_FIELDS = [
  'Owner',
  'Modified_Time',
  '$attachments',
  'Created_Time',
  'Parent_Id',
  '$editable',
  '$sharing_permission',
  'Modified_By',
  '$size',
  '$state',
  '$voice_note',
  'id',
  'Created_By',
  'Note_Title',
  'Note_Content',
  '$is_shared_to_client',
];

export function serializeNote(org: OrgState, n: NoteRec, fields?: string[]): Record<string, unknown> {
  const mod = org.module(n.parentModule);
  const attIds = org.attachmentsByParent.get(n.id);
  const all: Record<string, unknown> = {
    Owner: minUser(org, n.ownerId),
    Modified_Time: dt(org, n.modifiedAt),
    $attachments:
      attIds && attIds.size > 0
        ? [...attIds].map((id) => serializeAttachmentBrief(org, org.attachments.get(id))).filter(Boolean)
        : null,
    Created_Time: dt(org, n.createdAt),
    Parent_Id: {
      module: { api_name: mod?.def.apiName ?? n.parentModule, id: mod?.def.id ?? null },
      name: org.recordName(n.parentModule, n.parentId),
      id: n.parentId,
    },
    $editable: true,
    $sharing_permission: 'full_access',
    Modified_By: minUser(org, n.modifiedById),
    $size: null,
    $state: 'save',
    $voice_note: false,
    $is_shared_to_client: false,
    id: n.id,
    Created_By: minUser(org, n.createdById),
    Note_Title: n.title,
    Note_Content: n.content,
  };
  if (!fields) return all;
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const key = NOTE_FIELDS.find((k) => k.toLowerCase() === f.toLowerCase());
    if (key) out[key] = all[key];
  }
  out.id = n.id;
  return out;
}

function serializeAttachmentBrief(
  org: OrgState,
  a: AttachmentRec | undefined,
): Record<string, unknown> | null {
  if (!a) return null;
  return {
    id: a.id,
    File_Name: a.fileName,
    Size: String(a.size),
    Created_Time: dt(org, a.createdAt),
    $file_id: a.id,
  };
}

export function serializeAttachment(org: OrgState, a: AttachmentRec): Record<string, unknown> {
  const mod = org.module(a.parentModule);
  return {
    Owner: minUser(org, a.ownerId),
    Modified_Time: dt(org, a.modifiedAt),
    File_Name: a.fileName,
    Created_Time: dt(org, a.createdAt),
    Size: String(a.size),
    Parent_Id: {
      name:
        a.parentModule === 'Notes'
          ? (org.notes.get(a.parentId)?.title ?? null)
          : org.recordName(a.parentModule, a.parentId),
      id: a.parentId,
    },
    $editable: true,
    $file_id: a.id,
    $type: 'Attachment',
    $se_module: mod?.def.apiName ?? a.parentModule,
    Modified_By: minUser(org, a.createdById),
    $state: 'save',
    id: a.id,
    Created_By: minUser(org, a.createdById),
    $link_url: null,
    $attachment_type: 1,
  };
}
