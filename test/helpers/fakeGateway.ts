/**
 * An in-memory ZohoGateway for worker tests: exact-match lookups, no index lag, and a switch that
 * performs a write and then loses its answer (as a crash or a timeout would). Records carry
 * Created_Time and Modified_Time (ISO, strictly increasing); `editRecord` and `deleteRecord` play a
 * person in the CRM; a write to a deleted record fails as the real gateway reports it (not_found).
 */
import { ZohoError } from '../../server/src/zoho/errors.js';
import type {
  AttachmentUpload,
  DeletedRecord,
  NewFieldSpec,
  NewNote,
  NoteUpdate,
  RowResult,
  ZohoAttachment,
  ZohoField,
  ZohoGateway,
  ZohoModule,
  ZohoNote,
  ZohoOrg,
  ZohoRecord,
  ZohoUser,
} from '../../server/src/zoho/gateway.js';

type Lossy = 'createRecords' | 'createNotes' | 'uploadNoteAttachment';

const field = (apiName: string, type: ZohoField['type'], extra: Partial<ZohoField> = {}): ZohoField => ({
  id: apiName,
  apiName,
  label: apiName.replace(/_/g, ' '),
  type,
  dataType: type,
  mandatory: false,
  readOnly: false,
  custom: false,
  maxLength: undefined,
  picklistValues: undefined,
  encrypted: false,
  ...extra,
});

const byId = (a: { id: string }, b: { id: string }) =>
  a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

function gone(field: 'id' | 'Parent_Id'): RowResult<{ id: string }> {
  const message =
    field === 'id' ? 'the id given seems to be invalid' : 'the related id given seems to be invalid';
  return { ok: false, code: 'not_found', zohoCode: 'INVALID_DATA', message, field };
}

export class FakeGateway implements ZohoGateway {
  readonly records = new Map<string, ZohoRecord>();
  readonly notes = new Map<string, ZohoNote & { recordId: string }>();
  readonly attachments = new Map<string, (ZohoAttachment & { noteId: string })[]>();
  readonly calls: Record<string, number> = {};
  /** Deleted record id → when (ISO). */
  readonly deleted = new Map<string, string>();
  #ids = 1000;
  #lastTime = 0;
  #offset = 0;
  #lose = new Set<Lossy>();
  #refuse = new Set<Lossy>();
  #late = new Map<Lossy, number>();

  /** Now as ISO, strictly after the last time handed out (two writes never share a Modified_Time). */
  #stamp(): string {
    this.#lastTime = Math.max(Date.now() + this.#offset, this.#lastTime + 1);
    return new Date(this.#lastTime).toISOString();
  }

  /** Moves the fake's clock forward (its Created/Modified_Time and deletion times). */
  advanceTime(ms: number): void {
    this.#offset += ms;
  }

  /** The fake's clock now, as ISO. */
  now(): string {
    return new Date(Date.now() + this.#offset).toISOString();
  }

  /** A person creates a record in the CRM. */
  addRecord(fields: Record<string, unknown>): ZohoRecord {
    const id = String(++this.#ids);
    const at = this.#stamp();
    const record = { ...fields, id, Created_Time: at, Modified_Time: at };
    this.records.set(id, record);
    return record;
  }

  /** A person edits a record in the CRM: its values and Modified_Time change. */
  editRecord(id: string, values: Record<string, unknown>): void {
    const r = this.records.get(id);
    if (!r) throw new Error(`fake: no record ${id}`);
    Object.assign(r, values, { Modified_Time: this.#stamp() });
  }

  /** A person deletes (or merges away) a record in the CRM; its Notes go with it. */
  deleteRecord(id: string): void {
    if (!this.records.delete(id)) throw new Error(`fake: no record ${id}`);
    this.deleted.set(id, this.#stamp());
    for (const [nid, n] of this.notes) if (n.recordId === id) this.notes.delete(nid);
  }

  /** The next call of `method` is performed, then answers with a lost-connection error. */
  loseNextAnswer(method: Lossy): void {
    this.#lose.add(method);
  }

  /**
   * The next call of `method` times out at once, and Zoho carries it out `ms` later (a slow Zoho:
   * the write lands after its client gave up).
   */
  landLate(method: Lossy, ms: number): void {
    this.#late.set(method, ms);
  }

  /** The next call of `method` never reaches Zoho (the process died, the connection was refused). */
  refuseNext(method: Lossy): void {
    this.#refuse.add(method);
  }

  #count(name: string): void {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
  }
  #maybeRefuse(method: Lossy): void {
    if (this.#refuse.delete(method))
      throw new ZohoError(`${method}: connection refused`, { code: 'temporary' });
  }
  #maybeLate(method: Lossy, perform: () => void): void {
    const ms = this.#late.get(method);
    if (ms === undefined) return;
    this.#late.delete(method);
    setTimeout(perform, ms);
    throw new ZohoError(`${method}: network error talking to Zoho (ETIMEDOUT)`, {
      code: 'temporary',
      zohoCode: 'ETIMEDOUT',
    });
  }
  #maybeLose(method: Lossy): void {
    if (this.#lose.delete(method)) throw new ZohoError(`${method}: socket hang up`, { code: 'temporary' });
  }
  #id(): string {
    return String(++this.#ids);
  }

  async currentUser(): Promise<ZohoUser> {
    return (await this.activeUsers())[0]!;
  }
  async org(): Promise<ZohoOrg> {
    return { id: 'org1', companyName: 'Fake', timeZone: 'UTC', countryCode: 'US', edition: 'Enterprise' };
  }
  async activeUsers(): Promise<ZohoUser[]> {
    this.#count('users');
    return [
      {
        id: 'u1',
        email: 'admin@fake.test',
        fullName: 'Admin',
        profile: 'Administrator',
        isAdmin: true,
        active: true,
      },
    ];
  }
  async modules(): Promise<ZohoModule[]> {
    return [{ apiName: 'Contacts', pluralLabel: 'Contacts', singularLabel: 'Contact', apiSupported: true }];
  }
  async fields(): Promise<ZohoField[]> {
    this.#count('fields');
    return [
      field('Phone', 'phone'),
      field('Mobile', 'phone'),
      field('Last_Name', 'text', { mandatory: true }),
      field('WhatsApp_Chat', 'website'),
      field('Lead_Source', 'picklist', { picklistValues: ['TimelinesAI'] }),
      field('Description', 'textarea'),
    ];
  }
  async createField(_m: string, spec: NewFieldSpec): Promise<ZohoField> {
    return field(spec.label.replace(/\s/g, '_'), spec.type);
  }
  async addPicklistValue(): Promise<void> {}

  async scanRecords(
    _m: string,
    _fields: string[],
    afterId: string | undefined,
    limit = 2000,
  ): Promise<{ records: ZohoRecord[]; more: boolean }> {
    this.#count('coql');
    const after = afterId === undefined ? [] : [{ id: afterId }];
    const rest = [...this.records.values()].sort(byId).filter((r) => after.every((a) => byId(r, a) > 0));
    return { records: rest.slice(0, limit).map((r) => ({ ...r })), more: rest.length > limit };
  }
  async modifiedSince(
    _m: string,
    _fields: string[],
    since: string,
    pageToken?: string,
  ): Promise<{ records: ZohoRecord[]; next: string | undefined }> {
    this.#count('record_list');
    const from = Date.parse(since);
    const changed = [...this.records.values()]
      .filter((r) => Date.parse(String(r.Modified_Time)) >= from)
      .sort((a, b) => String(a.Modified_Time).localeCompare(String(b.Modified_Time)) || byId(a, b));
    const start = Number(pageToken ?? '0');
    const page = changed.slice(start, start + 200).map((r) => ({ ...r }));
    return { records: page, next: changed.length > start + 200 ? String(start + 200) : undefined };
  }
  async deletedSince(
    _m: string,
    since: string | undefined,
    pageToken?: string,
  ): Promise<{ deleted: DeletedRecord[]; next: string | undefined }> {
    this.#count('deleted_list');
    const from = since === undefined ? -Infinity : Date.parse(since);
    const all = [...this.deleted]
      .map(([id, deletedTime]) => ({ id, deletedTime }))
      .filter((d) => Date.parse(d.deletedTime) >= from)
      .sort((a, b) => b.deletedTime.localeCompare(a.deletedTime));
    const start = Number(pageToken ?? '0');
    return {
      deleted: all.slice(start, start + 200),
      next: all.length > start + 200 ? String(start + 200) : undefined,
    };
  }
  async countRecords(): Promise<number> {
    this.#count('record_count');
    return this.records.size;
  }
  async getRecords(_m: string, ids: string[]): Promise<ZohoRecord[]> {
    this.#count('record_get');
    return ids.map((id) => this.records.get(id)).filter((r): r is ZohoRecord => r !== undefined);
  }
  async createRecords(_m: string, rows: Record<string, unknown>[]): Promise<RowResult<{ id: string }>[]> {
    this.#count('record_create');
    this.#maybeLate('createRecords', () => this.#addRecords(rows));
    const out = this.#addRecords(rows);
    this.#maybeLose('createRecords');
    return out;
  }
  #addRecords(rows: Record<string, unknown>[]): RowResult<{ id: string }>[] {
    return rows.map((row) => {
      const id = this.#id();
      const at = this.#stamp();
      this.records.set(id, { ...row, id, Created_Time: at, Modified_Time: at });
      return { ok: true as const, value: { id } };
    });
  }
  async updateRecords(
    _m: string,
    rows: ({ id: string } & Record<string, unknown>)[],
  ): Promise<RowResult<{ id: string }>[]> {
    this.#count('record_update');
    return rows.map((row) => {
      if (this.deleted.has(row.id)) return gone('id');
      const r = this.records.get(row.id);
      if (r) Object.assign(r, row, { Modified_Time: this.#stamp() });
      return { ok: true as const, value: { id: row.id } };
    });
  }
  async createNotes(notes: NewNote[]): Promise<RowResult<{ id: string }>[]> {
    this.#count('note_create');
    this.#maybeLate('createNotes', () => this.#addNotes(notes));
    const out = this.#addNotes(notes);
    this.#maybeLose('createNotes');
    return out;
  }
  #addNotes(notes: NewNote[]): RowResult<{ id: string }>[] {
    return notes.map((n): RowResult<{ id: string }> => {
      if (this.deleted.has(n.recordId)) return gone('Parent_Id');
      const id = this.#id();
      const now = new Date().toISOString();
      this.notes.set(id, {
        id,
        title: n.title,
        content: n.content,
        parentModule: n.module,
        parentId: n.recordId,
        recordId: n.recordId,
        createdTime: now,
        modifiedTime: now,
      });
      return { ok: true as const, value: { id } };
    });
  }
  async updateNotes(notes: NoteUpdate[]): Promise<RowResult<{ id: string }>[]> {
    this.#count('note_update');
    return notes.map((n): RowResult<{ id: string }> => {
      const note = this.notes.get(n.id);
      if (!note) return gone('id');
      Object.assign(note, { title: n.title, content: n.content });
      return { ok: true as const, value: { id: n.id } };
    });
  }
  async notesOf(_m: string, recordId: string): Promise<ZohoNote[]> {
    this.#count('note_list');
    return [...this.notes.values()].filter((n) => n.recordId === recordId);
  }
  async uploadNoteAttachment(noteId: string, file: AttachmentUpload): Promise<{ id: string }> {
    this.#count('attachment');
    this.#maybeRefuse('uploadNoteAttachment');
    this.#maybeLate('uploadNoteAttachment', () => this.#attach(noteId, file));
    const id = this.#attach(noteId, file);
    this.#maybeLose('uploadNoteAttachment');
    return { id };
  }
  #attach(noteId: string, file: AttachmentUpload): string {
    const id = this.#id();
    const list = this.attachments.get(noteId) ?? [];
    list.push({ id, noteId, fileName: file.fileName, size: file.data.length });
    this.attachments.set(noteId, list);
    return id;
  }
  async noteAttachments(noteId: string): Promise<ZohoAttachment[]> {
    this.#count('attachment_list');
    return this.attachments.get(noteId) ?? [];
  }
}
