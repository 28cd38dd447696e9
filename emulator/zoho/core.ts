/** What the route modules share: state, clock, switches, counters. */
import type { Request } from 'express';
import type { RandomFaults } from './api.js';
import type { EmuState } from './model/emuState.js';

export interface Injection {
  remaining: number;
  status: 429 | 500 | 502 | 503;
  pathIncludes: string | undefined;
  /** Body format: Zoho JSON, or an HTML page as a load balancer answers. */
  body: 'json' | 'html';
}

/** The next `remaining` matching CRM calls are held `ms` before they are carried out (a slow Zoho). */
export interface Hold {
  remaining: number;
  ms: number;
  pathIncludes: string | undefined;
  method: string | undefined;
}

export interface Switches {
  latencyMs: number;
  concurrencyCap: number | undefined;
  searchLagSec: number;
  injections: Injection[];
  holds: Hold[];
  /** random faults with their seeded generator (controls.randomFaults) */
  faults: { spec: RandomFaults; rng: () => number } | undefined;
}

export interface EmuCore {
  state: EmuState;
  switches: Switches;
  now(): number;
  /** The URL the emulator is reachable at (its accounts server and API domain). */
  baseUrl(req?: Request): string;
  count(orgId: string | undefined, kind: string): void;
  /** Something persistent changed: schedule a snapshot. */
  changed(): void;
  /** The next injected failure for this request path, if any (consumes one). `crm`: a CRM API call. */
  takeInjection(path: string, crm: boolean): Injection | undefined;
  /** How long to hold this CRM call before carrying it out (consumes one hold), 0 for none. */
  takeHold(method: string, path: string): number;
}

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
