/**
 * The sandbox's persistence: the whole state in one JSON file, loaded at start and rewritten
 * (debounced) after changes, through a temporary file and a rename so that a crash never leaves
 * half a snapshot. A big state (100,000 records make a ~30 MB snapshot that takes a few hundred ms
 * to write) is written at most every 10× its last write time, so saving never takes more than about
 * a tenth of the process.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { EmuState } from './model/emuState.js';
import { restoreInto, snapshotOf } from './model/snapshot.js';

export class Persistence {
  readonly #state: EmuState;
  readonly #file: string | undefined;
  readonly #debounceMs: number;
  #timer: NodeJS.Timeout | undefined;
  /** How long the last write took (ms). */
  #lastWriteMs = 0;

  constructor(state: EmuState, file: string | undefined, debounceMs = 250) {
    this.#state = state;
    this.#file = file;
    this.#debounceMs = debounceMs;
  }

  /** Loads the snapshot file into the (empty) state when there is one. */
  load(): void {
    if (this.#file && fs.existsSync(this.#file))
      restoreInto(this.#state, JSON.parse(fs.readFileSync(this.#file, 'utf8')) as unknown);
  }

  /** Something persistent changed: write a snapshot soon. */
  changed(): void {
    if (!this.#file || this.#timer) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        try {
          this.#write();
        } catch (e) {
          console.error('zoho emulator: cannot save snapshot', e);
        }
      },
      Math.max(this.#debounceMs, 10 * this.#lastWriteMs),
    );
  }

  /** Writes the snapshot now (when there is a file). */
  flush(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#write();
  }

  #write(): void {
    const file = this.#file;
    if (!file) return;
    const started = Date.now();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(snapshotOf(this.#state)), { mode: 0o600 });
    fs.renameSync(tmp, file);
    this.#lastWriteMs = Date.now() - started;
  }
}
