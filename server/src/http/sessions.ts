/**
 * The admin API's authentication: `Authorization: Bearer <session token>` (workspace/sessions.ts),
 * checked against the workspace as stored now (a disconnect ends every session at once, in every
 * process), and the owner check for changes.
 */
import type { RequestHandler } from 'express';
import { Problem } from '../errors.js';
import type { Secrets } from '../store/crypto.js';
import type { Workspace } from '../store/schema.js';
import type { Frozen, Store } from '../store/store.js';
import { readSession, sessionIsCurrent, type Session } from '../workspace/sessions.js';

declare module 'express-serve-static-core' {
  interface Request {
    session?: Session;
    workspace?: Frozen<Workspace>;
  }
}

/** The session and its workspace for an `Authorization: Bearer <token>` header, if it is valid now. */
export async function verifySession(
  secrets: Secrets,
  store: Store,
  authorization: string | undefined,
): Promise<{ session: Session; workspace: Frozen<Workspace> } | undefined> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  const session = match?.[1] ? readSession(secrets, match[1]) : undefined;
  if (!session) return undefined;
  const ws = await store.workspaces.get(session.wid);
  return ws && sessionIsCurrent(session, ws) ? { session, workspace: ws } : undefined;
}

export function requireSession(secrets: Secrets, store: Store): RequestHandler {
  return (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1]) {
      next(
        new Problem(
          'unauthenticated',
          'UNAUTHENTICATED',
          'Send the session token from "Connect Zoho CRM" as `Authorization: Bearer <token>`.',
        ),
      );
      return;
    }
    const session = readSession(secrets, match[1]);
    const expired = () =>
      new Problem(
        'unauthenticated',
        'SESSION_EXPIRED',
        'The session is invalid or has expired: connect Zoho CRM again to get a new one.',
      );
    if (!session) {
      next(expired());
      return;
    }
    store.workspaces.get(session.wid).then(
      (ws) => {
        if (!sessionIsCurrent(session, ws)) return next(expired());
        req.session = session;
        req.workspace = ws;
        next();
      },
      (e: unknown) => next(e),
    );
  };
}

/** Only the workspace owner (the Zoho user who made the master connection) changes anything. */
export const requireOwner: RequestHandler = (req, _res, next) => {
  const ws = req.workspace;
  if (!ws || req.session?.role !== 'owner' || req.session.uid !== ws.owner.userId) {
    next(
      new Problem(
        'forbidden',
        'NOT_WORKSPACE_OWNER',
        `Only the workspace owner (${ws?.owner.email ?? 'the user who connected Zoho CRM'}) can change the connection or the settings. You can view them.`,
      ),
    );
    return;
  }
  next();
};
