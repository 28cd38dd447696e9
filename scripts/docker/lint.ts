/**
 * Lints the Dockerfile without Docker: dockerfile-utils' validator (the one behind VS Code's Docker
 * support: syntax, flags, instruction arguments) plus the rules this project holds its image to:
 *  - multi-stage, every base image pinned to an exact version (x.y.z) or a digest;
 *  - the final stage runs as a named non-root USER, has a HEALTHCHECK and an exec-form CMD;
 *  - the final stage installs production dependencies only (`npm ci --omit=dev`), never `npm install`;
 *  - no secret in ENV or ARG (by name, or a value that looks like a key), no ADD of remote URLs.
 */
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { validate } from 'dockerfile-utils';

export interface LintProblem {
  line: number;
  rule: string;
  message: string;
}

const SECRET_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL|DATABASE_URL)/i;
/** Long random-looking values: hex or base64 of 128 bits or more. */
const SECRET_VALUE = /^(?:[A-Fa-f0-9]{32,}|[A-Za-z0-9+/_-]{40,}={0,2})$/;

export function lintDockerfile(text: string): LintProblem[] {
  const problems: LintProblem[] = [];
  const add = (line: number, rule: string, message: string) =>
    problems.push({ line: line + 1, rule, message });

  for (const d of validate(text)) {
    // severity 1 = error, 2 = warning (dockerfile-utils' ValidationSeverity)
    if ((d.severity ?? 1) <= 2)
      add(d.range.start.line, 'syntax', typeof d.message === 'string' ? d.message : d.message.value);
  }

  const file = DockerfileParser.parse(text);
  const froms = file.getFROMs();
  if (froms.length < 2) add(0, 'multi-stage', 'use a build stage and a runtime stage (FROM … AS build)');
  const stages = new Set(froms.map((f) => f.getBuildStage()).filter((s): s is string => !!s));
  for (const from of froms) {
    const image = from.getImageName() ?? '';
    if (stages.has(image)) continue; // FROM an earlier stage
    const tag = from.getImageTag();
    const digest = from.getImageDigest();
    const line = from.getRange().start.line;
    if (!digest && !(tag && /^\d+\.\d+\.\d+(?:-[\w.]+)?$/.test(tag)))
      add(line, 'pinned-base', `pin ${from.getImage() ?? image} to an exact version (x.y.z) or a digest`);
  }

  const instructions = file.getInstructions();
  const lastFrom = froms.at(-1);
  const finalStart = lastFrom ? lastFrom.getRange().start.line : 0;
  const final = instructions.filter((i) => i.getRange().start.line >= finalStart);

  for (const i of instructions) {
    const line = i.getRange().start.line;
    const keyword = i.getKeyword();
    const args = i.getArgumentsContent() ?? '';
    if (keyword === 'ENV' || keyword === 'ARG') {
      for (const [name, value] of propertiesOf(i)) {
        if (SECRET_NAME.test(name) || SECRET_VALUE.test(value))
          add(line, 'no-secrets', `${keyword} ${name}: secrets are passed at run time, never baked in`);
      }
    }
    if (keyword === 'ADD' && /https?:\/\//.test(args))
      add(line, 'no-remote-add', 'ADD of a URL: download in a RUN step with a checksum, or COPY');
    if (keyword === 'RUN' && /\bnpm\s+(install|i)\b/.test(args))
      add(line, 'npm-ci', '`npm install` can change the lock file: use `npm ci`');
  }

  const user = final.filter((i) => i.getKeyword() === 'USER').at(-1);
  const userName = user?.getArgumentsContent()?.trim().split(':')[0];
  if (!user || !userName || userName === 'root' || userName === '0')
    add(
      user?.getRange().start.line ?? finalStart,
      'non-root',
      'the final stage must switch to a non-root USER',
    );

  const installs = final.filter(
    (i) => i.getKeyword() === 'RUN' && /\bnpm\s+ci\b/.test(i.getArgumentsContent() ?? ''),
  );
  if (installs.length === 0)
    add(finalStart, 'prod-deps', 'the final stage must install its dependencies with `npm ci --omit=dev`');
  for (const i of installs) {
    if (!/--omit[= ]dev\b/.test(i.getArgumentsContent() ?? ''))
      add(i.getRange().start.line, 'prod-deps', 'the final stage installs dev dependencies: add --omit=dev');
  }

  const health = final.filter((i) => i.getKeyword() === 'HEALTHCHECK').at(-1);
  if (!health || /^\s*NONE\b/i.test(health.getArgumentsContent() ?? ''))
    add(finalStart, 'healthcheck', 'the final stage needs a HEALTHCHECK (e.g. on /healthz)');

  const cmd = final.filter((i) => i.getKeyword() === 'CMD').at(-1);
  if (!cmd) add(finalStart, 'cmd', 'the final stage needs a CMD');
  else if (!execForm(cmd.getArgumentsContent() ?? ''))
    add(cmd.getRange().start.line, 'cmd', 'use the exec form CMD ["node", …] so that signals reach node');
  return problems;
}

/** The JSON array of an exec-form CMD, HEALTHCHECK CMD or ENTRYPOINT; undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  const json = args.replace(/^\s*CMD\s+/i, '').trim();
  if (!json.startsWith('[')) return undefined;
  try {
    const parsed = JSON.parse(json) as unknown;
    return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function propertiesOf(i: Instruction): [string, string][] {
  const withProps = i as Instruction & {
    getProperties?: () => { getName(): string; getValue(): string | null }[];
  };
  return (withProps.getProperties?.() ?? []).map((p) => [p.getName(), p.getValue() ?? '']);
}
