/**
 * The sync log as an admin reads it: who (name and number), what became of each message, links to
 * the record and its Note in the CRM, filters, and older pages on request.
 */
import { useEffect } from 'preact/hooks';
import { crmRecordUrl } from '../../../contract/adminApi';
import type { SyncLogEntry } from '../api/client';
import { Alert, Badge, Button, Card } from '../ui/components';
import { formatDateTime } from '../ui/format';
import { useSettings } from './context';
import type { LogFilter } from './state';

const OUTCOME_TONE = { synced: 'success', skipped: 'neutral', failed: 'error' } as const;
const OUTCOME_TEXT = { synced: 'Synced', skipped: 'Skipped', failed: 'Failed' } as const;
const FILTERS: { value: LogFilter; label: string; empty: string }[] = [
  {
    value: 'all',
    label: 'All',
    empty: 'No WhatsApp events received yet. Messages appear here within seconds of arriving.',
  },
  { value: 'failed', label: 'Failed', empty: 'No failures.' },
  { value: 'skipped', label: 'Skipped', empty: 'No skipped messages.' },
  { value: 'synced', label: 'Synced', empty: 'No synced messages yet.' },
];

/** Refresh interval while the page is shown; 0 disables polling. */
export function SyncLogCard({ pollMs = 15_000 }: { pollMs?: number }) {
  const [s, c] = useSettings();
  useEffect(() => {
    if (pollMs <= 0) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') void c.refreshSyncLog();
    }, pollMs);
    return () => clearInterval(timer);
  }, [pollMs, c]);

  const log = s.syncLog;
  const filter = FILTERS.find((f) => f.value === log.filter) ?? FILTERS[0]!;
  return (
    <Card
      id="sync-log"
      title="Sync activity"
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
      <fieldset class="segmented">
        <legend class="segmented-legend">Show</legend>
        {FILTERS.map((f) => (
          <label key={f.value} class="segment">
            <input
              type="radio"
              name="sync-log-filter"
              value={f.value}
              checked={log.filter === f.value}
              onChange={() => void c.setLogFilter(f.value)}
            />
            <span>{f.label}</span>
          </label>
        ))}
      </fieldset>
      {log.error ? <Alert tone="error">Could not load the sync log: {log.error}</Alert> : null}
      {log.entries === null ? (
        log.status === 'error' ? null : (
          <div class="skeleton-block" role="status">
            <span class="visually-hidden">Loading the sync log…</span>
            <span class="skeleton-line" aria-hidden="true" />
            <span class="skeleton-line" aria-hidden="true" />
            <span class="skeleton-line short" aria-hidden="true" />
          </div>
        )
      ) : log.entries.length === 0 ? (
        <p class="empty">{filter.empty}</p>
      ) : (
        <LogTable entries={log.entries} />
      )}
      {log.next ? (
        <div class="actions">
          <Button busy={log.loadingMore} busyLabel="Loading…" onClick={() => void c.loadMoreLog()}>
            Show older entries
          </Button>
        </div>
      ) : null}
    </Card>
  );
}

function LogTable({ entries }: { entries: SyncLogEntry[] }) {
  const [s] = useSettings();
  const crmUrl = s.workspace?.crmUrl ?? null;
  return (
    <table class="log-table">
      <caption class="visually-hidden">WhatsApp events and what became of them, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Contact</th>
          <th scope="col">Outcome</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.id}>
            <td data-label="Time">
              <time dateTime={e.at}>{formatDateTime(e.at)}</time>
            </td>
            <td data-label="Contact">
              <Contact entry={e} />
            </td>
            <td data-label="Outcome">
              <Badge tone={OUTCOME_TONE[e.outcome] ?? 'neutral'}>
                {OUTCOME_TEXT[e.outcome] ?? e.outcome}
              </Badge>
              {e.resolved ? <span class="resolved"> resolved</span> : null}
            </td>
            <td data-label="Details">
              <Details entry={e} crmUrl={crmUrl} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Contact({ entry }: { entry: SyncLogEntry }) {
  if (!entry.contactName && !entry.phone) return <span class="muted">Unknown</span>;
  return (
    <span class="contact">
      {entry.contactName ? <span>{entry.contactName}</span> : null}
      {entry.phone ? <span class="muted nowrap">{entry.phone}</span> : null}
    </span>
  );
}

function Details({ entry: e, crmUrl }: { entry: SyncLogEntry; crmUrl: string | null }) {
  const recordUrl = e.recordId && e.module ? crmRecordUrl(crmUrl, e.module, e.recordId) : null;
  const who = e.contactName ?? e.phone ?? 'this contact';
  const what =
    e.kind === 'attachment'
      ? 'Attachment'
      : e.kind === 'chat'
        ? 'Chat'
        : e.kind === 'import'
          ? 'History import'
          : e.outcome === 'synced'
            ? 'Message synced'
            : '';
  const retry = e.outcome === 'failed' && !e.resolved && e.willRetry !== undefined;
  return (
    <span class="details">
      {what || e.reason ? (
        <span>
          {what}
          {what && e.reason ? ': ' : ''}
          {e.reason}
          {retry ? (e.willRetry ? ' (tried again automatically)' : ' (not retried)') : ''}
        </span>
      ) : (
        <span class="muted">—</span>
      )}
      {recordUrl ? (
        <span class="links">
          <a href={recordUrl} target="_blank" rel="noopener noreferrer">
            Record<span class="visually-hidden"> of {who} in Zoho CRM (opens in a new tab)</span>
          </a>
          {e.noteId ? (
            <a href={recordUrl} target="_blank" rel="noopener noreferrer">
              Note
              <span class="visually-hidden">
                {' '}
                of {who}, on the record's page in Zoho CRM (opens in a new tab)
              </span>
            </a>
          ) : null}
        </span>
      ) : e.recordId ? (
        <span class="muted">record {e.recordId}</span>
      ) : null}
    </span>
  );
}
