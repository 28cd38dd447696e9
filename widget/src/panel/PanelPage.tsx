/** The chat panel on a record's detail page: chat link, phone, last message, recent WhatsApp days. */
import { Alert, Button, LinkifiedText } from '../ui/components';
import { formatDateTime, formatDay, formatTime } from '../ui/format';
import { usePanel } from './context';
import { ComposerView } from './ComposerView';
import { isTestChatLink, zonedInstant, type LastMessage, type WhatsAppDay } from './logic';

export function PanelPage() {
  const [s, c] = usePanel();
  return (
    <main class="panel" aria-label="WhatsApp chat" aria-busy={s.phase === 'loading' ? 'true' : undefined}>
      <h1 class="panel-title">WhatsApp</h1>
      {s.phase === 'loading' ? <PanelSkeleton /> : null}
      {s.phase === 'no-record' ? (
        <p class="empty">Open this panel from a record's page in Zoho CRM to see its WhatsApp chat.</p>
      ) : null}
      {s.phase === 'error' ? (
        <>
          <Alert tone="error">Could not load the WhatsApp chat: {s.error}</Alert>
          <div class="actions">
            <Button onClick={() => void c.start()}>Try again</Button>
          </div>
        </>
      ) : null}
      {s.phase === 'ready' ? <PanelContent /> : null}
    </main>
  );
}

function PanelSkeleton() {
  return (
    <div class="skeleton-block" role="status">
      <span class="visually-hidden">Loading the WhatsApp chat…</span>
      <span class="skeleton-line" aria-hidden="true" />
      <span class="skeleton-line short" aria-hidden="true" />
      <span class="skeleton-line" aria-hidden="true" />
      <span class="skeleton-line" aria-hidden="true" />
    </div>
  );
}

function PanelContent() {
  const [s, c] = usePanel();
  if (!s.chatUrl && s.days.length === 0) {
    return (
      <div class="empty-state">
        <p class="empty-title">No WhatsApp chat yet</p>
        <p class="muted">
          When this {s.phone ? `number (${s.phone})` : 'contact'} chats with a WhatsApp number connected to
          TimelinesAI, the chat link and a Note for every day of conversation appear here.
        </p>
        <ComposerView />
      </div>
    );
  }
  const shown = s.days.slice(0, s.visible);
  return (
    <>
      <dl class="summary compact">
        <div>
          <dt>Chat</dt>
          <dd>
            {isTestChatLink(s.chatUrl) ? (
              <span class="muted">Test placeholder</span>
            ) : s.chatUrl ? (
              <a class="btn btn-primary btn-small" href={s.chatUrl} target="_blank" rel="noopener noreferrer">
                Open chat in TimelinesAI<span class="visually-hidden"> (opens in a new tab)</span>
              </a>
            ) : (
              <span class="muted">No chat link on this record</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Phone</dt>
          <dd>{s.phone ?? <span class="muted">None</span>}</dd>
        </div>
        <div>
          <dt>Last message</dt>
          <dd>
            <LastMessageTime />
          </dd>
        </div>
      </dl>
      {isTestChatLink(s.chatUrl) ? (
        <Alert tone="info">
          This is the integration's test record: its chat link is a placeholder, not a real chat.
        </Alert>
      ) : null}
      <ComposerView />
      <h2 class="section-title">Recent WhatsApp days</h2>
      {s.noteTimeZone && s.noteTimeZone !== s.browserTimeZone && s.days.length > 0 ? (
        <p class="muted zone-note">Times in the Notes are {zoneName(s.noteTimeZone)} time.</p>
      ) : null}
      {s.days.length === 0 ? (
        <p class="empty">No messages synced yet.</p>
      ) : (
        <ul class="days">
          {shown.map((d) => (
            <DayItem key={d.id} day={d} expanded={!!s.expanded[d.id]} onToggle={() => c.toggleDay(d.id)} />
          ))}
        </ul>
      )}
      {s.days.length > shown.length ? (
        <div class="actions">
          <Button onClick={() => c.showMore()}>Show older days ({s.days.length - shown.length} more)</Button>
        </div>
      ) : null}
    </>
  );
}

/**
 * The last message's time as the Note writes it, naming the zone when it is not the reader's, and
 * then the reader's own time.
 */
function LastMessageTime() {
  const [s] = usePanel();
  const last = s.lastMessage;
  if (!last) return <span class="muted">No messages synced yet</span>;
  const written = `${formatDay(last.day.year, last.day.month, last.day.day)}, ${pad(last.hour)}:${pad(last.minute)}`;
  if (!s.noteTimeZone) return <span>{written} (as written in the Note)</span>;
  const instant = zonedInstant(last, s.noteTimeZone);
  if (s.noteTimeZone === s.browserTimeZone) return <time dateTime={instant.toISOString()}>{written}</time>;
  return (
    <span>
      <time dateTime={instant.toISOString()}>{written}</time> ({zoneName(s.noteTimeZone)})
      <span class="muted">
        {' · '}
        {sameLocalDay(instant, last) ? formatTime(instant) : formatDateTime(instant.toISOString())} your time
        ({zoneName(s.browserTimeZone)})
      </span>
    </span>
  );
}

/** Whether the browser's calendar day at `instant` is the day the Note wrote. */
function sameLocalDay(instant: Date, last: LastMessage): boolean {
  return (
    instant.getFullYear() === last.day.year &&
    instant.getMonth() + 1 === last.day.month &&
    instant.getDate() === last.day.day
  );
}

const pad = (n: number) => String(n).padStart(2, '0');
const zoneName = (zone: string) => zone.replace(/_/g, ' ');

function DayItem({ day, expanded, onToggle }: { day: WhatsAppDay; expanded: boolean; onToggle: () => void }) {
  const bodyId = `day-${day.id}`;
  const heading = day.day ? formatDay(day.day.year, day.day.month, day.day.day) : day.title;
  return (
    <li class="day">
      <h3 class="day-heading">
        <button
          type="button"
          class="day-toggle"
          aria-expanded={expanded}
          aria-controls={bodyId}
          onClick={onToggle}
        >
          <span class="chevron" aria-hidden="true" />
          <span class="day-date">{heading}</span>
          <span class="day-title muted">{day.title}</span>
        </button>
      </h3>
      <div id={bodyId} class="day-body" hidden={!expanded}>
        <div class="note-content">
          <LinkifiedText text={day.content} />
        </div>
        {day.attachments.length > 0 ? (
          <p class="attachments">
            <span class="muted">Attachments (in the Note in Zoho CRM):</span> {day.attachments.join(', ')}
          </p>
        ) : null}
      </div>
    </li>
  );
}
