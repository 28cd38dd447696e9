/**
 * Reading a whole module and what changed in it, through the SDK: a COQL scan in id order, the
 * record list with If-Modified-Since, the deleted records, the record count (see ZohoGateway).
 */
import * as Z from '@zohocrm/typescript-sdk-8.0';
import { ZohoError } from '../errors.js';
import type { DeletedRecord, ZohoRecord } from '../gateway.js';
import type { Answer, SdkClient } from './client.js';
import { ID_RE, checkApiName, toRecord } from './convert.js';
import { hasMoreRecords, isObj, objectsOf, optStr, str } from './json.js';

/** Zoho's maximum rows of a COQL call. */
export const SCAN_MAX_ROWS = 2000;
/** Zoho's maximum records of a list page. */
const LIST_PAGE = 200;

function invalid(what: string, why: string): ZohoError {
  return new ZohoError(`${what}: ${why}`, { code: 'validation', zohoCode: 'INVALID_ARGUMENT' });
}

/** `fields` checked, without duplicates, `id` first and `extra` added. */
function fieldList(fields: string[], what: string, extra: string[] = []): string[] {
  return [...new Set(['id', ...fields.map((f) => checkApiName(f, what)), ...extra])];
}

/** An ISO date-time → the Date the SDK wants for an If-Modified-Since header. */
function sinceDate(since: string, what: string): Date {
  const d = new Date(since);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(since) || Number.isNaN(d.getTime()))
    throw invalid(what, `"${since.slice(0, 40)}" is not an ISO date-time`);
  return d;
}

/** See ZohoGateway.scanRecords. */
export async function scanRecords(
  client: SdkClient,
  module: string,
  fields: string[],
  afterId: string | undefined,
  limit = SCAN_MAX_ROWS,
): Promise<{ records: ZohoRecord[]; more: boolean }> {
  const what = `scan ${module}`;
  checkApiName(module, what);
  if (!Number.isInteger(limit) || limit < 1 || limit > SCAN_MAX_ROWS)
    throw invalid(what, `limit must be 1 to ${SCAN_MAX_ROWS}`);
  if (afterId !== undefined && !ID_RE.test(afterId)) throw invalid(what, 'afterId is not a Zoho id');
  const select = fieldList(fields, what).join(', ');
  // Only `id` in WHERE: encrypted fields are refused in criteria, and an id range is what pages.
  const where = afterId === undefined ? 'id is not null' : `id > ${afterId}`;
  const body = new Z.Coql.BodyWrapper();
  body.setSelectQuery(`select ${select} from ${module} where ${where} order by id asc limit ${limit}`);
  const a = await client.exec(what, () => new Z.Coql.CoqlOperations().getRecords(body), { complex: true });
  return { records: objectsOf(a.json, 'data').map(toRecord), more: hasMoreRecords(a.json) };
}

/** Zoho's `info.next_page_token` of a list page. */
function nextPageToken(json: Answer['json']): string | undefined {
  return isObj(json?.info) ? optStr(json.info.next_page_token) : undefined;
}

/** See ZohoGateway.modifiedSince. */
export async function modifiedSince(
  client: SdkClient,
  module: string,
  fields: string[],
  since: string,
  pageToken?: string,
): Promise<{ records: ZohoRecord[]; next: string | undefined }> {
  const what = `changes of ${module}`;
  checkApiName(module, what);
  const date = sinceDate(since, what);
  if (pageToken !== undefined && !/^[A-Za-z0-9._-]{1,200}$/.test(pageToken))
    throw invalid(what, 'not a page token');
  const list = fieldList(fields, what, ['Modified_Time']).join(',');
  const a = await client.exec(
    what,
    async () => {
      const pm = new Z.ParameterMap();
      await pm.add(Z.Record.GetRecordsParam.FIELDS, list);
      await pm.add(Z.Record.GetRecordsParam.SORT_BY, 'Modified_Time');
      await pm.add(Z.Record.GetRecordsParam.SORT_ORDER, 'asc');
      await pm.add(Z.Record.GetRecordsParam.PER_PAGE, LIST_PAGE);
      if (pageToken !== undefined) await pm.add(Z.Record.GetRecordsParam.PAGE_TOKEN, pageToken);
      const hm = new Z.HeaderMap();
      await hm.add(Z.Record.GetRecordsHeader.IF_MODIFIED_SINCE, date);
      return new Z.Record.RecordOperations(module).getRecords(pm, hm);
    },
    { before: () => client.warmMetadata(module) },
  );
  // 304 (nothing modified) and 204 come back without JSON: no records.
  const records = objectsOf(a.json, 'data').map(toRecord);
  return { records, next: hasMoreRecords(a.json) ? nextPageToken(a.json) : undefined };
}

/** See ZohoGateway.deletedSince. The page token is the next page number. */
export async function deletedSince(
  client: SdkClient,
  module: string,
  since: string | undefined,
  pageToken?: string,
): Promise<{ deleted: DeletedRecord[]; next: string | undefined }> {
  const what = `deleted records of ${module}`;
  checkApiName(module, what);
  const date = since === undefined ? undefined : sinceDate(since, what);
  if (pageToken !== undefined && !/^[1-9]\d{0,5}$/.test(pageToken)) throw invalid(what, 'not a page token');
  const page = Number(pageToken ?? '1');
  const a = await client.exec(what, async () => {
    const pm = new Z.ParameterMap();
    await pm.add(Z.Record.GetDeletedRecordsParam.TYPE, 'all');
    await pm.add(Z.Record.GetDeletedRecordsParam.PAGE, page);
    await pm.add(Z.Record.GetDeletedRecordsParam.PER_PAGE, LIST_PAGE);
    const hm = new Z.HeaderMap();
    if (date) await hm.add(Z.Record.GetDeletedRecordsHeader.IF_MODIFIED_SINCE, date);
    return new Z.Record.RecordOperations(module).getDeletedRecords(pm, hm);
  });
  const deleted = objectsOf(a.json, 'data')
    .map((d) => ({ id: str(d.id), deletedTime: str(d.deleted_time) }))
    .filter((d) => ID_RE.test(d.id));
  return { deleted, next: hasMoreRecords(a.json) ? String(page + 1) : undefined };
}

/** See ZohoGateway.countRecords. */
export async function countRecords(client: SdkClient, module: string): Promise<number> {
  const what = `count of ${module}`;
  checkApiName(module, what);
  const a = await client.exec(what, () =>
    new Z.Record.RecordOperations(module).recordCount(new Z.ParameterMap()),
  );
  const n = Number(isObj(a.json) ? a.json.count : undefined);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new ZohoError(`${what}: Zoho answered no count`, { code: 'temporary', zohoCode: 'NO_COUNT' });
  return n;
}
