/**
 * The warning before an integration that ran before moves to another destination module: the
 * chats' links point into the old module, so their next messages are matched again in the new one,
 * and the Notes written so far stay where they are.
 */
import { ConfirmPanel } from '../ui/components';
import { useSettings } from './context';
import { moduleLabel } from './state';

/** What moving the destination from `from` to `to` does (module labels). */
export function moduleChangeWarning(from: string, to: string): string {
  return `New messages will go to ${to} records: chats linked to ${from} records are matched again in ${to} (a new ${to} record is created when none has the chat's number), and their earlier Notes stay on the ${from} records.`;
}

export function ModuleChangeConfirm() {
  const [s, c] = useSettings();
  const change = s.moduleChange;
  if (!change) return null;
  const from = moduleLabel(s, change.from);
  const to = moduleLabel(s, change.to);
  return (
    <ConfirmPanel
      id="confirm-module-change"
      title={`Sync to ${to} instead of ${from}?`}
      confirmLabel={`Change to ${to}`}
      cancelLabel={`Keep ${from}`}
      tone="primary"
      onConfirm={() => c.confirmModuleChange()}
      onCancel={() => c.cancelModuleChange()}
    >
      <p>{moduleChangeWarning(from, to)}</p>
      <p>The field choices below start again for {to}. Nothing changes until you activate the integration.</p>
    </ConfirmPanel>
  );
}
