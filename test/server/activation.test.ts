import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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
      WhatsApp_Chat: 'https://app.timelines.ai/chat/0/messages/',
      Description: 'https://app.timelines.ai/chat/0/messages/',
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
});
