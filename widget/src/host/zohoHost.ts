/**
 * The only module that touches `window.ZOHO` (Zoho CRM's embedded-app JS SDK).
 *
 * Where the SDK comes from, in order:
 *  1. `window.ZOHO` already defined (a page that loaded the SDK itself);
 *  2. the sandbox host page: when the widget is framed by a same-origin parent that defines
 *     `window.__SANDBOX_ZOHO__(frameWindow)`, that function returns a `ZOHO`-shaped shim answering
 *     from the emulator (see server/src/sandbox/hostPage/host.js). Inside Zoho CRM the parent is
 *     cross-origin, reading it throws, and this step is skipped;
 *  3. Zoho's CDN script, injected on demand (so the sandbox never waits on the internet).
 */
import type { CrmNote, CrmRecord, CrmUser, Host, PageContext } from './host';
import { HostError } from './host';

export const ZOHO_SDK_URL = 'https://live.zwidgets.com/js-sdk/1.2/ZohoEmbededAppSDK.min.js';

/** The part of the SDK this widget uses. */
export interface ZohoSdk {
  embeddedApp: {
    on(event: 'PageLoad', handler: (data: unknown) => void): void;
    init(): Promise<unknown> | unknown;
  };
  CRM: {
    API: {
      getRecord(config: { Entity: string; RecordID: string }): Promise<unknown>;
      getRelatedRecords(config: {
        Entity: string;
        RecordID: string;
        RelatedList: string;
        page?: number;
        per_page?: number;
      }): Promise<unknown>;
    };
    CONFIG: { getCurrentUser(): Promise<unknown>; getOrgInfo(): Promise<unknown> };
    UI: { Resize(config: { height: string; width?: string }): Promise<unknown> | unknown };
  };
}

type SandboxShimFactory = (frame: Window) => ZohoSdk | undefined;

interface ZohoWindow extends Window {
  ZOHO?: ZohoSdk;
  __SANDBOX_ZOHO__?: SandboxShimFactory;
}

export interface ZohoHostOptions {
  sdkUrl?: string;
  /** How long to wait for PageLoad after init() resolved (pages without a record may not send it). */
  pageLoadGraceMs?: number;
  /** Give up when the SDK does not start at all (page opened outside Zoho CRM). */
  initTimeoutMs?: number;
}

const NOTES_PER_PAGE = 200;

export function createZohoHost(win: Window = window, options: ZohoHostOptions = {}): Host {
  const w = win as ZohoWindow;
  const sdkUrl = options.sdkUrl ?? ZOHO_SDK_URL;
  const pageLoadGraceMs = options.pageLoadGraceMs ?? 1500;
  const initTimeoutMs = options.initTimeoutMs ?? 15_000;
  let started: Promise<{ sdk: ZohoSdk; context: PageContext }> | undefined;
  let lastHeight = -1;
  let pendingHeight = 0;
  let resizeSdk: ZohoSdk | undefined;

  function applyResize() {
    if (!resizeSdk || pendingHeight === lastHeight || !(pendingHeight > 0)) return;
    lastHeight = pendingHeight;
    try {
      Promise.resolve(resizeSdk.CRM.UI.Resize({ height: String(pendingHeight) })).catch(() => undefined);
    } catch {
      // resizing is cosmetic: never break the widget over it
    }
  }

  function start(): Promise<{ sdk: ZohoSdk; context: PageContext }> {
    if (started) return started;
    const attempt = (async () => {
      const sdk = await loadSdk(w, sdkUrl, initTimeoutMs);
      const context = await new Promise<PageContext>((resolve, reject) => {
        let settled = false;
        const settle = (fn: () => void) => {
          if (!settled) {
            settled = true;
            clearTimeout(timeout);
            fn();
          }
        };
        const timeout = setTimeout(
          () =>
            settle(() =>
              reject(new HostError('Zoho CRM did not answer. Open this page from inside Zoho CRM.')),
            ),
          initTimeoutMs,
        );
        sdk.embeddedApp.on('PageLoad', (data) => settle(() => resolve(toPageContext(data))));
        Promise.resolve(sdk.embeddedApp.init()).then(
          () => setTimeout(() => settle(() => resolve({ module: null, recordId: null })), pageLoadGraceMs),
          (err: unknown) => settle(() => reject(toHostError(err, 'Zoho CRM could not start the widget'))),
        );
      });
      resizeSdk = sdk;
      applyResize(); // a size asked for before the SDK was ready
      return { sdk, context };
    })();
    // A failed start may be retried (the Retry button of the views calls init() again).
    attempt.catch(() => {
      if (started === attempt) started = undefined;
    });
    started = attempt;
    return attempt;
  }

  async function call<T>(
    what: string,
    fn: (sdk: ZohoSdk) => Promise<unknown>,
    map: (answer: unknown) => T,
  ): Promise<T> {
    const { sdk } = await start();
    let answer: unknown;
    try {
      answer = await fn(sdk);
    } catch (err) {
      throw toHostError(err, what);
    }
    return map(answer);
  }

  return {
    init: async () => (await start()).context,

    getRecord: (module, id) =>
      call(
        'Could not read the record from Zoho CRM',
        (sdk) => sdk.CRM.API.getRecord({ Entity: module, RecordID: id }),
        (answer) => {
          const row = dataRows(answer)[0];
          return row && typeof row.id !== 'undefined' ? ({ ...row, id: String(row.id) } as CrmRecord) : null;
        },
      ),

    getNotes: (module, id) =>
      call(
        "Could not read the record's Notes from Zoho CRM",
        (sdk) =>
          sdk.CRM.API.getRelatedRecords({
            Entity: module,
            RecordID: id,
            RelatedList: 'Notes',
            page: 1,
            per_page: NOTES_PER_PAGE,
          }),
        (answer) => dataRows(answer).map(toNote),
      ),

    getCurrentUser: () =>
      call(
        'Could not read the current CRM user',
        (sdk) => sdk.CRM.CONFIG.getCurrentUser(),
        (answer) => {
          const users = isObject(answer) && Array.isArray(answer.users) ? answer.users : [];
          const u: unknown = users[0];
          if (!isObject(u)) return null;
          return { id: str(u.id), fullName: str(u.full_name), email: str(u.email) } satisfies CrmUser;
        },
      ),

    getOrgTimeZone: () =>
      call(
        'Could not read the organization from Zoho CRM',
        (sdk) => sdk.CRM.CONFIG.getOrgInfo(),
        (answer) => {
          // Zoho answers `{org: [{time_zone: "Europe/Madrid", …}]}`.
          const zone = str(firstOrg(answer)?.time_zone);
          return isTimeZone(zone) ? zone : null;
        },
      ),

    getOrgId: () =>
      call(
        'Could not read the organization from Zoho CRM',
        (sdk) => sdk.CRM.CONFIG.getOrgInfo(),
        (answer) => {
          return str(firstOrg(answer)?.id) || null;
        },
      ),

    resize(height) {
      pendingHeight = Math.ceil(height);
      applyResize();
    },
  };
}

async function loadSdk(w: ZohoWindow, sdkUrl: string, timeoutMs: number): Promise<ZohoSdk> {
  if (w.ZOHO) return w.ZOHO;
  const shim = sandboxShim(w);
  if (shim) return shim;
  await injectScript(w.document, sdkUrl, timeoutMs);
  if (!w.ZOHO) throw new HostError('The Zoho CRM SDK did not load. Open this page from inside Zoho CRM.');
  return w.ZOHO;
}

function sandboxShim(w: ZohoWindow): ZohoSdk | undefined {
  try {
    const parent = w.parent as ZohoWindow | null;
    if (!parent || parent === w || typeof parent.__SANDBOX_ZOHO__ !== 'function') return undefined;
    return parent.__SANDBOX_ZOHO__(w);
  } catch {
    return undefined; // cross-origin parent: the real CRM
  }
}

function injectScript(doc: Document, src: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = doc.createElement('script');
    const timer = setTimeout(
      () => reject(new HostError('The Zoho CRM SDK took too long to load.')),
      timeoutMs,
    );
    script.src = src;
    script.async = true;
    script.onload = () => {
      clearTimeout(timer);
      resolve();
    };
    script.onerror = () => {
      clearTimeout(timer);
      reject(new HostError('The Zoho CRM SDK could not be loaded. Open this page from inside Zoho CRM.'));
    };
    doc.head.appendChild(script);
  });
}

export function toPageContext(data: unknown): PageContext {
  if (!isObject(data)) return { module: null, recordId: null };
  const entity = typeof data.Entity === 'string' && data.Entity ? data.Entity : null;
  const raw: unknown = Array.isArray(data.EntityId) ? data.EntityId[0] : data.EntityId;
  const recordId = typeof raw === 'string' || typeof raw === 'number' ? String(raw) || null : null;
  return { module: entity, recordId };
}

function toNote(row: Record<string, unknown>): CrmNote {
  const attachments = Array.isArray(row.$attachments) ? row.$attachments : [];
  return {
    id: str(row.id),
    title: str(row.Note_Title),
    content: str(row.Note_Content),
    createdTime: typeof row.Created_Time === 'string' ? row.Created_Time : null,
    modifiedTime: typeof row.Modified_Time === 'string' ? row.Modified_Time : null,
    attachments: attachments
      .map((a: unknown) => (isObject(a) ? str(a.File_Name ?? a.file_Name ?? a.name) : ''))
      .filter((name: string) => name !== ''),
  };
}

/** Zoho answers `{data:[...]}`, or an empty body (204) when there is nothing. */
function dataRows(answer: unknown): Record<string, unknown>[] {
  if (!isObject(answer) || !Array.isArray(answer.data)) return [];
  return answer.data.filter(isObject);
}

function toHostError(err: unknown, what: string): HostError {
  if (err instanceof HostError) return err;
  const detail = zohoMessage(err);
  return new HostError(detail ? `${what}: ${detail}` : `${what}.`);
}

function zohoMessage(err: unknown): string {
  if (typeof err === 'string') return err;
  if (err instanceof Error) return err.message;
  if (!isObject(err)) return '';
  if (typeof err.message === 'string') return err.message;
  const row = Array.isArray(err.data) ? err.data[0] : undefined;
  if (isObject(row) && typeof row.message === 'string') return row.message;
  return typeof err.code === 'string' ? err.code : '';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** The org of a `getOrgInfo` answer (`{org: [{…}]}`), when there is one. */
function firstOrg(answer: unknown): Record<string, unknown> | undefined {
  const orgs = isObject(answer) && Array.isArray(answer.org) ? answer.org : [];
  const org: unknown = orgs[0];
  return isObject(org) ? org : undefined;
}
