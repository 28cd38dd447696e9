/**
 * An in-memory ZohoGateway for worker tests: exact-match lookups, no index lag, and a switch that
 * performs a write and then loses its answer (as a crash or a timeout would).
 */
import { ZohoError } from '../../server/src/zoho/errors.js';
import type {
  AttachmentUpload,
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

/** Zoho's answer to a write whose record (or Note, or parent) is gone: INVALID_DATA on the id. */
const gone = (field: string): RowResult<{ id: string }> => ({
  ok: false,
  code: 'validation',
  zohoCode: 'INVALID_DATA',
  message: 'the id given seems to be invalid',
  field,
});

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

export class FakeGateway implements ZohoGateway {
  readonly records = new Map<string, ZohoRecord>();
  readonly notes = new Map<string, ZohoNote & { recordId: string }>();
  readonly attachments = new Map<string, (ZohoAttachment & { noteId: string })[]>();
  readonly calls: Record<string, number> = {};
  /** ids of records deleted in the CRM, with when */
  readonly deleted = new Map<string, string>();
  #ids = 1000;
  #clock = 0;
  #lose = new Set<Lossy>();

  /** The next call of `method` is performed, then answers with a lost-connection error. */
  loseNextAnswer(method: Lossy): void {
    this.#lose.add(method);
  }

  #count(name: string): void {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
  }
  #maybeLose(method: Lossy): void {
    if (this.#lose.delete(method)) throw new ZohoError(`${method}: socket hang up`, { code: 'temporary' });
  }
  #id(): string {
    return String(++this.#ids);
  }
  /** Zoho's Modified_Time: a second apart per write, so If-Modified-Since sees every change. */
  #tick(): string {
    this.#clock = Math.max(Date.now(), this.#clock + 1000);
    return new Date(this.#clock).toISOString();
  }

  /** A record as a person creates it in the CRM. */
  addRecord(fields: Record<string, unknown>): ZohoRecord {
    const id = this.#id();
    const at = this.#tick();
    const record = { ...fields, id, Created_Time: at, Modified_Time: at };
    this.records.set(id, record);
    return record;
  }

  /** A record deleted by a person in the CRM (its Notes go with it). */
  deleteRecord(id: string): void {
    this.records.delete(id);
    this.deleted.set(id, this.#tick());
    for (const [noteId, n] of this.notes) if (n.recordId === id) this.notes.delete(noteId);
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
  async findByFieldValues(_m: string, phoneFields: string[], values: string[]): Promise<ZohoRecord[]> {
    this.#count('coql');
    const wanted = new Set(values);
    return [...this.records.values()].filter((r) => phoneFields.some((f) => wanted.has(String(r[f] ?? ''))));
  }
  async scanRecords(
    _m: string,
    _fields: string[],
    afterId: string | undefined,
    limit = 2000,
  ): Promise<{ records: ZohoRecord[]; more: boolean }> {
    this.#count('coql');
    const all = [...this.records.values()]
      .filter((r) => afterId === undefined || BigInt(r.id) > BigInt(afterId))
      .sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    return { records: all.slice(0, limit), more: all.length > limit };
  }
  async modifiedSince(
    _m: string,
    _f: string[],
    since: string,
  ): Promise<{ records: ZohoRecord[]; next: undefined }> {
    this.#count('record_list');
    const after = Date.parse(since);
    const records = [...this.records.values()]
      .filter((r) => Date.parse(String(r.Modified_Time)) > after)
      .sort((a, b) => Date.parse(String(a.Modified_Time)) - Date.parse(String(b.Modified_Time)));
    return { records, next: undefined };
  }
  async deletedSince(
    _m: string,
    since: string | undefined,
  ): Promise<{ deleted: { id: string; deletedTime: string }[]; next: undefined }> {
    this.#count('deleted_list');
    const after = since ? Date.parse(since) : 0;
    const deleted = [...this.deleted]
      .filter(([, at]) => Date.parse(at) > after)
      .map(([id, deletedTime]) => ({ id, deletedTime }));
    return { deleted, next: undefined };
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
    const out = rows.map((row) => {
      const id = this.#id();
      const at = this.#tick();
      this.records.set(id, { ...row, id, Created_Time: at, Modified_Time: at });
      return { ok: true as const, value: { id } };
    });
    this.#maybeLose('createRecords');
    return out;
  }
  async updateRecords(
    _m: string,
    rows: ({ id: string } & Record<string, unknown>)[],
  ): Promise<RowResult<{ id: string }>[]> {
    this.#count('record_update');
    return rows.map((row): RowResult<{ id: string }> => {
      const r = this.records.get(row.id);
      if (!r) return gone('id');
      Object.assign(r, row, { Modified_Time: this.#tick() });
      return { ok: true as const, value: { id: row.id } };
    });
  }
  async createNotes(notes: NewNote[]): Promise<RowResult<{ id: string }>[]> {
    this.#count('note_create');
    const out = notes.map((n): RowResult<{ id: string }> => {
      if (!this.records.has(n.recordId)) return gone('Parent_Id');
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
    this.#maybeLose('createNotes');
    return out;
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
    const id = this.#id();
    const list = this.attachments.get(noteId) ?? [];
    list.push({ id, noteId, fileName: file.fileName, size: file.data.length });
    this.attachments.set(noteId, list);
    this.#maybeLose('uploadNoteAttachment');
    return { id };
  }
  async noteAttachments(noteId: string): Promise<ZohoAttachment[]> {
    this.#count('attachment_list');
    return this.attachments.get(noteId) ?? [];
  }
}
