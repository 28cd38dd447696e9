/** Deleted records over HTTP: the deleted list, merges, writes to a record that is gone, and the record count. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, dataOf, startHttpEnv, type HttpEnv } from './httpHarness.js';

let env: HttpEnv & { clock: { ms: number } };

beforeAll(async () => {
  env = await startHttpEnv('Asia/Kolkata');
});

afterAll(async () => {
  await env.close();
});

const DAY = 24 * 3600_000;
const create = (fields: Record<string, unknown>) =>
  env.emu.state.createRecord(env.org.orgId, 'Contacts', fields);

describe('GET /{module}/deleted', () => {
  it('lists API and UI deletes newest first with who deleted and created them, filters by type and If-Modified-Since, and answers 204 when empty', async () => {
    const empty = await call(env, 'GET', 'Contacts/deleted');
    expect(empty.status).toBe(204);

    const byApi = create({ First_Name: 'Ann', Last_Name: 'Api' });
    const byHuman = create({ Last_Name: 'Human' });
    env.clock.ms += 1_000;
    const del = await call(env, 'DELETE', `Contacts?ids=${byApi}`);
    expect(dataOf(del)[0]).toMatchObject({ code: 'SUCCESS', status: 'success' });
    env.clock.ms += 60_000;
    const between = env.clock.ms;
    const rep = env.org.rep;
    if (!rep) throw new Error('seed has a rep');
    env.emu.state.deleteRecord(env.org.orgId, 'Contacts', byHuman, rep.id);

    const all = await call(env, 'GET', 'Contacts/deleted?type=all');
    expect(all.status).toBe(200);
    expect(dataOf(all)).toEqual([
      {
        deleted_by: { name: rep.fullName, id: rep.id },
        id: byHuman,
        display_name: 'Human',
        type: 'recycle',
        created_by: { name: env.org.admin.fullName, id: env.org.admin.id },
        deleted_time: expect.stringMatching(/\+05:30$/),
      },
      expect.objectContaining({
        id: byApi,
        display_name: 'Ann Api',
        deleted_by: expect.objectContaining({ id: env.org.admin.id }),
      }),
    ]);
    expect(all.json?.info).toEqual({ per_page: 200, count: 2, page: 1, more_records: false });

    const since = await call(env, 'GET', 'Contacts/deleted', {
      headers: { 'If-Modified-Since': new Date(between).toISOString() },
    });
    expect(dataOf(since).map((d) => d.id)).toEqual([byHuman]);
    const paged = await call(env, 'GET', 'Contacts/deleted?per_page=1&page=2');
    expect(dataOf(paged).map((d) => d.id)).toEqual([byApi]);
    expect(paged.json?.info).toMatchObject({ page: 2, more_records: false });
    expect((await call(env, 'GET', 'Contacts/deleted?type=permanent')).status).toBe(204);
    const badType = await call(env, 'GET', 'Contacts/deleted?type=everything');
    expect(badType.status).toBe(400);
    expect(badType.json).toMatchObject({ code: 'PATTERN_NOT_MATCHED', details: { param_name: 'type' } });
  });

  it('turns recycle-bin rows into permanent ones after 60 days (names dropped) and forgets them 120 days later', async () => {
    const id = create({ Last_Name: 'Aging' });
    env.emu.state.deleteRecord(env.org.orgId, 'Contacts', id);
    const deletedAt = env.clock.ms;
    env.clock.ms = deletedAt + 61 * DAY;
    const perm = await call(env, 'GET', 'Contacts/deleted?type=permanent');
    expect(dataOf(perm).find((d) => d.id === id)).toEqual({
      deleted_by: null,
      id,
      display_name: null,
      type: 'permanent',
      created_by: null,
      deleted_time: expect.any(String),
    });
    expect(dataOf(await call(env, 'GET', 'Contacts/deleted?type=recycle')).map((d) => d.id)).not.toContain(
      id,
    );
    env.clock.ms = deletedAt + 181 * DAY;
    const later = await call(env, 'GET', 'Contacts/deleted');
    expect(dataOf(later).map((d) => d.id)).not.toContain(id);
  });
});

describe('writing to a record that is gone', () => {
  it('answers an update INVALID_DATA on id, a Note INVALID_DATA on Parent_Id, a read 204 and a related list 400', async () => {
    const id = create({ Last_Name: 'Gone' });
    env.emu.state.deleteRecord(env.org.orgId, 'Contacts', id);
    const upd = await call(env, 'PUT', 'Contacts', { body: { data: [{ id, Title: 'x' }] } });
    expect(upd.status).toBe(400);
    expect(dataOf(upd)[0]).toEqual({
      code: 'INVALID_DATA',
      details: { api_name: 'id', json_path: '$.data[0].id' },
      message: 'the id given seems to be invalid',
      status: 'error',
    });
    const note = await call(env, 'POST', 'Notes', {
      body: { data: [{ Note_Content: 'hi', Parent_Id: { module: { api_name: 'Contacts' }, id } }] },
    });
    expect(dataOf(note)[0]).toEqual({
      code: 'INVALID_DATA',
      details: { api_name: 'Parent_Id', json_path: '$.data[0].Parent_Id' },
      message: 'the related id given seems to be invalid',
      status: 'error',
    });
    expect((await call(env, 'GET', `Contacts/${id}`)).status).toBe(204);
    const related = await call(env, 'POST', `Contacts/${id}/Notes`, {
      body: { data: [{ Note_Content: 'hi' }] },
    });
    expect(related.status).toBe(400);
    expect(related.json).toMatchObject({ code: 'INVALID_DATA' });
  });
});

describe('merging duplicates', () => {
  it('deletes the others (listed as deleted), moves their Notes to the master, takes chosen values and moves its Modified_Time', async () => {
    const master = create({ Last_Name: 'Lee', Phone: '+44 20 7946 0958' });
    const dup = create({ Last_Name: 'Lee', Mobile: '07700 900123' });
    const note = env.emu.state.notes(env.org.orgId).length;
    await call(env, 'POST', `Contacts/${dup}/Notes`, {
      body: { data: [{ Note_Content: 'from the duplicate' }] },
    });
    expect(env.emu.state.notes(env.org.orgId)).toHaveLength(note + 1);
    const before = env.emu.state.record(env.org.orgId, 'Contacts', master)?.Modified_Time;
    env.clock.ms += 5_000;
    env.emu.state.mergeRecords(env.org.orgId, 'Contacts', master, [dup], { take: { Mobile: dup } });

    const merged = env.emu.state.record(env.org.orgId, 'Contacts', master);
    expect(merged).toMatchObject({ Phone: '+44 20 7946 0958', Mobile: '07700 900123' });
    expect(merged?.Modified_Time).not.toBe(before);
    expect(env.emu.state.record(env.org.orgId, 'Contacts', dup)).toBeUndefined();
    expect(env.emu.state.notes(env.org.orgId, master).map((n) => n.Note_Content)).toEqual([
      'from the duplicate',
    ]);
    const deleted = await call(env, 'GET', 'Contacts/deleted?type=recycle');
    expect(dataOf(deleted).map((d) => d.id)).toContain(dup);
    expect(() => env.emu.state.mergeRecords(env.org.orgId, 'Contacts', master, [master])).toThrow(/itself/);
    expect(() => env.emu.state.mergeRecords(env.org.orgId, 'Contacts', master, ['1', '2', '3'])).toThrow(
      /1 to 2/,
    );
  });
});

describe('GET /{module}/actions/count', () => {
  it('counts the module, or what a search finds, after the statistics delay; refuses cvid', async () => {
    env.emu.seedOrg({ orgId: '91001' });
    const o = env.emu.state.org('91001');
    const tk = env.emu.issueToken({ orgId: o.orgId, userId: o.admin.id, expiresInSec: 10 ** 8 }).accessToken;
    const count = async (q = '') => call(env, 'GET', `Leads/actions/count${q}`, { token: tk });
    expect((await count()).json).toEqual({ count: 0 });
    env.emu.state.seedRecords(o.orgId, 'Leads', [
      { Last_Name: 'A', Phone: '+1 415 555 0100', Created_Time: env.clock.ms - DAY },
      { Last_Name: 'B', Created_Time: env.clock.ms - DAY },
    ]);
    expect((await count()).json).toEqual({ count: 2 });
    expect((await count('?phone=14155550100')).json).toEqual({ count: 1 });
    expect((await count('?criteria=(Last_Name:equals:B)')).json).toEqual({ count: 1 });
    env.emu.controls.searchLagSec = 600;
    env.emu.state.createRecord(o.orgId, 'Leads', { Last_Name: 'C' });
    expect((await count()).json).toEqual({ count: 2 });
    env.emu.controls.searchLagSec = 0;
    expect((await count()).json).toEqual({ count: 3 });
    expect((await count('?cvid=123&word=ab')).json).toMatchObject({ code: 'AMBIGUITY_DURING_PROCESSING' });
    expect((await count('?cvid=123')).status).toBe(400);
    expect(env.emu.stats.calls(o.orgId)).toMatchObject({ record_count: 8 });
  });
});
