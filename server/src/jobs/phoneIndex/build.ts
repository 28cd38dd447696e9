/**
 * Building a workspace's phone index: every record of the destination module, its id, its phone
 * fields and Modified_Time, read in id order with COQL pages of 2,000 (`where id > <last id>`: no phone
 * field in the criteria, so an encrypted Phone is no obstacle, and no OFFSET limit is hit).
 *
 * Cost, measured against Zoho's limits: ⌈records / 2,000⌉ calls plus one count (a 120,000-record
 * module is 61 calls, 61 credits). Bulk Read would cost fewer credits for millions of records, but it
 * is an asynchronous job (create, poll, download a zipped CSV) whose callback needs a public URL; at
 * 2,000 records a call the COQL scan stays within a few minutes of Zoho time for any org this
 * connector serves, and it resumes page by page after a restart.
 *
 * Each page is committed with the progress (`done` of `total`, the last id), so the settings page
 * shows "Indexing 34,000 of 120,000 Contacts" and a restart continues where it stopped. Records
 * modified while the build runs are caught by the first incremental read, which starts from the
 * build's start time.
 */
import type { Logger } from '../../log.js';
import type { PhoneIndexState } from '../../store/schema.js';
import type { Frozen, Lease, Store } from '../../store/store.js';
import { phoneKeysOfRecord } from '../../sync/phoneKey.js';
import type { ZohoGateway, ZohoRecord } from '../../zoho/gateway.js';

/** Rows per COQL call: Zoho's maximum from v7 on. */
export const SCAN_PAGE = 2000;

export interface IndexJob {
  store: Store;
  zoho: ZohoGateway;
  workspaceId: string;
  countryCode: string | undefined;
  lease: Lease | undefined;
  log: Logger;
  now: () => number;
  /** stop between pages (shutdown) */
  stopping?: () => boolean;
}

/** Fields read for the index: the id, every phone field, and the modification time. */
export function indexFields(phoneFields: readonly string[]): string[] {
  return ['id', ...phoneFields, 'Modified_Time'];
}

/** The index entry of one record as Zoho answered it. */
export function indexedRecord(r: ZohoRecord, phoneFields: readonly string[], country: string | undefined) {
  return {
    recordId: r.id,
    keys: phoneKeysOfRecord(r, phoneFields, country),
    modifiedTime: typeof r.Modified_Time === 'string' ? r.Modified_Time : new Date(0).toISOString(),
  };
}

/** Builds (or resumes building) the index described by `state`; resolves once it is ready. */
export async function buildIndex(
  job: IndexJob,
  state: Frozen<PhoneIndexState>,
): Promise<'ready' | 'stopped'> {
  const { store, zoho, workspaceId: ws } = job;
  let { done, scanAfterId } = state;
  if (state.total === undefined) {
    const total = await zoho.countRecords(state.module);
    const uow = store.begin({ lease: job.lease });
    uow.phoneIndex.patch(ws, { total });
    await uow.commit();
  }
  for (;;) {
    if (job.stopping?.()) return 'stopped';
    const page = await zoho.scanRecords(state.module, indexFields(state.phoneFields), scanAfterId, SCAN_PAGE);
    const records = page.records.map((r) => indexedRecord(r, state.phoneFields, job.countryCode));
    done += records.length;
    scanAfterId = page.records[page.records.length - 1]?.id ?? scanAfterId;
    const uow = store.begin({ lease: job.lease });
    uow.phoneIndex.put(ws, records);
    if (page.more && page.records.length > 0) {
      uow.phoneIndex.patch(ws, { done, scanAfterId });
      await uow.commit();
      continue;
    }
    // Records changed since the build started are read by the first incremental refresh.
    uow.phoneIndex.patch(ws, {
      status: 'ready',
      done,
      scanAfterId: undefined,
      modifiedCursor: state.startedAt,
      deletedCursor: state.startedAt,
      deletedCheckedAt: job.now(),
      readyAt: new Date(job.now()).toISOString(),
    });
    await uow.commit();
    job.log.info({ workspaceId: ws, module: state.module, records: done }, 'phone index ready');
    return 'ready';
  }
}
