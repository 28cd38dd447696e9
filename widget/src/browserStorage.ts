/** localStorage / sessionStorage, or undefined where the browser blocks them (some third-party frames). */
export function browserStorage(kind: 'localStorage' | 'sessionStorage'): Storage | undefined {
  try {
    const storage = window[kind];
    const probe = '__wzsync_probe__';
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch {
    return undefined;
  }
}
