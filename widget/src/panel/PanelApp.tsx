import type { Host } from '../host/host';
import { HostFrame } from '../ui/HostFrame';
import { PanelContext } from './context';
import { PanelPage } from './PanelPage';
import type { PanelController } from './panelController';

export function PanelApp(props: { controller: PanelController; host?: Host }) {
  return (
    <HostFrame host={props.host}>
      <PanelContext.Provider value={props.controller}>
        <PanelPage />
      </PanelContext.Provider>
    </HostFrame>
  );
}
