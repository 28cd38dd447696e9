/**
 * Where TimelinesAI delivers WhatsApp messages, and whether it works: our own "last event received",
 * and with the TimelinesAI API connected, its subscriptions with TimelinesAI's failed-delivery count
 * (registered by activation); without it, the webhook URL to paste into TimelinesAI by hand.
 */
import type { TimelinesWebhookView } from '../api/client';
import { useStore } from '../store/store';
import { Badge, Card, CopyField, TimeAgo } from '../ui/components';
import { useSettings } from './context';

export function WebhookCard() {
  const [s, c] = useSettings();
  const t = useStore(c.timelines.store);
  const ws = s.workspace;
  if (!ws) return null;
  const last = ws.webhook.lastEventAt;
  const hooks = ws.timelines.connected ? (t.answer?.webhooks ?? null) : null;
  const automatic = ws.timelines.connected && ws.active && hooks !== null && hooks.some((h) => h.current);
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
              In TimelinesAI, open <strong>Integrations → Webhooks v2 → + Add Endpoint</strong>, paste this
              URL and choose the event type <code>message:received:new</code>; add a second endpoint with the
              same URL for <code>message:sent:new</code>. Keep the URL private: anyone who has it can send
              events to this integration. (Connect the TimelinesAI API above and activation does this for
              you.)
            </>
          }
        />
      ) : (
        <p class="muted">Only the workspace owner ({ws.ownerEmail}) sees the webhook URL.</p>
      )}
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
