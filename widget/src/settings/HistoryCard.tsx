/**
 * "Import history": WhatsApp chats and messages from a start day into the CRM, through the same sync
 * as new messages, with its progress (chats and messages, an estimate of the time left) while it runs.
 */
import { useEffect } from 'preact/hooks';
import type { HistoryImportAnswer } from '../api/client';
import { useStore } from '../store/store';
import { Alert, Button, Card } from '../ui/components';
import { formatDateTime } from '../ui/format';
import { useSettings } from './context';

/** How often the progress is read while an import runs. */
const POLL_MS = 2000;

export function HistoryCard() {
  const [s, c] = useSettings();
  const t = useStore(c.timelines.store);
  const ws = s.workspace;
  const h = t.history;
  useEffect(() => {
    if (ws?.id) void c.timelines.loadHistory();
  }, [ws?.id, c]);
  useEffect(() => {
    if (h?.status !== 'running') return;
    const timer = setInterval(() => void c.timelines.loadHistory(), POLL_MS);
    return () => clearInterval(timer);
  }, [h?.status, c]);
  if (!ws || !ws.timelines.connected) return null;
  const owner = s.you?.isOwner ?? false;
  const canStart = owner && ws.active && h?.status !== 'running';

  return (
    <Card id="history" title="Import history">
      <p class="muted">
        Chats and messages from TimelinesAI since a day you choose become records and daily Notes, like new
        messages; days already in the CRM are completed, never doubled. Group chats are skipped.
      </p>
      {h && h.status !== 'idle' ? <Progress h={h} /> : null}
      {!ws.active ? <p class="muted">Activate the integration first.</p> : null}
      {canStart ? (
        <form
          class="settings-form"
          onSubmit={(e) => {
            e.preventDefault();
            void c.timelines.startImport();
          }}
        >
          <div class={`field${t.historyError ? ' field-invalid' : ''}`}>
            <label class="field-label" for="history-since">
              Import messages since
            </label>
            <div class="field-control">
              <input
                id="history-since"
                type="date"
                value={t.historySince}
                aria-describedby={t.historyError ? 'history-error' : undefined}
                onInput={(e) => c.timelines.setHistorySince(e.currentTarget.value)}
              />
              <Button type="submit" variant="primary" busy={t.busy === 'importing'} busyLabel="Starting…">
                Import history
              </Button>
            </div>
            {t.historyError ? (
              <p id="history-error" class="field-error">
                {t.historyError}
              </p>
            ) : null}
          </div>
        </form>
      ) : null}
    </Card>
  );
}

function Progress({ h }: { h: HistoryImportAnswer }) {
  const n = (v: number) => v.toLocaleString();
  const of = (done: number, total: number | null) => (total === null ? n(done) : `${n(done)} of ${n(total)}`);
  const summary = `Chats ${of(h.chats.done, h.chats.total)} · messages ${of(h.messages.done, h.messages.total)}`;
  return (
    <div class="history-progress" role="status" aria-live="polite">
      {h.status === 'running' ? (
        <>
          <p>
            <strong>Importing</strong> since {h.since}: {summary}
            {h.etaSeconds !== null ? ` · about ${eta(h.etaSeconds)} left` : ''}
          </p>
          <progress
            max={h.messages.total ?? 1}
            value={h.messages.total === null ? undefined : h.messages.done}
            aria-label="Messages imported"
          />
          {h.problem ? <p class="muted">{h.problem}</p> : null}
        </>
      ) : h.status === 'done' ? (
        <Alert tone="success">
          Imported since {h.since}: {summary} ({n(h.duplicates)} were already in the CRM
          {h.skipped ? `, ${n(h.skipped)} not synced` : ''}). Finished {formatDateTime(h.finishedAt)}.
        </Alert>
      ) : (
        <Alert tone="error">
          The import since {h.since} stopped: {h.problem ?? 'unknown reason'}. {summary}. Start it again to go
          on.
        </Alert>
      )}
    </div>
  );
}

function eta(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
