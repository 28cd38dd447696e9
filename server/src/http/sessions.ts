/**
 * Session tokens for the admin API: signed (HMAC) and stateless. They carry the workspace's
 * `sessionEpoch`, so disconnecting bumps the epoch and every older session stops working.
 */
import type { RequestHandler } from 'express';
import type { Secrets } from '../store/crypto.js';
import type { Store } from '../store/store.js';
import type { Workspace } from '../store/schema.js';
import { ApiError } from './errors.js';

const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface Session {
  wid: string;
  uid: string;
  email: string;
  role: 'owner' | 'viewer';
  epoch: number;
  exp: number;
}

export function issueSession(
  secrets: Secrets,
  ws: Workspace,
  user: { id: string; email: string },
  now = Date.now(),
): string {
  const session: Session = {
    wid: ws.id,
    uid: user.id,
    email: user.email,
    role: user.id === ws.owner.userId ? 'owner' : 'viewer',
    epoch: ws.sessionEpoch,
    exp: now + SESSION_TTL_MS,
  };
  return secrets.sign({ t: 'session', ...session });
}

declare module 'express-serve-static-core' {
  interface Request {
    session?: Session;
    workspace?: Workspace;
  }
}

/** The session and its workspace for an `Authorization: Bearer <token>` header, if it is valid now. */
export function verifySession(
  secrets: Secrets,
  store: Store,
  authorization: string | undefined,
): { session: Session; workspace: Workspace } | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match?.[1]) return undefined;
  const payload = secrets.verify<Session & { t: string }>(match[1]);
  const ws =
    payload && payload.t === 'session' ? store.data.workspaces.find((w) => w.id === payload.wid) : undefined;
  if (!payload || !ws || payload.exp < Date.now() || payload.epoch !== ws.sessionEpoch) return undefined;
  return { session: payload, workspace: ws };
}

export function requireSession(secrets: Secrets, store: Store): RequestHandler {
  return (req, _res, next) => {
    if (!/^Bearer\s+\S+$/i.test(req.headers.authorization ?? '')) {
      next(
        new ApiError(
          401,
          'UNAUTHENTICATED',
          'Send the session token from "Connect Zoho CRM" as `Authorization: Bearer <token>`.',
        ),
      );
      return;
    }
    const verified = verifySession(secrets, store, req.headers.authorization);
    if (!verified) {
      next(
        new ApiError(
          401,
          'SESSION_EXPIRED',
          'The session is invalid or has expired: connect Zoho CRM again to get a new one.',
        ),
      );
      return;
    }
    req.session = verified.session;
    req.workspace = verified.workspace;
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
