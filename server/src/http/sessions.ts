/**
 * Session tokens for the admin API: signed (HMAC) and stateless. They carry the workspace's
 * `sessionEpoch`, so disconnecting bumps the epoch and every older session stops working.
 */
import type { RequestHandler } from 'express';
import type { Secrets } from '../store/crypto.js';
import type { Store } from '../store/store.js';
import type { Workspace } from '../store/schema.js';
import { ApiError } from './errors.js';

/** A session lasts 12 hours from its last renewal (the widget renews it while it is used). */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
/** Renewals stop 30 days after the sign-in: then the user signs in with Zoho again. */
export const SESSION_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

export interface Session {
  wid: string;
  uid: string;
  email: string;
  role: 'owner' | 'viewer';
  epoch: number;
  exp: number;
  /** When the user signed in with Zoho (epoch ms); kept across renewals. Absent on older tokens. */
  since?: number;
}

export function issueSession(
  secrets: Secrets,
  ws: Workspace,
  user: { id: string; email: string },
  now = Date.now(),
  since = now,
): string {
  const session: Session = {
    wid: ws.id,
    uid: user.id,
    email: user.email,
    role: user.id === ws.owner.userId ? 'owner' : 'viewer',
    epoch: ws.sessionEpoch,
    exp: now + SESSION_TTL_MS,
    since,
  };
  return secrets.sign({ t: 'session', ...session });
}

/**
 * The same user's session with a later expiry, or an error when it may not be renewed any more
 * (signed in over SESSION_MAX_AGE_MS ago; a token without `since` counts from its own issue time).
 */
export function renewSession(
  secrets: Secrets,
  ws: Workspace,
  session: Session,
  now = Date.now(),
): { token: string; expiresAt: number } {
  const since = session.since ?? session.exp - SESSION_TTL_MS;
  if (now - since > SESSION_MAX_AGE_MS) {
    throw new ApiError(
      401,
      'SESSION_TOO_OLD',
      'You signed in more than 30 days ago: connect Zoho CRM again to continue.',
    );
  }
  const token = issueSession(secrets, ws, { id: session.uid, email: session.email }, now, since);
  return { token, expiresAt: now + SESSION_TTL_MS };
}

declare module 'express-serve-static-core' {
  interface Request {
    session?: Session;
    workspace?: Workspace;
  }
}

export function requireSession(secrets: Secrets, store: Store): RequestHandler {
  return (req, _res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      next(
        new ApiError(
          401,
          'UNAUTHENTICATED',
          'Send the session token from "Connect Zoho CRM" as `Authorization: Bearer <token>`.',
        ),
      );
      return;
    }
    const payload = secrets.verify<Session & { t: string }>(match[1]);
    const ws =
      payload && payload.t === 'session'
        ? store.data.workspaces.find((w) => w.id === payload.wid)
        : undefined;
    if (!payload || !ws || payload.exp < Date.now() || payload.epoch !== ws.sessionEpoch) {
      next(
        new ApiError(
          401,
          'SESSION_EXPIRED',
          'The session is invalid or has expired: connect Zoho CRM again to get a new one.',
        ),
      );
      return;
    }
    req.session = payload;
    req.workspace = ws;
    next();
  };
}

/** Only the workspace owner (the Zoho user who made the master connection) changes anything. */
export const requireOwner: RequestHandler = (req, _res, next) => {
  const ws = req.workspace;
  if (!ws || req.session?.role !== 'owner' || req.session.uid !== ws.owner.userId) {
    next(
      new ApiError(
        403,
        'NOT_WORKSPACE_OWNER',
        `Only the workspace owner (${ws?.owner.email ?? 'the user who connected Zoho CRM'}) can change the connection or the settings. You can view them.`,
      ),
    );
    return;
  }
  next();
};
