/**
 * Where TimelinesAI delivers WhatsApp messages, and whether it works: our own "last event received";
 * with the TimelinesAI API connected, its subscriptions with TimelinesAI's failed-delivery count
 * (registered by activation); without it, the webhook URL to paste into TimelinesAI by hand. The owner
 * may regenerate the URL when it may have leaked: the old one stops working at once.
 */
import type { TimelinesWebhookView } from '../api/client';
import { useStore } from '../store/store';
import { Alert, Badge, Button, Card, ConfirmPanel, CopyField, TimeAgo } from '../ui/components';
import { useSettings } from './context';

/** Where the URL goes in TimelinesAI: the two message events of Webhooks v2. */
function PasteSteps({ replace }: { replace: boolean }) {
  if (replace)
    return (
      <>
        In TimelinesAI, open <strong>Integrations → Webhooks v2</strong> and replace the URL of both message
        endpoints (<code>message:received:new</code> and <code>message:sent:new</code>) with this one.
      </>
    );
  return (
    <>
      In TimelinesAI, open <strong>Integrations → Webhooks v2 → + Add Endpoint</strong>, paste this URL and
      choose the event type <code>message:received:new</code>; add a second endpoint with the same URL for{' '}
      <code>message:sent:new</code>.
    </>
  );
}

export function WebhookCard() {
  const [s, c] = useSettings();
  const t = useStore(c.timelines.store);
  const ws = s.workspace;
  if (!ws) return null;
  const last = ws.webhook.lastEventAt;
  const hooks = ws.timelines.connected ? (t.answer?.webhooks ?? null) : null;
  const automatic = ws.timelines.connected && ws.active && hooks !== null && hooks.some((h) => h.current);
  const rotated = s.webhookRotation.step === 'rotated';
  const mayRotate = !!ws.webhookUrl && !!s.you?.isOwner && s.readOnlyReason === null;
  return (
    <Card id="webhook" title="TimelinesAI webhook">
      <p class="webhook-status">
        <span class={`dot ${last ? 'dot-ok' : 'dot-idle'}`} aria-hidden="true" />
        <span>
          Webhook:{' '}
          {last ? (
            <>
              last event received <TimeAgo iso={last} />
            </>
          ) : (
            'no event received yet'
          )}
        </span>
      </p>
      {rotated && automatic ? (
        <Alert tone="success" focusOnMount>
          A new webhook URL was made and registered in TimelinesAI; the old one no longer works.
        </Alert>
      ) : rotated ? (
        <Alert tone="warning" focusOnMount>
          <strong>A new webhook URL was made; the old one no longer works.</strong> Paste the new URL below in
          TimelinesAI (<strong>Integrations → Webhooks v2</strong>, both message endpoints): until then, the
          events TimelinesAI sends are refused and those messages are not synced.
        </Alert>
      ) : null}
      {automatic ? (
        <Registered hooks={hooks!} />
      ) : ws.timelines.connected && !ws.active ? (
        <p class="muted">Activating the integration registers the webhook in TimelinesAI for you.</p>
      ) : ws.webhookUrl ? (
        <CopyField
          id="webhook-url"
          label="Webhook URL"
          value={ws.webhookUrl}
          hint={
            <>
              <PasteSteps replace={rotated} /> Keep the URL private: anyone who has it can send events to this
              integration. (Connect the TimelinesAI API above and activation does this for you.)
            </>
          }
        />
      ) : (
        <p class="muted">Only the workspace owner ({ws.ownerEmail}) sees the webhook URL.</p>
      )}
      {mayRotate ? <RegenerateWebhook automatic={ws.timelines.connected} /> : null}
    </Card>
  );
}

function Registered({ hooks }: { hooks: TimelinesWebhookView[] }) {
  const current = hooks.filter((h) => h.current);
  return (
    <>
      <p>Registered in TimelinesAI automatically:</p>
      <ul class="webhook-list">
        {current.map((h) => (
          <li key={h.id}>
            <code>{h.eventType}</code>{' '}
            {!h.enabled ? (
              <Badge tone="warning">disabled in TimelinesAI</Badge>
            ) : h.errorsCounter > 0 ? (
              <Badge tone="warning">
                {h.errorsCounter} failed deliver{h.errorsCounter === 1 ? 'y' : 'ies'} (TimelinesAI's count)
              </Badge>
            ) : (
              <Badge tone="success">no failed deliveries</Badge>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}

/** "Regenerate webhook URL", its confirmation, and why it failed. */
function RegenerateWebhook({ automatic }: { automatic: boolean }) {
  const [s, c] = useSettings();
  const { step, error } = s.webhookRotation;
  return (
    <>
      {error ? <Alert tone="error">{error}</Alert> : null}
      {step === 'confirming' ? (
        <ConfirmPanel
          id="confirm-webhook-rotation"
          title="Regenerate the webhook URL?"
          confirmLabel="Regenerate URL"
          cancelLabel="Keep the current URL"
          onConfirm={() => void c.rotateWebhook()}
          onCancel={() => c.cancelWebhookRotation()}
        >
          {automatic ? (
            <p>
              The current URL stops working at once. With the TimelinesAI API connected, the new URL is
              registered in TimelinesAI for you (while the integration is active) and the old one removed.
            </p>
          ) : (
            <p>
              The current URL stops working at once: TimelinesAI's events sent to it are refused, and those
              messages are not synced. Afterwards, paste the new URL in TimelinesAI under{' '}
              <strong>Integrations → Webhooks v2</strong>, in both message endpoints (
              <code>message:received:new</code> and <code>message:sent:new</code>).
            </p>
          )}
          <p>Do this when the URL may have been seen by someone who should not have it.</p>
        </ConfirmPanel>
      ) : (
        <div class="actions">
          <Button
            busy={step === 'rotating'}
            busyLabel="Regenerating…"
            onClick={() => c.requestWebhookRotation()}
          >
            Regenerate webhook URL
          </Button>
        </div>
      )}
    </>
  );
}
