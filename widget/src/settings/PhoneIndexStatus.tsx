/**
 * The phone index of the destination module (how chats are matched to records): while it is built,
 * how far it got, read again every few seconds until it is ready; once ready, one quiet line.
 */
import { useEffect } from 'preact/hooks';
import type { Workspace } from '../api/client';
import { Spinner } from '../ui/components';
import { formatCount } from '../ui/format';
import { useSettings } from './context';
import { INDEX_POLL_MS } from './phoneIndexActions';
import { moduleLabel } from './state';

const records = (n: number, locale?: string) => `${formatCount(n, locale)} record${n === 1 ? '' : 's'}`;

/**
 * What the page says about the index, or null for nothing: "Indexing 34,000 of 120,000 Contacts"
 * while it builds (the count read so far when the total is not known yet), "Phone index: 120,000
 * Contacts records" once it is ready for the saved destination. A build stops while the integration
 * is inactive, and the page says so instead of a progress that does not move.
 */
export function phoneIndexText(
  ws: Pick<Workspace, 'active' | 'settings' | 'phoneIndex'>,
  label: string,
  locale?: string,
): string | null {
  const index = ws.phoneIndex;
  if (!index) return null;
  const count = (n: number) => formatCount(n, locale);
  const { done } = index;
  if (index.status === 'ready') {
    if (index.module !== ws.settings?.module) return null;
    return `Phone index: ${count(done)} ${label} record${done === 1 ? '' : 's'}.`;
  }
  // Records created while the build runs can take it past the count made when it started.
  const total = index.total === null ? null : count(Math.max(index.total, done));
  if (!ws.active) {
    const read = total === null ? records(done, locale) : `${count(done)} of ${total} records`;
    return `The phone index of ${label} is not finished (${read} read): it continues when the integration is activated.`;
  }
  const read =
    total === null ? `${label}: ${records(done, locale)} read` : `${count(done)} of ${total} ${label}`;
  return `Indexing ${read} — messages from new chats wait until it is done.`;
}

/** Building and active: the progress is read again every INDEX_POLL_MS while the page is shown. */
function isBuilding(ws: Workspace): boolean {
  return ws.active && ws.phoneIndex?.status === 'building';
}

export function PhoneIndexStatus() {
  const [s, c] = useSettings();
  const ws = s.workspace;
  const building = !!ws && isBuilding(ws);
  useEffect(() => {
    if (!building) return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') void c.refreshPhoneIndex();
    }, INDEX_POLL_MS);
    return () => clearInterval(timer);
  }, [building, c]);

  const index = ws?.phoneIndex;
  if (!ws || !index) return null;
  const text = phoneIndexText(ws, moduleLabel(s, index.module));
  if (!text) return null;
  if (!building) return <p class={index.status === 'ready' ? 'muted' : 'index-status'}>{text}</p>;
  return (
    <div class="index-status">
      <p id="phone-index-progress">
        <Spinner /> {text}
      </p>
      {index.total ? (
        <progress
          max={Math.max(index.total, index.done)}
          value={index.done}
          aria-labelledby="phone-index-progress"
        />
      ) : null}
    </div>
  );
}
