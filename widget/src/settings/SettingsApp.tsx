import type { Host } from '../host/host';
import { HostFrame } from '../ui/HostFrame';
import { SettingsContext } from './context';
import { SettingsPage } from './SettingsPage';
import type { SettingsController } from './settingsController';

export function SettingsApp(props: { controller: SettingsController; host?: Host; syncLogPollMs?: number }) {
  return (
    <HostFrame host={props.host}>
      <SettingsContext.Provider value={props.controller}>
        <SettingsPage syncLogPollMs={props.syncLogPollMs} />
      </SettingsContext.Provider>
    </HostFrame>
  );
}
