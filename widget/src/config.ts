/**
 * Where the backend is. In order: the page's `?backend=` query parameter, the build-time
 * `VITE_BACKEND_URL` (for the package uploaded to Zoho), else the page's own origin (the sandbox
 * and any deployment where the backend serves the widget under /widget/).
 */
export interface WidgetConfig {
  /** Backend base URL without a trailing slash, e.g. "https://sync.example.com". */
  backendUrl: string;
  backendOrigin: string;
  /** The widget page's own origin: where the OAuth popup posts its result. */
  widgetOrigin: string;
}

export function resolveConfig(
  location: { href: string; origin: string },
  buildTimeBackend?: string,
): WidgetConfig {
  const fromQuery = new URL(location.href).searchParams.get('backend');
  const backend = httpUrl(fromQuery) ?? httpUrl(buildTimeBackend) ?? new URL(location.origin);
  const path = backend.pathname.replace(/\/+$/, '');
  return {
    backendUrl: `${backend.origin}${path}`,
    backendOrigin: backend.origin,
    widgetOrigin: location.origin,
  };
}

function httpUrl(value: string | null | undefined): URL | null {
  if (!value) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : null;
  } catch {
    return null;
  }
}
