/** Encrypted fields over HTTP: `crypt` in the metadata, what COQL and search refuse, what they still allow. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, coql, dataOf, startHttpEnv, type HttpEnv } from './httpHarness.js';

let env: HttpEnv & { clock: { ms: number } };
let withPhone: string;
let other: string;

beforeAll(async () => {
  env = await startHttpEnv();
  env.emu.state.addField(env.org.orgId, 'Contacts', {
    apiName: 'Score',
    dataType: 'integer',
    encrypted: true,
  });
  [withPhone, other] = env.emu.state.seedRecords(env.org.orgId, 'Contacts', [
    {
      Last_Name: 'Enc',
      Phone: '+34 600 111 222',
      Mobile: '+34 600 333 444',
      Score: 7,
      Created_Time: env.clock.ms - 60_000,
    },
    { Last_Name: 'Plain', Mobile: '+34 600 999 000', Score: 3, Created_Time: env.clock.ms - 60_000 },
  ]) as [string, string];
  const f = env.emu.state.encryptField(env.org.orgId, 'Contacts', 'Phone');
  expect(f).toMatchObject({ apiName: 'Phone', encrypted: true });
});

afterAll(async () => {
  await env.close();
});

describe('encrypted fields', () => {
  it('say so in the field metadata (crypt), null elsewhere; only encryptable types can be encrypted', async () => {
    const r = await call(env, 'GET', 'settings/fields?module=Contacts');
    const fields = (r.json?.fields ?? []) as Record<string, unknown>[];
    const byName = (n: string) => fields.find((f) => f.api_name === n);
    expect(byName('Phone')?.crypt).toEqual({ mode: 'encryption', status: 1 });
    expect(byName('Score')?.crypt).toEqual({ mode: 'encryption', status: 1 });
    expect(byName('Mobile')?.crypt).toBeNull();
    expect(() => env.emu.state.encryptField(env.org.orgId, 'Contacts', 'Lead_Source')).toThrow(
      /cannot be encrypted/,
    );
    expect(() => env.emu.state.encryptField(env.org.orgId, 'Contacts', 'Created_Time')).toThrow(/read-only/);
    expect(() =>
      env.emu.seedOrg({
        modules: [{ apiName: 'X', fields: [{ apiName: 'Ok', dataType: 'boolean', encrypted: true }] }],
      }),
    ).toThrow(/cannot be encrypted/);
  });

  it('COQL: a non-numeric encrypted field takes only is null / is not null; a numeric one = and != too; selecting works', async () => {
    const refused = await coql(env, `select id from Contacts where Phone in ('+34 600 111 222') limit 10`);
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({
      code: 'INVALID_QUERY',
      details: {
        column_name: 'Phone',
        operator: 'in',
        clause: 'where',
        line: 1,
        column: 31,
        reason: 'the operator is not supported for an encrypted field',
      },
      message: 'Invalid query formed',
      status: 'error',
    });
    for (const where of [
      `Phone = '+34 600 111 222'`,
      `Phone like '%222'`,
      `Phone != 'x'`,
      `Score > 5`,
      `Score in (7)`,
    ]) {
      const r = await coql(env, `select id from Contacts where ${where}`);
      expect({ where, code: r.json?.code }).toEqual({ where, code: 'INVALID_QUERY' });
    }
    // the refusal holds inside OR with an allowed condition too
    const nested = await coql(
      env,
      `select id from Contacts where (Mobile = '+34 600 999 000' or Phone = 'x')`,
    );
    expect(nested.json).toMatchObject({ code: 'INVALID_QUERY', details: { column_name: 'Phone' } });

    const notNull = await coql(env, `select id, Phone, Mobile from Contacts where Phone is not null`);
    expect(dataOf(notNull)).toEqual([{ Phone: '+34 600 111 222', Mobile: '+34 600 333 444', id: withPhone }]);
    const isNull = await coql(env, `select id from Contacts where Phone is null`);
    expect(dataOf(isNull).map((x) => x.id)).toEqual([other]);
    const eq = await coql(env, `select id, Score from Contacts where Score = 7`);
    expect(dataOf(eq)).toEqual([{ Score: 7, id: withPhone }]);
    expect(dataOf(await coql(env, `select id from Contacts where Score != 7`)).map((x) => x.id)).toEqual([
      other,
    ]);
  });

  it('search: criteria take only equals on an encrypted field; phone=, word= and email= do not search encrypted values', async () => {
    const eq = await call(
      env,
      'GET',
      `Contacts/search?criteria=${encodeURIComponent('(Phone:equals:+34 600 111 222)')}`,
    );
    expect(dataOf(eq).map((x) => x.id)).toEqual([withPhone]);
    const sw = await call(
      env,
      'GET',
      `Contacts/search?criteria=${encodeURIComponent('(Phone:starts_with:+34)')}`,
    );
    expect(sw.status).toBe(400);
    expect(sw.json).toEqual({
      code: 'INVALID_QUERY',
      details: {
        api_name: 'Phone',
        operator: 'starts_with',
        reason: 'the operator is not supported for an encrypted field',
      },
      message: 'invalid query formed',
      status: 'error',
    });
    // the encrypted Phone is not in the search index; the plain Mobile still is
    expect((await call(env, 'GET', 'Contacts/search?phone=34600111222')).status).toBe(204);
    const byMobile = await call(env, 'GET', 'Contacts/search?phone=34600333444');
    expect(dataOf(byMobile).map((x) => x.id)).toEqual([withPhone]);
    expect((await call(env, 'GET', 'Contacts/search?word=111')).status).toBe(204);
  });

  it('reading an encrypted value by id or in a list works; decrypting lets criteria use it again', async () => {
    const got = await call(env, 'GET', `Contacts/${withPhone}?fields=Phone`);
    expect(dataOf(got)[0]).toEqual({ Phone: '+34 600 111 222', id: withPhone });
    env.emu.state.encryptField(env.org.orgId, 'Contacts', 'Phone', false);
    const r = await coql(env, `select id from Contacts where Phone = '+34 600 111 222'`);
    expect(dataOf(r).map((x) => x.id)).toEqual([withPhone]);
    env.emu.state.encryptField(env.org.orgId, 'Contacts', 'Phone');
  });
});
