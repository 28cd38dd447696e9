/**
 * The admin's session with the backend, and the "Connect Zoho CRM" popup that starts one.
 *
 * The session is kept in localStorage, one per backend origin, with its expiry: every tab and later
 * visit of the settings page restores it silently for its lifetime (the controller renews it while
 * the page is used). When it ends the store keeps why (signed out, expired, disconnected) and who
 * was signed in, so every tab can say so instead of "Not connected". Other tabs' changes arrive
 * through the `storage` event.
 *
 * The popup opens `GET /oauth/zoho/start?origin=<widget origin>`; the backend's callback page posts
 * `{type:'zoho-connected', sessionToken, workspaceId, webhookUrl}` (or
 * `{type:'zoho-connect-error', error:{code,message}}`) to `window.opener` with targetOrigin = that
 * origin. Messages are accepted only from the backend's origin and the popup we opened.
 */

export interface Session {
  sessionToken: string;
  workspaceId: string;
  webhookUrl: string | null;
  /** When the backend stops accepting the token (ISO); null until a renewal has said. */
  expiresAt: string | null;
  /** Who is signed in, once known (kept after the session ends, to say who was). */
  email: string | null;
}

export type EndReason = 'signedOut' | 'expired' | 'disconnected';

/** What the browser holds for this backend: a session, or why the last one ended. */
export type StoredAuth =
  { kind: 'session'; session: Session } | { kind: 'ended'; reason: EndReason; email: string | null };

export interface SessionStore {
  /** null: nothing stored (never connected from this browser, or storage blocked). */
  read(): StoredAuth | null;
  /** The usable session: stored and not expired. */
  get(): Session | null;
  set(session: Session): void;
  /** Forgets the token and remembers why (and who was signed in). */
  end(reason: EndReason): void;
  /** Calls `listener` when another tab changed the stored session. */
  subscribe(listener: () => void): () => void;
}

interface StorageEventTarget {
  addEventListener(type: 'storage', listener: (event: StorageEvent) => void): void;
  removeEventListener(type: 'storage', listener: (event: StorageEvent) => void): void;
}

export interface SessionStoreOptions {
  /** localStorage, or undefined where the browser blocks it (the session then lasts as long as the page). */
  storage: Storage | undefined;
  backendOrigin: string;
  /** Where other tabs' `storage` events arrive (the window). */
  events?: StorageEventTarget | undefined;
  now?: () => number;
}

export function sessionKey(backendOrigin: string): string {
  return `wzsync:session:${backendOrigin}`;
}

export function createSessionStore({
  storage,
  backendOrigin,
  events,
  now = Date.now,
}: SessionStoreOptions): SessionStore {
  const key = sessionKey(backendOrigin);
  let memory: StoredAuth | null = null; // storage may be unavailable (third-party frame with storage blocked)

  function write(value: StoredAuth) {
    memory = value;
    try {
      storage?.setItem(key, JSON.stringify(value));
    } catch {
      // memory only
    }
  }

  function read(): StoredAuth | null {
    let stored: StoredAuth | null = memory;
    try {
      const raw = storage?.getItem(key);
      if (raw !== null && raw !== undefined) stored = parseAuth(JSON.parse(raw));
      else if (storage) stored = null;
    } catch {
      // unreadable: fall back to memory
    }
    if (stored?.kind === 'session' && isExpired(stored.session, now())) {
      return { kind: 'ended', reason: 'expired', email: stored.session.email };
    }
    return stored;
  }

  return {
    read,
    get() {
      const auth = read();
      return auth?.kind === 'session' ? auth.session : null;
    },
    set: (session) => write({ kind: 'session', session }),
    end(reason) {
      const auth = read();
      const email = auth?.kind === 'session' ? auth.session.email : (auth?.email ?? null);
      write({ kind: 'ended', reason, email });
    },
    subscribe(listener) {
      if (!events) return () => undefined;
      const onStorage = (event: StorageEvent) => {
        if (event.key === key || event.key === null) listener();
      };
      events.addEventListener('storage', onStorage);
      return () => events.removeEventListener('storage', onStorage);
    },
  };
}

export function isExpired(session: Session, now: number): boolean {
  if (!session.expiresAt) return false;
  const t = Date.parse(session.expiresAt);
  return Number.isNaN(t) || t <= now;
}

const REASONS: readonly EndReason[] = ['signedOut', 'expired', 'disconnected'];
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** Reads a stored value back; anything malformed counts as nothing stored. */
export function parseAuth(value: unknown): StoredAuth | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.kind === 'ended' && REASONS.includes(v.reason as EndReason)) {
    return { kind: 'ended', reason: v.reason as EndReason, email: str(v.email) };
  }
  const s = (v.kind === 'session' ? v.session : undefined) as Record<string, unknown> | undefined;
  const token = str(s?.sessionToken);
  if (!s || !token) return null;
  return {
    kind: 'session',
    session: {
      sessionToken: token,
      workspaceId: str(s.workspaceId) ?? '',
      webhookUrl: str(s.webhookUrl),
      expiresAt: str(s.expiresAt),
      email: str(s.email),
    },
  };
}

// ---------------------------------------------------------------- the sign-in popup

export class ConnectError extends Error {
  override name = 'ConnectError';
  constructor(
    readonly kind: 'blocked' | 'refused' | 'closed' | 'cancelled',
    message: string,
  ) {
    super(message);
  }
}

/** What the popup gives: the new session, its expiry not known yet. */
export type ConnectedSession = Pick<Session, 'sessionToken' | 'workspaceId' | 'webhookUrl'>;

export interface ConnectAttempt {
  /** Resolves with the new session; rejects with ConnectError (also when the popup is closed unanswered). */
  result: Promise<ConnectedSession>;
  /** Stops listening; `result` rejects with kind 'cancelled'. */
  cancel(): void;
}

export interface ConnectOptions {
  backendUrl: string;
  backendOrigin: string;
  widgetOrigin: string;
  win?: Window;
  closedPollMs?: number;
  /**
   * How long to wait for the popup's answer after it was seen closed: the callback page posts its
   * message and then closes itself, and the message may arrive just after the window is gone.
   */
  closedGraceMs?: number;
}

export function startConnect({
  backendUrl,
  backendOrigin,
  widgetOrigin,
  win = window,
  closedPollMs = 400,
  closedGraceMs = 1000,
}: ConnectOptions): ConnectAttempt {
  const url = `${backendUrl}/oauth/zoho/start?origin=${encodeURIComponent(widgetOrigin)}`;
  const popup = win.open(url, 'wzsync-zoho-connect', 'popup,width=600,height=720');
  let cancel: () => void = () => undefined;

  const result = new Promise<ConnectedSession>((resolve, reject) => {
    if (!popup) {
      reject(
        new ConnectError(
          'blocked',
          'Your browser blocked the Zoho sign-in window. Allow pop-ups for this page, then try again.',
        ),
      );
      return;
    }
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    const poll = setInterval(() => {
      let closed: boolean;
      try {
        closed = popup.closed;
      } catch {
        closed = false;
      }
      if (!closed || graceTimer) return;
      clearInterval(poll);
      graceTimer = setTimeout(() => {
        stop();
        reject(new ConnectError('closed', 'The Zoho sign-in window was closed before you finished.'));
      }, closedGraceMs);
    }, closedPollMs);
    const stop = () => {
      clearInterval(poll);
      clearTimeout(graceTimer);
      win.removeEventListener('message', onMessage);
    };
    function onMessage(event: MessageEvent) {
      if (event.origin !== backendOrigin) return;
      if (event.source !== null && event.source !== popup) return;
      const data: unknown = event.data;
      if (typeof data !== 'object' || data === null) return;
      const msg = data as Record<string, unknown>;
      if (msg.type === 'zoho-connected' && typeof msg.sessionToken === 'string' && msg.sessionToken) {
        stop();
        resolve({
          sessionToken: msg.sessionToken,
          workspaceId: typeof msg.workspaceId === 'string' ? msg.workspaceId : '',
          webhookUrl: typeof msg.webhookUrl === 'string' ? msg.webhookUrl : null,
        });
      } else if (msg.type === 'zoho-connect-error') {
        stop();
        const error = msg.error as { message?: unknown } | undefined;
        const message =
          typeof error?.message === 'string' && error.message
            ? error.message
            : 'Zoho CRM did not grant access.';
        reject(new ConnectError('refused', message));
      }
    }
    win.addEventListener('message', onMessage);
    cancel = () => {
      stop();
      reject(new ConnectError('cancelled', 'Connection cancelled.'));
    };
  });
  return { result, cancel: () => cancel() };
}
