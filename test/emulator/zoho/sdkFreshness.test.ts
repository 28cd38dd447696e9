/**
 * Contract tests of the endpoints a phone index needs, driven by the official SDK
 * (@zohocrm/typescript-sdk-8.0): the record list with If-Modified-Since and page tokens, deleted
 * records, the record count, COQL paged by id, and `crypt` in the field metadata.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Coql,
  Fields,
  HeaderMap,
  ParameterMap,
  Record as ZRecord,
  type APIResponse,
} from '@zohocrm/typescript-sdk-8.0';
import { createZohoEmulator, type SeededOrg, type ZohoEmulator } from '../../../emulator/zoho/index.js';
import { initSdk } from './sdkHarness.js';

let emu: ZohoEmulator;
let url: string;
let close: () => Promise<void>;
let org: SeededOrg;
let ids: string[];
const clock = { ms: Date.UTC(2026, 4, 4, 9, 0, 0) };

beforeAll(async () => {
  emu = createZohoEmulator({ now: () => clock.ms });
  org = emu.seedOrg({ companyName: 'SDK Fresh Co', timeZone: 'America/Sao_Paulo', countryCode: 'BR' });
  ({ url, close } = await emu.listen(0));
  const rows = Array.from({ length: 2_100 }, (_, i) => ({
    Last_Name: `R${i}`,
    Phone: `+55 11 9${8000_0000 + i}`,
    Created_Time: clock.ms - 86_400_000,
  }));
  ids = emu.state.seedRecords(org.orgId, 'Contacts', rows);
  emu.state.encryptField(org.orgId, 'Contacts', 'Phone');
  const token = emu.issueToken({ orgId: org.orgId, userId: org.admin.id, expiresInSec: 10 ** 8 }).accessToken;
  await initSdk(url, token, { pickListValidation: false });
});

afterAll(async () => {
  await close();
});

async function getRecords(
  params: Record<string, unknown>,
  since?: Date,
): Promise<APIResponse<ZRecord.ResponseHandler.ResponseHandler>> {
  const pm = new ParameterMap();
  for (const [k, v] of Object.entries(params)) {
    const p = (ZRecord.GetRecordsParam as unknown as Record<string, Parameters<ParameterMap['add']>[0]>)[k];
    if (!p) throw new Error(`no param ${k}`);
    await pm.add(p, v);
  }
  const hm = new HeaderMap();
  if (since) await hm.add(ZRecord.GetRecordsHeader.IF_MODIFIED_SINCE, since);
  return new ZRecord.RecordOperations('Contacts').getRecords(pm, hm);
}

describe('the record list through the SDK', () => {
  it('sends If-Modified-Since and reads what changed, Modified_Time ascending; 304 (no object) when nothing did', async () => {
    clock.ms += 60_000;
    const since = new Date(clock.ms);
    clock.ms += 2_000;
    emu.state.updateRecord(org.orgId, 'Contacts', ids[5] as string, { Last_Name: 'Edited' });
    const r = await getRecords(
      { FIELDS: 'Phone,Mobile,Modified_Time', SORT_BY: 'Modified_Time', SORT_ORDER: 'asc', PER_PAGE: 200 },
      since,
    );
    expect(r.getStatusCode()).toBe(200);
    const w = r.getObject() as ZRecord.ResponseWrapper;
    const data = w.getData();
    expect(data.map((x) => String(x.getId()))).toEqual([ids[5]]);
    // the SDK types Modified_Time as a Date; the encrypted Phone is read like any value
    expect(data[0]?.getKeyValue('Modified_Time')).toBeInstanceOf(Date);
    expect(data[0]?.getKeyValue('Phone')).toBe('+55 11 980000005');
    expect(w.getInfo().getMoreRecords()).toBe(false);

    clock.ms += 5_000;
    const none = await getRecords({ FIELDS: 'Phone' }, new Date(clock.ms));
    expect(none.getStatusCode()).toBe(304);
    expect(none.getObject()).toBeNull();
  });

  it('pages past 2,000 records with next_page_token', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    for (let n = 0; n < 20; n++) {
      const r = await getRecords({
        FIELDS: 'Last_Name',
        SORT_ORDER: 'asc',
        PER_PAGE: 200,
        ...(token ? { PAGE_TOKEN: token } : {}),
      });
      const w = r.getObject() as ZRecord.ResponseWrapper;
      seen.push(...w.getData().map((x) => String(x.getId())));
      if (!w.getInfo().getMoreRecords()) break;
      token = w.getInfo().getNextPageToken();
    }
    expect(seen).toEqual(ids);
  });
});

describe('deleted records, count, COQL and crypt through the SDK', () => {
  it('lists deleted records with their type, time and users', async () => {
    emu.state.deleteRecord(org.orgId, 'Contacts', ids[0] as string);
    const pm = new ParameterMap();
    await pm.add(ZRecord.GetDeletedRecordsParam.TYPE, 'all');
    const hm = new HeaderMap();
    await hm.add(ZRecord.GetDeletedRecordsHeader.IF_MODIFIED_SINCE, new Date(clock.ms - 1_000));
    const r = await new ZRecord.RecordOperations('Contacts').getDeletedRecords(pm, hm);
    const w = r.getObject() as ZRecord.DeletedRecordsWrapper;
    const [d] = w.getData();
    expect(String(d?.getId())).toBe(ids[0]);
    expect(d?.getType()).toBe('recycle');
    expect(d?.getDeletedTime()).toEqual(new Date(Math.floor(clock.ms / 1000) * 1000));
    expect(d?.getDeletedBy().getName()).toBe(org.admin.fullName);
    expect(d?.getDisplayName()).toBe('R0');
  });

  it('counts records', async () => {
    const r = await new ZRecord.RecordOperations('Contacts').recordCount(new ParameterMap());
    expect((r.getObject() as ZRecord.CountWrapper).getCount()).toBe(BigInt(ids.length - 1));
  });

  it('pages COQL by id, and hands back INVALID_QUERY for an encrypted field in criteria', async () => {
    const body = new Coql.BodyWrapper();
    body.setSelectQuery(`select id, Phone from Contacts where id > ${ids[1999]} order by id asc limit 2000`);
    const r = await new Coql.CoqlOperations().getRecords(body);
    const w = r.getObject() as Coql.ResponseWrapper;
    expect(w.getData().map((x) => String(x.getId()))).toEqual(ids.slice(2000));
    expect(w.getInfo().getMoreRecords()).toBe(false);

    body.setSelectQuery(`select id from Contacts where Phone = '+55 11 980000001'`);
    const refused = await new Coql.CoqlOperations().getRecords(body);
    expect(refused.getStatusCode()).toBe(400);
    const e = refused.getObject() as Coql.APIException;
    expect(e.getCode().getValue()).toBe('INVALID_QUERY');
    expect(e.getDetails().get('column_name')).toBe('Phone');
  });

  it('reads crypt from the field metadata', async () => {
    const pm = new ParameterMap();
    await pm.add(Fields.GetFieldsParam.MODULE, 'Contacts');
    const r = await new Fields.FieldsOperations().getFields(pm);
    const fields = (r.getObject() as Fields.BodyWrapper).getFields();
    const phone = fields.find((f) => f.getAPIName() === 'Phone');
    expect(phone?.getCrypt()?.getMode()).toBe('encryption');
    expect(phone?.getCrypt()?.getStatus()).toBe(1);
    // a field that is not encrypted answers crypt: null, which the SDK leaves unset
    expect(fields.find((f) => f.getAPIName() === 'Mobile')?.getCrypt() ?? null).toBeNull();
  });
});
