/**
 * A minimal observable store: the controllers (settings, panel) own one, the views read it through
 * `useStore` and call the controller's actions. Passed down by context (see ../ui/context.ts).
 */
import { useEffect, useState } from 'preact/hooks';

export interface Store<S extends object> {
  get(): S;
  set(patch: Partial<S> | ((state: S) => Partial<S>)): void;
  subscribe(listener: () => void): () => void;
}

export function createStore<S extends object>(initial: S): Store<S> {
  let state = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => state,
    set(patch) {
      const p = typeof patch === 'function' ? patch(state) : patch;
      state = { ...state, ...p };
      for (const l of [...listeners]) l();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** The store's current state; re-renders the component on every change. */
export function useStore<S extends object>(store: Store<S>): S {
  const [, setVersion] = useState(0);
  useEffect(() => {
    setVersion((v) => v + 1); // catch up on changes made before the subscription
    return store.subscribe(() => setVersion((v) => v + 1));
  }, [store]);
  return store.get();
}
