/** COQL as an index build pages it (`where id > … order by id limit 2000`), over a bulk-seeded module. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZohoEmulator, seededRandom } from '../../../emulator/zoho/index.js';
import { coql, dataOf, startHttpEnv, type HttpEnv } from './httpHarness.js';

let env: HttpEnv & { clock: { ms: number } };
let ids: string[];
const SIZE = 4_321;

beforeAll(async () => {
  env = await startHttpEnv();
  const rows = Array.from({ length: SIZE }, (_, i) => ({
    Last_Name: `L${i}`,
    Phone: i % 2 ? `+49 30 ${1000000 + i}` : null,
    Created_Time: '2025-01-01T10:00:00+01:00',
    Modified_Time: env.clock.ms - (SIZE - i) * 1000,
  }));
  ids = env.emu.state.seedRecords(env.org.orgId, 'Contacts', rows);
});

afterAll(async () => {
  await env.close();
});

describe('COQL paging by id', () => {
  it('walks a module in id order, 2,000 rows a call at most, with bare and quoted ids, > and >=', async () => {
    env.emu.stats.reset();
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const where = after === undefined ? 'id is not null' : `id > ${after}`;
      const r = await coql(
        env,
        `select id, Phone, Mobile, Modified_Time from Contacts where ${where} order by id asc limit 2000`,
      );
      expect(r.status).toBe(200);
      const page = dataOf(r).map((x) => String(x.id));
      seen.push(...page);
      after = page[page.length - 1];
      if (!(r.json?.info as Record<string, unknown>).more_records) break;
    }
    expect(seen).toEqual(ids);
    expect(env.emu.stats.calls(env.org.orgId)).toEqual({ coql: Math.ceil(SIZE / 2000) });

    const mid = ids[1234] as string;
    const quoted = await coql(env, `select id from Contacts where id > '${mid}' order by id asc limit 3`);
    expect(dataOf(quoted).map((x) => x.id)).toEqual(ids.slice(1235, 1238));
    const inclusive = await coql(env, `select id from Contacts where id >= ${mid} order by id asc limit 2`);
    expect(dataOf(inclusive).map((x) => x.id)).toEqual([mid, ids[1235]]);
    const desc = await coql(env, `select id from Contacts where id < ${mid} order by id desc limit 2`);
    expect(dataOf(desc).map((x) => x.id)).toEqual([ids[1233], ids[1232]]);
    // the bound applies inside an AND too
    const between = await coql(
      env,
      `select id from Contacts where id > ${mid} and Phone is not null order by id asc limit 1`,
    );
    expect(dataOf(between)[0]?.id).toBe(ids[1235]);
    const limitOffset = await coql(
      env,
      `select id from Contacts where id is not null order by id asc limit 2 offset 5`,
    );
    const offsetComma = await coql(
      env,
      `select id from Contacts where id is not null order by id asc limit 5, 2`,
    );
    expect(dataOf(limitOffset).map((x) => x.id)).toEqual(ids.slice(5, 7));
    expect(dataOf(offsetComma)).toEqual(dataOf(limitOffset));
  });

  it('keeps Zoho’s rules: WHERE mandatory, 2,000 rows, 25 criteria, pairs, no field twice in ORDER BY', async () => {
    const noWhere = await coql(env, 'select id from Contacts order by id asc limit 10');
    expect(noWhere.json).toMatchObject({ code: 'SYNTAX_ERROR', details: { clause: 'where' } });
    const tooMany = await coql(env, 'select id from Contacts where id is not null limit 2001');
    expect(tooMany.json).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { clause: 'limit', limit: 2000 } });
    const unpaired = await coql(
      env,
      'select id from Contacts where id is not null and Phone is null and Mobile is null',
    );
    expect(unpaired.json).toMatchObject({ code: 'SYNTAX_ERROR' });
    const twice = await coql(env, 'select id from Contacts where id is not null order by id, id');
    expect(twice.json).toMatchObject({ code: 'DUPLICATE_DATA', details: { clause: 'order by' } });
    const criteria = Array.from({ length: 26 }, (_, i) => `Last_Name = 'x${i}'`).reduce(
      (a, c) => `(${a} or ${c})`,
    );
    const over = await coql(env, `select id from Contacts where ${criteria}`);
    expect(over.json).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { clause: 'where', limit: 25 } });
  });

  it('sees the search lag like search does (COQL reads the search index)', async () => {
    env.emu.controls.searchLagSec = 120;
    const fresh = env.emu.state.createRecord(env.org.orgId, 'Contacts', { Last_Name: 'Fresh' });
    const r = await coql(env, `select id from Contacts where id >= ${fresh} order by id asc limit 5`);
    expect(r.status).toBe(204);
    env.clock.ms += 120_000;
    expect(
      dataOf(await coql(env, `select id from Contacts where id >= ${fresh} order by id asc limit 5`)),
    ).toHaveLength(1);
    env.emu.controls.searchLagSec = 0;
  });
});

describe('bulk seeding', () => {
  it('keeps the given times and refuses bad rows with the row number', () => {
    const rec = env.emu.state.record(env.org.orgId, 'Contacts', ids[0] as string);
    expect(rec?.Created_Time).toBe('2025-01-01T10:00:00+01:00');
    expect(() =>
      env.emu.state.seedRecords(env.org.orgId, 'Contacts', [
        { Last_Name: 'ok' },
        { First_Name: 'no last name' },
      ]),
    ).toThrow(/seed row 1: MANDATORY_NOT_FOUND/);
    expect(() =>
      env.emu.state.seedRecords(env.org.orgId, 'Contacts', [{ Last_Name: 'x', Modified_Time: 'soon' }]),
    ).toThrow(/Modified_Time/);
  });

  it('fills a module with messy phone spellings from an injected speller, deterministically', () => {
    const numbers = ['+5511981234001', '+442079460958', '+14155550198'];
    const spell = (e164: string, rng: () => number) =>
      rng() < 0.5 ? `tel:${e164}` : `Cel: ${e164.slice(0, 3)} ${e164.slice(3)}`;
    const o1 = env.emu.seedOrg({ countryCode: 'BR' });
    const o2 = env.emu.seedOrg({ countryCode: 'BR' });
    const a = env.emu.state.seedMessyPhones(o1.orgId, 'Leads', { numbers, spell, seed: 7 });
    const b = env.emu.state.seedMessyPhones(o2.orgId, 'Leads', { numbers, spell, seed: 7 });
    expect(a.map(({ e164, field, spelling }) => ({ e164, field, spelling }))).toEqual(
      b.map(({ e164, field, spelling }) => ({ e164, field, spelling })),
    );
    for (const s of a) {
      const rec = env.emu.state.record(o1.orgId, 'Leads', s.id);
      expect(rec?.[s.field]).toBe(s.spelling);
      expect(rec?.Last_Name).toMatch(/^Customer \d+$/);
      expect(['Phone', 'Mobile']).toContain(s.field);
    }
    expect(() =>
      env.emu.state.seedMessyPhones(o1.orgId, 'Leads', { numbers, spell: () => 'x'.repeat(31) }),
    ).toThrow(/fits/);
    // the generator is the same for anyone who seeds it alike
    expect([seededRandom(3)(), seededRandom(3)()]).toEqual([seededRandom(3)(), seededRandom(3)()]);
  });

  it('survives a restart through the snapshot: records, deleted records and encryption', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emu-snap-'));
    const file = path.join(dir, 'state.json');
    const a = createZohoEmulator({ persistFile: file });
    const o = a.seedOrg({});
    const seeded = a.state.seedRecords(
      o.orgId,
      'Contacts',
      Array.from({ length: 5_000 }, (_, i) => ({ Last_Name: `S${i}` })),
    );
    a.state.deleteRecord(o.orgId, 'Contacts', seeded[0] as string);
    a.state.encryptField(o.orgId, 'Contacts', 'Mobile');
    await a.flush();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const b = createZohoEmulator({ persistFile: file });
    expect(b.state.records(o.orgId, 'Contacts')).toHaveLength(4_999);
    expect(b.state.fields(o.orgId, 'Contacts').find((f) => f.apiName === 'Mobile')?.encrypted).toBe(true);
    const { url, close } = await b.listen(0);
    const token = b.issueToken({ orgId: o.orgId, userId: o.admin.id }).accessToken;
    const res = await fetch(`${url}/crm/v8/Contacts/deleted`, {
      headers: { Authorization: `Zoho-oauthtoken ${token}` },
    });
    const body = (await res.json()) as { data: { id: string }[] };
    expect(body.data.map((d) => d.id)).toEqual([seeded[0]]);
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
