/**
 * Keeping the phone index fresh: records people create, edit, merge or delete in the CRM.
 *
 * - Before a run matches chats, one read of the records modified since the cursor (the record list
 *   with If-Modified-Since, 200 a page). It reads Zoho's database, not its search index, so a record
 *   created a second ago is seen (COQL and search lag creates by tens of seconds). Nothing changed:
 *   one call, answered empty. The cursor moves to the newest Modified_Time read, less a second
 *   (If-Modified-Since has a one-second granularity: a record saved in the same second is read again,
 *   never missed).
 * - At most every 5 minutes, the records deleted since the last look (`/{module}/deleted`) leave the
 *   index, and chat links pointing at them are dropped (their chats are matched again). A merge in
 *   the CRM deletes the merged-away records, so it is seen the same way.
 * - A write that finds its record gone (deleted a moment ago) drops it at once (`forgetRecords`).
 *
 * Zoho's Notifications API (`actions/watch`) would push changes instead of this read, but it needs a
 * public callback URL reachable by Zoho, channels that expire within a day and must be renewed, and
 * the read above would still be needed after any gap; one call per run that needs a lookup is cheap
 * (a run batches every message of its flush window).
 */
import type { Frozen } from '../../store/store.js';
import { UNLINKED, type PhoneIndexState } from '../../store/schema.js';
import { indexedRecord, indexFields, type IndexJob } from './build.js';

/** How often deletions are read (they matter less: a deleted record's chat is re-matched on write). */
export const DELETED_CHECK_EVERY_MS = 5 * 60 * 1000;

export async function refreshIndex(job: IndexJob, state: Frozen<PhoneIndexState>): Promise<void> {
  const { store, zoho, workspaceId: ws } = job;
  const since = state.modifiedCursor ?? state.startedAt;
  let newest = Date.parse(since);
  let pageToken: string | undefined;
  do {
    const page = await zoho.modifiedSince(state.module, indexFields(state.phoneFields), since, pageToken);
    pageToken = page.next;
    const records = page.records.map((r) => indexedRecord(r, state.phoneFields, job.countryCode));
    for (const r of records) newest = Math.max(newest, Date.parse(r.modifiedTime) || 0);
    const uow = store.begin({ lease: job.lease });
    uow.phoneIndex.put(ws, records);
    const cursor = new Date(Math.max(Date.parse(since), newest - 1000)).toISOString();
    if (cursor !== state.modifiedCursor) uow.phoneIndex.patch(ws, { modifiedCursor: cursor });
    await uow.commit();
  } while (pageToken);

  if (state.deletedCheckedAt !== undefined && job.now() - state.deletedCheckedAt < DELETED_CHECK_EVERY_MS)
    return;
  const deletedSince = state.deletedCursor;
  let latest = deletedSince ? Date.parse(deletedSince) : 0;
  pageToken = undefined;
  do {
    const page = await zoho.deletedSince(state.module, deletedSince, pageToken);
    pageToken = page.next;
    const ids = page.deleted.map((d) => d.id);
    for (const d of page.deleted) latest = Math.max(latest, Date.parse(d.deletedTime) || 0);
    await forgetRecords(job, ids);
  } while (pageToken);
  const uow = store.begin({ lease: job.lease });
  uow.phoneIndex.patch(ws, {
    deletedCheckedAt: job.now(),
    ...(latest > 0 ? { deletedCursor: new Date(Math.max(0, latest - 1000)).toISOString() } : {}),
  });
  await uow.commit();
}

/** Records gone from the CRM: out of the index, and the chats linked to them are matched afresh. */
export async function forgetRecords(job: IndexJob, recordIds: string[]): Promise<void> {
  if (recordIds.length === 0) return;
  const uow = job.store.begin({ lease: job.lease });
  uow.phoneIndex.delete(job.workspaceId, recordIds);
  for (const link of await job.store.chats.byRecords(job.workspaceId, recordIds)) {
    uow.chats.put({ ...structuredClone(link), ...UNLINKED });
  }
  await uow.commit();
}
