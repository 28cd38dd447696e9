/** The webhook URL to paste into TimelinesAI, where to paste it, and whether any event arrived. */
import { Card, CopyField, TimeAgo } from '../ui/components';
import { useSettings } from './context';

export function WebhookCard() {
  const [s] = useSettings();
  const ws = s.workspace;
  if (!ws) return null;
  const last = ws.webhook.lastEventAt;
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
      {ws.webhookUrl ? (
        <CopyField
          id="webhook-url"
          label="Webhook URL"
          value={ws.webhookUrl}
          hint={
            <>
              In TimelinesAI, open <strong>Integrations → Webhooks v2 → + Add Endpoint</strong>, paste this
              URL and choose the event type <code>message:received:new</code>; add a second endpoint with the
              same URL for <code>message:sent:new</code>. Keep the URL private: anyone who has it can send
              events to this integration.
            </>
          }
        />
      ) : (
        <p class="muted">Only the workspace owner ({ws.ownerEmail}) sees the webhook URL.</p>
      )}
    </Card>
  );
}
