import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { useStore } from '../store/store';
import type { PanelController, PanelState } from './panelController';

export const PanelContext = createContext<PanelController | null>(null);

/** The panel controller and its current state (re-renders on change). */
export function usePanel(): [PanelState, PanelController] {
  const controller = useContext(PanelContext);
  if (!controller) throw new Error('usePanel() outside <PanelContext>');
  return [useStore(controller.store), controller];
}
