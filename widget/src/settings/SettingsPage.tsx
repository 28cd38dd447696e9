/** The admin settings page: connection, integration settings, webhook URL, recent sync outcomes. */
import { Alert, Badge, Button, Card } from '../ui/components';
import { useSettings } from './context';
import { SettingsCard } from './SettingsCard';
import { SyncLogCard, WebhookCard } from './ActivityCards';

export function SettingsPage({ syncLogPollMs }: { syncLogPollMs?: number }) {
  const [s] = useSettings();
  return (
    <main class="page" aria-busy={s.phase === 'loading' ? 'true' : undefined}>
      <header class="page-header">
        <h1>WhatsApp sync</h1>
        <p class="muted">TimelinesAI WhatsApp chats become Zoho CRM records and daily Notes.</p>
      </header>
      <ConnectionCard />
      {s.phase === 'ready' && s.workspace?.connected ? (
        <>
          <SettingsCard />
          <WebhookCard />
          <SyncLogCard pollMs={syncLogPollMs} />
        </>
      ) : null}
    </main>
  );
}

function ConnectionCard() {
  const [s, c] = useSettings();
  const ws = s.workspace;

  if (s.phase === 'loading') {
    return (
      <Card id="connection" title="Zoho CRM connection">
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
      <Card id="connection" title="Zoho CRM connection">
        <Alert tone="error">
          <p>Could not load the integration: {s.loadError}</p>
        </Alert>
        <div class="actions">
          <Button variant="primary" onClick={() => void c.reload()}>
            Try again
          </Button>
        </div>
      </Card>
    );
  }

  const connectButton = (label: string) => (
    <div class="actions">
      <Button
        variant="primary"
        busy={s.connecting}
        busyLabel="Waiting for Zoho…"
        onClick={() => void c.connect()}
      >
        {label}
      </Button>
      {s.connecting ? <Button onClick={() => c.cancelConnect()}>Cancel</Button> : null}
    </div>
  );

  const connectStatus = (
    <>
      {s.connecting ? (
        <p class="field-hint" role="status">
          {s.popupClosed
            ? 'The sign-in window was closed. Click Cancel, then connect again.'
            : 'Finish signing in to Zoho in the pop-up window.'}
        </p>
      ) : null}
      {s.connectMessage ? <Alert tone="error">{s.connectMessage}</Alert> : null}
    </>
  );

  if (s.phase === 'disconnected' || !ws) {
    return (
      <Card id="connection" title="Zoho CRM connection" actions={<Badge tone="neutral">Not connected</Badge>}>
        <p>
          Connect your Zoho CRM organization so WhatsApp chats from TimelinesAI can be synced. Use a CRM
          administrator account: the first person to connect an organization becomes the workspace owner, the
          only one who can change the settings.
        </p>
        {s.crmUser ? (
          <p class="muted">
            Signed in to Zoho CRM as {s.crmUser.fullName} ({s.crmUser.email}).
          </p>
        ) : null}
        {connectButton('Connect Zoho CRM')}
        {connectStatus}
      </Card>
    );
  }

  if (!ws.connected) {
    return (
      <Card id="connection" title="Zoho CRM connection" actions={<Badge tone="warning">Disconnected</Badge>}>
        <Alert tone="warning">
          The connection to {ws.orgName} was lost (its Zoho authorization was revoked or expired). WhatsApp
          events that arrive meanwhile are kept and synced once you reconnect.
        </Alert>
        {s.you?.isOwner ? (
          connectButton('Reconnect Zoho CRM')
        ) : (
          <p>Ask the workspace owner ({ws.ownerEmail}) to reconnect.</p>
        )}
        {connectStatus}
      </Card>
    );
  }

  return (
    <Card id="connection" title="Zoho CRM connection" actions={<Badge tone="success">Connected</Badge>}>
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
            <dt>You</dt>
            <dd>
              {s.you.email}
              {s.you.isOwner ? ' (owner)' : ''}
            </dd>
          </div>
        ) : null}
      </dl>
    </Card>
  );
}
