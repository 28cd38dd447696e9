/** The test controls (latency, concurrency cap, search lag, injected failures, tokens, clock) and call stats. */
import type { EmulatorControls, EmulatorStats } from './api.js';
import type { EmuCore, Injection } from './core.js';
import { revokeRefresh } from './accounts/tokens.js';
import { seededRandom } from '../random.js';

export function createControls(core: EmuCore, advanceClock: (ms: number) => void): EmulatorControls {
  const { state, switches } = core;
  return {
    get latencyMs() {
      return switches.latencyMs;
    },
    set latencyMs(v: number) {
      switches.latencyMs = Math.max(0, v);
    },
    get concurrencyCap() {
      return switches.concurrencyCap;
    },
    set concurrencyCap(v: number | undefined) {
      switches.concurrencyCap = v;
    },
    get searchLagSec() {
      return switches.searchLagSec;
    },
    set searchLagSec(v: number) {
      switches.searchLagSec = Math.max(0, v);
    },
    get randomFaults() {
      return switches.faults?.spec;
    },
    set randomFaults(spec) {
      if (!spec) {
        switches.faults = undefined;
        return;
      }
      const rate = (v: number, what: string) => {
        if (!(v >= 0 && v <= 1)) throw new Error(`emulator: randomFaults.${what} must be within [0, 1]`);
      };
      rate(spec.failureRate, 'failureRate');
      rate(spec.spikeRate, 'spikeRate');
      if (spec.failureRate > 0 && spec.statuses.length === 0)
        throw new Error('emulator: randomFaults.statuses must name at least one status');
      switches.faults = { spec: { ...spec, statuses: [...spec.statuses] }, rng: seededRandom(spec.seed) };
    },
    failNext(n, status, o) {
      if (n <= 0) return;
      const body = o?.body ?? (status === 502 || status === 503 ? 'html' : 'json');
      const inj: Injection = { remaining: n, status, pathIncludes: o?.pathIncludes, body };
      switches.injections.push(inj);
    },
    holdNext(n, ms, o) {
      if (n <= 0 || ms <= 0) return;
      switches.holds.push({ remaining: n, ms, pathIncludes: o?.pathIncludes, method: o?.method });
    },
    pendingFailures: () => switches.injections.reduce((s, i) => s + i.remaining, 0),
    clearFailures() {
      switches.injections = [];
    },
    expireAllAccessTokens(orgId) {
      const t = core.now() - 1;
      for (const at of state.accessTokens.values())
        if (!orgId || at.orgId === orgId) at.expiresAt = Math.min(at.expiresAt, t);
    },
    revokeAll(orgId) {
      for (const rt of state.refreshTokens.values())
        if (!orgId || rt.orgId === orgId) revokeRefresh(core, rt);
      for (const at of state.accessTokens.values()) if (!orgId || at.orgId === orgId) at.revoked = true;
      core.changed();
    },
    advanceTime: advanceClock,
    inflight: (orgId) => state.orgs.get(orgId)?.inflight ?? 0,
  };
}

/** Calls by kind, per org; calls that name no org (a bad token request) count apart. */
export function createStats(core: EmuCore, globalCalls: Record<string, number>): EmulatorStats {
  const { state } = core;
  return {
    calls(orgId) {
      if (orgId) return { ...(state.orgs.get(orgId)?.calls ?? {}) };
      const out: Record<string, number> = { ...globalCalls };
      for (const o of state.orgs.values())
        for (const [k, v] of Object.entries(o.calls)) out[k] = (out[k] ?? 0) + v;
      return out;
    },
    tokenRefreshes: () => state.tokenRefreshes,
    reset() {
      for (const k of Object.keys(globalCalls)) delete globalCalls[k];
      for (const o of state.orgs.values()) o.calls = {};
      state.tokenRefreshes = 0;
    },
  };
}
