/**
 * The settings page's session: restored silently from the browser in every tab, renewed while the
 * page is used, and ended by signing out, by disconnecting (owner only), or by expiry. Signing in
 * (again, or as someone else) goes through the "Connect Zoho CRM" popup.
 */
import { ApiError } from '../api/client';
import { ConnectError, type ConnectedSession, type Session } from '../api/session';
import type { ControllerCore } from './settingsController';
import { signedOutState } from './state';

/** Renew at most this often: each renewal moves the expiry 12 hours on, so 10 minutes is plenty. */
export const RENEW_AFTER_MS = 10 * 60 * 1000;

export interface SessionActions {
  /** Restores the stored session (renewing it) and loads the page, or says why there is none. */
  restore(): Promise<void>;
  /** Opens the sign-in popup: to connect (or sign in again), or to sign in as someone else. */
  connect(purpose?: 'connect' | 'switch'): Promise<void>;
  cancelConnect(): void;
  /** Renews the session when the last renewal is older than RENEW_AFTER_MS (call while the page is used). */
  keepAlive(): Promise<void>;
  signOut(): void;
  switchUser(): Promise<void>;
  requestDisconnect(): void;
  disconnect(): Promise<void>;
}

export function createSessionActions(core: ControllerCore): SessionActions {
  const { store, deps, now } = core;
  const { api, session } = deps;
  const { get, set } = store;
  let attempt: ReturnType<typeof deps.connect> | null = null;
  let renewedAt = Number.NEGATIVE_INFINITY;
  let renewing: Promise<void> | null = null;

  /** Renews the token; a refusal (401) ends the session, other failures leave it as it is. */
  function renew(): Promise<void> {
    renewing ??= (async () => {
      const current = session.get();
      if (!current) return;
      try {
        const fresh = await api.renewSession();
        // Another tab may have signed in as someone else meanwhile: keep what it stored.
        if (session.get()?.sessionToken !== current.sessionToken) return;
        session.set({
          ...current,
          sessionToken: fresh.sessionToken,
          expiresAt: fresh.expiresAt,
          email: fresh.email,
        });
        renewedAt = now();
      } catch (err) {
        core.sessionEnded(err);
      }
    })().finally(() => {
      renewing = null;
    });
    return renewing;
  }

  async function signedIn(connected: ConnectedSession) {
    const stored: Session = { ...connected, expiresAt: null, email: null };
    session.set(stored);
    set({ connecting: null, connectMessage: null });
    await Promise.all([renew(), core.load()]);
  }

  async function connect(purpose: 'connect' | 'switch' = 'connect') {
    attempt?.cancel();
    const current = deps.connect();
    attempt = current;
    set({ connecting: purpose, connectMessage: null });
    try {
      const connected = await current.result;
      if (attempt !== current) return;
      attempt = null;
      await signedIn(connected);
    } catch (err) {
      if (attempt !== current) return;
      attempt = null;
      const kind = err instanceof ConnectError ? err.kind : null;
      set({
        connecting: null,
        connectMessage:
          kind === 'cancelled'
            ? null
            : kind === 'closed'
              ? {
                  tone: 'info',
                  text: 'The Zoho sign-in window was closed before you finished. Nothing changed.',
                }
              : { tone: 'error', text: err instanceof Error ? err.message : String(err) },
      });
    }
  }

  // Another tab signed in, out, or renewed: follow it.
  session.subscribe(() => {
    const auth = session.read();
    const s = get();
    if (auth?.kind === 'session') {
      // Signed in there, or as someone else there: this tab's calls now carry that token, so show its user.
      const otherUser = s.phase === 'ready' && !!auth.session.email && auth.session.email !== s.you?.email;
      if (s.phase === 'signedOut' || s.phase === 'error' || otherUser) void core.load();
      return;
    }
    if (s.phase !== 'signedOut') set(signedOutState(auth?.reason ?? null, auth?.email ?? null));
  });

  return {
    async restore() {
      const current = session.get();
      if (!current) return core.load(); // shows why there is no session
      await Promise.all([renew(), core.load()]);
    },

    connect,
    cancelConnect: () => attempt?.cancel(),

    async keepAlive() {
      if (get().phase !== 'ready' || now() - renewedAt < RENEW_AFTER_MS) return;
      await renew();
    },

    signOut() {
      attempt?.cancel();
      core.endSession('signedOut');
    },

    switchUser: () => connect('switch'),

    requestDisconnect() {
      const s = get();
      if (s.phase !== 'ready' || !s.you?.isOwner || s.busy) return;
      set({ confirming: 'disconnect', connectMessage: null });
    },

    async disconnect() {
      const s = get();
      if (s.phase !== 'ready' || !s.you?.isOwner || s.busy) return;
      set({ busy: 'disconnecting', confirming: null, connectMessage: null });
      try {
        await api.disconnect();
        core.endSession('disconnected');
      } catch (err) {
        set({ busy: null });
        if (err instanceof ApiError && err.status === 401) core.endSession('expired');
        else
          set({ connectMessage: { tone: 'error', text: err instanceof Error ? err.message : String(err) } });
      }
    },
  };
}
