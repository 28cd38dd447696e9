/**
 * Measuring a process from outside (Linux /proc): its resident memory and CPU time while a phase
 * runs, and the machine's load beside each figure (other engineers run tests on this machine: a
 * figure taken at a load average of 4 is not one taken at 0.5).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';

export const MB = 1024 * 1024;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export interface MachineLoad {
  at: string;
  /** os.loadavg(): runnable processes averaged over 1, 5 and 15 minutes (2 cores here) */
  load1: number;
  load5: number;
  load15: number;
  cpus: number;
}

export function machineLoad(): MachineLoad {
  const [load1, load5, load15] = os.loadavg() as [number, number, number];
  return { at: new Date().toISOString(), load1, load5, load15, cpus: os.cpus().length };
}

export function loadText(l: MachineLoad): string {
  return `load ${l.load1.toFixed(2)} / ${l.load5.toFixed(2)} / ${l.load15.toFixed(2)} (1/5/15 min, ${l.cpus} cores)`;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Resident memory now (bytes), or undefined when the process is gone. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A process's command name and CPU time so far (user + system, clock ticks), from /proc/<pid>/stat. */
function statOf(pid: number): { comm: string; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined; // gone
  }
}

/** CPU time used so far (user + system, ms), or undefined when the process is gone. */
export function cpuMsOf(pid: number): number | undefined {
  const stat = statOf(pid);
  return stat && (stat.ticks * 1000) / clockTicks();
}

export interface ProcessStats {
  peakRssMb: number;
  meanRssMb: number;
  /** CPU time the process used during the phase */
  cpuMs: number;
  wallMs: number;
  loadBefore: MachineLoad;
  loadAfter: MachineLoad;
}

/** Samples a process's RSS every 100 ms from now until `stop()`. */
export function probeProcess(pid: number): { stop(): ProcessStats } {
  const loadBefore = machineLoad();
  const cpu0 = cpuMsOf(pid) ?? 0;
  const t0 = performance.now();
  let peak = rssOf(pid) ?? 0;
  let sum = peak;
  let n = 1;
  const timer = setInterval(() => {
    const rss = rssOf(pid);
    if (rss === undefined) return;
    peak = Math.max(peak, rss);
    sum += rss;
    n += 1;
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      return {
        peakRssMb: peak / MB,
        meanRssMb: sum / n / MB,
        cpuMs: (cpuMsOf(pid) ?? cpu0) - cpu0,
        wallMs: performance.now() - t0,
        loadBefore,
        loadAfter: machineLoad(),
      };
    },
  };
}

/** Thousands separators; `digits` decimals. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Where the machine's CPU went during a phase, by role (ms of CPU), and the machine's busy total. */
export interface CpuSplit {
  byRole: Record<string, number>;
  /** all CPUs' busy time (user, nice, system, irq, softirq, steal) from /proc/stat, ms */
  machineBusyMs: number;
  /** time the hypervisor gave the VM's CPUs to others (steal), ms: a noisy neighbour */
  stealMs: number;
  wallMs: number;
}

type Role = (pid: number, comm: string) => boolean;

function processTicks(): Map<number, { comm: string; ticks: number }> {
  const out = new Map<number, { comm: string; ticks: number }>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    const stat = Number.isInteger(pid) ? statOf(pid) : undefined;
    if (stat) out.set(pid, stat);
  }
  return out;
}

function machineTicks(): { busy: number; steal: number } {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal
  const [user, nice, system, , , irq, softirq, steal] = f as number[];
  return { busy: user! + nice! + system! + irq! + softirq! + steal!, steal: steal! };
}

/**
 * Starts measuring the CPU of every process by role (the first role that claims a pid; the rest is
 * "other"). A process that starts during the phase counts from zero; one that ends loses its share.
 */
export function probeCpuSplit(roles: Record<string, Role>): { stop(): CpuSplit } {
  const t0 = performance.now();
  const before = processTicks();
  const m0 = machineTicks();
  return {
    stop() {
      const after = processTicks();
      const m1 = machineTicks();
      const tick = 1000 / clockTicks();
      const byRole: Record<string, number> = {};
      for (const [pid, { comm, ticks }] of after) {
        const used = (ticks - (before.get(pid)?.ticks ?? 0)) * tick;
        if (used <= 0) continue;
        const role = Object.keys(roles).find((r) => roles[r]!(pid, comm)) ?? 'other';
        byRole[role] = (byRole[role] ?? 0) + used;
      }
      return {
        byRole,
        machineBusyMs: (m1.busy - m0.busy) * tick,
        stealMs: (m1.steal - m0.steal) * tick,
        wallMs: performance.now() - t0,
      };
    },
  };
}
