/** The admin settings page: connection, integration settings, webhook, sync log. */
import { useEffect } from 'preact/hooks';
import { ConnectionCard } from './ConnectionCard';
import { useSettings } from './context';
import { SettingsCard } from './SettingsCard';
import { SyncLogCard } from './SyncLogCard';
import { WebhookCard } from './WebhookCard';
import { TimelinesCard } from './TimelinesCard';
import { HistoryCard } from './HistoryCard';

/** How often the page checks whether its session is due for renewal while it is shown. */
const KEEP_ALIVE_CHECK_MS = 60_000;

export function SettingsPage({ syncLogPollMs }: { syncLogPollMs?: number }) {
  const [s, c] = useSettings();

  // The session slides while the page is used: renewed (at most every 10 minutes) while it is shown.
  useEffect(() => {
    const check = () => {
      if (document.visibilityState !== 'hidden') void c.keepAlive();
    };
    const timer = setInterval(check, KEEP_ALIVE_CHECK_MS);
    document.addEventListener('visibilitychange', check);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', check);
    };
  }, [c]);

  return (
    <main
      class="page"
      aria-label="WhatsApp sync settings"
      aria-busy={s.phase === 'loading' ? 'true' : undefined}
    >
      <header class="page-header">
        <h1>WhatsApp sync</h1>
        <p class="muted">TimelinesAI WhatsApp chats become Zoho CRM records and daily Notes.</p>
      </header>
      <ConnectionCard />
      {s.phase === 'ready' && s.workspace?.connected ? (
        <>
          <SettingsCard />
          <TimelinesCard />
          <WebhookCard />
          <HistoryCard />
          <SyncLogCard pollMs={syncLogPollMs} />
        </>
      ) : null}
    </main>
  );
}
