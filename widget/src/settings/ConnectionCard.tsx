/**
 * The Zoho CRM connection: who is signed in to this page and how to sign out, switch user or
 * disconnect; or, without a session, why (never connected, signed out, expired, disconnected) and
 * the one button that signs in.
 */
import type { EndReason } from '../api/session';
import { Alert, Badge, Button, Card, ConfirmPanel } from '../ui/components';
import { useSettings } from './context';

const CARD = { id: 'connection', title: 'Zoho CRM connection' } as const;

export function ConnectionCard() {
  const [s, c] = useSettings();
  const ws = s.workspace;

  if (s.phase === 'loading') {
    return (
      <Card {...CARD}>
        <div class="skeleton-block" role="status">
          <span class="visually-hidden">Loading the connection…</span>
          <span class="skeleton-line" aria-hidden="true" />
          <span class="skeleton-line short" aria-hidden="true" />
        </div>
      </Card>
    );
  }

  if (s.phase === 'error') {
    return (
      <Card {...CARD}>
        <Alert tone="error">
          <p>Could not load the integration: {s.loadError}</p>
        </Alert>
        <div class="actions">
          <Button variant="primary" onClick={() => void c.reload()}>
            Try again
          </Button>
          <Button onClick={() => c.signOut()}>Sign out</Button>
        </div>
      </Card>
    );
  }

  if (s.phase === 'signedOut' || !ws) return <SignedOut />;

  if (!ws.connected) {
    return (
      <Card {...CARD} actions={<Badge tone="warning">Connection lost</Badge>}>
        <Alert tone="warning">
          The connection to {ws.orgName} was lost (its Zoho authorization was revoked or expired). WhatsApp
          messages that arrive meanwhile are kept and synced once it is reconnected.
        </Alert>
        {s.you?.isOwner ? (
          <SignInButton label="Reconnect Zoho CRM" />
        ) : (
          <p>Ask the workspace owner ({ws.ownerEmail}) to reconnect.</p>
        )}
        <AccountActions showStatus={false} />
      </Card>
    );
  }

  return (
    <Card {...CARD} actions={<Badge tone="success">Connected</Badge>}>
      <dl class="summary">
        <div>
          <dt>Organization</dt>
          <dd>{ws.orgName}</dd>
        </div>
        <div>
          <dt>Workspace owner</dt>
          <dd>{ws.ownerEmail}</dd>
        </div>
        {s.you ? (
          <div>
            <dt>Signed in as</dt>
            <dd>
              {s.you.email} {s.you.isOwner ? '(owner)' : '(read-only: only the owner changes settings)'}
            </dd>
          </div>
        ) : null}
      </dl>
      <AccountActions showStatus />
    </Card>
  );
}

/** The popup's button, its waiting state and why the last attempt did not finish. */
function SignInButton({ label }: { label: string }) {
  const [s, c] = useSettings();
  return (
    <>
      <div class="actions">
        <Button
          variant="primary"
          busy={s.connecting === 'connect'}
          busyLabel="Waiting for Zoho…"
          disabled={s.connecting === 'switch'}
          onClick={() => void c.connect()}
        >
          {label}
        </Button>
        {s.connecting === 'connect' ? <Button onClick={() => c.cancelConnect()}>Cancel</Button> : null}
      </div>
      <ConnectStatus />
    </>
  );
}

function ConnectStatus() {
  const [s] = useSettings();
  return (
    <>
      {s.connecting ? (
        <p class="field-hint" role="status">
          Finish in the Zoho sign-in window: sign in as the Zoho CRM user who should use this page.
        </p>
      ) : null}
      {s.connectMessage ? <Alert tone={s.connectMessage.tone}>{s.connectMessage.text}</Alert> : null}
    </>
  );
}

const SIGNED_OUT: Record<
  'never' | EndReason,
  { badge: string; tone: 'neutral' | 'warning'; button: string; text: (email: string | null) => string }
> = {
  never: {
    badge: 'Not connected',
    tone: 'neutral',
    button: 'Connect Zoho CRM',
    text: () =>
      'Connect your Zoho CRM organization so WhatsApp chats from TimelinesAI can be synced. Use a CRM administrator account: the first person to connect an organization becomes the workspace owner, the only one who can change the settings.',
  },
  signedOut: {
    badge: 'Signed out',
    tone: 'neutral',
    button: 'Sign in with Zoho',
    text: (email) =>
      `You signed out${email ? ` (${email})` : ''}. The integration keeps syncing WhatsApp messages; sign in to see or change its settings.`,
  },
  expired: {
    badge: 'Session ended',
    tone: 'warning',
    button: 'Sign in again',
    text: (email) =>
      `Your session${email ? ` as ${email}` : ''} has ended. The integration keeps syncing, and its settings are kept: sign in again to continue where you were.`,
  },
  disconnected: {
    badge: 'Disconnected',
    tone: 'warning',
    button: 'Connect Zoho CRM',
    text: () =>
      "Zoho CRM is disconnected: the connection's authorization was revoked and everyone was signed out. WhatsApp messages that arrive are kept and synced after you reconnect; the settings are kept too.",
  },
};

function SignedOut() {
  const [s] = useSettings();
  const view = SIGNED_OUT[s.ended.reason ?? 'never'];
  return (
    <Card {...CARD} actions={<Badge tone={view.tone}>{view.badge}</Badge>}>
      <p>{view.text(s.ended.email)}</p>
      <SignInButton label={view.button} />
    </Card>
  );
}

/** Sign out, switch user and (owner only) disconnect, with the disconnect's confirmation. */
function AccountActions({ showStatus }: { showStatus: boolean }) {
  const [s, c] = useSettings();
  if (s.confirming === 'disconnect') {
    return (
      <ConfirmPanel
        id="confirm-disconnect"
        title="Disconnect Zoho CRM?"
        confirmLabel="Disconnect"
        onConfirm={() => void c.disconnect()}
        onCancel={() => c.cancelConfirm()}
      >
        <p>
          The Zoho authorization is revoked and everyone signed in to this page is signed out. Incoming
          WhatsApp messages are kept and synced after you reconnect; the settings stay as they are.
        </p>
      </ConfirmPanel>
    );
  }
  return (
    <>
      <div class="actions">
        <Button onClick={() => c.signOut()} disabled={s.busy === 'disconnecting'}>
          Sign out
        </Button>
        <Button
          busy={s.connecting === 'switch'}
          busyLabel="Waiting for Zoho…"
          disabled={s.connecting === 'connect'}
          onClick={() => void c.switchUser()}
        >
          Switch user
        </Button>
        {s.connecting === 'switch' ? <Button onClick={() => c.cancelConnect()}>Cancel</Button> : null}
        {s.you?.isOwner && s.workspace?.connected ? (
          <Button
            variant="danger"
            busy={s.busy === 'disconnecting'}
            busyLabel="Disconnecting…"
            onClick={() => c.requestDisconnect()}
          >
            Disconnect Zoho CRM
          </Button>
        ) : null}
      </div>
      {showStatus ? <ConnectStatus /> : null}
    </>
  );
}
