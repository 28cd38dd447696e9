/**
 * Session tokens for the admin API: signed (HMAC) and stateless, so any connector process can check
 * them. They carry the workspace's `sessionEpoch`: a disconnect bumps it and every older session
 * stops working. A session is renewed while it is used (the widget asks for a fresh token), so an
 * admin who comes back within its lifetime stays signed in.
 */
import { Problem } from '../errors.js';
import type { Secrets } from '../store/crypto.js';
import type { Workspace } from '../store/schema.js';
import type { Frozen } from '../store/store.js';

/** A session lasts 12 hours from its last renewal (the widget renews it while it is used). */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Renewals stop 30 days after the sign-in: then the user signs in with Zoho again. */
export const SESSION_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

export interface Session {
  wid: string;
  uid: string;
  email: string;
  /** the Zoho user's name, to say who is signed in */
  name?: string | undefined;
  role: 'owner' | 'viewer';
  epoch: number;
  /** epoch ms */
  exp: number;
  /** When the user signed in with Zoho (epoch ms); kept across renewals. Absent on older tokens. */
  since?: number | undefined;
}

export function issueSession(
  secrets: Secrets,
  ws: Frozen<Workspace>,
  user: { id: string; email: string; fullName?: string | undefined },
  now = Date.now(),
  since = now,
): { token: string; session: Session } {
  const session: Session = {
    wid: ws.id,
    uid: user.id,
    email: user.email,
    ...(user.fullName ? { name: user.fullName } : {}),
    role: user.id === ws.owner.userId ? 'owner' : 'viewer',
    epoch: ws.sessionEpoch,
    exp: now + SESSION_TTL_MS,
    since,
  };
  return { token: secrets.sign({ t: 'session', ...session }), session };
}

/**
 * The same user's session with a later expiry, or a problem when it may not be renewed any more
 * (signed in over SESSION_MAX_AGE_MS ago; a token without `since` counts from its own issue time).
 */
export function renewSession(
  secrets: Secrets,
  ws: Frozen<Workspace>,
  session: Session,
  now = Date.now(),
): { token: string; expiresAt: number } {
  const since = session.since ?? session.exp - SESSION_TTL_MS;
  if (now - since > SESSION_MAX_AGE_MS) {
    throw new Problem(
      'unauthenticated',
      'SESSION_TOO_OLD',
      'You signed in more than 30 days ago: connect Zoho CRM again to continue.',
    );
  }
  const user = { id: session.uid, email: session.email, fullName: session.name };
  const { token } = issueSession(secrets, ws, user, now, since);
  return { token, expiresAt: now + SESSION_TTL_MS };
}

/** The session a token carries when its signature is ours (not yet checked against the workspace). */
export function readSession(secrets: Secrets, token: string): Session | undefined {
  const payload = secrets.verify<Session & { t: string }>(token);
  if (!payload || payload.t !== 'session') return undefined;
  const { t: _t, ...session } = payload;
  return session;
}

/** A genuine session is current while unexpired and of the workspace's present epoch. */
export function sessionIsCurrent(
  session: Session,
  ws: Frozen<Workspace> | undefined,
  now = Date.now(),
): boolean {
  return ws !== undefined && ws.id === session.wid && session.exp >= now && session.epoch === ws.sessionEpoch;
}
