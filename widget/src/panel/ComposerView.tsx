/** The composer under the chat's summary: a message, a file, Send; what happened, in the rep's words. */
import { Alert, Button } from '../ui/components';
import { usePanel } from './context';

export function ComposerView() {
  const [s, c] = usePanel();
  const m = s.composer;
  if (!s.canCompose) return null;
  if (m.cannotSend) return <Alert tone="info">{m.cannotSend}</Alert>;
  return (
    <form
      class="composer"
      aria-label="Send a WhatsApp message"
      onSubmit={(e) => {
        e.preventDefault();
        void c.send();
      }}
    >
      <label class="field-label" for="composer-text">
        New WhatsApp message
      </label>
      <textarea
        id="composer-text"
        value={m.text}
        maxLength={10_000}
        disabled={m.sending}
        aria-describedby={m.error ? 'composer-error' : undefined}
        onInput={(e) => c.setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          // Ctrl/⌘+Enter sends; Enter alone makes a new line, as in WhatsApp Web's long messages.
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void c.send();
          }
        }}
      />
      <div class="composer-row">
        <label class="composer-file">
          <span class="visually-hidden">Attach a file</span>
          <input
            id="composer-file"
            type="file"
            disabled={m.sending}
            onChange={(e) => c.setFile(e.currentTarget.files?.[0] ?? null)}
          />
        </label>
        <Button type="submit" variant="primary" busy={m.sending} busyLabel="Sending…">
          Send
        </Button>
      </div>
      {m.error ? (
        <Alert tone="error" id="composer-error">
          {m.error}
        </Alert>
      ) : null}
      {m.sent ? <Alert tone="success">{m.sent}</Alert> : null}
    </form>
  );
}
