/**
 * Contract tests: the official SDK (@zohocrm/typescript-sdk-8.0) driven against the emulator.
 * The SDK is process-global, so every test here talks to one org at a time (initSdk switches).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Attachments,
  Choice,
  Coql,
  Fields,
  HeaderMap,
  Modules,
  Notes,
  Org,
  ParameterMap,
  Record as ZRecord,
  RelatedRecords,
  StreamWrapper,
  Users,
  type APIResponse,
} from '@zohocrm/typescript-sdk-8.0';
import { createZohoEmulator, type SeededOrg, type ZohoEmulator } from '../../../emulator/zoho/index.js';
import { initSdk } from './sdkHarness.js';

let emu: ZohoEmulator;
let url: string;
let close: () => Promise<void>;
let org: SeededOrg;
let adminToken: string;

async function asAdmin(opts: { pickListValidation?: boolean } = {}): Promise<void> {
  await initSdk(url, adminToken, { pickListValidation: opts.pickListValidation ?? false });
}

/** Owner (ownerlookup) values must be Users.MinifiedUser: the SDK type-checks them against its fields cache. */
function minUser(id: string): Users.MinifiedUser {
  const u = new Users.MinifiedUser();
  u.setId(BigInt(id));
  return u;
}

function record(values: Record<string, unknown>): ZRecord.Record {
  const r = new ZRecord.Record();
  for (const [k, v] of Object.entries(values)) r.addKeyValue(k, v);
  return r;
}

async function createRecords(
  module: string,
  rows: Record<string, unknown>[],
): Promise<APIResponse<ZRecord.ActionHandler.ActionHandler>> {
  const body = new ZRecord.BodyWrapper();
  body.setData(rows.map(record));
  return new ZRecord.RecordOperations(module).createRecords(body, new HeaderMap());
}

type Row = { status: string; code: string; details: Map<string, unknown>; message: string };

function rowsOf(res: APIResponse<unknown>): Row[] {
  const o = res.getObject();
  const data =
    o instanceof ZRecord.ActionWrapper ||
    o instanceof Notes.ActionWrapper ||
    o instanceof Attachments.ActionWrapper
      ? o.getData()
      : [];
  return data.map((x: unknown) => {
    const r = x as {
      getStatus(): Choice<string>;
      getCode(): Choice<string>;
      getDetails(): Map<string, unknown>;
      getMessage(): Choice<string> | string;
    };
    const msg = r.getMessage();
    return {
      status: r.getStatus().getValue(),
      code: r.getCode().getValue(),
      details: r.getDetails(),
      message: typeof msg === 'string' ? msg : msg.getValue(),
    };
  });
}

async function coql(query: string): Promise<APIResponse<Coql.ResponseHandler.ResponseHandler>> {
  const body = new Coql.BodyWrapper();
  body.setSelectQuery(query);
  return new Coql.CoqlOperations().getRecords(body);
}

function coqlRecords(res: APIResponse<unknown>): ZRecord.Record[] {
  const o = res.getObject();
  return o instanceof Coql.ResponseWrapper ? o.getData() : [];
}

beforeAll(async () => {
  emu = createZohoEmulator();
  org = emu.seedOrg({ companyName: 'SDK Co', timeZone: 'Europe/Madrid', countryCode: 'ES' });
  ({ url, close } = await emu.listen(0));
  adminToken = emu.issueToken({ orgId: org.orgId, userId: org.admin.id }).accessToken;
});

afterAll(async () => {
  await close();
});

beforeEach(() => {
  emu.controls.latencyMs = 0;
  emu.controls.concurrencyCap = undefined;
  emu.controls.searchLagSec = 0;
  emu.controls.clearFailures();
});

describe('official SDK against the emulator', () => {
  it('initialize() reads the current user and the org implicitly; users and org answer the seeded data', async () => {
    emu.stats.reset();
    await asAdmin();
    expect(emu.stats.calls(org.orgId)).toEqual({ users: 1, org: 1 });

    const p = new ParameterMap();
    await p.add(Users.GetUsersParam.TYPE, 'CurrentUser');
    const users = (await new Users.UsersOperations().getUsers(p, new HeaderMap())).getObject();
    expect(users).toBeInstanceOf(Users.ResponseWrapper);
    const me = (users as Users.ResponseWrapper).getUsers()[0];
    expect(me?.getEmail()).toBe(org.admin.email);
    expect(me?.getProfile().getName()).toBe('Administrator');
    expect(String(me?.getId())).toBe(org.admin.id);

    const active = new ParameterMap();
    await active.add(Users.GetUsersParam.TYPE, 'ActiveUsers');
    const list = (
      await new Users.UsersOperations().getUsers(active, new HeaderMap())
    ).getObject() as Users.ResponseWrapper;
    expect(
      list
        .getUsers()
        .map((u) => u.getEmail())
        .sort(),
    ).toEqual(org.users.map((u) => u.email).sort());

    const o = (await new Org.OrgOperations().getOrganization()).getObject() as Org.ResponseWrapper;
    const info = o.getOrg()[0];
    expect(info?.getId()).toBe(org.orgId);
    expect(info?.getTimeZone()).toBe('Europe/Madrid');
    expect(info?.getCountryCode()).toBe('ES');
    expect(info?.getCompanyName()).toBe('SDK Co');
  });

  it('lists API modules, including one without any phone field', async () => {
    await asAdmin();
    const res = await new Modules.ModulesOperations().getModules(new ParameterMap(), new HeaderMap());
    const mods = (res.getObject() as Modules.ResponseWrapper).getModules();
    const names = mods.map((m) => m.getAPIName());
    expect(names).toEqual(expect.arrayContaining(['Leads', 'Contacts', 'Products', 'Notes']));
    for (const m of mods) {
      expect(m.getAPISupported()).toBe(true);
      expect(m.getGeneratedType().getValue()).toBe('default');
    }
    const fp = new ParameterMap();
    await fp.add(Fields.GetFieldsParam.MODULE, 'Products');
    const fields = (
      (await new Fields.FieldsOperations().getFields(fp)).getObject() as Fields.ResponseWrapper
    ).getFields();
    expect(fields.some((f) => f.getDataType() === 'phone')).toBe(false);
  });

  it('lists fields with data types, lengths, mandatory flags and picklist values', async () => {
    await asAdmin();
    const fp = new ParameterMap();
    await fp.add(Fields.GetFieldsParam.MODULE, 'Contacts');
    const fields = (
      (await new Fields.FieldsOperations().getFields(fp)).getObject() as Fields.ResponseWrapper
    ).getFields();
    const by = new Map(fields.map((f) => [f.getAPIName(), f]));
    expect(by.get('Phone')?.getDataType()).toBe('phone');
    expect(by.get('Mobile')?.getDataType()).toBe('phone');
    expect(by.get('Phone')?.getLength()).toBe(30);
    expect(by.get('Last_Name')?.getSystemMandatory()).toBe(true);
    expect(by.get('First_Name')?.getSystemMandatory()).toBe(false);
    expect(by.get('Email')?.getDataType()).toBe('email');
    expect(by.get('Description')?.getDataType()).toBe('textarea');
    const ls = by.get('Lead_Source');
    expect(ls?.getDataType()).toBe('picklist');
    const values = ls?.getPickListValues().map((v) => v.getDisplayValue()) ?? [];
    expect(values).toContain('Chat');
    expect(values).not.toContain('TimelinesAI');
  });

  it('creates a custom website field; its api_name derives from the label', async () => {
    await asAdmin();
    const f = new Fields.Fields();
    f.setFieldLabel('WhatsApp Chat');
    f.setDataType('website');
    const body = new Fields.BodyWrapper();
    body.setFields([f]);
    const p = new ParameterMap();
    await p.add(Fields.CreateFieldParam.MODULE, 'Contacts');
    const res = await new Fields.FieldsOperations().createField(body, p);
    expect(res.getStatusCode()).toBe(201);
    const row = (res.getObject() as Fields.ActionWrapper).getFields()[0];
    expect(row).toBeInstanceOf(Fields.SuccessResponse);
    const id = String((row as Fields.SuccessResponse).getDetails().get('id'));

    const gp = new ParameterMap();
    await gp.add(Fields.GetFieldParam.MODULE, 'Contacts');
    const got = (
      (await new Fields.FieldsOperations().getField(BigInt(id), gp)).getObject() as Fields.ResponseWrapper
    ).getFields()[0];
    expect(got?.getAPIName()).toBe('WhatsApp_Chat');
    expect(got?.getDataType()).toBe('website');
    expect(got?.getCustomField()).toBe(true);

    const dup = await new Fields.FieldsOperations().createField(body, p);
    expect(dup.getStatusCode()).toBe(400);
    const dupRow = (dup.getObject() as Fields.ActionWrapper).getFields()[0] as Fields.APIException;
    expect(dupRow.getCode().getValue()).toBe('DUPLICATE_DATA');
  });

  it('adds a picklist value to a standard picklist (Lead_Source)', async () => {
    await asAdmin();
    const lead = emu.state.fields(org.orgId, 'Leads').find((f) => f.apiName === 'Lead_Source');
    const v = new Fields.PickListValue();
    v.setDisplayValue('TimelinesAI');
    v.setActualValue('TimelinesAI');
    const f = new Fields.Fields();
    f.setPickListValues([v]);
    const body = new Fields.BodyWrapper();
    body.setFields([f]);
    const p = new ParameterMap();
    await p.add(Fields.UpdateFieldParam.MODULE, 'Leads');
    const res = await new Fields.FieldsOperations().updateField(BigInt(lead?.id ?? '0'), body, p);
    expect(res.getStatusCode()).toBe(200);
    expect(
      ((res.getObject() as Fields.ActionWrapper).getFields()[0] as Fields.SuccessResponse)
        .getStatus()
        .getValue(),
    ).toBe('success');
    const after = emu.state.fields(org.orgId, 'Leads').find((x) => x.apiName === 'Lead_Source');
    expect(after?.picklistValues).toContain('TimelinesAI');
    expect(after?.picklistValues).toContain('Chat');
  });

  it('refuses field creation to a rep (NO_PERMISSION) and to a token without a settings scope (OAUTH_SCOPE_MISMATCH)', async () => {
    const f = new Fields.Fields();
    f.setFieldLabel('Rep Field');
    f.setDataType('text');
    const body = new Fields.BodyWrapper();
    body.setFields([f]);
    const p = new ParameterMap();
    await p.add(Fields.CreateFieldParam.MODULE, 'Contacts');

    const rep = emu.issueToken({ orgId: org.orgId, userId: org.rep?.id ?? '' }).accessToken;
    await initSdk(url, rep);
    const denied = await new Fields.FieldsOperations().createField(body, p);
    expect(denied.getStatusCode()).toBe(403);
    expect((denied.getObject() as Fields.APIException).getCode().getValue()).toBe('NO_PERMISSION');

    const narrow = emu.issueToken({
      orgId: org.orgId,
      userId: org.admin.id,
      scopes: [
        'ZohoCRM.modules.ALL',
        'ZohoCRM.settings.fields.READ',
        'ZohoCRM.users.READ',
        'ZohoCRM.org.READ',
      ],
    }).accessToken;
    await initSdk(url, narrow);
    const scoped = await new Fields.FieldsOperations().createField(body, p);
    expect(scoped.getStatusCode()).toBe(401);
    expect((scoped.getObject() as Fields.APIException).getCode().getValue()).toBe('OAUTH_SCOPE_MISMATCH');
    expect(emu.state.fields(org.orgId, 'Contacts').some((x) => x.label === 'Rep Field')).toBe(false);
  });

  it('creates, updates and gets records; ids are long numeric strings; Modified_Time moves on update', async () => {
    await asAdmin();
    emu.stats.reset();
    const res = await createRecords('Contacts', [
      {
        Last_Name: 'Lovelace',
        First_Name: 'Ada',
        Phone: '+34600111222',
        Lead_Source: new Choice('Chat'),
        Owner: minUser(org.rep?.id ?? '0'),
      },
    ]);
    expect(res.getStatusCode()).toBe(201);
    const [row] = rowsOf(res);
    expect(row?.status).toBe('success');
    expect(row?.code).toBe('SUCCESS');
    const id = String(row?.details.get('id'));
    expect(id).toMatch(/^\d{16,19}$/);
    expect(emu.stats.calls(org.orgId)).toMatchObject({ fields: 1, record_create: 1 });

    const got = await new ZRecord.RecordOperations('Contacts').getRecord(
      BigInt(id),
      new ParameterMap(),
      new HeaderMap(),
    );
    const rec = (got.getObject() as ZRecord.ResponseWrapper).getData()[0];
    expect(rec?.getKeyValue('Last_Name')).toBe('Lovelace');
    expect(rec?.getKeyValue('Full_Name')).toBe('Ada Lovelace');
    expect((rec?.getKeyValue('Lead_Source') as Choice<string>).getValue()).toBe('Chat');
    expect(String((rec?.getKeyValue('Owner') as { getId(): bigint }).getId())).toBe(org.rep?.id);
    const created = rec?.getCreatedTime() as Date;
    expect(created).toBeInstanceOf(Date);

    emu.controls.advanceTime(5_000);
    const upd = record({ id: BigInt(id), Description: 'updated by sync' });
    const ub = new ZRecord.BodyWrapper();
    ub.setData([upd]);
    const ures = await new ZRecord.RecordOperations('Contacts').updateRecords(ub, new HeaderMap());
    expect(ures.getStatusCode()).toBe(200);
    expect(rowsOf(ures)[0]?.message).toBe('record updated');

    const fp = new ParameterMap();
    await fp.add(ZRecord.GetRecordsParam.IDS, id);
    await fp.add(ZRecord.GetRecordsParam.FIELDS, 'Description,Modified_Time,Phone');
    const again = (
      await new ZRecord.RecordOperations('Contacts').getRecords(fp, new HeaderMap())
    ).getObject() as ZRecord.ResponseWrapper;
    const r2 = again.getData()[0];
    expect(r2?.getKeyValue('Description')).toBe('updated by sync');
    expect(r2?.getKeyValue('Phone')).toBe('+34600111222');
    expect((r2?.getModifiedTime() as Date).getTime()).toBeGreaterThan(created.getTime());
    expect(r2?.getKeyValues().has('Last_Name')).toBe(false);
    expect(emu.state.record(org.orgId, 'Contacts', id)?.Description).toBe('updated by sync');
  });

  it('reports per-row errors (mandatory missing, unknown picklist value) in a 207, creating the good rows', async () => {
    await asAdmin({ pickListValidation: false });
    const res = await createRecords('Leads', [
      { Last_Name: 'Good' },
      { First_Name: 'No last name' },
      { Last_Name: 'Bad source', Lead_Source: new Choice('Carrier Pigeon') },
    ]);
    expect(res.getStatusCode()).toBe(207);
    const rows = rowsOf(res);
    expect(rows.map((r) => r.status)).toEqual(['success', 'error', 'error']);
    expect(rows[1]?.code).toBe('MANDATORY_NOT_FOUND');
    expect(rows[1]?.details.get('api_name')).toBe('Last_Name');
    expect(rows[2]?.code).toBe('INVALID_DATA');
    expect(rows[2]?.details.get('api_name')).toBe('Lead_Source');
    expect(emu.state.records(org.orgId, 'Leads').map((r) => r.Last_Name)).toEqual(['Good']);

    const allBad = await createRecords('Leads', [{ First_Name: 'x' }]);
    expect(allBad.getStatusCode()).toBe(400);
    expect(rowsOf(allBad)[0]?.code).toBe('MANDATORY_NOT_FOUND');
  });

  it('with pickListValidation on, the SDK itself rejects a value missing from its cached picklist', async () => {
    await asAdmin({ pickListValidation: true });
    await expect(
      createRecords('Leads', [{ Last_Name: 'x', Lead_Source: new Choice('Carrier Pigeon') }]),
    ).rejects.toThrow();
  });

  it('finds records by COQL with an in-list over several phone fields, ordered and limited', async () => {
    await asAdmin();
    const phones = ['+34911000001', '+34911000002', '+34911000003'];
    await createRecords('Contacts', [
      { Last_Name: 'P1', Phone: phones[0] },
      { Last_Name: 'P2', Mobile: phones[1] },
      { Last_Name: 'P3', Phone: '+34999999999', Mobile: phones[2] },
      { Last_Name: 'Other', Phone: '+34888888888' },
    ]);
    const list = phones.map((p) => `'${p}'`).join(',');
    const res = await coql(
      `select id, Last_Name, Phone, Mobile from Contacts where (Phone in (${list}) or Mobile in (${list})) order by Last_Name desc limit 2`,
    );
    expect(res.getStatusCode()).toBe(200);
    const recs = coqlRecords(res);
    expect(recs.map((r) => r.getKeyValue('Last_Name'))).toEqual(['P3', 'P2']);
    const info = (res.getObject() as Coql.ResponseWrapper).getInfo();
    expect(info.getMoreRecords()).toBe(true);
    expect(info.getCount()).toBe(2);

    const rest = coqlRecords(
      await coql(
        `select Last_Name from Contacts where (Phone in (${list}) or Mobile in (${list})) order by Last_Name desc limit 2 offset 2`,
      ),
    );
    expect(rest.map((r) => r.getKeyValue('Last_Name'))).toEqual(['P1']);

    const none = await coql(`select Last_Name from Contacts where Phone in ('+1000')`);
    expect(none.getStatusCode()).toBe(204);
    expect(none.getObject()).toBeNull();
  });

  it('filters COQL by Modified_Time and sees a human edit made in the CRM UI', async () => {
    await asAdmin();
    const res = await createRecords('Contacts', [{ Last_Name: 'Edited later', Phone: '+34911555000' }]);
    const id = String(rowsOf(res)[0]?.details.get('id'));
    emu.controls.advanceTime(60_000);
    const since = new Date(Date.now() + 30_000).toISOString().replace(/\.\d+Z$/, '+00:00');
    const q = `select Last_Name from Contacts where Phone = '+34911555000' and Modified_Time >= '${since}'`;
    expect((await coql(q)).getStatusCode()).toBe(204);
    emu.state.updateRecord(org.orgId, 'Contacts', id, { Last_Name: 'Renamed by a human' });
    expect(coqlRecords(await coql(q)).map((r) => r.getKeyValue('Last_Name'))).toEqual(['Renamed by a human']);
  });

  it('hides records younger than searchLagSec from search and COQL (index lag), but not from GET by id', async () => {
    await asAdmin();
    emu.controls.searchLagSec = 30;
    const res = await createRecords('Leads', [{ Last_Name: 'Fresh', Phone: '+34600999888' }]);
    const id = String(rowsOf(res)[0]?.details.get('id'));
    const sp = new ParameterMap();
    await sp.add(ZRecord.SearchRecordsParam.PHONE, '+34600999888');
    expect(
      (await new ZRecord.RecordOperations('Leads').searchRecords(sp, new HeaderMap())).getStatusCode(),
    ).toBe(204);
    expect((await coql(`select Last_Name from Leads where Phone = '+34600999888'`)).getStatusCode()).toBe(
      204,
    );
    expect(
      (
        await new ZRecord.RecordOperations('Leads').getRecord(BigInt(id), new ParameterMap(), new HeaderMap())
      ).getStatusCode(),
    ).toBe(200);

    emu.controls.advanceTime(31_000);
    const found = await new ZRecord.RecordOperations('Leads').searchRecords(sp, new HeaderMap());
    expect(found.getStatusCode()).toBe(200);
    expect((found.getObject() as ZRecord.ResponseWrapper).getData().map((r) => String(r.getId()))).toEqual([
      id,
    ]);
    expect(coqlRecords(await coql(`select Last_Name from Leads where Phone = '+34600999888'`))).toHaveLength(
      1,
    );
  });

  it('searches by criteria and by email', async () => {
    await asAdmin();
    await createRecords('Contacts', [
      { Last_Name: 'Searchable', Email: 'Find.Me@Example.com', Phone: '+34600123123' },
    ]);
    const cp = new ParameterMap();
    await cp.add(
      ZRecord.SearchRecordsParam.CRITERIA,
      '((Last_Name:starts_with:Search)and(Phone:equals:+34600123123))',
    );
    const byCriteria = (
      await new ZRecord.RecordOperations('Contacts').searchRecords(cp, new HeaderMap())
    ).getObject() as ZRecord.ResponseWrapper;
    expect(byCriteria.getData().map((r) => r.getKeyValue('Last_Name'))).toEqual(['Searchable']);
    const ep = new ParameterMap();
    await ep.add(ZRecord.SearchRecordsParam.EMAIL, 'find.me@example.com');
    const byEmail = (
      await new ZRecord.RecordOperations('Contacts').searchRecords(ep, new HeaderMap())
    ).getObject() as ZRecord.ResponseWrapper;
    expect(byEmail.getData()).toHaveLength(1);
  });

  it('creates, updates and lists notes, per record (related list) and org-wide', async () => {
    await asAdmin();
    const parent = String(
      rowsOf(
        await createRecords('Contacts', [{ Last_Name: 'Noted', Phone: '+34600777666' }]),
      )[0]?.details.get('id'),
    );
    const note = new Notes.Note();
    note.setNoteTitle('WhatsApp chat with Noted (01/02/2025)');
    note.setNoteContent('10:00 Noted: hello');
    const pid = new Notes.ParentId();
    const mod = new Modules.MinifiedModule();
    mod.setAPIName('Contacts');
    pid.setModule(mod);
    pid.setId(BigInt(parent));
    note.setParentId(pid);
    const bad = new Notes.Note();
    bad.setNoteTitle('no content');
    bad.setParentId(pid);
    const body = new Notes.BodyWrapper();
    body.setData([note, bad]);
    const res = await new Notes.NotesOperations().createNotes(body);
    expect(res.getStatusCode()).toBe(207);
    const rows = rowsOf(res);
    expect(rows[0]?.status).toBe('success');
    expect(rows[1]?.code).toBe('MANDATORY_NOT_FOUND');
    expect(rows[1]?.details.get('api_name')).toBe('Note_Content');
    const noteId = String(rows[0]?.details.get('id'));

    const upd = new Notes.Note();
    upd.setId(BigInt(noteId));
    upd.setNoteContent('10:00 Noted: hello\n10:05 Me: hi');
    const ub = new Notes.BodyWrapper();
    ub.setData([upd]);
    const ures = await new Notes.NotesOperations().updateNotes(ub);
    expect(ures.getStatusCode()).toBe(200);
    expect(rowsOf(ures)[0]?.message).toBe('record updated');

    const rp = new ParameterMap();
    await rp.add(RelatedRecords.GetRelatedRecordsParam.FIELDS, 'Note_Title,Note_Content,Created_Time');
    const related = await new RelatedRecords.RelatedRecordsOperations('Notes', 'Contacts').getRelatedRecords(
      BigInt(parent),
      rp,
      new HeaderMap(),
    );
    expect(related.getStatusCode()).toBe(200);
    const data = (related.getObject() as RelatedRecords.ResponseWrapper).getData();
    expect(
      data.map((r) => [String(r.getId()), r.getKeyValue('Note_Title'), r.getKeyValue('Note_Content')]),
    ).toEqual([[noteId, 'WhatsApp chat with Noted (01/02/2025)', '10:00 Noted: hello\n10:05 Me: hi']]);

    const np = new ParameterMap();
    await np.add(Notes.GetNotesParam.FIELDS, 'Note_Title,Note_Content,Parent_Id');
    const all = (
      await new Notes.NotesOperations().getNotes(np, new HeaderMap())
    ).getObject() as Notes.ResponseWrapper;
    const mine = all.getData().find((n) => String(n.getId()) === noteId);
    expect(String(mine?.getParentId().getId())).toBe(parent);
    expect(mine?.getParentId().getModule().getAPIName()).toBe('Contacts');
    expect(emu.state.notes(org.orgId, parent)).toHaveLength(1);
  });

  it('uploads a note attachment as multipart field "file" and serves it back', async () => {
    await asAdmin();
    const parent = emu.state.createRecord(org.orgId, 'Contacts', { Last_Name: 'With file' });
    const body = new Notes.BodyWrapper();
    const note = new Notes.Note();
    note.setNoteContent('see attachment');
    const pid = new Notes.ParentId();
    const mod = new Modules.MinifiedModule();
    mod.setAPIName('Contacts');
    pid.setModule(mod);
    pid.setId(BigInt(parent));
    note.setParentId(pid);
    body.setData([note]);
    const noteId = String(rowsOf(await new Notes.NotesOperations().createNotes(body))[0]?.details.get('id'));

    // The SDK names the part after the stream's path: write the bytes to a file with the wanted name.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'emu-att-'));
    const file = path.join(dir, 'photo.jpg');
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);
    fs.writeFileSync(file, bytes);
    const fw = new Attachments.FileBodyWrapper();
    fw.setFile(new StreamWrapper(undefined, fs.createReadStream(file)));
    const res = await new Attachments.AttachmentsOperations().uploadAttachments(BigInt(noteId), 'Notes', fw);
    expect(res.getStatusCode()).toBe(200);
    const [row] = rowsOf(res);
    expect(row?.status).toBe('success');
    expect(row?.message).toBe('attachment uploaded');
    const attId = String(row?.details.get('id'));

    const stored = emu.state.attachments(org.orgId, noteId);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      id: attId,
      fileName: 'photo.jpg',
      mimeType: 'image/jpeg',
      size: bytes.length,
    });
    expect(stored[0]?.data.equals(bytes)).toBe(true);

    const lp = new ParameterMap();
    await lp.add(Attachments.GetAttachmentsParam.FIELDS, 'File_Name,Size');
    const list = (
      await new Attachments.AttachmentsOperations().getAttachments(BigInt(noteId), 'Notes', lp)
    ).getObject() as Attachments.ResponseWrapper;
    expect(list.getData().map((a) => [a.getFileName(), a.getSize()])).toEqual([
      ['photo.jpg', String(bytes.length)],
    ]);

    const dl = await fetch(`${url}/crm/v8/Notes/${noteId}/Attachments/${attId}`, {
      headers: { Authorization: `Zoho-oauthtoken ${adminToken}` },
    });
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await dl.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('answers 401 INVALID_TOKEN to an expired token; the SDK hands it back without refreshing', async () => {
    const short = emu.issueToken({ orgId: org.orgId, userId: org.admin.id, expiresInSec: 120 }).accessToken;
    await initSdk(url, short);
    const before = emu.stats.tokenRefreshes();
    emu.controls.advanceTime(121_000);
    const res = await new Org.OrgOperations().getOrganization();
    expect(res.getStatusCode()).toBe(401);
    const err = res.getObject() as Org.APIException;
    expect(err).toBeInstanceOf(Org.APIException);
    expect(err.getCode().getValue()).toBe('INVALID_TOKEN');
    expect(emu.stats.tokenRefreshes()).toBe(before);
  });

  it('answers 429 TOO_MANY_REQUESTS to calls beyond the per-org concurrency cap', async () => {
    await asAdmin();
    await createRecords('Products', [{ Product_Name: 'warm-up' }]); // caches the fields metadata first
    emu.controls.latencyMs = 1000;
    emu.controls.concurrencyCap = 2;
    emu.stats.reset();
    const results = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => createRecords('Products', [{ Product_Name: `P${i}` }])),
    );
    const statuses = results.map((r) => r.getStatusCode()).sort();
    expect(statuses).toEqual([201, 201, 429, 429, 429]);
    const throttled = results.find((r) => r.getStatusCode() === 429);
    const body = throttled?.getObject() as ZRecord.APIException;
    expect(body.getCode().getValue()).toBe('TOO_MANY_REQUESTS');
    expect(emu.stats.calls(org.orgId)).toMatchObject({ record_create: 2, throttled: 3 });
  });

  it('answers injected 5xx as the SDK sees them: JSON 500 parsed, HTML 503 unparsed (null object), failed GETs retried by got', async () => {
    await asAdmin();
    await createRecords('Products', [{ Product_Name: 'warm-up 2' }]);
    emu.controls.failNext(1, 500);
    const res = await createRecords('Products', [{ Product_Name: 'fails' }]);
    expect(res.getStatusCode()).toBe(500);
    expect((res.getObject() as ZRecord.APIException).getCode().getValue()).toBe('INTERNAL_ERROR');

    emu.controls.failNext(1, 503, { pathIncludes: '/Products' });
    const html = await createRecords('Products', [{ Product_Name: 'fails too' }]);
    expect(html.getStatusCode()).toBe(503);
    expect(html.getObject()).toBeNull();

    // A GET answered 5xx is retried (twice) by the SDK's HTTP client: one failure goes unnoticed…
    emu.stats.reset();
    emu.controls.failNext(1, 502);
    const org1 = await new Org.OrgOperations().getOrganization();
    expect(org1.getStatusCode()).toBe(200);
    expect(emu.stats.calls(org.orgId)).toMatchObject({ injected: 1, org: 1 });
    // …three in a row surface, and an HTML body makes the SDK throw instead of answering.
    emu.controls.failNext(3, 502);
    await expect(new Org.OrgOperations().getOrganization()).rejects.toThrow();
    expect(emu.controls.pendingFailures()).toBe(0);

    const ok = await createRecords('Products', [{ Product_Name: 'works again' }]);
    expect(ok.getStatusCode()).toBe(201);
  });
});
