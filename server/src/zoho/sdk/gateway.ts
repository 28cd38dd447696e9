/**
 * `ZohoGateway` (../gateway.ts) on the official SDK (@zohocrm/typescript-sdk-8.0). This folder is
 * the only place that imports the SDK. How the SDK is tamed, file by file:
 * - transport.ts: got's default export is wrapped once: every HTTP request is counted, got's hidden
 *   retries are off, requests time out, and a request whose host or token is not the calling org's
 *   is refused before it leaves the process;
 * - install.ts: access-token mode with a no-op token store (no refresh, no token files), the
 *   SDK's process-global Initializer re-pointed per org inside the process-wide `sdkLane`, each org's
 *   metadata cache in a private temp folder, logger off (it logs URLs with phone numbers);
 * - client.ts: one org's `exec` (pace, token, lane, install, one retry after INVALID_TOKEN) and the
 *   field-metadata cache's TTL;
 * - errors.ts: every failure → `ZohoError`; convert.ts: SDK objects ↔ plain records, fields, rows;
 * - batch.ts: the chunked batch write (100 rows a call, per-row results) of records and Notes;
 * - org.ts, fields.ts, records.ts, notes.ts, freshness.ts (scans, changes, deletions, counts): the
 *   operations, one function each.
 *
 * A new gateway method: its operation in the file of its resource (or a new one), taking the
 * org's `SdkClient`, and one line here.
 */
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
} from '../gateway.js';
import { SdkClient, type SdkGatewayOptions } from './client.js';
import * as fieldOps from './fields.js';
import * as freshOps from './freshness.js';
import * as noteOps from './notes.js';
import * as orgOps from './org.js';
import * as recordOps from './records.js';

export type { SdkGatewayOptions } from './client.js';

class SdkGateway implements ZohoGateway {
  readonly #client: SdkClient;

  constructor(opts: SdkGatewayOptions) {
    this.#client = new SdkClient(opts);
  }

  currentUser(): Promise<ZohoUser> {
    return orgOps.currentUser(this.#client);
  }

  activeUsers(): Promise<ZohoUser[]> {
    return orgOps.activeUsers(this.#client);
  }

  org(): Promise<ZohoOrg> {
    return orgOps.org(this.#client);
  }

  modules(): Promise<ZohoModule[]> {
    return fieldOps.modules(this.#client);
  }

  fields(module: string): Promise<ZohoField[]> {
    return fieldOps.fields(this.#client, module);
  }

  createField(module: string, spec: NewFieldSpec): Promise<ZohoField> {
    return fieldOps.createField(this.#client, module, spec);
  }

  addPicklistValue(module: string, fieldApiName: string, value: string): Promise<void> {
    return fieldOps.addPicklistValue(this.#client, module, fieldApiName, value);
  }

  scanRecords(
    module: string,
    fieldNames: string[],
    afterId: string | undefined,
    limit?: number,
  ): Promise<{ records: ZohoRecord[]; more: boolean }> {
    return freshOps.scanRecords(this.#client, module, fieldNames, afterId, limit);
  }

  modifiedSince(
    module: string,
    fieldNames: string[],
    since: string,
    pageToken?: string,
  ): Promise<{ records: ZohoRecord[]; next: string | undefined }> {
    return freshOps.modifiedSince(this.#client, module, fieldNames, since, pageToken);
  }

  deletedSince(
    module: string,
    since: string | undefined,
    pageToken?: string,
  ): Promise<{ deleted: DeletedRecord[]; next: string | undefined }> {
    return freshOps.deletedSince(this.#client, module, since, pageToken);
  }

  countRecords(module: string): Promise<number> {
    return freshOps.countRecords(this.#client, module);
  }

  getRecords(module: string, ids: string[], fieldNames: string[]): Promise<ZohoRecord[]> {
    return recordOps.getRecords(this.#client, module, ids, fieldNames);
  }

  createRecords(module: string, rows: Record<string, unknown>[]): Promise<RowResult<{ id: string }>[]> {
    return recordOps.writeRecords(this.#client, 'create', module, rows);
  }

  updateRecords(
    module: string,
    rows: ({ id: string } & Record<string, unknown>)[],
  ): Promise<RowResult<{ id: string }>[]> {
    return recordOps.writeRecords(this.#client, 'update', module, rows);
  }

  createNotes(list: NewNote[]): Promise<RowResult<{ id: string }>[]> {
    return noteOps.createNotes(this.#client, list);
  }

  updateNotes(list: NoteUpdate[]): Promise<RowResult<{ id: string }>[]> {
    return noteOps.updateNotes(this.#client, list);
  }

  notesOf(module: string, recordId: string): Promise<ZohoNote[]> {
    return noteOps.notesOf(this.#client, module, recordId);
  }

  noteAttachments(noteId: string): Promise<ZohoAttachment[]> {
    return noteOps.noteAttachments(this.#client, noteId);
  }

  uploadNoteAttachment(noteId: string, file: AttachmentUpload): Promise<{ id: string }> {
    return noteOps.uploadNoteAttachment(this.#client, noteId, file);
  }
}

/** The gateway of one org. All gateways share the process-wide `sdkLane`. */
export function createSdkGateway(opts: SdkGatewayOptions): ZohoGateway {
  return new SdkGateway(opts);
}
