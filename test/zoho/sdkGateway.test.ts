import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeededOrg } from '../../emulator/zoho/index.js';
import { ZohoError } from '../../server/src/zoho/errors.js';
import { callKindOf, createSdkGateway, sdkTransportStats } from '../../server/src/zoho/sdk/index.js';
import { CLIENT_ID, gatewayWithToken, seedOrg, startEmulator, type Env } from './helpers.js';

let env: Env;
let org: SeededOrg;

beforeAll(async () => {
  env = await startEmulator();
  org = seedOrg(env, 'Round Trip Co', 'roundtrip.test');
});

afterAll(async () => {
  await env.close();
});

describe('SDK gateway round trips against the emulator', () => {
  it('refreshes a refused token twice, then fails as temporary (retried later), never as a lost connection', async () => {
    let issued = 0;
    let invalidated = 0;
    const onceValid = { left: 0 };
    // Each token handed out has expired by the time it is used, unless `onceValid.left` says otherwise
    // (as when Zoho's expiry lands between a refresh and the call, which a chaos run makes likely).
    const tokens = {
      accessToken: async () => {
        issued += 1;
        const t = env.emu.issueToken({ orgId: org.orgId, userId: org.admin.id, clientId: CLIENT_ID });
        if (onceValid.left > 0) onceValid.left -= 1;
        else env.emu.controls.expireAllAccessTokens(org.orgId);
        return t.accessToken;
      },
      invalidate: () => void (invalidated += 1),
    };
    const gw = createSdkGateway({
      apiUrl: env.url,
      accountsUrl: env.url,
      orgKey: `${org.orgId}-expiry`,
      tokens,
    });
    const err = (await gw.activeUsers().catch((e: unknown) => e)) as ZohoError;
    expect(err).toBeInstanceOf(ZohoError);
    expect(err).toMatchObject({ code: 'temporary', zohoCode: 'INVALID_TOKEN' });
    expect({ issued, invalidated }).toEqual({ issued: 3, invalidated: 2 });
    // The token of the second refresh holds: the call goes through.
    let asked = 0;
    const tokensThenGood = {
      ...tokens,
      accessToken: async () => {
        asked += 1;
        if (asked === 3) onceValid.left = 1;
        return tokens.accessToken();
      },
    };
    const gw2 = createSdkGateway({
      apiUrl: env.url,
      accountsUrl: env.url,
      orgKey: `${org.orgId}-expiry2`,
      tokens: tokensThenGood,
    });
    await expect(gw2.activeUsers()).resolves.toHaveLength(2);
  });

  it('reads the current user, the org, the active users and the modules', async () => {
    const { gw } = gatewayWithToken(env, org);
    await expect(gw.currentUser()).resolves.toEqual({
      id: org.admin.id,
      email: 'admin@roundtrip.test',
      fullName: 'Ada Admin',
      profile: 'Administrator',
      isAdmin: true,
      active: true,
    });
    await expect(gw.org()).resolves.toMatchObject({
      id: org.orgId,
      companyName: 'Round Trip Co',
      timeZone: org.timeZone,
      countryCode: org.countryCode,
    });
    const users = await gw.activeUsers();
    expect(users.map((u) => u.email).sort()).toEqual(['admin@roundtrip.test', 'rep@roundtrip.test']);
    expect(users.find((u) => u.email === 'rep@roundtrip.test')).toMatchObject({
      isAdmin: false,
      profile: 'Standard',
      active: true,
    });
    const modules = await gw.modules();
    expect(modules.map((m) => m.apiName)).toEqual(expect.arrayContaining(['Leads', 'Contacts', 'Notes']));
    expect(modules.find((m) => m.apiName === 'Leads')).toMatchObject({
      pluralLabel: 'Leads',
      singularLabel: 'Lead',
      apiSupported: true,
    });
  });

  it('leaves disabled users out of activeUsers', async () => {
    const o = seedOrg(env, 'Disabled Co', 'disabled.test');
    env.emu.state.addUser(o.orgId, {
      email: 'gone@disabled.test',
      lastName: 'Gone',
      profile: 'Standard',
      status: 'disabled',
    });
    const { gw } = gatewayWithToken(env, o);
    const users = await gw.activeUsers();
    expect(users.map((u) => u.email)).not.toContain('gone@disabled.test');
  });

  it('describes fields with type, mandatory flag, length and picklist values', async () => {
    const { gw } = gatewayWithToken(env, org);
    const fields = await gw.fields('Leads');
    expect(fields.find((f) => f.apiName === 'Last_Name')).toMatchObject({
      type: 'text',
      mandatory: true,
      maxLength: 80,
      custom: false,
    });
    expect(fields.find((f) => f.apiName === 'Phone')).toMatchObject({ type: 'phone', dataType: 'phone' });
    expect(fields.find((f) => f.apiName === 'Owner')).toMatchObject({ type: 'ownerlookup' });
    const source = fields.find((f) => f.apiName === 'Lead_Source');
    expect(source).toMatchObject({ type: 'picklist' });
    expect(source?.picklistValues).toContain('Cold Call');
  });

  it('creates a website field and adds a picklist value exactly once', async () => {
    const o = seedOrg(env, 'Fields Co', 'fields.test');
    const c = gatewayWithToken(env, o);
    const field = await c.gw.createField('Leads', { label: 'WhatsApp Chat', type: 'website' });
    expect(field).toMatchObject({
      apiName: 'WhatsApp_Chat',
      label: 'WhatsApp Chat',
      type: 'website',
      custom: true,
    });
    expect(env.emu.state.fields(o.orgId, 'Leads').map((f) => f.apiName)).toContain('WhatsApp_Chat');

    c.reset();
    await c.gw.addPicklistValue('Leads', 'Lead_Source', 'TimelinesAI');
    expect(Object.fromEntries(c.calls)).toEqual({ fields: 1, field_write: 1 });
    await c.gw.addPicklistValue('Leads', 'Lead_Source', 'TimelinesAI');
    expect(Object.fromEntries(c.calls)).toEqual({ fields: 2, field_write: 1 });
    const values =
      env.emu.state.fields(o.orgId, 'Leads').find((f) => f.apiName === 'Lead_Source')?.picklistValues ?? [];
    expect(values.filter((v) => v === 'TimelinesAI')).toHaveLength(1);
    expect(values).toContain('Cold Call'); // existing values kept
  });

  it('creates records with a just-added picklist value, an owner and a custom field, and reads them back', async () => {
    const o = seedOrg(env, 'Records Co', 'records.test');
    const { gw } = gatewayWithToken(env, o);
    await gw.createField('Leads', { label: 'WhatsApp Chat', type: 'website' });
    // The SDK's cached metadata of Leads is filled by this first write…
    await gw.createRecords('Leads', [{ Last_Name: 'Warm-up' }]);
    // …and TimelinesAI is added afterwards: the cache does not know it (picklist validation is off).
    await gw.addPicklistValue('Leads', 'Lead_Source', 'TimelinesAI');
    const results = await gw.createRecords('Leads', [
      {
        Last_Name: 'New WhatsApp contact: +34600111222',
        Phone: '+34600111222',
        Lead_Source: 'TimelinesAI',
        Description: 'https://app.timelines.ai/chat/7004887/messages/',
        WhatsApp_Chat: 'https://app.timelines.ai/chat/7004887/messages/',
        Owner: { id: o.rep!.id },
      },
    ]);
    expect(results).toEqual([{ ok: true, value: { id: expect.stringMatching(/^\d+$/) } }]);
    const id = (results[0] as { ok: true; value: { id: string } }).value.id;
    expect(env.emu.state.record(o.orgId, 'Leads', id)).toMatchObject({
      Last_Name: 'New WhatsApp contact: +34600111222',
      Phone: '+34600111222',
      Lead_Source: 'TimelinesAI',
      WhatsApp_Chat: 'https://app.timelines.ai/chat/7004887/messages/',
      Owner: { id: o.rep!.id },
    });

    const got = await gw.getRecords(
      'Leads',
      [id, '5725767999999999999'],
      ['Last_Name', 'Lead_Source', 'Owner'],
    );
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({
      id,
      Last_Name: 'New WhatsApp contact: +34600111222',
      Lead_Source: 'TimelinesAI',
      Owner: { id: o.rep!.id },
    });

    // Nothing found: Zoho answers 204 No Content.
    await expect(gw.getRecords('Leads', ['5725767999999999999'], ['Last_Name'])).resolves.toEqual([]);
    await expect(gw.notesOf('Leads', id)).resolves.toEqual([]);
  });

  it('updates records and reports a record that no longer exists as a not_found row', async () => {
    const o = seedOrg(env, 'Update Co', 'update.test');
    const { gw } = gatewayWithToken(env, o);
    const id = env.emu.state.createRecord(o.orgId, 'Contacts', {
      Last_Name: 'Before',
      Mobile: '+34611000000',
    });
    const gone = env.emu.state.createRecord(o.orgId, 'Contacts', { Last_Name: 'Gone' });
    env.emu.state.deleteRecord(o.orgId, 'Contacts', gone);
    const results = await gw.updateRecords('Contacts', [
      { id, Last_Name: 'After', Description: 'https://app.timelines.ai/chat/1/messages/' },
      { id: gone, Last_Name: 'Nobody' },
    ]);
    expect(results[0]).toEqual({ ok: true, value: { id } });
    expect(results[1]).toMatchObject({ ok: false, code: 'not_found', zohoCode: 'INVALID_DATA', field: 'id' });
    expect(env.emu.state.record(o.orgId, 'Contacts', id)).toMatchObject({
      Last_Name: 'After',
      Mobile: '+34611000000',
    });
  });

  it("returns per-row failures with our code, Zoho's code and the field, next to successful rows", async () => {
    const o = seedOrg(env, 'Rows Co', 'rows.test');
    const { gw } = gatewayWithToken(env, o);
    const results = await gw.createRecords('Leads', [
      { Last_Name: 'Fine', Phone: '+34600000001' },
      { Phone: '+34600000002' },
      { Last_Name: 'Bad email', Email: 'not-an-email' },
      { Last_Name: 'Bad number', No_of_Employees: 'many' },
    ]);
    expect(results[0]).toMatchObject({ ok: true });
    expect(results[1]).toMatchObject({
      ok: false,
      code: 'validation',
      zohoCode: 'MANDATORY_NOT_FOUND',
      field: 'Last_Name',
    });
    expect(results[2]).toMatchObject({
      ok: false,
      code: 'validation',
      zohoCode: 'INVALID_DATA',
      field: 'Email',
    });
    // Rejected before sending (the SDK would throw for the whole batch): a row error, not a throw.
    expect(results[3]).toMatchObject({ ok: false, code: 'validation', field: 'No_of_Employees' });
    expect(env.emu.state.records(o.orgId, 'Leads').map((r) => r.Last_Name)).toEqual(['Fine']);
  });

  it('splits more than 100 rows into calls of 100 and keeps the input order', async () => {
    const o = seedOrg(env, 'Bulk Co', 'bulk.test');
    const c = gatewayWithToken(env, o);
    const rows = Array.from({ length: 150 }, (_, i) => ({
      Last_Name: `Bulk ${i}`,
      Phone: `+3460000${String(i).padStart(4, '0')}`,
    }));
    const results = await c.gw.createRecords('Leads', rows);
    expect(results).toHaveLength(150);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(c.calls.get('record_create')).toBe(2);
    const byId = new Map(env.emu.state.records(o.orgId, 'Leads').map((r) => [String(r.id), r.Last_Name]));
    results.forEach((r, i) =>
      expect(byId.get((r as { ok: true; value: { id: string } }).value.id)).toBe(`Bulk ${i}`),
    );

    c.reset();
    const ids = results.map((r) => (r as { ok: true; value: { id: string } }).value.id);
    const fetched = await c.gw.getRecords('Leads', ids, ['Last_Name']);
    expect(fetched).toHaveLength(150);
    expect(c.calls.get('record_get')).toBe(2);
  });

  it("creates and updates notes, lists a record's notes, and uploads an attachment to a note", async () => {
    const o = seedOrg(env, 'Notes Co', 'notes.test');
    const { gw } = gatewayWithToken(env, o);
    const lead = env.emu.state.createRecord(o.orgId, 'Leads', { Last_Name: 'Noted' });
    const created = await gw.createNotes([
      {
        module: 'Leads',
        recordId: lead,
        title: 'WhatsApp chat with Noted (01/02/2026)',
        content: '10:00 Noted: hola',
      },
      { module: 'Leads', recordId: '5725767999999999999', title: 't', content: 'orphan' },
    ]);
    expect(created[0]).toMatchObject({ ok: true });
    expect(created[1]).toMatchObject({ ok: false });
    const noteId = (created[0] as { ok: true; value: { id: string } }).value.id;

    await expect(
      gw.updateNotes([
        {
          id: noteId,
          title: 'WhatsApp chat with Noted (01/02/2026)',
          content: '10:00 Noted: hola\n10:05 Ada: hi',
        },
      ]),
    ).resolves.toEqual([{ ok: true, value: { id: noteId } }]);
    const notes = await gw.notesOf('Leads', lead);
    expect(notes).toEqual([
      {
        id: noteId,
        title: 'WhatsApp chat with Noted (01/02/2026)',
        content: '10:00 Noted: hola\n10:05 Ada: hi',
        parentModule: 'Leads',
        parentId: lead,
        createdTime: expect.any(String),
        modifiedTime: expect.any(String),
      },
    ]);

    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
    const att = await gw.uploadNoteAttachment(noteId, {
      fileName: '../../etc/photo 1.jpg',
      mimeType: 'image/jpeg',
      data: bytes,
    });
    expect(att.id).toMatch(/^\d+$/);
    const stored = env.emu.state.attachments(o.orgId, noteId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ fileName: 'photo 1.jpg', mimeType: 'image/jpeg', size: bytes.length });
    expect(Buffer.compare(stored[0]!.data, bytes)).toBe(0);

    // A voice note without extension gets one from its MIME type.
    await gw.uploadNoteAttachment(noteId, {
      fileName: 'voice',
      mimeType: 'audio/ogg',
      data: Buffer.from('OggS'),
    });
    expect(env.emu.state.attachments(o.orgId, noteId).map((a) => a.fileName)).toContain('voice.ogg');
  });

  it("counts every HTTP call, including the SDK's silent metadata reads (first write per module costs one more)", async () => {
    const o = seedOrg(env, 'Counting Co', 'counting.test');
    const c = gatewayWithToken(env, o);
    env.emu.stats.reset();
    await c.gw.createRecords('Leads', [{ Last_Name: 'One' }]);
    expect(Object.fromEntries(c.calls)).toEqual({ fields: 1, record_create: 1 });
    c.reset();
    await c.gw.createRecords('Leads', [{ Last_Name: 'Two' }]);
    await c.gw.updateRecords('Leads', [
      { id: env.emu.state.records(o.orgId, 'Leads')[0]!.id as string, Last_Name: 'Uno' },
    ]);
    await c.gw.getRecords('Leads', [env.emu.state.records(o.orgId, 'Leads')[0]!.id as string], ['Last_Name']);
    expect(Object.fromEntries(c.calls)).toEqual({ record_create: 1, record_update: 1, record_get: 1 });
    c.reset();
    const lead = env.emu.state.records(o.orgId, 'Leads')[0]!.id as string;
    await c.gw.createNotes([{ module: 'Leads', recordId: lead, title: 't', content: 'c' }]);
    expect(Object.fromEntries(c.calls)).toEqual({ note_create: 1 });
    c.reset();
    await c.gw.notesOf('Leads', lead);
    expect(Object.fromEntries(c.calls)).toEqual({ related_lists: 1, fields: 1, note_list: 1 });
    c.reset();
    await c.gw.notesOf('Leads', lead);
    expect(Object.fromEntries(c.calls)).toEqual({ note_list: 1 });
    // Our counts are the emulator's counts: nothing is hidden from onCall.
    const emuCalls = env.emu.stats.calls(o.orgId);
    expect(emuCalls).toMatchObject({
      fields: 2,
      record_create: 2,
      record_update: 1,
      record_get: 1,
      note_create: 1,
      related_lists: 1,
      note_list: 2,
    });
  });

  it("reads a module's metadata once for 10 concurrent first writes, and again only after the TTL", async () => {
    const o = seedOrg(env, 'Warm Co', 'warm.test');
    const c = gatewayWithToken(env, o);
    const all = await Promise.all(
      Array.from({ length: 10 }, (_, i) => c.gw.createRecords('Contacts', [{ Last_Name: `C${i}` }])),
    );
    expect(all.every((r) => r[0]?.ok)).toBe(true);
    expect(Object.fromEntries(c.calls)).toEqual({ fields: 1, record_create: 10 });

    const o2 = seedOrg(env, 'No Cache Co', 'nocache.test');
    let fieldsCalls = 0;
    const { accessToken } = env.emu.issueToken({ orgId: o2.orgId, userId: o2.admin.id });
    const noCache = createSdkGateway({
      apiUrl: env.url,
      accountsUrl: env.url,
      orgKey: o2.orgId,
      tokens: { accessToken: async () => accessToken, invalidate: () => undefined },
      metadataTtlMs: 0,
      onCall: (k) => {
        if (k === 'fields') fieldsCalls++;
      },
    });
    await noCache.createRecords('Leads', [{ Last_Name: 'a' }]);
    await noCache.createRecords('Leads', [{ Last_Name: 'b' }]);
    expect(fieldsCalls).toBe(2);
  });

  it('maps a call slower than the timeout to temporary', async () => {
    const o = seedOrg(env, 'Slow Co', 'slow.test');
    const { accessToken } = env.emu.issueToken({ orgId: o.orgId, userId: o.admin.id });
    const slow = createSdkGateway({
      apiUrl: env.url,
      accountsUrl: env.url,
      orgKey: o.orgId,
      tokens: { accessToken: async () => accessToken, invalidate: () => undefined },
      timeoutMs: 100,
    });
    env.emu.controls.latencyMs = 400;
    try {
      await expect(slow.org()).rejects.toMatchObject({ code: 'temporary', zohoCode: 'ETIMEDOUT' });
    } finally {
      env.emu.controls.latencyMs = 0;
    }
  });

  it('never writes tokens or metadata next to the project', () => {
    for (const p of ['sdk_tokens.txt', 'resources', 'zcrm_oauthtokens.txt']) {
      expect(fs.existsSync(path.join(process.cwd(), p))).toBe(false);
    }
    expect(fs.readdirSync(process.cwd()).filter((f) => f.endsWith('resources'))).toEqual([]);
    expect(fs.readdirSync(os.tmpdir()).some((f) => f.startsWith('zoho-sdk-'))).toBe(true);
  });
});

describe('SDK gateway error mapping', () => {
  it("maps 429 to rate_limited after a single request (no hidden retries by the SDK's HTTP client)", async () => {
    const o = seedOrg(env, 'Rate Co', 'rate.test');
    const c = gatewayWithToken(env, o);
    env.emu.controls.failNext(3, 429);
    const err = await c.gw.org().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZohoError);
    expect(err).toMatchObject({ code: 'rate_limited', zohoCode: 'TOO_MANY_REQUESTS', httpStatus: 429 });
    expect(c.calls.get('org')).toBe(1);
    expect(env.emu.controls.pendingFailures()).toBe(2);
    env.emu.controls.clearFailures();
  });

  it('maps 503 (an HTML page from a proxy) and 500 to temporary', async () => {
    const o = seedOrg(env, 'Down Co', 'down.test');
    const { gw } = gatewayWithToken(env, o);
    env.emu.controls.failNext(1, 503);
    await expect(gw.currentUser()).rejects.toMatchObject({ code: 'temporary', httpStatus: 503 });
    env.emu.controls.failNext(1, 500);
    await expect(gw.createRecords('Leads', [{ Last_Name: 'x' }])).rejects.toMatchObject({
      code: 'temporary',
      httpStatus: 500,
    });
    env.emu.controls.failNext(1, 502, { pathIncludes: '/crm/v8/Leads' });
    await expect(gw.createRecords('Leads', [{ Last_Name: 'x' }])).rejects.toMatchObject({
      code: 'temporary',
      httpStatus: 502,
    });
    await expect(gw.createRecords('Leads', [{ Last_Name: 'x' }])).resolves.toMatchObject([{ ok: true }]);
  });

  it('maps a network failure to temporary', async () => {
    const dead = createSdkGateway({
      apiUrl: 'http://127.0.0.1:1',
      accountsUrl: 'http://127.0.0.1:1',
      orgKey: 'dead-org',
      tokens: { accessToken: async () => 'tok', invalidate: () => undefined },
      timeoutMs: 2000,
    });
    await expect(dead.org()).rejects.toMatchObject({ code: 'temporary', zohoCode: 'ECONNREFUSED' });
  });

  it('maps OAUTH_SCOPE_MISMATCH and NO_PERMISSION to permission', async () => {
    const o = seedOrg(env, 'Perm Co', 'perm.test');
    const narrow = gatewayWithToken(env, o, {
      scopes: ['ZohoCRM.modules.ALL', 'ZohoCRM.users.READ', 'ZohoCRM.org.READ'],
    });
    await expect(narrow.gw.fields('Leads')).rejects.toMatchObject({
      code: 'permission',
      zohoCode: 'OAUTH_SCOPE_MISMATCH',
    });
    const rep = gatewayWithToken(env, o, { userId: o.rep!.id });
    await expect(
      rep.gw.createField('Leads', { label: 'WhatsApp Chat', type: 'website' }),
    ).rejects.toMatchObject({
      code: 'permission',
      zohoCode: 'NO_PERMISSION',
    });
  });

  it('reports a field deleted in the CRM as a validation row naming the field, and as not_found for a picklist update', async () => {
    const o = seedOrg(env, 'Deleted Field Co', 'deleted.test');
    env.emu.state.addField(o.orgId, 'Leads', {
      apiName: 'WhatsApp_Chat',
      label: 'WhatsApp Chat',
      dataType: 'website',
      length: 255,
    });
    const { gw } = gatewayWithToken(env, o);
    await expect(
      gw.createRecords('Leads', [{ Last_Name: 'a', WhatsApp_Chat: 'https://x.test/1' }]),
    ).resolves.toMatchObject([{ ok: true }]);
    env.emu.state.deleteField(o.orgId, 'Leads', 'WhatsApp_Chat');
    // The SDK's cached metadata still lists the field: Zoho is the one to refuse it.
    const rows = await gw.createRecords('Leads', [{ Last_Name: 'b', WhatsApp_Chat: 'https://x.test/2' }]);
    expect(rows[0]).toMatchObject({
      ok: false,
      code: 'validation',
      zohoCode: 'INVALID_DATA',
      field: 'WhatsApp_Chat',
    });
    await expect(gw.addPicklistValue('Leads', 'Gone_Source', 'TimelinesAI')).rejects.toMatchObject({
      code: 'not_found',
      field: 'Gone_Source',
    });
  });

  it('maps an unknown module to not_found, an unknown COQL column to validation naming it, and refuses invalid API names before calling Zoho', async () => {
    const o = seedOrg(env, 'Module Co', 'module.test');
    const c = gatewayWithToken(env, o);
    await expect(c.gw.fields('Nope')).rejects.toMatchObject({
      code: 'not_found',
      zohoCode: 'INVALID_MODULE',
    });
    // …also when the SDK's silent metadata read is the request that fails.
    await expect(c.gw.createRecords('Nope', [{ Last_Name: 'x' }])).rejects.toMatchObject({
      code: 'not_found',
      zohoCode: 'INVALID_MODULE',
    });
    await expect(c.gw.scanRecords('Leads', ['Phone) or (1=1'], undefined)).rejects.toMatchObject({
      code: 'validation',
    });
    expect(c.calls.get('coql')).toBeUndefined();
    await expect(c.gw.scanRecords('Leads', ['No_Such_Phone'], undefined)).rejects.toMatchObject({
      code: 'validation',
      zohoCode: 'INVALID_QUERY',
      field: 'No_Such_Phone',
    });
  });

  it('refuses an SDK request made outside a gateway call (transport guard)', async () => {
    const req = createRequire(import.meta.url);
    const got = createRequire(req.resolve('@zohocrm/typescript-sdk-8.0'))('got') as {
      default: (u: string, o: object) => Promise<unknown>;
    };
    const before = sdkTransportStats.guardRefusals;
    await expect(got.default(`${env.url}/crm/v8/org`, { method: 'GET', headers: {} })).rejects.toThrow(
      /outside a gateway call/,
    );
    expect(sdkTransportStats.guardRefusals).toBe(before + 1);
  });
});

describe('callKindOf', () => {
  it.each([
    ['GET', '/crm/v8/settings/fields?module=Leads', 'fields'],
    ['POST', '/crm/v8/settings/fields?module=Leads', 'field_write'],
    ['PATCH', '/crm/v8/settings/fields/1?module=Leads', 'field_write'],
    ['GET', '/crm/v8/settings/modules', 'modules'],
    ['GET', '/crm/v8/settings/related_lists?module=Leads', 'related_lists'],
    ['GET', '/crm/v8/users?type=CurrentUser', 'users'],
    ['GET', '/crm/v8/org', 'org'],
    ['POST', '/crm/v8/coql', 'coql'],
    ['POST', '/crm/v8/Leads', 'record_create'],
    ['PUT', '/crm/v8/Leads', 'record_update'],
    ['GET', '/crm/v8/Leads?ids=1', 'record_get'],
    ['GET', '/crm/v8/Leads/search?phone=1', 'search'],
    ['POST', '/crm/v8/Notes', 'note_create'],
    ['PUT', '/crm/v8/Notes', 'note_update'],
    ['GET', '/crm/v8/Leads/1/Notes', 'note_list'],
    ['POST', '/crm/v8/Notes/1/Attachments', 'attachment'],
  ])('%s %s is a %s call', (method, p, kind) => {
    expect(callKindOf(method, `http://127.0.0.1:1${p}`)).toBe(kind);
  });
});
