// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient } from '../src/api/client';
import { ConnectError, createSessionStore, startConnect } from '../src/api/session';
import { resolveConfig } from '../src/config';

const BACKEND = 'http://backend.test:3000';

function popupWindow() {
  const popup = { closed: false } as unknown as Window;
  const open = vi.spyOn(window, 'open').mockReturnValue(popup);
  return { popup, open };
}

function post(data: unknown, origin: string, source: unknown) {
  window.dispatchEvent(new MessageEvent('message', { data, origin, source: source as Window }));
}

afterEach(() => vi.restoreAllMocks());

describe('connecting', () => {
  it('opens /oauth/zoho/start with the widget origin and accepts only the backend popup message', async () => {
    const { popup, open } = popupWindow();
    const attempt = startConnect({
      backendUrl: BACKEND,
      backendOrigin: BACKEND,
      widgetOrigin: 'https://widget.test',
    });
    expect(open.mock.calls[0]![0]).toBe(
      `${BACKEND}/oauth/zoho/start?origin=${encodeURIComponent('https://widget.test')}`,
    );
    const message = {
      type: 'zoho-connected',
      sessionToken: 'tok',
      workspaceId: 'ws_1',
      webhookUrl: 'http://x/w',
    };
    post({ ...message, sessionToken: 'forged' }, 'https://evil.test', popup); // wrong origin: ignored
    post({ ...message, sessionToken: 'forged' }, BACKEND, {}); // not our popup: ignored
    post(message, BACKEND, popup);
    await expect(attempt.result).resolves.toEqual({
      sessionToken: 'tok',
      workspaceId: 'ws_1',
      webhookUrl: 'http://x/w',
    });
  });

  it("reports the backend's refusal and a blocked popup", async () => {
    const { popup } = popupWindow();
    const refused = startConnect({
      backendUrl: BACKEND,
      backendOrigin: BACKEND,
      widgetOrigin: 'https://w.test',
    });
    post(
      {
        type: 'zoho-connect-error',
        error: { code: 'NOT_ADMIN', message: 'Connect with a CRM administrator.' },
      },
      BACKEND,
      popup,
    );
    await expect(refused.result).rejects.toThrow('Connect with a CRM administrator.');

    vi.spyOn(window, 'open').mockReturnValue(null);
    const blocked = startConnect({
      backendUrl: BACKEND,
      backendOrigin: BACKEND,
      widgetOrigin: 'https://w.test',
    });
    await expect(blocked.result).rejects.toBeInstanceOf(ConnectError);
  });

  it('keeps the session in sessionStorage, per backend', () => {
    const a = createSessionStore(window.sessionStorage, BACKEND);
    a.set({ sessionToken: 't', workspaceId: 'w', webhookUrl: null });
    expect(createSessionStore(window.sessionStorage, BACKEND).get()?.sessionToken).toBe('t');
    expect(createSessionStore(window.sessionStorage, 'http://other.test').get()).toBeNull();
    a.clear();
    expect(createSessionStore(window.sessionStorage, BACKEND).get()).toBeNull();
  });
});

describe('config', () => {
  it('takes ?backend=, else the build-time URL, else the page origin', () => {
    const page = {
      href: 'https://zappscontents.test/app/settings.html',
      origin: 'https://zappscontents.test',
    };
    expect(resolveConfig(page, 'https://sync.example.com/').backendUrl).toBe('https://sync.example.com');
    expect(resolveConfig(page).backendUrl).toBe('https://zappscontents.test');
    const withQuery = {
      ...page,
      href: `${page.href}?backend=${encodeURIComponent('http://localhost:3000')}`,
    };
    expect(resolveConfig(withQuery, 'https://sync.example.com')).toEqual({
      backendUrl: 'http://localhost:3000',
      backendOrigin: 'http://localhost:3000',
      widgetOrigin: 'https://zappscontents.test',
    });
    const hostile = { ...page, href: `${page.href}?backend=javascript:alert(1)` };
    expect(resolveConfig(hostile).backendUrl).toBe('https://zappscontents.test');
  });
});

describe('api client', () => {
  it('sends the bearer token and turns error bodies into ApiError with the field', async () => {
    const fetchFn = vi.fn(async (_url: RequestInfo | URL, _init?: RequestInit) =>
      Response.json(
        {
          error: {
            code: 'ZOHO_VALIDATION',
            message: 'Lead Source is not a picklist.',
            field: 'leadSourceField',
          },
        },
        { status: 422 },
      ),
    );
    const api = createApiClient({
      baseUrl: `${BACKEND}/`,
      getToken: () => 'sess',
      fetch: fetchFn as typeof fetch,
    });
    const err = await api.activate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 422,
      code: 'ZOHO_VALIDATION',
      field: 'leadSourceField',
      message: 'Lead Source is not a picklist.',
    });
    const [url, init] = fetchFn.mock.calls[0]!;
    expect(url).toBe(`${BACKEND}/api/activate`);
    expect(init?.method).toBe('POST');
    expect((init?.headers as Record<string, string>).Authorization).toBe('Bearer sess');
  });

  it('accepts field candidates as objects or bare API names', async () => {
    const body = {
      fields: [
        { apiName: 'Phone', label: 'Phone', type: 'phone', mandatory: false, readOnly: false, custom: false },
      ],
      candidates: {
        phone: ['Phone'],
        name: [{ apiName: 'Last_Name', label: 'Last Name', type: 'text' }],
        chatLink: [],
        leadSource: [],
      },
    };
    const api = createApiClient({
      baseUrl: BACKEND,
      getToken: () => null,
      fetch: (async () => Response.json(body)) as typeof fetch,
    });
    const meta = await api.getModuleFields('Contacts');
    expect(meta.candidates.phone).toEqual([{ apiName: 'Phone', label: 'Phone', type: 'phone' }]);
    expect(meta.candidates.name[0]!.label).toBe('Last Name');
  });

  it('says the backend is unreachable in words', async () => {
    const api = createApiClient({
      baseUrl: BACKEND,
      getToken: () => null,
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as typeof fetch,
    });
    await expect(api.getWorkspace()).rejects.toThrow(`Could not reach the sync service at ${BACKEND}`);
  });
});
