/**
 * The admin's session with the backend: a token obtained by the "Connect Zoho CRM" popup and kept in
 * sessionStorage (per tab, gone when the tab closes).
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
}

export interface SessionStore {
  get(): Session | null;
  set(session: Session): void;
  clear(): void;
}

export function createSessionStore(storage: Storage | undefined, backendOrigin: string): SessionStore {
  const key = `wzsync:session:${backendOrigin}`;
  let memory: Session | null = null; // storage may be unavailable (third-party frame with storage blocked)
  return {
    get() {
      try {
        const raw = storage?.getItem(key);
        if (raw) {
          const s = JSON.parse(raw) as Partial<Session>;
          if (typeof s.sessionToken === 'string' && s.sessionToken) {
            return {
              sessionToken: s.sessionToken,
              workspaceId: typeof s.workspaceId === 'string' ? s.workspaceId : '',
              webhookUrl: typeof s.webhookUrl === 'string' ? s.webhookUrl : null,
            };
          }
        }
      } catch {
        // fall back to memory
      }
      return memory;
    },
    set(session) {
      memory = session;
      try {
        storage?.setItem(key, JSON.stringify(session));
      } catch {
        // memory only
      }
    },
    clear() {
      memory = null;
      try {
        storage?.removeItem(key);
      } catch {
        // nothing stored
      }
    },
  };
}

export class ConnectError extends Error {
  override name = 'ConnectError';
  constructor(
    readonly kind: 'blocked' | 'refused' | 'cancelled',
    message: string,
  ) {
    super(message);
  }
}

export interface ConnectAttempt {
  /** Resolves with the new session; rejects with ConnectError. */
  result: Promise<Session>;
  /** Resolves when the popup is seen closed (the attempt keeps listening: a late answer still counts). */
  popupClosed: Promise<void>;
  /** Stops listening; `result` rejects with kind 'cancelled'. */
  cancel(): void;
}

export interface ConnectOptions {
  backendUrl: string;
  backendOrigin: string;
  widgetOrigin: string;
  win?: Window;
  closedPollMs?: number;
}

export function startConnect({
  backendUrl,
  backendOrigin,
  widgetOrigin,
  win = window,
  closedPollMs = 500,
}: ConnectOptions): ConnectAttempt {
  const url = `${backendUrl}/oauth/zoho/start?origin=${encodeURIComponent(widgetOrigin)}`;
  const popup = win.open(url, 'wzsync-zoho-connect', 'popup,width=600,height=720');
  let onClosed: () => void = () => undefined;
  const popupClosed = new Promise<void>((resolve) => (onClosed = resolve));
  let cancel: () => void = () => undefined;

  const result = new Promise<Session>((resolve, reject) => {
    if (!popup) {
      reject(
        new ConnectError(
          'blocked',
          'Your browser blocked the Zoho sign-in window. Allow pop-ups for this page, then try again.',
        ),
      );
      return;
    }
    const poll = setInterval(() => {
      let closed: boolean;
      try {
        closed = popup.closed;
      } catch {
        closed = false;
      }
      if (closed) {
        clearInterval(poll);
        onClosed();
      }
    }, closedPollMs);
    const stop = () => {
      clearInterval(poll);
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
  return { result, popupClosed, cancel: () => cancel() };
}
