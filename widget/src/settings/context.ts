import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { useStore } from '../store/store';
import type { SettingsController, SettingsState } from './settingsController';

export const SettingsContext = createContext<SettingsController | null>(null);

/** The settings controller and its current state (re-renders on change). */
export function useSettings(): [SettingsState, SettingsController] {
  const controller = useContext(SettingsContext);
  if (!controller) throw new Error('useSettings() outside <SettingsContext>');
  return [useStore(controller.store), controller];
}
