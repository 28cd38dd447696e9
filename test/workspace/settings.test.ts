import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  api,
  connectAs,
  CONTACT_SETTINGS,
  startSandbox,
  type Harness,
  type Session,
} from '../helpers/harness.js';

type Err = { error: { code: string; message: string; field?: string } };

describe('settings', () => {
  let h: Harness;
  let s: Session;
  let orgId: string;
  beforeAll(async () => {
    h = await startSandbox();
    s = await connectAs(h.url, 'admin@sandbox.test');
    orgId = h.server.emulator!.state.orgs()[0]!.orgId;
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await api(h.url, s.token, 'POST', '/api/deactivate');
  });

  it('offers only modules that have a phone field', async () => {
    const res = await api<{ modules: { apiName: string; phoneFields: { apiName: string }[] }[] }>(
      h.url,
      s.token,
      'GET',
      '/api/zoho/modules',
    );
    expect(res.status).toBe(200);
    const names = res.body.modules.map((m) => m.apiName);
    expect(names).toContain('Contacts');
    expect(names).toContain('Leads');
    expect(names).not.toContain('Products');
    expect(res.body.modules.find((m) => m.apiName === 'Contacts')!.phoneFields.map((f) => f.apiName)).toEqual(
      expect.arrayContaining(['Phone', 'Mobile']),
    );
  });

  it('offers field candidates by type', async () => {
    const res = await api<{ candidates: Record<string, { apiName: string }[]> }>(
      h.url,
      s.token,
      'GET',
      '/api/zoho/modules/Contacts/fields',
    );
    expect(res.status).toBe(200);
    const names = (k: string) => res.body.candidates[k]!.map((f) => f.apiName);
    expect(names('phone')).toEqual(expect.arrayContaining(['Phone', 'Mobile']));
    expect(names('phone')).not.toContain('Last_Name');
    expect(names('name')).toContain('Last_Name');
    expect(names('name')).not.toContain('Full_Name'); // read-only
    expect(names('leadSource')).toEqual(['Lead_Source']);
    expect(names('chatLink')).not.toContain('Mobile');
  });

  it('rejects an unknown module name and a malformed one with clear errors', async () => {
    const bad = await api<Err>(h.url, s.token, 'GET', '/api/zoho/modules/..%2Fusers/fields');
    expect(bad.status).toBe(400);
    const unknown = await api<Err>(h.url, s.token, 'PUT', '/api/settings', {
      ...CONTACT_SETTINGS,
      module: 'Nonexistent',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('module');
  });

  it('creates the chat link field once ("WhatsApp Chat", a URL field) and returns it again after', async () => {
    const first = await api<{ field: { apiName: string; type: string } }>(
      h.url,
      s.token,
      'POST',
      '/api/zoho/modules/Contacts/chat-link-field',
    );
    expect(first.status).toBe(201);
    expect(first.body.field).toMatchObject({ apiName: 'WhatsApp_Chat', type: 'website' });
    const second = await api<{ field: { apiName: string } }>(
      h.url,
      s.token,
      'POST',
      '/api/zoho/modules/Contacts/chat-link-field',
    );
    expect(second.body.field.apiName).toBe('WhatsApp_Chat');
    expect(
      h.server.emulator!.state.fields(orgId, 'Contacts').filter((f) => f.label === 'WhatsApp Chat'),
    ).toHaveLength(1);
  });

  it('refuses a field of the wrong type, naming the setting', async () => {
    const res = await api<Err>(h.url, s.token, 'PUT', '/api/settings', {
      ...CONTACT_SETTINGS,
      phoneField: 'Last_Name',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('FIELD_TYPE_MISMATCH');
    expect(res.body.error.field).toBe('phoneField');
    expect(res.body.error.message).toMatch(/WhatsApp number field must be a phone field/);
  });

  it('refuses a field that does not exist, naming the setting', async () => {
    const res = await api<Err>(h.url, s.token, 'PUT', '/api/settings', {
      ...CONTACT_SETTINGS,
      leadSourceField: 'Source_Gone',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('FIELD_NOT_FOUND');
    expect(res.body.error.field).toBe('leadSourceField');
  });

  it('rejects malformed input listing every problem', async () => {
    const res = await api<Err>(h.url, s.token, 'PUT', '/api/settings', {
      module: '',
      phoneField: 'has space',
      extra: 1,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_SETTINGS');
    expect(res.body.error.message).toMatch(/module/);
    expect(res.body.error.message).toMatch(/phoneField/);
  });

  it('clears the field choices when the destination module changes', async () => {
    await api(h.url, s.token, 'POST', '/api/zoho/modules/Contacts/chat-link-field');
    const saved = await api(h.url, s.token, 'PUT', '/api/settings', CONTACT_SETTINGS);
    expect(saved.status).toBe(200);
    const changed = await api<{ settings: Record<string, unknown> }>(h.url, s.token, 'PUT', '/api/settings', {
      module: 'Leads',
    });
    expect(changed.status).toBe(200);
    expect(changed.body.settings).toEqual({ module: 'Leads' });
    const activate = await api<Err>(h.url, s.token, 'POST', '/api/activate');
    expect(activate.status).toBe(400);
    expect(activate.body.error.code).toBe('INCOMPLETE_SETTINGS');
  });

  it('keeps earlier choices when the same module is saved with some fields', async () => {
    await api(h.url, s.token, 'PUT', '/api/settings', { module: 'Contacts', phoneField: 'Phone' });
    const res = await api<{ settings: Record<string, unknown> }>(h.url, s.token, 'PUT', '/api/settings', {
      module: 'Contacts',
      nameField: 'Last_Name',
    });
    expect(res.body.settings).toMatchObject({
      module: 'Contacts',
      phoneField: 'Phone',
      nameField: 'Last_Name',
    });
  });

  it('validates the time zone override', async () => {
    const bad = await api<Err>(h.url, s.token, 'PUT', '/api/settings', {
      ...CONTACT_SETTINGS,
      timeZone: 'Mars/Olympus',
    });
    expect(bad.status).toBe(400);
    const good = await api<{ settings: { timeZone: string } }>(h.url, s.token, 'PUT', '/api/settings', {
      ...CONTACT_SETTINGS,
      timeZone: 'America/New_York',
    });
    expect(good.status).toBe(200);
    expect(good.body.settings.timeZone).toBe('America/New_York');
  });

  it('locks the settings while the integration is active', async () => {
    await api(h.url, s.token, 'POST', '/api/zoho/modules/Contacts/chat-link-field');
    await api(h.url, s.token, 'PUT', '/api/settings', CONTACT_SETTINGS);
    expect((await api(h.url, s.token, 'POST', '/api/activate')).status).toBe(200);
    const locked = await api<Err>(h.url, s.token, 'PUT', '/api/settings', CONTACT_SETTINGS);
    expect(locked.status).toBe(409);
    expect(locked.body.error.message).toMatch(/Deactivate/);
    expect((await api(h.url, s.token, 'POST', '/api/deactivate')).status).toBe(200);
    expect((await api(h.url, s.token, 'PUT', '/api/settings', CONTACT_SETTINGS)).status).toBe(200);
  });

  describe('the chat link field', () => {
    const candidates = async () =>
      (
        await api<{ candidates: { chatLink: { apiName: string; label: string }[] } }>(
          h.url,
          s.token,
          'GET',
          '/api/zoho/modules/Contacts/fields',
        )
      ).body.candidates.chatLink.map((f) => f.apiName);

    it('is never offered among the name fields, and the created "WhatsApp Chat" field comes first', async () => {
      await api(h.url, s.token, 'POST', '/api/zoho/modules/Contacts/chat-link-field');
      const offered = await candidates();
      expect(offered[0]).toBe('WhatsApp_Chat');
      for (const name of ['First_Name', 'Last_Name', 'Full_Name']) expect(offered).not.toContain(name);
      expect(offered).not.toContain('Mobile'); // phone fields are not text
    });

    it('refuses the name field, saying why and naming the setting', async () => {
      const res = await api<Err>(h.url, s.token, 'PUT', '/api/settings', {
        ...CONTACT_SETTINGS,
        chatLinkField: 'Last_Name',
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('CHAT_LINK_FIELD_CLASH');
      expect(res.body.error.field).toBe('chatLinkField');
      expect(res.body.error.message).toMatch(/cannot be "Last Name".*holds the contact's name/);
    });

    it('refuses the field chosen for the contact name, even a custom one', async () => {
      h.server.emulator!.state.addField(orgId, 'Contacts', {
        apiName: 'Nickname',
        label: 'Nickname',
        dataType: 'text',
        mandatory: false,
      });
      const res = await api<Err>(h.url, s.token, 'PUT', '/api/settings', {
        ...CONTACT_SETTINGS,
        nameField: 'Nickname',
        chatLinkField: 'Nickname',
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('CHAT_LINK_FIELD_CLASH');
      expect(res.body.error.field).toBe('chatLinkField');
    });
  });
});
