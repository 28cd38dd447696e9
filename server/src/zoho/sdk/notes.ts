/** Notes and their attachments through the SDK. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as Z from '@zohocrm/typescript-sdk-8.0';
import type { AttachmentUpload, NewNote, NoteUpdate, ZohoAttachment, ZohoNote } from '../gateway.js';
import { COMPLEX_ROWS, writeInChunks } from './batch.js';
import { allPages, type SdkClient } from './client.js';
import { bigId, checkApiName, rowOrThrow, rowResult, safeFileName, type WriteResult } from './convert.js';
import { entriesOf, isObj, optStr, str } from './json.js';

const NOTES_PER_PAGE = 200;
const NOTES_MAX_PAGES = 10;

function newNote(n: NewNote): Z.Notes.Note {
  checkApiName(n.module, 'create note');
  const note = new Z.Notes.Note();
  note.setNoteTitle(n.title);
  note.setNoteContent(n.content);
  const parent = new Z.Notes.ParentId();
  const mod = new Z.Modules.MinifiedModule();
  mod.setAPIName(n.module);
  parent.setModule(mod);
  parent.setId(bigId(n.recordId, 'create note'));
  note.setParentId(parent);
  return note;
}

function changedNote(n: NoteUpdate): Z.Notes.Note {
  const note = new Z.Notes.Note();
  note.setId(bigId(n.id, 'update note'));
  note.setNoteTitle(n.title);
  note.setNoteContent(n.content);
  return note;
}

/** Creates Notes, 100 per call (batch.ts). */
export function createNotes(client: SdkClient, notes: NewNote[]): Promise<WriteResult[]> {
  return writeNotes(client, 'create', (i) => newNote(notes[i]!), notes.length);
}

/** Updates the title and content of Notes, 100 per call (batch.ts). */
export function updateNotes(client: SdkClient, notes: NoteUpdate[]): Promise<WriteResult[]> {
  return writeNotes(client, 'update', (i) => changedNote(notes[i]!), notes.length);
}

function writeNotes(
  client: SdkClient,
  mode: 'create' | 'update',
  make: (i: number) => Z.Notes.Note,
  count: number,
): Promise<WriteResult[]> {
  const what = `${mode} notes`;
  return writeInChunks(count, what, async (part, buildRows) => {
    const { items, sent } = buildRows(part, what, make);
    if (items.length === 0) return undefined;
    const body = new Z.Notes.BodyWrapper();
    body.setData(items);
    const answer = await client.exec(
      what,
      () => {
        const ops = new Z.Notes.NotesOperations();
        return mode === 'create' ? ops.createNotes(body) : ops.updateNotes(body);
      },
      { rows: 'data', complex: items.length > COMPLEX_ROWS },
    );
    return { sent, answer };
  });
}

/** See ZohoGateway.notesOf. */
export async function notesOf(client: SdkClient, module: string, recordId: string): Promise<ZohoNote[]> {
  checkApiName(module, 'notes');
  const id = bigId(recordId, 'notes');
  const rows = await allPages(NOTES_MAX_PAGES, 'data', async (page) => {
    const pm = new Z.ParameterMap();
    await pm.add(
      Z.RelatedRecords.GetRelatedRecordsParam.FIELDS,
      'Note_Title,Note_Content,Parent_Id,Created_Time,Modified_Time',
    );
    await pm.add(Z.RelatedRecords.GetRelatedRecordsParam.PER_PAGE, NOTES_PER_PAGE);
    await pm.add(Z.RelatedRecords.GetRelatedRecordsParam.PAGE, page);
    return client.exec(`notes of ${module} ${recordId}`, () =>
      new Z.RelatedRecords.RelatedRecordsOperations('Notes', module).getRelatedRecords(id, pm),
    );
  });
  return rows.map((n) => {
    const parent = isObj(n.Parent_Id) ? n.Parent_Id : {};
    const pmod = isObj(parent.module) ? optStr(parent.module.api_name) : optStr(n.$se_module);
    return {
      id: str(n.id),
      title: str(n.Note_Title),
      content: str(n.Note_Content),
      parentModule: pmod ?? module,
      parentId: optStr(parent.id) ?? recordId,
      createdTime: str(n.Created_Time),
      modifiedTime: str(n.Modified_Time),
    };
  });
}

/** See ZohoGateway.noteAttachments. */
export async function noteAttachments(client: SdkClient, noteId: string): Promise<ZohoAttachment[]> {
  const id = bigId(noteId, 'attachments');
  const rows = await allPages(NOTES_MAX_PAGES, 'data', async (page) => {
    const pm = new Z.ParameterMap();
    await pm.add(Z.Attachments.GetAttachmentsParam.FIELDS, 'id,File_Name,Size');
    await pm.add(Z.Attachments.GetAttachmentsParam.PER_PAGE, NOTES_PER_PAGE);
    await pm.add(Z.Attachments.GetAttachmentsParam.PAGE, page);
    return client.exec(`attachments of note ${noteId}`, () =>
      new Z.Attachments.AttachmentsOperations().getAttachments(id, 'Notes', pm),
    );
  });
  return rows.map((r) => {
    const size = Number(r.Size ?? r.$file_size);
    return { id: str(r.id), fileName: str(r.File_Name), size: Number.isFinite(size) ? size : undefined };
  });
}

/** See ZohoGateway.uploadNoteAttachment. */
export async function uploadNoteAttachment(
  client: SdkClient,
  noteId: string,
  file: AttachmentUpload,
): Promise<{ id: string }> {
  const id = bigId(noteId, 'attachment');
  // The SDK streams files from disk (form-data takes the file name from the stream's path), so
  // the bytes go through a private temp file that is removed right after the call. Asynchronous
  // file calls: a run starts ~100 uploads at once, and synchronous ones held the event loop 20-40 ms.
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'zoho-upload-'));
  try {
    const filePath = path.join(dir, safeFileName(file.fileName, file.mimeType));
    await fs.promises.writeFile(filePath, file.data, { mode: 0o600 });
    const a = await client.exec(
      'upload attachment',
      () => {
        const body = new Z.Attachments.FileBodyWrapper();
        body.setFile(new Z.StreamWrapper(undefined, undefined, filePath));
        return new Z.Attachments.AttachmentsOperations().uploadAttachments(id, 'Notes', body);
      },
      { rows: 'data' },
    );
    return rowOrThrow(rowResult(entriesOf(a.json, 'data')[0]), 'upload attachment', a.status);
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}
