/**
 * Replays the Dockerfile's steps in a temp folder, without Docker: each stage gets a folder that
 * stands for its file system root; WORKDIR, COPY (from the context or `--from` a stage), ENV and
 * RUN are carried out there (RUN through `sh -c`, with the stage's ENV and a bare environment), and
 * the final stage's CMD is started on a free port with a temp data folder until `/readyz` answers
 * ready; then its HEALTHCHECK command must pass. A step under a comment line containing
 * "check-docker: image only" is skipped and reported (users, ownership).
 *
 * What it cannot show: the base image itself (its Node and Alpine), and `USER`'s permissions.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { copyContext } from './context.js';
import { execForm } from './lint.js';

export interface ReplayOptions {
  /** the project folder (Dockerfile, .dockerignore, the context) */
  root: string;
  /** an empty temp folder for the stages */
  work: string;
  /**
   * Full `npm ci` (with dev dependencies, in a build stage) is replaced by a link to the checkout's
   * node_modules: the same packages, without downloading them again. Runtime installs
   * (`--omit=dev`) always run for real.
   */
  linkDevInstall?: boolean;
  log?: (line: string) => void;
}

export interface Replayed {
  /** the final stage's working folder (what the image runs in) */
  appDir: string;
  /** the final stage's ENV */
  env: Record<string, string>;
  cmd: string[];
  healthcheck: string[] | undefined;
  skipped: string[];
}

const IMAGE_ONLY = /check-docker:\s*image only/i;

export function replayBuild(opts: ReplayOptions): Replayed {
  const log = opts.log ?? (() => undefined);
  const text = readFileSync(path.join(opts.root, 'Dockerfile'), 'utf8');
  const file = DockerfileParser.parse(text);
  const imageOnlyLines = new Set(
    file
      .getComments()
      .filter((c) => IMAGE_ONLY.test(c.getContent()))
      .map((c) => c.getRange().start.line + 1),
  );
  const context = path.join(opts.work, 'context');
  const files = copyContext(opts.root, context);
  log(`context: ${files.length} files`);

  const stageRoots = new Map<string, string>();
  let stageIndex = -1;
  let rootfs = '';
  let workdir = '/';
  let env: Record<string, string> = {};
  let cmd: string[] = [];
  let healthcheck: string[] | undefined;
  const skipped: string[] = [];
  const inStage = (p: string) => path.join(rootfs, path.posix.resolve(workdir, p));

  for (const ins of file.getInstructions()) {
    const keyword = ins.getKeyword();
    const line = ins.getRange().start.line;
    const args = ins.getArgumentsContent() ?? '';
    if (imageOnlyLines.has(line)) {
      skipped.push(`line ${line + 1}: ${keyword} ${args}`);
      log(`skip (image only) ${keyword} ${args}`);
      continue;
    }
    switch (keyword) {
      case 'FROM': {
        stageIndex += 1;
        const name =
          (ins as unknown as { getBuildStage(): string | null }).getBuildStage() ?? String(stageIndex);
        rootfs = path.join(opts.work, `stage-${stageIndex}-${name}`);
        mkdirSync(rootfs, { recursive: true });
        stageRoots.set(name, rootfs);
        stageRoots.set(String(stageIndex), rootfs);
        workdir = '/';
        env = {};
        cmd = [];
        healthcheck = undefined;
        log(`stage ${name}`);
        break;
      }
      case 'WORKDIR':
        workdir = path.posix.resolve(workdir, args.trim());
        mkdirSync(inStage('.'), { recursive: true });
        break;
      case 'ENV':
        for (const p of (
          ins as unknown as { getProperties(): { getName(): string; getValue(): string | null }[] }
        ).getProperties())
          env[p.getName()] = p.getValue() ?? '';
        break;
      case 'COPY': {
        const flags = (
          ins as unknown as { getFlags(): { getName(): string; getValue(): string | null }[] }
        ).getFlags();
        const from = flags.find((f) => f.getName() === 'from')?.getValue();
        const parts = ins.getArguments().map((a) => a.getValue());
        const dest = parts.pop()!;
        const base = from ? stageRoots.get(from) : context;
        if (!base) throw new Error(`line ${line + 1}: COPY --from=${from}: no such stage`);
        copy(
          parts.map((s) => path.join(base, from ? s : path.normalize(s))),
          inStage(dest),
          dest.endsWith('/') || parts.length > 1,
        );
        break;
      }
      case 'RUN':
        // RUN's own flags (--mount=type=cache,…) only concern BuildKit
        run(args.replace(/^(\s*--\S+)+\s*/, ''), inStage('.'), env, opts, log);
        break;
      case 'CMD':
        cmd = execForm(args) ?? ['sh', '-c', args];
        break;
      case 'HEALTHCHECK':
        healthcheck = execForm(args);
        break;
      default:
        // USER, EXPOSE, VOLUME, LABEL, ARG: nothing to replay on the host
        break;
    }
  }
  return { appDir: inStage('.'), env, cmd, healthcheck, skipped };
}

/** Docker's COPY: a folder's contents go into the destination; files into it when it is a folder. */
function copy(sources: string[], dest: string, destIsDir: boolean): void {
  for (const src of sources) {
    if (statSync(src).isDirectory()) {
      mkdirSync(dest, { recursive: true });
      for (const name of readdirSync(src))
        cpSync(path.join(src, name), path.join(dest, name), { recursive: true });
    } else {
      const target = destIsDir ? path.join(dest, path.basename(src)) : dest;
      mkdirSync(path.dirname(target), { recursive: true });
      cpSync(src, target);
    }
  }
}

/** A bare environment: nothing of this shell (no NODE_OPTIONS, no loaders) leaks into the steps. */
export function bareEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG'];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false', ...extra };
}

function run(
  command: string,
  cwd: string,
  env: Record<string, string>,
  opts: ReplayOptions,
  log: (line: string) => void,
): void {
  const devInstall = /^npm ci\b/.test(command) && !/--omit[= ]dev\b/.test(command);
  if (devInstall && opts.linkDevInstall) {
    log(`RUN ${command}  → linked the checkout's node_modules`);
    symlinkSync(path.join(opts.root, 'node_modules'), path.join(cwd, 'node_modules'), 'dir');
    return;
  }
  log(`RUN ${command}`);
  const result = spawnSync('sh', ['-c', command], {
    cwd,
    env: bareEnv(env),
    stdio: 'pipe',
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(
      `RUN ${command} failed (exit ${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  stop(): Promise<number | null>;
}

/** Starts the image's CMD in its folder with PORT and DATA_FILE overridden; resolves once /readyz is ready. */
export async function startReplayed(image: Replayed, dataDir: string, timeoutMs = 60_000): Promise<Started> {
  const port = await freePort();
  const env = bareEnv({ ...image.env, PORT: String(port), DATA_FILE: path.join(dataDir, 'db.json') });
  const [bin, ...args] = image.cmd;
  const child = spawn(bin === 'node' ? process.execPath : bin!, args, {
    cwd: image.appDir,
    env,
    stdio: 'pipe',
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${out}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`/readyz did not answer ready within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    url,
    output: () => out,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs the HEALTHCHECK command in the image's folder against the started server; its exit code. */
export function runHealthcheck(image: Replayed, port: string): number | null {
  if (!image.healthcheck) throw new Error('the Dockerfile has no exec-form HEALTHCHECK');
  const [bin, ...args] = image.healthcheck;
  const r = spawnSync(bin === 'node' ? process.execPath : bin!, args, {
    cwd: image.appDir,
    env: bareEnv({ ...image.env, PORT: port }),
    stdio: 'pipe',
  });
  return r.status;
}

export function removeWork(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
