// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import { HostError } from '../src/host/host';
import { createZohoHost, toPageContext, type ZohoSdk } from '../src/host/zohoHost';

/** A ZOHO object as the embedded-app SDK exposes it, answering like Zoho does. */
function fakeZoho(
  pageLoad: unknown,
  answers: Partial<Record<'record' | 'notes' | 'user' | 'org', unknown>> = {},
) {
  let onPageLoad: ((data: unknown) => void) | undefined;
  const sdk: ZohoSdk = {
    embeddedApp: {
      on: (_event, handler) => {
        onPageLoad = handler;
      },
      init: vi.fn(async () => {
        setTimeout(() => onPageLoad?.(pageLoad), 0);
      }),
    },
    CRM: {
      API: {
        getRecord: vi.fn(async () => answers.record),
        getRelatedRecords: vi.fn(async () => answers.notes),
      },
      CONFIG: {
        getCurrentUser: vi.fn(async () => answers.user),
        getOrgInfo: vi.fn(async () => answers.org),
      },
      UI: { Resize: vi.fn(async () => true) },
    },
  };
  return sdk;
}

function frameWith(props: Record<string, unknown>): Window {
  const win = { document, ...props } as unknown as Window & { parent: Window };
  win.parent = (props.parent as Window) ?? win;
  return win;
}

describe('zohoHost', () => {
  it('reads the PageLoad context; EntityId may be an array', () => {
    expect(toPageContext({ Entity: 'Leads', EntityId: ['42', '43'] })).toEqual({
      module: 'Leads',
      recordId: '42',
    });
    expect(toPageContext({ Entity: 'Contacts', EntityId: 7 })).toEqual({ module: 'Contacts', recordId: '7' });
    expect(toPageContext(undefined)).toEqual({ module: null, recordId: null });
  });

  it('calls the SDK the way Zoho documents it and normalises the answers', async () => {
    const ZOHO = fakeZoho(
      { Entity: 'Contacts', EntityId: ['1001'] },
      {
        record: { data: [{ id: 1001, Last_Name: 'Maria' }] },
        notes: {
          data: [
            {
              id: 'n1',
              Note_Title: 'WhatsApp chat with Maria (02/01/2025)',
              Note_Content: 'hola',
              Created_Time: '2025-01-02T10:00:00+01:00',
              Modified_Time: '2025-01-02T11:00:00+01:00',
              $attachments: [{ File_Name: 'photo.jpg' }],
            },
          ],
          info: { more_records: false },
        },
        user: { users: [{ id: 'u1', full_name: 'Olga Owner', email: 'owner@acme.test' }] },
      },
    );
    const host = createZohoHost(frameWith({ ZOHO }));
    expect(await host.init()).toEqual({ module: 'Contacts', recordId: '1001' });
    expect(await host.getRecord('Contacts', '1001')).toEqual({ id: '1001', Last_Name: 'Maria' });
    expect(ZOHO.CRM.API.getRecord).toHaveBeenCalledWith({ Entity: 'Contacts', RecordID: '1001' });
    expect(await host.getNotes('Contacts', '1001')).toEqual([
      {
        id: 'n1',
        title: 'WhatsApp chat with Maria (02/01/2025)',
        content: 'hola',
        createdTime: '2025-01-02T10:00:00+01:00',
        modifiedTime: '2025-01-02T11:00:00+01:00',
        attachments: ['photo.jpg'],
      },
    ]);
    expect(ZOHO.CRM.API.getRelatedRecords).toHaveBeenCalledWith(
      expect.objectContaining({ Entity: 'Contacts', RecordID: '1001', RelatedList: 'Notes' }),
    );
    expect(await host.getCurrentUser()).toEqual({
      id: 'u1',
      fullName: 'Olga Owner',
      email: 'owner@acme.test',
    });
    host.resize(321.2);
    host.resize(322);
    expect(ZOHO.CRM.UI.Resize).toHaveBeenCalledWith({ height: '322' });
  });

  it("reads the org's time zone from getOrgInfo, and null when it is missing or not a zone", async () => {
    const zoneOf = async (org: unknown) =>
      createZohoHost(frameWith({ ZOHO: fakeZoho({}, { org }) })).getOrgTimeZone();
    expect(await zoneOf({ org: [{ id: '1', time_zone: 'Europe/Madrid' }] })).toBe('Europe/Madrid');
    expect(await zoneOf({ org: [{ id: '1', time_zone: 'Mars/Olympus' }] })).toBeNull();
    expect(await zoneOf({})).toBeNull();
  });

  it('reads "no Notes" (Zoho answers 204, an empty body) as an empty list', async () => {
    const ZOHO = fakeZoho({ Entity: 'Contacts', EntityId: '1' }, { notes: '' });
    const host = createZohoHost(frameWith({ ZOHO }));
    expect(await host.getNotes('Contacts', '1')).toEqual([]);
  });

  it('uses the sandbox host page shim when a same-origin parent provides one', async () => {
    const ZOHO = fakeZoho({ Entity: 'Leads', EntityId: '9' });
    const factory = vi.fn(() => ZOHO);
    const parent = { __SANDBOX_ZOHO__: factory } as unknown as Window;
    const frame = frameWith({ parent });
    const host = createZohoHost(frame);
    expect(await host.init()).toEqual({ module: 'Leads', recordId: '9' });
    expect(factory).toHaveBeenCalledWith(frame);
  });

  it('turns SDK failures into readable errors', async () => {
    const ZOHO = fakeZoho({ Entity: 'Contacts', EntityId: '1' });
    ZOHO.CRM.API.getRecord = vi.fn(async () => {
      throw { data: [{ code: 'NO_PERMISSION', message: 'permission denied' }] };
    });
    const host = createZohoHost(frameWith({ ZOHO }));
    await expect(host.getRecord('Contacts', '1')).rejects.toThrow(
      new HostError('Could not read the record from Zoho CRM: permission denied'),
    );
  });

  it('falls back to an empty context when PageLoad never comes (settings page)', async () => {
    const ZOHO = fakeZoho(undefined);
    ZOHO.embeddedApp.on = () => undefined;
    const host = createZohoHost(frameWith({ ZOHO }), { pageLoadGraceMs: 5 });
    expect(await host.init()).toEqual({ module: null, recordId: null });
  });
});
