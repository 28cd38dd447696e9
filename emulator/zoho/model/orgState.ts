/** One CRM org: users, modules with their records, Notes and Attachments, indexed by parent. */
import type { AttachmentRec, NoteRec, OrgRec, RecordRec, UserRec } from './types.js';
import type { ModuleState } from './moduleState.js';

export const ADMIN_PROFILE = 'Administrator';

export function fullName(rec: RecordRec): string {
  return [rec.values.First_Name, rec.values.Last_Name].filter((x) => typeof x === 'string' && x).join(' ');
}

export function userFullName(u: UserRec): string {
  return [u.firstName, u.lastName].filter(Boolean).join(' ');
}

export class OrgState {
  readonly users = new Map<string, UserRec>();
  readonly modules = new Map<string, ModuleState>();
  readonly notes = new Map<string, NoteRec>();
  readonly notesByParent = new Map<string, Set<string>>();
  readonly attachments = new Map<string, AttachmentRec>();
  readonly attachmentsByParent = new Map<string, Set<string>>();
  /** record id → module API name, for Notes/Attachments parents. */
  readonly recordModule = new Map<string, string>();
  inflight = 0;
  calls: Record<string, number> = {};

  constructor(public org: OrgRec) {}

  module(apiName: string): ModuleState | undefined {
    return this.modules.get(apiName.toLowerCase());
  }

  userByEmail(email: string): UserRec | undefined {
    const e = email.toLowerCase();
    for (const u of this.users.values()) if (u.email.toLowerCase() === e) return u;
    return undefined;
  }

  isAdmin(u: UserRec): boolean {
    return u.profile.name === ADMIN_PROFILE;
  }

  addNote(n: NoteRec): void {
    this.notes.set(n.id, n);
    let s = this.notesByParent.get(n.parentId);
    if (!s) this.notesByParent.set(n.parentId, (s = new Set()));
    s.add(n.id);
  }

  removeNote(id: string): void {
    const n = this.notes.get(id);
    if (!n) return;
    this.notes.delete(id);
    this.notesByParent.get(n.parentId)?.delete(id);
    for (const aid of this.attachmentsByParent.get(id) ?? []) this.attachments.delete(aid);
    this.attachmentsByParent.delete(id);
  }

  addAttachment(a: AttachmentRec): void {
    this.attachments.set(a.id, a);
    let s = this.attachmentsByParent.get(a.parentId);
    if (!s) this.attachmentsByParent.set(a.parentId, (s = new Set()));
    s.add(a.id);
  }

  addRecord(mod: ModuleState, rec: RecordRec): void {
    mod.insert(rec);
    this.recordModule.set(rec.id, mod.def.apiName);
  }

  removeRecord(mod: ModuleState, id: string): void {
    const rec = mod.records.get(id);
    if (!rec) return;
    mod.remove(rec);
    this.recordModule.delete(id);
    for (const nid of [...(this.notesByParent.get(id) ?? [])]) this.removeNote(nid);
    this.notesByParent.delete(id);
    for (const aid of this.attachmentsByParent.get(id) ?? []) this.attachments.delete(aid);
    this.attachmentsByParent.delete(id);
  }

  /** Sets one stored value, keeping the index in step. `undefined`/null clears. */
  setValue(mod: ModuleState, rec: RecordRec, field: string, v: unknown): void {
    const old = rec.values[field];
    if (old !== undefined) mod.indexValue(field, old, rec.id, false);
    if (v === undefined || v === null) delete rec.values[field];
    else {
      rec.values[field] = v;
      mod.indexValue(field, v, rec.id, true);
    }
  }

  /** Display name of a record (Full_Name, or the first mandatory text field). */
  recordName(moduleApi: string, id: string): string | null {
    const mod = this.module(moduleApi);
    const rec = mod?.records.get(id);
    if (!mod || !rec) return null;
    if (mod.field('Last_Name')) return fullName(rec);
    const f = mod.def.fields.find((x) => x.mandatory && x.dataType === 'text');
    const v = f ? rec.values[f.apiName] : undefined;
    return typeof v === 'string' ? v : null;
  }
}
