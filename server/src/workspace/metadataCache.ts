/**
 * Zoho module and field metadata per workspace, cached so the settings page and the sync engine do
 * not spend API credits re-reading what rarely changes. Activation and saves ask for fresh data.
 */
import type { ZohoField, ZohoGateway, ZohoModule, ZohoUser } from '../zoho/gateway.js';

const TTL_MS = 10 * 60 * 1000;

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

export class MetadataCache {
  readonly #modules = new Map<string, Cached<ZohoModule[]>>();
  readonly #fields = new Map<string, Cached<ZohoField[]>>();
  readonly #users = new Map<string, Cached<ZohoUser[]>>();

  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  modules(wsId: string, zoho: ZohoGateway, opts: { fresh?: boolean } = {}): Promise<ZohoModule[]> {
    return this.#get(this.#modules, wsId, opts.fresh, () => zoho.modules());
  }

  fields(
    wsId: string,
    zoho: ZohoGateway,
    module: string,
    opts: { fresh?: boolean } = {},
  ): Promise<ZohoField[]> {
    return this.#get(this.#fields, `${wsId}\u0000${module}`, opts.fresh, () => zoho.fields(module));
  }

  /** Active users (record owners are matched by email). */
  activeUsers(wsId: string, zoho: ZohoGateway): Promise<ZohoUser[]> {
    return this.#get(this.#users, wsId, false, () => zoho.activeUsers());
  }

  invalidate(wsId: string, module?: string): void {
    if (module) this.#fields.delete(`${wsId}\u0000${module}`);
    else {
      this.#modules.delete(wsId);
      for (const key of this.#fields.keys()) if (key.startsWith(`${wsId}\u0000`)) this.#fields.delete(key);
    }
  }

  #get<T>(
    map: Map<string, Cached<T>>,
    key: string,
    fresh: boolean | undefined,
    load: () => Promise<T>,
  ): Promise<T> {
    const hit = map.get(key);
    if (!fresh && hit && this.#now() - hit.at < TTL_MS) return hit.value;
    // Concurrent readers share one request; a failure is not cached.
    const value = load();
    map.set(key, { at: this.#now(), value });
    value.catch(() => {
      if (map.get(key)?.value === value) map.delete(key);
    });
    return value;
  }
}
