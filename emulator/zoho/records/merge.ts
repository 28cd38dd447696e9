/**
 * Merging duplicates, as a person does with the CRM's Find and Merge (and Zoho's Merge Records API,
 * `POST /{module}/{master_id}/actions/merge`, v7 page): one master record and up to two others; the
 * master keeps its values except the fields taken from another record; the others are deleted (so
 * `GET /{module}/deleted` lists them, deleted by the person merging), and their related records
 * (Notes, attachments) move to the master, as merging related lists does. The master is modified,
 * so its Modified_Time moves.
 */
import type { ModuleState } from '../model/moduleState.js';
import type { OrgState } from '../model/orgState.js';
import { deleteRecord, touch, type Change } from './write.js';

/** Zoho merges at most three records: the master and two others. */
export const MAX_MERGED_OTHERS = 2;

function moveRelated(org: OrgState, fromId: string, toId: string, toModule: string): void {
  const notes = org.notesByParent.get(fromId);
  for (const nid of notes ?? []) {
    const n = org.notes.get(nid);
    if (!n) continue;
    n.parentId = toId;
    n.parentModule = toModule;
    let s = org.notesByParent.get(toId);
    if (!s) org.notesByParent.set(toId, (s = new Set()));
    s.add(nid);
  }
  org.notesByParent.delete(fromId);
  const atts = org.attachmentsByParent.get(fromId);
  for (const aid of atts ?? []) {
    const a = org.attachments.get(aid);
    if (!a) continue;
    a.parentId = toId;
    a.parentModule = toModule;
    let s = org.attachmentsByParent.get(toId);
    if (!s) org.attachmentsByParent.set(toId, (s = new Set()));
    s.add(aid);
  }
  org.attachmentsByParent.delete(fromId);
}

/** Throws an Error naming what is wrong; `take`: field API name → the id of the record to take it from. */
export function mergeRecords(
  org: OrgState,
  mod: ModuleState,
  masterId: string,
  otherIds: string[],
  by: Change,
  take: Record<string, string> = {},
): void {
  const name = mod.def.apiName;
  const master = mod.records.get(masterId);
  if (!master) throw new Error(`emulator: no record ${masterId} in ${name} to merge into`);
  const others = [...new Set(otherIds)];
  if (others.length === 0 || others.length > MAX_MERGED_OTHERS)
    throw new Error(`emulator: a merge takes 1 to ${MAX_MERGED_OTHERS} other records (got ${others.length})`);
  for (const id of others) {
    if (id === masterId) throw new Error(`emulator: record ${id} cannot be merged into itself`);
    if (!mod.records.has(id)) throw new Error(`emulator: no record ${id} in ${name} to merge`);
  }
  for (const [field, fromId] of Object.entries(take)) {
    const f = mod.field(field);
    if (!f || f.readOnly) throw new Error(`emulator: ${name}.${field} cannot be taken in a merge`);
    const from = others.includes(fromId) ? mod.records.get(fromId) : undefined;
    if (!from) throw new Error(`emulator: ${field} must be taken from one of the merged records`);
    org.setValue(mod, master, f.apiName, from.values[f.apiName]);
  }
  for (const id of others) {
    moveRelated(org, id, masterId, name);
    deleteRecord(org, mod, id, by);
  }
  touch(master, by);
}
