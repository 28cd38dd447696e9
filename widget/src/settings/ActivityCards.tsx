/** The webhook URL to paste into TimelinesAI, and the latest sync outcomes. */
import { useEffect } from 'preact/hooks';
import type { SyncLogEntry } from '../api/client';
import { Alert, Badge, Button, Card, CopyField } from '../ui/components';
import { formatDateTime } from '../ui/format';
import { useSettings } from './context';

export function WebhookCard() {
  const [s] = useSettings();
  const url = s.workspace?.webhookUrl;
  if (!url) return null;
  return (
    <Card id="webhook" title="TimelinesAI webhook">
      <CopyField
        id="webhook-url"
        label="Webhook URL"
        value={url}
        hint="In TimelinesAI, add this URL as a webhook for new messages (sent and received). Keep it private: anyone who has it can send events to this integration."
      />
    </Card>
  );
}

const OUTCOME_TONE = { synced: 'success', skipped: 'neutral', failed: 'error' } as const;
const OUTCOME_TEXT = { synced: 'Synced', skipped: 'Skipped', failed: 'Failed' } as const;

/** Refresh interval of the sync log while the integration is active; 0 disables polling. */
export function SyncLogCard({ pollMs = 15_000 }: { pollMs?: number }) {
  const [s, c] = useSettings();
  const active = !!s.workspace?.active;
  useEffect(() => {
    if (!active || pollMs <= 0) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') void c.refreshSyncLog();
    }, pollMs);
    return () => clearInterval(timer);
  }, [active, pollMs, c]);

  const log = s.syncLog;
  const entries = log.data;
  return (
    <Card
      id="sync-log"
      title="Recent sync activity"
      actions={
        <Button
          busy={log.status === 'loading'}
          busyLabel="Refreshing…"
          onClick={() => void c.refreshSyncLog()}
        >
          Refresh
        </Button>
      }
    >
      {log.status === 'error' ? <Alert tone="error">Could not load the sync log: {log.error}</Alert> : null}
      {entries === null ? (
        log.status === 'error' ? null : (
          <div class="skeleton-block" role="status">
            <span class="visually-hidden">Loading the sync log…</span>
            <span class="skeleton-line" aria-hidden="true" />
            <span class="skeleton-line" aria-hidden="true" />
            <span class="skeleton-line short" aria-hidden="true" />
          </div>
        )
      ) : entries.length === 0 ? (
        <p class="empty">No WhatsApp events received yet. Messages appear here within seconds of arriving.</p>
      ) : (
        <table class="log-table">
          <caption class="visually-hidden">
            The latest WhatsApp events and what became of them, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Outcome</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e, i) => (
              <tr key={`${e.at}-${e.messageId ?? i}`}>
                <td data-label="Time">
                  <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                </td>
                <td data-label="Outcome">
                  <Badge tone={OUTCOME_TONE[e.outcome] ?? 'neutral'}>
                    {OUTCOME_TEXT[e.outcome] ?? e.outcome}
                  </Badge>
                </td>
                <td data-label="Details">{details(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

function details(e: SyncLogEntry): string {
  const parts: string[] = [];
  if (e.reason) parts.push(e.reason);
  if (e.recordId) parts.push(`record ${e.recordId}`);
  if (e.noteId) parts.push(`note ${e.noteId}`);
  return parts.join(' · ') || '—';
}
