/**
 * Session tokens for the admin API: signed (HMAC) and stateless, so any connector process can check
 * them. They carry the workspace's `sessionEpoch`: a disconnect bumps it and every older session
 * stops working. A session is renewed while it is used (the widget asks for a fresh token), so an
 * admin who comes back within its lifetime stays signed in.
 */
import type { Secrets } from '../store/crypto.js';
import type { Workspace } from '../store/schema.js';
import type { Frozen } from '../store/store.js';

/** How long a session lasts without use. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

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
}

export function issueSession(
  secrets: Secrets,
  ws: Frozen<Workspace>,
  user: { id: string; email: string; fullName?: string | undefined },
  now = Date.now(),
): { token: string; session: Session } {
  const session: Session = {
    wid: ws.id,
    uid: user.id,
    email: user.email,
    ...(user.fullName ? { name: user.fullName } : {}),
    role: user.id === ws.owner.userId ? 'owner' : 'viewer',
    epoch: ws.sessionEpoch,
    exp: now + SESSION_TTL_MS,
  };
  return { token: secrets.sign({ t: 'session', ...session }), session };
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
