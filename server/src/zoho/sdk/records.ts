/** CRM records through the SDK: the COQL phone lookup, reads by id, and batch creates/updates. */
import * as Z from '@zohocrm/typescript-sdk-8.0';
import { ZohoError } from '../errors.js';
import type { ZohoRecord } from '../gateway.js';
import { COMPLEX_ROWS, ROWS_PER_CALL, writeInChunks } from './batch.js';
import { EMPTY_RESPONSE, allPages, type SdkClient } from './client.js';
import {
  ID_RE,
  bigId,
  checkApiName,
  chunk,
  toRecord,
  toSdkValue,
  type SdkFieldDetail,
  type WriteResult,
} from './convert.js';
import { objectsOf, str } from './json.js';

const COQL_VALUES_PER_IN = 50;
/** Zoho accepts at most 25 criteria in a COQL WHERE clause: several `in` lists share one call. */
const COQL_MAX_CRITERIA = 25;
/**
 * Rows a lookup call asks for. Lookups match a few records, and Zoho charges a COQL call by its LIMIT
 * (1 credit up to 200 rows; 2 up to 1,000; 3 up to 2,000, as its COQL docs put it): a full page is rare
 * and simply followed by the next one.
 */
const COQL_ROWS_PER_CALL = 200;
/** A lookup never pages further than this (a phone number matching >20k records is a data problem). */
const COQL_MAX_PAGES = 100;

/** COQL string literal. */
function coqlString(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * COQL accepts at most two conditions at one level: more must be grouped in pairs, as in
 * `((A or B) or C)` (Zoho's COQL FAQ), so conditions are folded left into nested pairs.
 */
export function nestedOr(conditions: string[]): string {
  if (conditions.length === 0) throw new Error('nestedOr: no conditions');
  return conditions.slice(1).reduce((acc, c) => `(${acc} or ${c})`, conditions[0]!);
}

/** See ZohoGateway.findByFieldValues. */
export async function findByFieldValues(
  client: SdkClient,
  module: string,
  phoneFields: string[],
  values: string[],
  extraFields: string[],
): Promise<ZohoRecord[]> {
  checkApiName(module, 'lookup');
  const pf = [...new Set(phoneFields)].map((f) => checkApiName(f, 'lookup'));
  const vals = [...new Set(values.filter((v) => typeof v === 'string' && v !== ''))];
  if (pf.length === 0 || vals.length === 0) return [];
  if (pf.length > 25)
    throw new ZohoError('lookup: more than 25 fields', { code: 'validation', zohoCode: 'LIMIT_EXCEEDED' });
  const select = [...new Set(['id', ...pf, ...extraFields.map((f) => checkApiName(f, 'lookup'))])];
  const found = new Map<string, ZohoRecord>();
  // One call carries as many `in` lists of 50 values as the 25 criteria allow (each list once per
  // field); the calls run concurrently (the lane keeps the org's concurrency).
  const listsPerCall = Math.max(1, Math.floor(COQL_MAX_CRITERIA / pf.length));
  const calls = chunk(vals, listsPerCall * COQL_VALUES_PER_IN);
  await Promise.all(
    calls.map(async (callValues) => {
      const where = nestedOr(
        chunk(callValues, COQL_VALUES_PER_IN).flatMap((list) => {
          const literal = list.map(coqlString).join(', ');
          return pf.map((f) => `${f} in (${literal})`);
        }),
      );
      const rows = await allPages(COQL_MAX_PAGES, 'data', (page) => {
        const offset = (page - 1) * COQL_ROWS_PER_CALL;
        const body = new Z.Coql.BodyWrapper();
        body.setSelectQuery(
          `select ${select.join(', ')} from ${module} where ${where} limit ${COQL_ROWS_PER_CALL} offset ${offset}`,
        );
        return client.exec(`lookup in ${module}`, () => new Z.Coql.CoqlOperations().getRecords(body), {
          complex: true,
        });
      });
      for (const r of rows) found.set(str(r.id), toRecord(r));
    }),
  );
  return [...found.values()];
}

/** See ZohoGateway.getRecords. */
export async function getRecords(
  client: SdkClient,
  module: string,
  ids: string[],
  fields: string[],
): Promise<ZohoRecord[]> {
  checkApiName(module, 'get records');
  const wanted = [...new Set(ids)].filter((id) => ID_RE.test(id));
  if (wanted.length === 0) return [];
  const fieldList = [...new Set(['id', ...fields.map((f) => checkApiName(f, 'get records'))])].join(',');
  const out: ZohoRecord[] = [];
  for (const part of chunk(wanted, ROWS_PER_CALL)) {
    const pm = new Z.ParameterMap();
    await pm.add(Z.Record.GetRecordsParam.IDS, part.join(','));
    await pm.add(Z.Record.GetRecordsParam.FIELDS, fieldList);
    const a = await client.exec(
      `get ${module} records`,
      () => new Z.Record.RecordOperations(module).getRecords(pm),
      { before: () => client.warmMetadata(module) },
    );
    out.push(...objectsOf(a.json, 'data').map(toRecord));
  }
  return out;
}

/** A plain row → the SDK's Record, each value converted after the SDK's cached field metadata. */
function toSdkRecord(
  mode: 'create' | 'update',
  module: string,
  row: Record<string, unknown>,
  meta: Map<string, SdkFieldDetail>,
): Z.Record.Record {
  const rec = new Z.Record.Record();
  if (mode === 'update') rec.setId(bigId(str(row.id), `update ${module}`));
  for (const [k, v] of Object.entries(row)) {
    if (k === 'id') continue;
    checkApiName(k, `${mode} ${module}`);
    rec.addKeyValue(k, toSdkValue(k, v, meta.get(k)));
  }
  return rec;
}

/** Creates or updates records, 100 per call (batch.ts). */
export function writeRecords(
  client: SdkClient,
  mode: 'create' | 'update',
  module: string,
  rows: Record<string, unknown>[],
): Promise<WriteResult[]> {
  checkApiName(module, `${mode} records`);
  const what = `${mode} ${module} records`;
  return writeInChunks(rows.length, what, async (part, buildRows) => {
    let sent: number[] = [];
    const answer = await client.exec(
      what,
      async () => {
        // Built inside the lane, after the SDK's metadata of the module is cached.
        const meta = await client.sdkFields(module);
        const built = buildRows(part, `${mode} ${module}`, (i) => toSdkRecord(mode, module, rows[i]!, meta));
        sent = built.sent;
        if (built.items.length === 0) return EMPTY_RESPONSE;
        const body = new Z.Record.BodyWrapper();
        body.setData(built.items);
        const ops = new Z.Record.RecordOperations(module);
        return mode === 'create' ? ops.createRecords(body) : ops.updateRecords(body);
      },
      // Zoho counts writes of more than 10 records as complex calls.
      { rows: 'data', before: () => client.warmMetadata(module), complex: part.length > COMPLEX_ROWS },
    );
    return { sent, answer };
  });
}
