/**
 * The TimelinesAI API connection: paste the token (TimelinesAI → Integrations → Public API), see the
 * WhatsApp numbers and the message quota, replace or remove the token. The owner changes it; others
 * see its state.
 */
import { useEffect } from 'preact/hooks';
import { useStore } from '../store/store';
import { Alert, Badge, Button, Card, ConfirmPanel } from '../ui/components';
import { formatDateTime } from '../ui/format';
import { useSettings } from './context';

const CARD = { id: 'timelines', title: 'TimelinesAI connection' } as const;

export function TimelinesCard() {
  const [s, c] = useSettings();
  const t = useStore(c.timelines.store);
  const ws = s.workspace;
  useEffect(() => {
    if (ws?.id) void c.timelines.load();
  }, [ws?.id, c]);
  if (!ws) return null;
  const owner = s.you?.isOwner ?? false;
  const connected = t.answer?.connection.connected ?? ws.timelines.connected;
  const problem = t.answer?.connection.problem ?? ws.timelines.problem;

  return (
    <Card
      {...CARD}
      actions={
        connected ? (
          <Badge tone={problem ? 'error' : 'success'}>{problem ? 'Token refused' : 'Connected'}</Badge>
        ) : (
          <Badge tone="neutral">Not connected</Badge>
        )
      }
    >
      <p class="muted">
        With TimelinesAI's API token, activation registers the webhook in TimelinesAI for you, reps can send
        WhatsApp messages from a record's chat panel, and past chats can be imported.
      </p>
      {problem ? <Alert tone="error">{problem}</Alert> : null}
      {t.notice ? <Alert tone="success">{t.notice}</Alert> : null}
      {t.loadError ? <Alert tone="warning">TimelinesAI could not be asked: {t.loadError}</Alert> : null}
      {connected && t.answer ? <Details /> : null}
      {owner ? (
        <OwnerActions connected={connected} />
      ) : connected ? null : (
        <p class="muted">Only the workspace owner ({ws.ownerEmail}) can connect TimelinesAI.</p>
      )}
    </Card>
  );
}

function Details() {
  const [, c] = useSettings();
  const t = useStore(c.timelines.store);
  const a = t.answer!;
  return (
    <dl class="summary">
      <div>
        <dt>Connected</dt>
        <dd>{a.connection.connectedAt ? formatDateTime(a.connection.connectedAt) : '—'}</dd>
      </div>
      <div>
        <dt>WhatsApp numbers</dt>
        <dd>
          {a.accounts === null ? (
            <span class="muted">unknown</span>
          ) : a.accounts.length === 0 ? (
            'none connected in TimelinesAI'
          ) : (
            a.accounts.map((acc) => (
              <span key={acc.phone ?? acc.name} class="account">
                {acc.phone ?? acc.name}{' '}
                {acc.connected ? (
                  <Badge tone="success">connected</Badge>
                ) : (
                  <Badge tone="warning">disconnected: reconnect it in TimelinesAI</Badge>
                )}
              </span>
            ))
          )}
        </dd>
      </div>
      <div>
        <dt>Messages this month</dt>
        <dd>
          {a.quota && a.quota.total !== null
            ? `${a.quota.used ?? 0} of ${a.quota.total} used${a.quota.renewsAt ? `, renews ${formatDateTime(a.quota.renewsAt)}` : ''}`
            : '—'}
        </dd>
      </div>
    </dl>
  );
}

function OwnerActions({ connected }: { connected: boolean }) {
  const [, c] = useSettings();
  const t = useStore(c.timelines.store);
  const tl = c.timelines;
  if (t.confirmingRemove) {
    return (
      <ConfirmPanel
        id="timelines-remove"
        title="Remove the TimelinesAI token?"
        confirmLabel="Remove token"
        onConfirm={() => void tl.remove()}
        onCancel={() => tl.cancelRemove()}
      >
        <p>
          Its webhooks are removed from TimelinesAI (new messages stop arriving until you paste the webhook
          URL there by hand), and reps can no longer send from the CRM.
        </p>
      </ConfirmPanel>
    );
  }
  if (connected && !t.editing) {
    return (
      <div class="actions">
        <Button onClick={() => tl.startEditing()}>Replace token</Button>
        <Button variant="danger" busy={t.busy === 'removing'} onClick={() => tl.requestRemove()}>
          Remove token
        </Button>
      </div>
    );
  }
  const errorId = t.tokenError ? 'timelines-token-error' : undefined;
  return (
    <form
      class="settings-form"
      onSubmit={(e) => {
        e.preventDefault();
        void tl.connect();
      }}
    >
      <div class={`field${t.tokenError ? ' field-invalid' : ''}`}>
        <label class="field-label" for="timelines-token">
          TimelinesAI API token
        </label>
        <div class="field-control">
          <input
            id="timelines-token"
            type="text"
            class="mono"
            autocomplete="off"
            spellcheck={false}
            value={t.tokenDraft}
            aria-invalid={t.tokenError ? 'true' : undefined}
            aria-describedby={['timelines-token-hint', errorId].filter(Boolean).join(' ')}
            onInput={(e) => tl.setTokenDraft(e.currentTarget.value)}
          />
        </div>
        <p id="timelines-token-hint" class="field-hint">
          In TimelinesAI, open <strong>Integrations → Public API</strong> and copy the token (an admin of the
          TimelinesAI workspace can generate one; generating a new one there disables the old one). It is
          checked with TimelinesAI, stored encrypted, and never shown again.
        </p>
        {t.tokenError ? (
          <p id={errorId} class="field-error">
            {t.tokenError}
          </p>
        ) : null}
      </div>
      <div class="actions">
        <Button type="submit" variant="primary" busy={t.busy === 'connecting'} busyLabel="Checking…">
          {connected ? 'Replace token' : 'Connect TimelinesAI'}
        </Button>
        {connected ? <Button onClick={() => tl.cancelEditing()}>Cancel</Button> : null}
      </div>
    </form>
  );
}
