// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, createApiClient } from '../src/api/client';
import { ConnectError, createSessionStore, sessionKey, startConnect, type Session } from '../src/api/session';
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

  it('gives up when the popup is closed unanswered, after waiting a moment for a late answer', async () => {
    vi.useFakeTimers();
    try {
      const first = popupWindow();
      const closed = startConnect({
        backendUrl: BACKEND,
        backendOrigin: BACKEND,
        widgetOrigin: 'https://w.test',
      });
      const outcome = closed.result.catch((e: unknown) => e);
      (first.popup as { closed: boolean }).closed = true;
      await vi.advanceTimersByTimeAsync(2000);
      expect(await outcome).toMatchObject({ kind: 'closed' });
      vi.restoreAllMocks();

      // The callback page posts, then closes itself: an answer just after the close still counts.
      const second = popupWindow();
      const late = startConnect({
        backendUrl: BACKEND,
        backendOrigin: BACKEND,
        widgetOrigin: 'https://w.test',
      });
      (second.popup as { closed: boolean }).closed = true;
      await vi.advanceTimersByTimeAsync(500); // the poll has seen it closed
      post({ type: 'zoho-connected', sessionToken: 'late', workspaceId: 'ws_1' }, BACKEND, second.popup);
      await expect(late.result).resolves.toMatchObject({ sessionToken: 'late' });
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the stored session', () => {
  const session = (patch: Partial<Session> = {}): Session => ({
    sessionToken: 't',
    workspaceId: 'w',
    webhookUrl: null,
    expiresAt: null,
    email: 'owner@acme.test',
    ...patch,
  });
  const store = (backendOrigin = BACKEND, now = () => Date.parse('2025-03-01T12:00:00Z')) =>
    createSessionStore({ storage: window.localStorage, backendOrigin, events: window, now });
  afterEach(() => window.localStorage.clear());

  it('lives in localStorage, one per backend, so every tab and later visit finds it', () => {
    store().set(session());
    expect(store().get()?.sessionToken).toBe('t');
    expect(store('http://other.test').get()).toBeNull();
  });

  it('reads an expired session as ended, remembering who it was', () => {
    store().set(session({ expiresAt: '2025-03-01T11:59:59Z' }));
    expect(store().get()).toBeNull();
    expect(store().read()).toEqual({ kind: 'ended', reason: 'expired', email: 'owner@acme.test' });
  });

  it('remembers why it ended and who was signed in', () => {
    const s = store();
    s.set(session());
    s.end('disconnected');
    expect(store().get()).toBeNull();
    expect(store().read()).toEqual({ kind: 'ended', reason: 'disconnected', email: 'owner@acme.test' });
  });

  it("hears other tabs' changes to its own key only", () => {
    const heard: number[] = [];
    const unsubscribe = store().subscribe(() => heard.push(1));
    window.dispatchEvent(new StorageEvent('storage', { key: sessionKey(BACKEND) }));
    window.dispatchEvent(new StorageEvent('storage', { key: 'wzsync:draft:ws_1' }));
    expect(heard).toHaveLength(1);
    unsubscribe();
    window.dispatchEvent(new StorageEvent('storage', { key: sessionKey(BACKEND) }));
    expect(heard).toHaveLength(1);
  });

  it('ignores malformed stored values', () => {
    window.localStorage.setItem(sessionKey(BACKEND), '{"kind":"session","session":{"sessionToken":42}}');
    expect(store().read()).toBeNull();
    window.localStorage.setItem(sessionKey(BACKEND), 'not json');
    expect(store().read()).toBeNull();
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
