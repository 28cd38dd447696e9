/** CRM records through the SDK: reads by id, and batch creates/updates. */
import * as Z from '@zohocrm/typescript-sdk-8.0';
import { chunk } from '../../lib/chunk.js';
import type { ZohoRecord } from '../gateway.js';
import { COMPLEX_ROWS, ROWS_PER_CALL, writeInChunks } from './batch.js';
import { EMPTY_RESPONSE, type SdkClient } from './client.js';
import {
  ID_RE,
  bigId,
  checkApiName,
  toRecord,
  toSdkValue,
  type SdkFieldDetail,
  type WriteResult,
} from './convert.js';
import { objectsOf, str } from './json.js';

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
