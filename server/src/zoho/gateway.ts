/**
 * The Zoho CRM operations this product needs, independent of how they are performed.
 * `sdk/` implements it on @zohocrm/typescript-sdk-8.0 (the only folder importing the SDK);
 * tests may use the emulator through the real implementation, or a fake gateway.
 *
 * Whole-call failures reject with a `ZohoError` (typed code). Batch writes resolve with one
 * `RowResult` per input row, in input order, because Zoho fails rows individually inside 200/201/207.
 *
 * A record that no longer exists (deleted or merged away in the CRM) fails a write's row with
 * `code: 'not_found'`: `field: 'id'` for an update of it (or of a Note deleted with it), and
 * `field: 'Parent_Id'` for a Note created on it. Zoho answers both INVALID_DATA ("the id given seems
 * to be invalid" on `id`, "the related id given seems to be invalid" on `Parent_Id`); the caller
 * re-resolves the chat's record instead of failing the chat.
 */
import type { ZohoErrorCode } from './errors.js';

export interface ZohoUser {
  id: string;
  email: string;
  fullName: string;
  /** e.g. "Administrator", "Standard" */
  profile: string;
  isAdmin: boolean;
  active: boolean;
}

export interface ZohoOrg {
  id: string;
  companyName: string;
  /** IANA time zone, e.g. "America/Los_Angeles" */
  timeZone: string;
  /** ISO 3166 alpha-2 country of the org when Zoho knows it (used to read national phone numbers). */
  countryCode: string | undefined;
  edition: string | undefined;
}

export interface ZohoModule {
  apiName: string;
  pluralLabel: string;
  singularLabel: string;
  apiSupported: boolean;
}

export type ZohoFieldType =
  | 'phone'
  | 'text'
  | 'textarea'
  | 'email'
  | 'website'
  | 'picklist'
  | 'multiselectpicklist'
  | 'integer'
  | 'double'
  | 'currency'
  | 'date'
  | 'datetime'
  | 'boolean'
  | 'lookup'
  | 'ownerlookup'
  | 'autonumber'
  | 'other';

export interface ZohoField {
  id: string;
  apiName: string;
  label: string;
  type: ZohoFieldType;
  /** Zoho's raw data_type, kept for messages. */
  dataType: string;
  mandatory: boolean;
  readOnly: boolean;
  custom: boolean;
  maxLength: number | undefined;
  /** picklist values (display values), for picklists only */
  picklistValues: string[] | undefined;
  /**
   * Zoho's field encryption is on (the metadata's `crypt` is non-null, encrypted or in progress).
   * Never put such a field in COQL or search criteria: COQL refuses all but `is null` / `is not null`
   * (`=`/`!=` too for numbers), search all but `equals`; reading its values is allowed.
   */
  encrypted: boolean;
}

export interface NewFieldSpec {
  label: string;
  type: 'website' | 'text';
  length?: number;
}

/** A CRM record as plain data: field API name → JSON value. `id` is always present. */
export interface ZohoRecord {
  id: string;
  [field: string]: unknown;
}

export type RowResult<T> =
  | { ok: true; value: T }
  | { ok: false; code: ZohoErrorCode; zohoCode: string; message: string; field: string | undefined };

export interface NewNote {
  module: string;
  recordId: string;
  title: string;
  content: string;
}

export interface NoteUpdate {
  id: string;
  title: string;
  content: string;
}

export interface ZohoNote {
  id: string;
  title: string;
  content: string;
  parentModule: string;
  parentId: string;
  createdTime: string;
  modifiedTime: string;
}

export interface AttachmentUpload {
  fileName: string;
  mimeType: string;
  data: Buffer;
}

export interface ZohoAttachment {
  id: string;
  fileName: string;
  size: number | undefined;
}

/** A record deleted in the CRM (deleted, or merged into another). */
export interface DeletedRecord {
  id: string;
  /** When it was deleted (ISO 8601 with the org's offset, as Zoho answers it). */
  deletedTime: string;
}

export interface ZohoGateway {
  currentUser(): Promise<ZohoUser>;
  org(): Promise<ZohoOrg>;
  activeUsers(): Promise<ZohoUser[]>;
  modules(): Promise<ZohoModule[]>;
  fields(module: string): Promise<ZohoField[]>;
  createField(module: string, spec: NewFieldSpec): Promise<ZohoField>;
  /** Adds `value` to a picklist field's values (no-op when present). */
  addPicklistValue(module: string, fieldApiName: string, value: string): Promise<void>;

  /**
   * One page of a full scan of `module` in id order: COQL `select id, <fields> from <module> where
   * id > <afterId> order by id asc limit <limit>` (`where id is not null` for the first page), so no
   * field but `id` is ever in its WHERE and encrypted fields can be read. `limit` ≤ 2,000 (default
   * 2,000; Zoho charges a COQL call by its LIMIT: 3 credits up to 2,000 rows). `more`: Zoho says more
   * records follow; continue with the last record's id. COQL reads Zoho's search index, which lags
   * fresh writes: follow a scan with `modifiedSince` from its start time.
   */
  scanRecords(
    module: string,
    fields: string[],
    afterId: string | undefined,
    limit?: number,
  ): Promise<{ records: ZohoRecord[]; more: boolean }>;
  /**
   * Records modified at or after `since` (ISO 8601; Zoho compares to the second and includes that
   * second, so the same record may come again: apply idempotently), Modified_Time ascending, 200 a
   * page: the record list with `If-Modified-Since`, which reads the database (no search lag). Records
   * carry `id`, `Modified_Time` and `fields`. `next`: the page token for the following page (Zoho's,
   * valid 24 h for this user and these arguments), undefined at the end. Nothing modified: one call,
   * no records (Zoho answers 304).
   */
  modifiedSince(
    module: string,
    fields: string[],
    since: string,
    pageToken?: string,
  ): Promise<{ records: ZohoRecord[]; next: string | undefined }>;
  /**
   * Records deleted at or after `since` (ISO 8601; all that Zoho still lists when undefined: 60 days
   * in the recycle bin, 120 more once permanently deleted), newest first, 200 a page; `next` for the
   * following page, undefined at the end.
   */
  deletedSince(
    module: string,
    since: string | undefined,
    pageToken?: string,
  ): Promise<{ deleted: DeletedRecord[]; next: string | undefined }>;
  /** The module's number of records (Zoho's statistics: they may lag writes by 1-10 minutes). */
  countRecords(module: string): Promise<number>;
  /** Records by id (missing ids are simply absent from the answer). One call per 100 ids. */
  getRecords(module: string, ids: string[], fields: string[]): Promise<ZohoRecord[]>;
  /**
   * One call per 100 rows (Zoho's limit), results in input order. Values: field API name →
   * string/number/boolean/null (picklist values as plain strings); owner as `Owner: {id}`.
   * If a later chunk fails as a whole after earlier ones were written, its rows come back as failed
   * rows (never a throw that would hide the ids already created).
   */
  createRecords(module: string, rows: Record<string, unknown>[]): Promise<RowResult<{ id: string }>[]>;
  updateRecords(
    module: string,
    rows: ({ id: string } & Record<string, unknown>)[],
  ): Promise<RowResult<{ id: string }>[]>;

  /** One call per 100 notes; same chunk semantics as `createRecords`. */
  createNotes(notes: NewNote[]): Promise<RowResult<{ id: string }>[]>;
  updateNotes(notes: NoteUpdate[]): Promise<RowResult<{ id: string }>[]>;
  notesOf(module: string, recordId: string): Promise<ZohoNote[]>;
  uploadNoteAttachment(noteId: string, file: AttachmentUpload): Promise<{ id: string }>;
  /** The files attached to a Note (crash recovery: was an upload whose answer was lost done?). */
  noteAttachments(noteId: string): Promise<ZohoAttachment[]>;
}

/** Calls counted by kind, for benchmarks and tests ("how many credits did this cost"). */
export type ZohoCallKind =
  | 'users'
  | 'org'
  | 'modules'
  | 'fields'
  | 'field_write'
  | 'coql'
  | 'search'
  | 'record_get'
  /** the record list (GET /{module} without ids, e.g. with If-Modified-Since) */
  | 'record_list'
  | 'deleted_list'
  | 'record_count'
  | 'record_create'
  | 'record_update'
  | 'note_create'
  | 'note_update'
  | 'note_list'
  | 'attachment'
  /** the SDK's own metadata read before related-record calls (GET settings/related_lists) */
  | 'related_lists'
  | 'token';
