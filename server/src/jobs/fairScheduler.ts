/**
 * Fair scheduling of attachment downloads. Downloads wait in one queue per workspace and host;
 * a free slot goes to the next workspace in turn (round-robin), and within it to the next host in
 * turn, skipping hosts that already use their share. So one slow or hostile host (a message with
 * thousands of links to a port that never answers) holds at most `perHost` slots, one busy
 * workspace at most `perWorkspace`, and everyone else's downloads keep flowing: a download waits
 * for at most one turn of each other workspace, never for another workspace's backlog.
 */

export interface FairSchedulerOptions {
  /** downloads running at once, overall */
  global?: number;
  /** downloads running at once from one workspace */
  perWorkspace?: number;
  /** downloads running at once against one host (all workspaces together) */
  perHost?: number;
}

export interface JobKey {
  workspaceId: string;
  host: string;
}

interface Job {
  key: JobKey;
  start: () => void;
}

/** A workspace's waiting jobs: one FIFO per host, hosts served in turn. */
interface WorkspaceQueue {
  hosts: Map<string, Job[]>;
  running: number;
  /** when it was last served (a counter): the least recently served goes first */
  servedAt: number;
}

export class FairScheduler {
  readonly #global: number;
  readonly #perWorkspace: number;
  readonly #perHost: number;
  readonly #workspaces = new Map<string, WorkspaceQueue>();
  readonly #hostRunning = new Map<string, number>();
  #running = 0;
  #turns = 0;

  constructor(options: FairSchedulerOptions = {}) {
    this.#global = options.global ?? 8;
    this.#perWorkspace = Math.min(options.perWorkspace ?? 4, this.#global);
    this.#perHost = Math.min(options.perHost ?? 4, this.#global);
  }

  /** Runs `task` when its turn comes; resolves or rejects with it. */
  run<T>(key: JobKey, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.#running += 1;
        this.#hostRunning.set(key.host, (this.#hostRunning.get(key.host) ?? 0) + 1);
        this.#workspace(key.workspaceId).running += 1;
        // The slot is free again before the caller goes on.
        task().then(
          (value) => {
            this.#finished(key);
            resolve(value);
          },
          (error: unknown) => {
            this.#finished(key);
            reject(error as Error);
          },
        );
      };
      const ws = this.#workspace(key.workspaceId);
      const queue = ws.hosts.get(key.host) ?? [];
      queue.push({ key, start });
      ws.hosts.set(key.host, queue);
      this.#dispatch();
    });
  }

  /** Waiting and running counts, for tests and metrics. */
  stats(): { running: number; waiting: number; runningByHost: Record<string, number> } {
    let waiting = 0;
    for (const ws of this.#workspaces.values()) for (const q of ws.hosts.values()) waiting += q.length;
    return { running: this.#running, waiting, runningByHost: Object.fromEntries(this.#hostRunning) };
  }

  #workspace(id: string): WorkspaceQueue {
    let ws = this.#workspaces.get(id);
    if (!ws) {
      ws = { hosts: new Map(), running: 0, servedAt: 0 };
      this.#workspaces.set(id, ws);
    }
    return ws;
  }

  #finished(key: JobKey): void {
    this.#running -= 1;
    const host = (this.#hostRunning.get(key.host) ?? 1) - 1;
    if (host > 0) this.#hostRunning.set(key.host, host);
    else this.#hostRunning.delete(key.host);
    const ws = this.#workspaces.get(key.workspaceId);
    if (ws) {
      ws.running -= 1;
      if (ws.running === 0 && ws.hosts.size === 0) this.#workspaces.delete(key.workspaceId);
    }
    this.#dispatch();
  }

  /** Starts jobs while a slot is free and some workspace has a startable job. */
  #dispatch(): void {
    while (this.#running < this.#global) {
      const job = this.#next();
      if (!job) return;
      job.start();
    }
  }

  /**
   * The next job, taken off its queue: from the least recently served workspace that may start one,
   * from its host served longest ago that is under its share. Undefined when none may start.
   */
  #next(): Job | undefined {
    const candidates = [...this.#workspaces.values()]
      .filter((ws) => ws.running < this.#perWorkspace && ws.hosts.size > 0)
      .sort((a, b) => a.servedAt - b.servedAt);
    for (const ws of candidates) {
      for (const [host, queue] of ws.hosts) {
        if ((this.#hostRunning.get(host) ?? 0) >= this.#perHost) continue;
        const job = queue.shift()!;
        // Served: this host goes to the back of the workspace's turn (Map order), the workspace too.
        ws.hosts.delete(host);
        if (queue.length) ws.hosts.set(host, queue);
        ws.servedAt = ++this.#turns;
        return job;
      }
    }
    return undefined;
  }
}
