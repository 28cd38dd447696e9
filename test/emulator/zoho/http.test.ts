/** Zoho CRM v8 behaviours of the emulator checked over plain HTTP (shapes, status codes, rules). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createZohoEmulator, type SeededOrg, type ZohoEmulator } from '../../../emulator/zoho/index.js';

let emu: ZohoEmulator;
let url: string;
let close: () => Promise<void>;
let org: SeededOrg;
let token: string;

beforeAll(async () => {
  emu = createZohoEmulator();
  org = emu.seedOrg({ timeZone: 'America/Los_Angeles' });
  ({ url, close } = await emu.listen(0));
  token = emu.issueToken({ orgId: org.orgId, userId: org.admin.id }).accessToken;
});

afterAll(async () => {
  await close();
});

beforeEach(() => {
  emu.controls.searchLagSec = 0;
  emu.controls.clearFailures();
});

async function api(
  method: string,
  p: string,
  body?: unknown,
  tk = token,
): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const res = await fetch(`${url}/crm/v8/${p}`, {
    method,
    headers: { Authorization: `Zoho-oauthtoken ${tk}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

type Row = { code: string; status: string; message: string; details: Record<string, unknown> };
const rows = (r: { json: Record<string, unknown> | undefined }) => (r.json?.data ?? []) as Row[];

describe('Zoho CRM v8 over HTTP (emulated)', () => {
  it('answers 204 No Content with an empty body to empty GET, search, COQL and notes answers', async () => {
    const id = emu.state.createRecord(org.orgId, 'Products', { Product_Name: 'Lonely' });
    for (const [method, p, body] of [
      ['GET', 'Leads?fields=Last_Name'],
      ['GET', 'Leads/search?phone=%2B1555'],
      ['GET', 'Leads/search?criteria=(Last_Name:equals:Nobody)'],
      ['POST', 'coql', { select_query: "select Last_Name from Leads where Last_Name = 'Nobody'" }],
      ['GET', `Products/${id}/Notes?fields=Note_Content`],
      ['GET', 'Leads/1234567890123456789'],
    ] as [string, string, unknown?][]) {
      const res = await fetch(`${url}/crm/v8/${p}`, {
        method,
        headers: { Authorization: `Zoho-oauthtoken ${token}` },
        body: body ? JSON.stringify(body) : undefined,
      });
      expect(res.status, p).toBe(204);
      expect(await res.text()).toBe('');
    }
  });

  it('accepts JSON bodies without a Content-Type header (as the SDK sends them)', async () => {
    const r = await api('POST', 'Leads', { data: [{ Last_Name: 'No content type' }] });
    expect(r.status).toBe(201);
    expect(rows(r)[0]).toMatchObject({ code: 'SUCCESS', status: 'success', message: 'record added' });
  });

  it('answers times in the org time zone and records with Owner, Created_By and system fields', async () => {
    const r = await api('POST', 'Contacts', { data: [{ Last_Name: 'Tz' }] });
    const id = String(rows(r)[0]?.details.id);
    expect(String(rows(r)[0]?.details.Created_Time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[78]:00$/);
    const got = await api('GET', `Contacts/${id}`);
    const rec = (got.json?.data as Record<string, unknown>[])[0] ?? {};
    expect(rec).toMatchObject({
      id,
      Last_Name: 'Tz',
      Phone: null,
      Owner: { id: org.admin.id, email: org.admin.email, name: org.admin.fullName },
    });
    expect(rec.Created_By).toMatchObject({ id: org.admin.id });
    expect(rec.Modified_Time).toBe(rec.Created_Time);
  });

  it('refuses more than 100 rows in one write', async () => {
    const data = Array.from({ length: 101 }, (_, i) => ({ Last_Name: `n${i}` }));
    const r = await api('POST', 'Leads', { data });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'LIMIT_EXCEEDED', status: 'error', details: { limit: 100 } });
    const notes = await api('POST', 'Notes', {
      data: Array.from({ length: 101 }, () => ({ Note_Content: 'x' })),
    });
    expect(notes.json).toMatchObject({ code: 'LIMIT_EXCEEDED' });
  });

  it('validates field types: phone length and characters, email format, integers, unknown fields', async () => {
    const r = await api('POST', 'Leads', {
      data: [
        { Last_Name: 'a', Phone: '+1 (415) 555-0123' },
        { Last_Name: 'b', Phone: '+1234567890123456789012345678901' },
        { Last_Name: 'c', Phone: 'call me maybe' },
        { Last_Name: 'd', Email: 'not-an-email' },
        { Last_Name: 'e', No_of_Employees: 'many' },
        { Last_Name: 'f', Favourite_Colour: 'blue' },
        { Last_Name: 'g', Lead_Source: 'TimelinesAI' },
      ],
    });
    expect(r.status).toBe(207);
    const [ok, long, letters, email, int, unknown, picklist] = rows(r);
    expect(ok?.status).toBe('success');
    expect(long).toMatchObject({
      code: 'INVALID_DATA',
      details: { api_name: 'Phone', maximum_length: 30, json_path: '$.data[1].Phone' },
    });
    expect(letters).toMatchObject({
      code: 'INVALID_DATA',
      details: { api_name: 'Phone', expected_data_type: 'phone' },
    });
    expect(email).toMatchObject({
      code: 'INVALID_DATA',
      details: { api_name: 'Email', expected_data_type: 'email' },
    });
    expect(int).toMatchObject({
      code: 'INVALID_DATA',
      details: { api_name: 'No_of_Employees', expected_data_type: 'integer' },
    });
    expect(unknown).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'Favourite_Colour' } });
    expect(picklist).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'Lead_Source' } });
  });

  it('requires the Owner to be an active user of the org', async () => {
    const other = emu.seedOrg();
    emu.state.setUserStatus(org.orgId, org.rep?.id ?? '', 'disabled');
    try {
      const r = await api('POST', 'Leads', {
        data: [
          { Last_Name: 'x', Owner: { id: org.rep?.id } },
          { Last_Name: 'y', Owner: { id: other.admin.id } },
          { Last_Name: 'z', Owner: { id: org.admin.id } },
        ],
      });
      expect(rows(r).map((x) => [x.code, x.details.api_name])).toEqual([
        ['INVALID_DATA', 'Owner'],
        ['INVALID_DATA', 'Owner'],
        ['SUCCESS', undefined],
      ]);
    } finally {
      emu.state.setUserStatus(org.orgId, org.rep?.id ?? '', 'active');
    }
  });

  it('answers INVALID_DATA when a deleted field is written, and drops it from the fields list', async () => {
    const f = emu.state.addField(org.orgId, 'Contacts', {
      apiName: 'WhatsApp_Chat',
      label: 'WhatsApp Chat',
      dataType: 'website',
    });
    const ok = await api('POST', 'Contacts', {
      data: [{ Last_Name: 'Linked', WhatsApp_Chat: 'https://app.timelines.ai/chat/7004887/messages/' }],
    });
    expect(rows(ok)[0]?.status).toBe('success');
    emu.state.deleteField(org.orgId, 'Contacts', 'WhatsApp_Chat');
    const bad = await api('POST', 'Contacts', {
      data: [{ Last_Name: 'Linked 2', WhatsApp_Chat: 'https://app.timelines.ai/chat/1/messages/' }],
    });
    expect(bad.status).toBe(400);
    expect(rows(bad)[0]).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'WhatsApp_Chat' } });
    const fields = await api('GET', 'settings/fields?module=Contacts');
    expect((fields.json?.fields as { id: string }[]).some((x) => x.id === f.id)).toBe(false);
  });

  it('requires `fields` for record, note and attachment lists (REQUIRED_PARAM_MISSING)', async () => {
    const r = await api('GET', 'Leads');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'REQUIRED_PARAM_MISSING', details: { param_name: 'fields' } });
    expect((await api('GET', 'Notes')).json).toMatchObject({ code: 'REQUIRED_PARAM_MISSING' });
  });

  it('gets records by ids with only the asked fields plus id, skipping unknown ids', async () => {
    const a = emu.state.createRecord(org.orgId, 'Leads', { Last_Name: 'A', Phone: '+1 1' });
    const b = emu.state.createRecord(org.orgId, 'Leads', { Last_Name: 'B', Phone: '+1 2' });
    const r = await api('GET', `Leads?ids=${a},9999999999999999999,${b}&fields=Phone`);
    expect(r.status).toBe(200);
    expect(r.json?.data).toEqual([
      { Phone: '+1 1', id: a },
      { Phone: '+1 2', id: b },
    ]);
    expect(r.json?.info).toMatchObject({ count: 2, more_records: false });
  });

  it('upserts by the duplicate-check field: updates a match, inserts otherwise', async () => {
    const r1 = await api('POST', 'Contacts/upsert', {
      data: [{ Last_Name: 'Up', Email: 'up@example.com' }],
      duplicate_check_fields: ['Email'],
    });
    expect(rows(r1)[0]).toMatchObject({ action: 'insert', duplicate_field: null, message: 'record added' });
    const r2 = await api('POST', 'Contacts/upsert', {
      data: [{ Last_Name: 'Up again', Email: 'UP@example.com' }],
      duplicate_check_fields: ['Email'],
    });
    expect(rows(r2)[0]).toMatchObject({
      action: 'update',
      duplicate_field: 'Email',
      message: 'record updated',
    });
    expect(rows(r2)[0]?.details.id).toBe(rows(r1)[0]?.details.id);
  });

  it('updates one record via PUT /{module}/{id} and reports an unknown id per row', async () => {
    const id = emu.state.createRecord(org.orgId, 'Leads', { Last_Name: 'Put' });
    const r = await api('PUT', `Leads/${id}`, { data: [{ Last_Name: 'Put 2' }] });
    expect(r.status).toBe(200);
    expect(emu.state.record(org.orgId, 'Leads', id)?.Last_Name).toBe('Put 2');
    const bad = await api('PUT', 'Leads', {
      data: [{ id: '1234567890123456789', Last_Name: 'x' }, { Last_Name: 'no id' }],
    });
    expect(bad.status).toBe(400);
    expect(rows(bad).map((x) => [x.code, x.details.api_name])).toEqual([
      ['INVALID_DATA', 'id'],
      ['MANDATORY_NOT_FOUND', 'id'],
    ]);
    const empty = await api('PUT', `Leads/${id}`, { data: [{ Last_Name: '' }] });
    expect(rows(empty)[0]).toMatchObject({ code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Last_Name' } });
  });

  it('enforces COQL limits and answers query errors as Zoho does', async () => {
    const values = Array.from({ length: 51 }, (_, i) => `'+1555${i}'`).join(',');
    const tooMany = await api('POST', 'coql', {
      select_query: `select Last_Name from Leads where Phone in (${values})`,
    });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { limit: 50 } });
    const limit = await api('POST', 'coql', {
      select_query: "select Last_Name from Leads where Last_Name = 'x' limit 2001",
    });
    expect(limit.json).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { clause: 'limit', limit: 2000 } });
    const syntax = await api('POST', 'coql', { select_query: 'select from Leads' });
    expect(syntax.json).toMatchObject({ code: 'SYNTAX_ERROR', status: 'error' });
    const column = await api('POST', 'coql', {
      select_query: "select Nope from Leads where Last_Name = 'x'",
    });
    expect(column.json).toMatchObject({ code: 'INVALID_QUERY', details: { column_name: 'Nope' } });
    const mod = await api('POST', 'coql', {
      select_query: "select Last_Name from Nowhere where Last_Name = 'x'",
    });
    expect(mod.json).toMatchObject({ code: 'INVALID_QUERY' });
  });

  it('requires more than two COQL criteria to be grouped in pairs, as Zoho does', async () => {
    emu.state.createRecord(org.orgId, 'Leads', { Last_Name: 'Pair', Phone: '+1 9', Mobile: '+1 8' });
    const flat = await api('POST', 'coql', {
      select_query: "select Last_Name from Leads where Phone = '+1 9' or Mobile = '+1 8' or Email = 'x@y.z'",
    });
    expect(flat.status).toBe(400);
    expect(flat.json).toMatchObject({ code: 'SYNTAX_ERROR' });
    const mixed = await api('POST', 'coql', {
      select_query:
        "select Last_Name from Leads where Phone = '+1 9' or Mobile = '+1 8' and Last_Name = 'Pair'",
    });
    expect(mixed.json).toMatchObject({ code: 'SYNTAX_ERROR' });
    const paired = await api('POST', 'coql', {
      select_query:
        "select Last_Name from Leads where ((Phone = '+1 9' or Mobile = '+1 8') or Email = 'x@y.z') and Last_Name = 'Pair'",
    });
    expect(paired.status).toBe(200);
    expect((paired.json?.data as { Last_Name: string }[]).map((x) => x.Last_Name)).toEqual(['Pair']);
  });

  it('answers up to 2,000 COQL rows per call and pages with offset', async () => {
    const mod = 'Products';
    const data = Array.from({ length: 100 }, (_, i) => ({
      Product_Name: `bulk-${String(i).padStart(4, '0')}`,
      Product_Code: 'BULK',
    }));
    for (let i = 0; i < 25; i++) expect((await api('POST', mod, { data })).status).toBe(201);
    const all = await api('POST', 'coql', {
      select_query: "select Product_Name from Products where Product_Code = 'BULK' limit 2000",
    });
    expect((all.json?.data as unknown[]).length).toBe(2000);
    expect(all.json?.info).toEqual({ count: 2000, more_records: true });
    const rest = await api('POST', 'coql', {
      select_query: "select Product_Name from Products where Product_Code = 'BULK' limit 2000 offset 2000",
    });
    expect(rest.json?.info).toEqual({ count: 500, more_records: false });
  });

  it('searches phone numbers whatever their formatting, across phone fields', async () => {
    emu.state.createRecord(org.orgId, 'Contacts', { Last_Name: 'Formatted', Mobile: '+1 (415) 555-0199' });
    const r = await api('GET', `Contacts/search?phone=${encodeURIComponent('+14155550199')}`);
    expect(r.status).toBe(200);
    expect((r.json?.data as { Last_Name: string }[]).map((x) => x.Last_Name)).toEqual(['Formatted']);
    expect(r.json?.info).toMatchObject({ count: 1, page: 1, more_records: false });
  });

  it('rejects notes without a valid parent and lists them oldest first unless asked otherwise', async () => {
    const parent = emu.state.createRecord(org.orgId, 'Leads', { Last_Name: 'Parent' });
    const bad = await api('POST', 'Notes', {
      data: [
        { Note_Content: 'x', Parent_Id: { module: { api_name: 'Leads' }, id: '1234567890123456789' } },
        { Note_Content: 'x', Parent_Id: { module: { api_name: 'Nowhere' }, id: parent } },
        { Note_Content: 'x' },
      ],
    });
    expect(rows(bad).map((x) => [x.code, x.details.api_name])).toEqual([
      ['INVALID_DATA', 'Parent_Id'],
      ['INVALID_DATA', 'Parent_Id'],
      ['MANDATORY_NOT_FOUND', 'Parent_Id'],
    ]);
    const first = await api('POST', `Leads/${parent}/Notes`, {
      data: [{ Note_Title: 'day 1', Note_Content: 'a' }],
    });
    expect(first.status).toBe(201);
    emu.controls.advanceTime(1000);
    await api('POST', 'Notes', {
      data: [
        { Note_Title: 'day 2', Note_Content: 'b', Parent_Id: { module: { api_name: 'Leads' }, id: parent } },
      ],
    });
    const oldestFirst = await api('GET', `Leads/${parent}/Notes?fields=Note_Title`);
    expect((oldestFirst.json?.data as { Note_Title: string }[]).map((n) => n.Note_Title)).toEqual([
      'day 1',
      'day 2',
    ]);
    const list = await api(
      'GET',
      `Leads/${parent}/Notes?fields=Note_Title,Parent_Id&sort_by=Created_Time&sort_order=desc`,
    );
    const data = list.json?.data as {
      Note_Title: string;
      Parent_Id: { id: string; module: { api_name: string }; name: string };
    }[];
    expect(data.map((n) => n.Note_Title)).toEqual(['day 2', 'day 1']);
    expect(data[0]?.Parent_Id).toMatchObject({ id: parent, module: { api_name: 'Leads' }, name: 'Parent' });
  });

  it('stores record attachments with their UTF-8 file names and serves them back', async () => {
    const id = emu.state.createRecord(org.orgId, 'Contacts', { Last_Name: 'Att' });
    const form = new FormData();
    form.set('file', new Blob([Buffer.from('bonjour')], { type: 'text/plain' }), 'café €.txt');
    const res = await fetch(`${url}/crm/v8/Contacts/${id}/Attachments`, {
      method: 'POST',
      headers: { Authorization: `Zoho-oauthtoken ${token}` },
      body: form,
    });
    expect(res.status).toBe(200);
    const [att] = emu.state.attachments(org.orgId, id);
    expect(att).toMatchObject({ fileName: 'café €.txt', mimeType: 'text/plain', size: 7 });
    const none = await fetch(`${url}/crm/v8/Contacts/${id}/Attachments`, {
      method: 'POST',
      headers: { Authorization: `Zoho-oauthtoken ${token}` },
      body: new FormData(),
    });
    expect(none.status).toBe(400);
    expect(await none.json()).toMatchObject({
      code: 'REQUIRED_PARAM_MISSING',
      details: { param_name: 'file' },
    });
  });

  it('counts calls by kind per org', async () => {
    emu.stats.reset();
    await api('GET', 'users?type=CurrentUser');
    await api('GET', 'org');
    await api('POST', 'coql', { select_query: "select Last_Name from Leads where Last_Name = 'x'" });
    await api('POST', 'Notes', { data: [{ Note_Content: 'x' }] });
    expect(emu.stats.calls(org.orgId)).toEqual({ users: 1, org: 1, coql: 1, note_create: 1 });
  });

  it('keeps CRM data, users and tokens across restarts when given a persist file', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'emu-persist-')), 'zoho.json');
    const a = createZohoEmulator({ persistFile: file });
    const seeded = a.seedDefaultSandbox();
    expect(a.seedDefaultSandbox().orgId).toBe(seeded.orgId);
    a.registerClient({ clientId: 'c', clientSecret: 's' });
    const { refreshToken } = a.issueToken({ orgId: seeded.orgId, userId: seeded.admin.id });
    const rid = a.state.createRecord(seeded.orgId, 'Contacts', {
      Last_Name: 'Persisted',
      Phone: '+34 600 000 000',
    });
    await a.flush();

    const b = createZohoEmulator({ persistFile: file });
    expect(b.seedDefaultSandbox().admin.email).toBe('admin@sandbox.test');
    expect(b.state.record(seeded.orgId, 'Contacts', rid)?.Last_Name).toBe('Persisted');
    const srv = await b.listen(0);
    try {
      const t = await fetch(`${srv.url}/oauth/v2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: 'c',
          client_secret: 's',
          refresh_token: refreshToken,
        }),
      });
      const body = (await t.json()) as { access_token: string };
      const q = await fetch(`${srv.url}/crm/v8/coql`, {
        method: 'POST',
        headers: { Authorization: `Zoho-oauthtoken ${body.access_token}` },
        body: JSON.stringify({
          select_query: "select Last_Name from Contacts where Phone = '+34 600 000 000'",
        }),
      });
      expect(((await q.json()) as { data: { id: string }[] }).data.map((x) => x.id)).toEqual([rid]);
    } finally {
      await srv.close();
    }
  });

  it('can be mounted under a path prefix; api_domain and accounts-server then include it', async () => {
    const e = createZohoEmulator();
    const o = e.seedOrg();
    e.registerClient({ clientId: 'c', clientSecret: 's' });
    const app = express();
    app.use('/zoho', e.router);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/zoho`;
    e.setBaseUrl(base);
    try {
      const auth = await fetch(
        `${base}/oauth/v2/auth?client_id=c&scope=ZohoCRM.modules.ALL,ZohoCRM.org.READ&redirect_uri=${encodeURIComponent('http://app.test/cb')}&response_type=code&access_type=offline&login_as=${o.admin.email}`,
        { redirect: 'manual' },
      );
      const loc = new URL(auth.headers.get('location') ?? '');
      expect(loc.searchParams.get('accounts-server')).toBe(base);
      const t = await fetch(`${base}/oauth/v2/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: 'c',
          client_secret: 's',
          redirect_uri: 'http://app.test/cb',
          code: loc.searchParams.get('code') ?? '',
        }),
      });
      const body = (await t.json()) as { api_domain: string; access_token: string };
      expect(body.api_domain).toBe(base);
      const orgRes = await fetch(`${base}/crm/v8/org`, {
        headers: { Authorization: `Zoho-oauthtoken ${body.access_token}` },
      });
      expect(orgRes.status).toBe(200);
      const missing = await fetch(`${base}/crm/v8/nothing/here/at/all`, {
        headers: { Authorization: `Zoho-oauthtoken ${body.access_token}` },
      });
      expect(missing.status).toBe(400);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
