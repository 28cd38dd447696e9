/**
 * The gateway's reads for a phone index (scan, changes, deletions, count, encrypted fields) and its
 * report of writes to a record that is gone, against the emulator through the SDK; the same
 * scenario against the fake gateway keeps the fake honest.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededOrg } from '../../emulator/zoho/index.js';
import type { ZohoGateway, ZohoRecord } from '../../server/src/zoho/gateway.js';
import { FakeGateway } from '../helpers/fakeGateway.js';
import { gatewayWithToken, seedOrg, startEmulator, type Env } from './helpers.js';

let env: Env;
let org: SeededOrg;

beforeAll(async () => {
  env = await startEmulator();
  org = seedOrg(env, 'Fresh Co', 'fresh.test');
});

afterAll(async () => {
  await env.close();
});

/** A person's actions in the CRM, for either world. */
interface World {
  gw: ZohoGateway;
  /** Moves the world's clock 2 s on (Zoho's times are whole seconds) and says when "now" is. */
  later(): string;
  create(n: number): Promise<string[]>;
  edit(id: string, values: Record<string, unknown>): void;
  remove(id: string): void;
}

/** Every change since `since`, following page tokens. */
async function changesSince(gw: ZohoGateway, since: string): Promise<ZohoRecord[]> {
  const out: ZohoRecord[] = [];
  let next: string | undefined;
  do {
    const page = await gw.modifiedSince('Contacts', ['Last_Name', 'Phone'], since, next);
    out.push(...page.records);
    next = page.next;
  } while (next);
  return out;
}

/** What both gateways must do alike. */
async function scenario(w: World): Promise<void> {
  const ids = await w.create(450);
  const scanned: string[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await w.gw.scanRecords('Contacts', ['Phone'], after, 200);
    scanned.push(...page.records.map((r) => r.id));
    after = page.records.at(-1)?.id;
    if (!page.more) break;
  }
  expect(scanned).toEqual(ids);

  const since = w.later();
  w.edit(ids[3] as string, { Last_Name: 'Edited' });
  const changed = await changesSince(w.gw, since);
  expect(changed.map((r) => r.id)).toEqual([ids[3]]);
  expect(changed[0]).toMatchObject({ Last_Name: 'Edited', Modified_Time: expect.any(String) });

  w.remove(ids[4] as string);
  const { deleted, next } = await w.gw.deletedSince('Contacts', since);
  expect(deleted.map((d) => d.id)).toEqual([ids[4]]);
  expect(next).toBeUndefined();
  expect(await w.gw.countRecords('Contacts')).toBe(449);

  const upd = await w.gw.updateRecords('Contacts', [{ id: ids[4] as string, Last_Name: 'x' }]);
  expect(upd[0]).toMatchObject({ ok: false, code: 'not_found', field: 'id', zohoCode: 'INVALID_DATA' });
  const note = await w.gw.createNotes([
    { module: 'Contacts', recordId: ids[4] as string, title: 't', content: 'c' },
  ]);
  expect(note[0]).toMatchObject({
    ok: false,
    code: 'not_found',
    field: 'Parent_Id',
    zohoCode: 'INVALID_DATA',
  });
}

describe('SDK gateway: scans, changes, deletions and counts', () => {
  it('runs the freshness scenario against the emulator, one call per page, counted by kind', async () => {
    const o = seedOrg(env, 'Scenario Co', 'scenario.test');
    const c = gatewayWithToken(env, o);
    let offset = 0;
    await scenario({
      gw: c.gw,
      later: () => {
        offset += 2000;
        env.emu.controls.advanceTime(2000);
        return new Date(Date.now() + offset).toISOString();
      },
      create: async (n) =>
        env.emu.state.seedRecords(
          o.orgId,
          'Contacts',
          Array.from({ length: n }, (_, i) => ({ Last_Name: `N${i}`, Phone: `+1 415 555 ${1000 + i}` })),
        ),
      edit: (id, values) => env.emu.state.updateRecord(o.orgId, 'Contacts', id, values),
      remove: (id) => env.emu.state.deleteRecord(o.orgId, 'Contacts', id),
    });
    expect(Object.fromEntries(c.calls)).toMatchObject({
      coql: 3,
      record_list: 1,
      deleted_list: 1,
      record_count: 1,
      record_update: 1,
      note_create: 1,
    });
  });

  it('runs the same scenario against the fake gateway', async () => {
    const fake = new FakeGateway();
    await scenario({
      gw: fake,
      later: () => {
        fake.advanceTime(2000);
        return fake.now();
      },
      create: async (n) => {
        const rows = await fake.createRecords(
          'Contacts',
          Array.from({ length: n }, (_, i) => ({ Last_Name: `N${i}` })),
        );
        return rows.map((r) => (r.ok ? r.value.id : ''));
      },
      edit: (id, values) => fake.editRecord(id, values),
      remove: (id) => fake.deleteRecord(id),
    });
  });

  it('pages changes 200 at a time with Zoho page tokens, and spends one call when nothing changed', async () => {
    const o = seedOrg(env, 'Pages Co', 'pages.test');
    const c = gatewayWithToken(env, o);
    const since = new Date(Date.now() - 1000).toISOString();
    env.emu.state.seedRecords(
      o.orgId,
      'Contacts',
      Array.from({ length: 450 }, (_, i) => ({ Last_Name: `P${i}` })),
    );
    const first = await c.gw.modifiedSince('Contacts', ['Last_Name'], since);
    expect(first.records).toHaveLength(200);
    expect(first.next).toMatch(/^[0-9a-f]{32}$/);
    expect(await changesSince(c.gw, since)).toHaveLength(450);
    c.reset();
    const none = await c.gw.modifiedSince(
      'Contacts',
      ['Last_Name'],
      new Date(Date.now() + 3_600_000).toISOString(),
    );
    expect(none).toEqual({ records: [], next: undefined });
    expect(Object.fromEntries(c.calls)).toEqual({ record_list: 1 });
  });

  it('scans an encrypted phone field (read, never in WHERE) and reports encryption in the field metadata', async () => {
    const o = seedOrg(env, 'Crypt Co', 'crypt.test');
    env.emu.state.encryptField(o.orgId, 'Contacts', 'Phone');
    const [id] = env.emu.state.seedRecords(o.orgId, 'Contacts', [
      { Last_Name: 'Enc', Phone: '+55 21 99876-5432' },
    ]);
    const { gw } = gatewayWithToken(env, o);
    const fields = await gw.fields('Contacts');
    expect(fields.find((f) => f.apiName === 'Phone')?.encrypted).toBe(true);
    expect(fields.find((f) => f.apiName === 'Mobile')?.encrypted).toBe(false);
    const scan = await gw.scanRecords('Contacts', ['Phone', 'Mobile'], undefined);
    expect(scan).toEqual({ records: [{ id, Phone: '+55 21 99876-5432', Mobile: null }], more: false });
  });

  it('refuses bad arguments before calling Zoho', async () => {
    const c = gatewayWithToken(env, org);
    await expect(c.gw.scanRecords('Contacts', ['Phone'], undefined, 2001)).rejects.toMatchObject({
      code: 'validation',
    });
    await expect(c.gw.scanRecords('Contacts', ['Phone'], '12; drop', 10)).rejects.toMatchObject({
      code: 'validation',
    });
    await expect(c.gw.scanRecords('Contacts', ['Phone) or (x'], undefined)).rejects.toMatchObject({
      code: 'validation',
    });
    await expect(c.gw.modifiedSince('Contacts', [], 'last week')).rejects.toMatchObject({
      code: 'validation',
    });
    await expect(c.gw.deletedSince('Contacts', undefined, 'x')).rejects.toMatchObject({ code: 'validation' });
    expect(c.total()).toBe(0);
  });

  it('tells a Note on an unknown module (the request’s fault) from a Note on a deleted record', async () => {
    const { gw } = gatewayWithToken(env, org);
    const [id] = env.emu.state.seedRecords(org.orgId, 'Contacts', [{ Last_Name: 'Here' }]);
    const rows = await gw.createNotes([
      { module: 'Nowhere', recordId: id as string, title: 't', content: 'c' },
    ]);
    expect(rows[0]).toMatchObject({ ok: false, code: 'validation', field: 'Parent_Id' });
  });
});
