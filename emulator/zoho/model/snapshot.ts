/** The emulator's whole state as plain JSON (attachment bytes as base64), and back. */
import type { AttachmentRec, DeletedRec, ModuleDef, NoteRec, OrgRec, RecordRec, UserRec } from './types.js';
import type { AccessTokenRec, ClientRec, EmuState, RefreshTokenRec } from './emuState.js';
import { ModuleState } from './moduleState.js';
import { OrgState } from './orgState.js';

interface Snapshot {
  version: number;
  seq: number;
  orgSeq: number;
  userSeq: number;
  clients: ClientRec[];
  accessTokens: AccessTokenRec[];
  refreshTokens: RefreshTokenRec[];
  orgs: {
    org: OrgRec;
    users: UserRec[];
    /** `deleted` is absent in snapshots written before deleted records were remembered. */
    modules: { def: ModuleDef; records: RecordRec[]; deleted?: DeletedRec[] }[];
    notes: NoteRec[];
    attachments: (Omit<AttachmentRec, 'data'> & { data: string })[];
  }[];
}

export function snapshotOf(state: EmuState): Snapshot {
  return {
    version: 1,
    ...state.sequences,
    clients: [...state.clients.values()],
    accessTokens: [...state.accessTokens.values()],
    refreshTokens: [...state.refreshTokens.values()],
    orgs: [...state.orgs.values()].map((o) => ({
      org: o.org,
      users: [...o.users.values()],
      modules: [...o.modules.values()].map((m) => ({
        def: m.def,
        records: [...m.records.values()],
        deleted: [...m.deleted.values()],
      })),
      notes: [...o.notes.values()],
      attachments: [...o.attachments.values()].map((a) => ({ ...a, data: a.data.toString('base64') })),
    })),
  };
}

/** Loads a snapshot into an empty state; expired and revoked access tokens are dropped. */
export function restoreInto(state: EmuState, raw: unknown): void {
  const s = raw as Snapshot;
  if (!s || s.version !== 1) throw new Error('emulator: unsupported snapshot');
  state.sequences = { seq: s.seq, orgSeq: s.orgSeq, userSeq: s.userSeq };
  for (const c of s.clients) state.clients.set(c.clientId, c);
  const now = state.now();
  for (const t of s.accessTokens) if (t.expiresAt > now && !t.revoked) state.accessTokens.set(t.token, t);
  for (const t of s.refreshTokens) state.refreshTokens.set(t.token, t);
  for (const so of s.orgs) {
    const org = new OrgState(so.org);
    for (const u of so.users) org.users.set(u.id, u);
    for (const sm of so.modules) {
      const mod = new ModuleState(sm.def);
      org.modules.set(sm.def.apiName.toLowerCase(), mod);
      for (const r of sm.records) org.addRecord(mod, r);
      for (const d of sm.deleted ?? []) mod.deleted.set(d.id, d);
    }
    for (const n of so.notes) org.addNote(n);
    for (const a of so.attachments) org.addAttachment({ ...a, data: Buffer.from(a.data, 'base64') });
    state.orgs.set(so.org.id, org);
  }
}
