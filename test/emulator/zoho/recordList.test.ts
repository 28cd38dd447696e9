/** The record list over HTTP: If-Modified-Since, Modified_Time on every kind of write, paging and page tokens. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, dataOf, startHttpEnv, type HttpEnv } from './httpHarness.js';

let env: HttpEnv & { clock: { ms: number } };

beforeAll(async () => {
  env = await startHttpEnv('Europe/Madrid');
});

afterAll(async () => {
  await env.close();
});

beforeEach(() => {
  env.emu.controls.searchLagSec = 0;
});

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function list(module: string, query: string, since?: string) {
  return call(env, 'GET', `${module}?${query}`, since ? { headers: { 'If-Modified-Since': since } } : {});
}

describe('GET /{module} with If-Modified-Since', () => {
  it('lists what changed since the time (inclusive to the second), reads the database despite the search lag, and answers 304 when nothing did', async () => {
    const t0 = env.clock.ms;
    const old = env.emu.state.createRecord(env.org.orgId, 'Leads', { Last_Name: 'Old' });
    env.clock.ms += 60_000;
    const since = env.clock.ms;
    env.clock.ms += 400; // same second as `since`: still listed
    const fresh = env.emu.state.createRecord(env.org.orgId, 'Leads', {
      Last_Name: 'Fresh',
      Phone: '+34 600 1',
    });
    env.emu.controls.searchLagSec = 3600; // COQL and search would not see it for an hour
    const r = await list(
      'Leads',
      'fields=Last_Name,Phone,Modified_Time&sort_by=Modified_Time&sort_order=asc',
      iso(since),
    );
    expect(r.status).toBe(200);
    expect(dataOf(r).map((x) => x.id)).toEqual([fresh]);
    expect(dataOf(r)[0]).toMatchObject({ Last_Name: 'Fresh', Phone: '+34 600 1' });
    expect(typeof dataOf(r)[0]?.Modified_Time).toBe('string');
    expect(r.json?.info).toMatchObject({
      count: 1,
      more_records: false,
      sort_by: 'Modified_Time',
      sort_order: 'asc',
    });

    env.clock.ms += 5_000;
    const none = await list('Leads', 'fields=Last_Name', iso(env.clock.ms));
    expect(none.status).toBe(304);
    expect(none.text).toBe('');
    // HTTP-dates are taken too; an unparsable header is refused
    const http = await list('Leads', 'fields=Last_Name', new Date(t0 - 1000).toUTCString());
    expect(dataOf(http).map((x) => x.id)).toEqual(expect.arrayContaining([old, fresh]));
    const bad = await list('Leads', 'fields=Last_Name', 'yesterday');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'INVALID_DATA', details: { header_name: 'If-Modified-Since' } });
  });

  it('moves Modified_Time on API updates and upserts and on a human edit, not on a Note (Zoho keeps activity apart)', async () => {
    const id = env.emu.state.createRecord(env.org.orgId, 'Contacts', {
      Last_Name: 'Kim',
      Email: 'kim@x.test',
    });
    const modified = () => env.emu.state.record(env.org.orgId, 'Contacts', id)?.Modified_Time;
    const seen: unknown[] = [modified()];
    const step = async (what: () => Promise<unknown> | unknown) => {
      env.clock.ms += 2_000;
      await what();
      seen.push(modified());
    };
    await step(() => call(env, 'PUT', 'Contacts', { body: { data: [{ id, Title: 'CTO' }] } }));
    await step(() =>
      call(env, 'POST', 'Contacts/upsert', {
        body: {
          data: [{ Last_Name: 'Kim', Email: 'kim@x.test', Title: 'CEO' }],
          duplicate_check_fields: ['Email'],
        },
      }),
    );
    await step(() => env.emu.state.updateRecord(env.org.orgId, 'Contacts', id, { Title: 'Founder' }));
    expect(new Set(seen).size).toBe(4);
    const before = modified();
    env.clock.ms += 2_000;
    const note = await call(env, 'POST', 'Notes', {
      body: { data: [{ Note_Content: 'hello', Parent_Id: { module: { api_name: 'Contacts' }, id } }] },
    });
    expect(note.status).toBe(201);
    expect(modified()).toBe(before);
  });

  it('sorts by id, Created_Time or Modified_Time (nothing else), desc by default', async () => {
    const r = await list('Leads', 'fields=Last_Name&per_page=2');
    expect(r.json?.info).toMatchObject({
      sort_by: 'id',
      sort_order: 'desc',
      per_page: 2,
      page: 1,
      call: false,
      email: false,
    });
    const ids = dataOf(r).map((x) => String(x.id));
    expect([...ids].sort().reverse()).toEqual(ids);
    const bad = await list('Leads', 'fields=Last_Name&sort_by=Last_Name');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ code: 'INVALID_DATA', details: { param_name: 'sort_by' } });
  });
});

describe('paging beyond 2,000 records', () => {
  let ids: string[];
  let seededAt: number;

  beforeAll(() => {
    seededAt = env.clock.ms;
    const rows = Array.from({ length: 2_450 }, (_, i) => ({
      Product_Name: `P${i}`,
      Created_Time: seededAt - 2_450 + i,
    }));
    ids = env.emu.state.seedRecords(env.org.orgId, 'Products', rows);
  });

  it('reaches 2,000 records by page number, refuses page 11, and follows next_page_token to the end', async () => {
    const tenth = await list('Products', 'fields=Product_Name&sort_order=asc&page=10&per_page=200');
    expect(dataOf(tenth)).toHaveLength(200);
    expect(dataOf(tenth)[0]?.id).toBe(ids[1800]);
    const eleventh = await list('Products', 'fields=Product_Name&sort_order=asc&page=11&per_page=200');
    expect(eleventh.status).toBe(400);
    expect(eleventh.json).toMatchObject({ code: 'DISCRETE_PAGINATION_LIMIT_EXCEEDED' });

    const got: string[] = [];
    let token = String(tenth.json?.info && (tenth.json.info as Record<string, unknown>).next_page_token);
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect((tenth.json?.info as Record<string, unknown>).page_token_expiry).toMatch(/^2026-03-03T/);
    for (;;) {
      const r = await list('Products', `fields=Product_Name&sort_order=asc&per_page=200&page_token=${token}`);
      expect(r.status).toBe(200);
      got.push(...dataOf(r).map((x) => String(x.id)));
      const info = r.json?.info as Record<string, unknown>;
      if (!info.more_records) {
        expect(info.next_page_token).toBeNull();
        break;
      }
      token = String(info.next_page_token);
    }
    expect(got).toEqual(ids.slice(2000));
  });

  it('binds a token to its user, its parameters and 24 hours, and refuses page with page_token', async () => {
    const first = await list('Products', 'fields=Product_Name&per_page=100');
    const token = String((first.json?.info as Record<string, unknown>).next_page_token);
    const changed = await list('Products', `fields=Product_Name,Unit_Price&per_page=100&page_token=${token}`);
    expect(changed.json).toMatchObject({ code: 'TOKEN_BOUND_DATA_MISMATCH' });
    const both = await list('Products', `fields=Product_Name&per_page=100&page=2&page_token=${token}`);
    expect(both.json).toMatchObject({ code: 'AMBIGUITY_DURING_PROCESSING' });
    const rep = env.org.rep;
    if (!rep) throw new Error('seed has a rep');
    const repToken = env.emu.issueToken({
      orgId: env.org.orgId,
      userId: rep.id,
      expiresInSec: 10 ** 8,
    }).accessToken;
    const other = await call(env, 'GET', `Products?fields=Product_Name&per_page=100&page_token=${token}`, {
      token: repToken,
    });
    expect(other.json).toMatchObject({ code: 'INVALID_DATA', details: { param_name: 'page_token' } });
    const unknown = await list('Products', 'fields=Product_Name&per_page=100&page_token=abc');
    expect(unknown.json).toMatchObject({ code: 'INVALID_DATA' });
    env.clock.ms += 24 * 3600_000 + 1;
    const expired = await list('Products', `fields=Product_Name&per_page=100&page_token=${token}`);
    expect(expired.json).toMatchObject({ code: 'EXPIRED_VALUE' });
  });

  it('neither skips nor loses a record modified while its list is paged by Modified_Time', async () => {
    const since = iso(seededAt - 5_000);
    const q = 'fields=Product_Name,Modified_Time&sort_by=Modified_Time&sort_order=asc&per_page=200';
    const first = await list('Products', q, since);
    const seen = dataOf(first).map((x) => String(x.id));
    // a record of the first page and one not yet served are edited meanwhile
    env.clock.ms += 1_000;
    env.emu.state.updateRecord(env.org.orgId, 'Products', ids[0] as string, { Product_Code: 'A' });
    env.emu.state.updateRecord(env.org.orgId, 'Products', ids[1000] as string, { Product_Code: 'B' });
    let token = (first.json?.info as Record<string, unknown>).next_page_token as string | null;
    while (token) {
      const r = await list('Products', `${q}&page_token=${token}`, since);
      seen.push(...dataOf(r).map((x) => String(x.id)));
      token = (r.json?.info as Record<string, unknown>).next_page_token as string | null;
    }
    expect(new Set(seen)).toEqual(new Set(ids));
    expect(seen.slice(-2)).toEqual([ids[0], ids[1000]]);
  });
});
