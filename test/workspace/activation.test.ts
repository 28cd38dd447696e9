import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TEST_CHAT_URL, type ActivateAnswer, type WorkspaceAnswer } from '../../contract/adminApi.js';
import {
  api,
  connectAs,
  CONTACT_SETTINGS,
  startSandbox,
  type Harness,
  type Session,
} from '../helpers/harness.js';

type Err = { error: { code: string; message: string; field?: string } };

describe('activation', () => {
  let h: Harness;
  let s: Session;
  let orgId: string;

  beforeEach(async () => {
    h = await startSandbox();
    s = await connectAs(h.url, 'admin@sandbox.test');
    orgId = h.server.emulator!.state.orgs()[0]!.orgId;
    await api(h.url, s.token, 'POST', '/api/zoho/modules/Contacts/chat-link-field');
    const saved = await api(h.url, s.token, 'PUT', '/api/settings', CONTACT_SETTINGS);
    expect(saved.status).toBe(200);
  });
  afterEach(async () => {
    await h.close();
  });

  const isActive = async () =>
    (await api<{ workspace: { active: boolean } }>(h.url, s.token, 'GET', '/api/workspace')).body.workspace
      .active;

  it('creates a test record exactly as a WhatsApp contact and adds the TimelinesAI lead source value', async () => {
    const emu = h.server.emulator!;
    expect(
      emu.state.fields(orgId, 'Contacts').find((f) => f.apiName === 'Lead_Source')!.picklistValues,
    ).not.toContain('TimelinesAI');
    const res = await api<{ testRecordId: string; workspace: { active: boolean } }>(
      h.url,
      s.token,
      'POST',
      '/api/activate',
    );
    expect(res.status).toBe(200);
    expect(res.body.workspace.active).toBe(true);
    const record = emu.state.record(orgId, 'Contacts', res.body.testRecordId)!;
    expect(record).toMatchObject({
      Mobile: '+447700900123',
      Last_Name: 'WhatsApp test contact (TimelinesAI)',
      Lead_Source: 'TimelinesAI',
      WhatsApp_Chat: TEST_CHAT_URL,
      Description: TEST_CHAT_URL,
    });
    expect((record.Owner as { email: string }).email).toBe('admin@sandbox.test');
    expect(
      emu.state.fields(orgId, 'Contacts').find((f) => f.apiName === 'Lead_Source')!.picklistValues,
    ).toContain('TimelinesAI');
  });

  it('fails on a mandatory field the integration does not fill, naming it and the fix', async () => {
    h.server.emulator!.state.addField(orgId, 'Contacts', {
      apiName: 'Region',
      label: 'Region',
      dataType: 'text',
      mandatory: true,
    });
    const res = await api<Err>(h.url, s.token, 'POST', '/api/activate');
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('MANDATORY_FIELD_MISSING');
    expect(res.body.error.message).toContain('MANDATORY_NOT_FOUND');
    expect(res.body.error.message).toContain('"Region"');
    expect(res.body.error.message).toMatch(/optional/);
    expect(await isActive()).toBe(false);
  });

  it('fails when a chosen field was deleted in the CRM, naming the setting', async () => {
    h.server.emulator!.state.deleteField(orgId, 'Contacts', 'WhatsApp_Chat');
    const res = await api<Err>(h.url, s.token, 'POST', '/api/activate');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('FIELD_NOT_FOUND');
    expect(res.body.error.field).toBe('chatLinkField');
    expect(res.body.error.message).toContain('WhatsApp_Chat');
    expect(await isActive()).toBe(false);
  });

  it('fails with a permission message when the connected user lost the right to customise fields', async () => {
    h.server.emulator!.state.setUserProfile(orgId, 'admin@sandbox.test', 'Standard');
    const res = await api<Err>(h.url, s.token, 'POST', '/api/activate');
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ZOHO_PERMISSION');
    expect(res.body.error.message).toContain('NO_PERMISSION');
    expect(res.body.error.message).toMatch(/administrator/);
    expect(await isActive()).toBe(false);
  });

  it('fails with a retry message when Zoho is unavailable, leaving the integration inactive', async () => {
    h.server.emulator!.controls.failNext(5, 503);
    const res = await api<Err>(h.url, s.token, 'POST', '/api/activate');
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/try again/);
    expect(await isActive()).toBe(false);
  });

  it('refuses to activate before the settings are complete', async () => {
    await api(h.url, s.token, 'PUT', '/api/settings', { module: 'Leads' });
    const res = await api<Err>(h.url, s.token, 'POST', '/api/activate');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INCOMPLETE_SETTINGS');
    expect(res.body.error.field).toBe('phoneField');
  });

  const activate = () => api<ActivateAnswer>(h.url, s.token, 'POST', '/api/activate');
  const deactivate = () => api(h.url, s.token, 'POST', '/api/deactivate');
  const testRecords = (module: string) =>
    h.server.emulator!.state.records(orgId, module).filter((r) => r.Mobile === '+447700900123');

  it("names the test record and links it into the CRM (the sandbox's record page)", async () => {
    const res = await activate();
    expect(res.status).toBe(200);
    const { testRecord } = res.body;
    expect(testRecord).toMatchObject({
      id: res.body.testRecordId,
      module: 'Contacts',
      name: 'WhatsApp test contact (TimelinesAI)',
      created: true,
      url: `${h.url}/sandbox/crm/org${orgId}/tab/Contacts/${res.body.testRecordId}`,
    });
    expect(res.body.workspace.testRecord).toEqual({
      id: testRecord.id,
      module: 'Contacts',
      url: testRecord.url,
    });
    // The link opens the host page on that record.
    const page = await fetch(testRecord.url!, { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(`/sandbox/#records/Contacts/${testRecord.id}`);
  });

  it('a second activation updates the same test record instead of creating another one', async () => {
    const first = (await activate()).body.testRecord;
    // Someone edited the test record in the CRM meanwhile: activation puts its values back.
    h.server.emulator!.state.updateRecord(orgId, 'Contacts', first.id, { Last_Name: 'Edited by hand' });
    await deactivate();
    const second = await activate();
    expect(second.status).toBe(200);
    expect(second.body.testRecord).toMatchObject({ id: first.id, created: false });
    expect(testRecords('Contacts')).toHaveLength(1);
    expect(testRecords('Contacts')[0]).toMatchObject({
      Last_Name: 'WhatsApp test contact (TimelinesAI)',
      WhatsApp_Chat: TEST_CHAT_URL,
    });
  });

  it('creates a new test record when the previous one was deleted in the CRM', async () => {
    const first = (await activate()).body.testRecord;
    h.server.emulator!.state.deleteRecord(orgId, 'Contacts', first.id);
    await deactivate();
    const second = (await activate()).body.testRecord;
    expect(second.created).toBe(true);
    expect(second.id).not.toBe(first.id);
    expect(testRecords('Contacts').map((r) => String(r.id))).toEqual([second.id]);
  });

  it('creates the test record in the new module after the destination changed', async () => {
    const first = (await activate()).body.testRecord;
    await deactivate();
    await api(h.url, s.token, 'POST', '/api/zoho/modules/Leads/chat-link-field');
    const saved = await api(h.url, s.token, 'PUT', '/api/settings', { ...CONTACT_SETTINGS, module: 'Leads' });
    expect(saved.status).toBe(200);
    const second = (await activate()).body.testRecord;
    expect(second).toMatchObject({ module: 'Leads', created: true });
    expect(testRecords('Leads')).toHaveLength(1);
    expect(testRecords('Contacts').map((r) => String(r.id))).toEqual([first.id]); // left as it was
    const view = await api<WorkspaceAnswer>(h.url, s.token, 'GET', '/api/workspace');
    expect(view.body.workspace.testRecord).toMatchObject({ id: second.id, module: 'Leads' });
  });
});
