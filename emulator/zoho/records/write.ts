/**
 * Record changes shared by the API and the state API (a person in the CRM UI): a new record, an
 * edit, a delete. Every edit moves Modified_Time forward by at least 1 ms, so that two edits in the
 * same millisecond still order, and readers by Modified_Time see each one.
 */
import type { Mint } from '../model/build.js';
import type { ModuleState } from '../model/moduleState.js';
import type { OrgState } from '../model/orgState.js';
import type { RecordRec } from '../model/types.js';

/** Who makes a change and when. */
export interface Change {
  byUserId: string;
  at: number;
}

export function insertRecord(
  mint: Mint,
  org: OrgState,
  mod: ModuleState,
  changes: Map<string, unknown>,
  ownerId: string | undefined,
  by: Change,
): RecordRec {
  const rec: RecordRec = {
    id: mint.nextId(),
    values: {},
    ownerId: ownerId ?? by.byUserId,
    createdById: by.byUserId,
    modifiedById: by.byUserId,
    createdAt: by.at,
    modifiedAt: by.at,
  };
  for (const [k, v] of changes) if (v !== null && v !== undefined) rec.values[k] = v;
  org.addRecord(mod, rec);
  return rec;
}

export function applyUpdate(
  org: OrgState,
  mod: ModuleState,
  rec: RecordRec,
  changes: Map<string, unknown>,
  ownerId: string | undefined,
  by: Change,
): void {
  for (const [k, v] of changes) org.setValue(mod, rec, k, v);
  if (ownerId) rec.ownerId = ownerId;
  touch(rec, by);
}

/**
 * Deletes a record as `by` (the API, a person in the CRM UI, a merge): it goes to the recycle bin,
 * which `GET /{module}/deleted` lists; its Notes and attachments go with it. False when there is none.
 */
export function deleteRecord(org: OrgState, mod: ModuleState, id: string, by: Change): boolean {
  const rec = mod.records.get(id);
  if (!rec) return false;
  mod.deleted.set(id, {
    id,
    displayName: org.recordName(mod.def.apiName, id),
    createdById: rec.createdById,
    deletedById: by.byUserId,
    deletedAt: by.at,
  });
  org.removeRecord(mod, id);
  return true;
}

/** The record was modified by `by` (Modified_Time and Modified_By). */
export function touch(rec: RecordRec, by: Change): void {
  rec.modifiedAt = Math.max(by.at, rec.modifiedAt + 1);
  rec.modifiedById = by.byUserId;
}
