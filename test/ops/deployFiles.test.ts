/**
 * The deployment files, checked where Docker cannot run: the Dockerfile's rules (each one shown to
 * fire), the build context .dockerignore leaves, and compose.yaml with its proxy and Prometheus
 * configuration.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { contextFiles } from '../../scripts/docker/context.js';
import { lintDockerfile } from '../../scripts/docker/lint.js';

const root = path.resolve(__dirname, '../..');
const read = (f: string) => readFileSync(path.join(root, f), 'utf8');

const GOOD = `FROM node:20.20.2-alpine AS build
WORKDIR /src
COPY . .
RUN npm ci
FROM node:20.20.2-alpine
WORKDIR /app
RUN npm ci --omit=dev
USER node
HEALTHCHECK CMD ["node", "healthcheck.js"]
CMD ["node", "main.js"]
`;
const rules = (text: string) => lintDockerfile(text).map((p) => p.rule);

describe('Dockerfile lint', () => {
  it('passes the repository Dockerfile and a minimal good one', () => {
    expect(lintDockerfile(read('Dockerfile'))).toEqual([]);
    expect(lintDockerfile(GOOD)).toEqual([]);
  });

  it.each([
    [
      'an unpinned base image',
      GOOD.replace('FROM node:20.20.2-alpine AS build', 'FROM node:20 AS build'),
      'pinned-base',
    ],
    ['latest', GOOD.replace('FROM node:20.20.2-alpine\n', 'FROM node:latest\n'), 'pinned-base'],
    [
      'one stage',
      GOOD.split('FROM node:20.20.2-alpine\n')[1]!.replace(/^/, 'FROM node:20.20.2-alpine\n'),
      'multi-stage',
    ],
    ['root', GOOD.replace('USER node', 'USER root'), 'non-root'],
    ['no USER', GOOD.replace('USER node\n', ''), 'non-root'],
    ['a secret in ENV', GOOD.replace('USER node', 'ENV ZOHO_CLIENT_SECRET=abc\nUSER node'), 'no-secrets'],
    ['a secret in ARG', GOOD.replace('WORKDIR /src', 'ARG NPM_TOKEN\nWORKDIR /src'), 'no-secrets'],
    ['a key-like value', GOOD.replace('USER node', `ENV X=${'ab12'.repeat(10)}\nUSER node`), 'no-secrets'],
    ['dev dependencies in the runtime', GOOD.replace('npm ci --omit=dev', 'npm ci'), 'prod-deps'],
    ['npm install', GOOD.replace('RUN npm ci\n', 'RUN npm install\n'), 'npm-ci'],
    ['no HEALTHCHECK', GOOD.replace(/HEALTHCHECK.*\n/, ''), 'healthcheck'],
    ['HEALTHCHECK NONE', GOOD.replace(/HEALTHCHECK.*\n/, 'HEALTHCHECK NONE\n'), 'healthcheck'],
    ['a shell-form CMD', GOOD.replace('CMD ["node", "main.js"]', 'CMD node main.js'), 'cmd'],
    ['ADD of a URL', GOOD.replace('COPY . .', 'ADD https://example.com/x.tgz /x'), 'no-remote-add'],
    ['a syntax error', GOOD.replace('WORKDIR /app', 'EXPOSE abc\nWORKDIR /app'), 'syntax'],
  ])('finds %s', (_what, text, rule) => {
    expect(rules(text)).toContain(rule);
  });
});

describe('the build context', () => {
  it('holds the sources and the lock file, never secrets, data, tests or node_modules', () => {
    const files = contextFiles(root);
    expect(files).toEqual(
      expect.arrayContaining(['package.json', 'package-lock.json', 'server/src/main.ts']),
    );
    expect(files.some((f) => f.startsWith('widget/src/'))).toBe(true);
    for (const f of files) {
      expect(f).not.toMatch(/(^|\/)(node_modules|\.git|data|dist|app|test)\//);
      expect(f).not.toMatch(/\.test\.tsx?$|(^|\/)\.env$/);
    }
  });

  it('follows the rules in order, `!` re-including and folders matching their files', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wa-zoho-ctx-'));
    try {
      const put = (f: string) => {
        mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        writeFileSync(path.join(dir, f), 'x');
      };
      [
        'a/keep.ts',
        'a/keep.test.ts',
        'a/.env',
        'a/deep/node_modules/m.js',
        'b/out.ts',
        'top.json',
        '.env',
      ].forEach(put);
      writeFileSync(
        path.join(dir, '.dockerignore'),
        '**\n!a\n!top.json\n**/node_modules\n**/*.test.ts\n**/.env\n',
      );
      expect(contextFiles(dir)).toEqual(['a/keep.ts', 'top.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compose.yaml', () => {
  const compose = parse(read('compose.yaml')) as {
    services: Record<string, Record<string, unknown>>;
    secrets: Record<string, unknown>;
  };
  const s = compose.services;

  it('runs PostgreSQL and two connector replicas that share it, behind the proxy', () => {
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['postgres', 'connector', 'proxy']));
    const connector = s.connector as {
      deploy: { replicas: number };
      environment: Record<string, string>;
      depends_on: Record<string, { condition: string }>;
      user?: string;
    };
    expect(connector.deploy.replicas).toBe(2);
    expect(connector.environment.DATABASE_URL).toMatch(
      /^postgres:\/\/connector:\$\{POSTGRES_PASSWORD\}@postgres:5432\//,
    );
    expect(connector.depends_on.postgres!.condition).toBe('service_healthy');
    for (const key of ['PUBLIC_URL', 'SECRET_KEY', 'ZOHO_CLIENT_ID', 'ZOHO_CLIENT_SECRET'])
      expect(connector.environment[key], key).toMatch(/^\$\{[A-Z_]+:\?.+\}$/); // required, from .env
    expect(JSON.stringify(s.postgres)).toContain('pg_isready');
  });

  it('pins every image and keeps secrets out of the file', () => {
    for (const [name, svc] of Object.entries(s)) {
      if (svc.build) continue;
      expect(String(svc.image), name).toMatch(/:v?\d+\.\d+(\.\d+)?(-[\w.]+)?$/); // an exact release
    }
    for (const [name, value] of Object.entries(
      (s.connector as { environment: Record<string, string> }).environment,
    ))
      expect(value, name).toMatch(/\$\{/);
  });

  it('has a proxy that spreads requests over the replicas and hides /metrics', () => {
    const volumes = (s.proxy as { volumes: string[] }).volumes;
    const caddyfile = volumes.find((v) => v.includes('Caddyfile'))!.split(':')[0]!;
    const text = read(caddyfile);
    expect(text).toMatch(/dynamic a connector 3000/);
    expect(text).toMatch(/@metrics path \/metrics\s+respond @metrics 404/);
    expect(text).toMatch(/header_up X-Request-Id/);
  });

  it('has Prometheus scrape each replica with the metrics token', () => {
    const prom = parse(read('deploy/prometheus.yml')) as {
      scrape_configs: {
        authorization: { type: string; credentials_file: string };
        dns_sd_configs: { names: string[]; port: number }[];
      }[];
    };
    const job = prom.scrape_configs[0]!;
    expect(job.authorization).toEqual({ type: 'Bearer', credentials_file: '/run/secrets/metrics_token' });
    expect(job.dns_sd_configs[0]).toMatchObject({ names: ['connector'], port: 3000 });
    expect(compose.secrets.metrics_token).toEqual({ environment: 'METRICS_TOKEN' });
    for (const v of (s.grafana as { volumes: string[] }).volumes) {
      const host = v.split(':')[0]!;
      if (host.startsWith('./')) expect(existsSync(path.join(root, host)), host).toBe(true);
    }
  });
});
