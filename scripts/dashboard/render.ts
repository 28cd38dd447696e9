/**
 * `npm run docs:dashboard`: renders docs/grafana-dashboard.json's panels from a real connector and
 * screenshots them into docs/screenshots/dashboard.png. Grafana and Prometheus are not installable
 * here, so this stands in for both: it starts the sandbox with METRICS_TOKEN, runs a small sync in
 * bursts (new chats, redeliveries, a group, attachments, a blocked download, an invalid event, a Zoho
 * 429 and a 503), scrapes /metrics every second, evaluates every panel's PromQL over those scrapes
 * (promql.ts, rate windows shortened to 5 s for the short run) and draws them (draw.ts) in Debian's
 * Chromium. The picture says that it is a rendering, not Grafana.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadConfig } from '../../server/src/config.js';
import { createLogger } from '../../server/src/log.js';
import { startServer } from '../../server/src/server.js';
import { connectAndActivate, postWebhook } from '../../test/helpers/harness.js';
import { message } from '../../test/helpers/messages.js';
import { dashboardHtml, type DrawnPanel, type Series } from './draw.js';
import { parseExposition } from './exposition.js';
import { evaluate, parsePromql, type Scrape } from './promql.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TOKEN = 'dashboard-render-token-0123456789abcdef';
const WINDOW_MS = 5000;
const ROUNDS = 12;

interface DashboardPanel {
  type: string;
  title: string;
  gridPos: DrawnPanel['gridPos'];
  targets?: { expr: string; legendFormat?: string }[];
  fieldConfig?: { defaults?: { unit?: string; max?: number } };
}

export function loadDashboard(): { title: string; panels: DashboardPanel[] } {
  return JSON.parse(readFileSync(path.join(root, 'docs/grafana-dashboard.json'), 'utf8')) as {
    title: string;
    panels: DashboardPanel[];
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs the sandbox through a small sync and returns a scrape a second. */
async function collect(): Promise<Scrape[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'wa-zoho-dashboard-'));
  const config = loadConfig({
    PORT: '0',
    DATA_FILE: path.join(dir, 'db.json'),
    FLUSH_WINDOW_MS: '1500',
    METRICS_TOKEN: TOKEN,
  });
  const server = await startServer(config, {
    log: createLogger('silent'),
    retryBaseMs: 500,
  });
  const scrapes: Scrape[] = [];
  const scrape = async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const samples = parseExposition(await res.text()).map((s) => ({
      ...s,
      labels: { ...s.labels, instance: 'connector-1' },
    }));
    scrapes.push({ at: Date.now(), samples });
  };
  try {
    const session = await connectAndActivate(server.url);
    const ticker = setInterval(() => void scrape(), 1000);
    let uid = 0;
    for (let round = 0; round < ROUNDS; round++) {
      if (round === 4) server.emulator!.controls.failNext(2, 429, { pathIncludes: '/Notes' });
      if (round === 8) server.emulator!.controls.failNext(1, 503, { pathIncludes: '/Notes' });
      const burst = 3 + ((round * 5) % 7);
      const posts: Promise<unknown>[] = [];
      for (let i = 0; i < burst; i++) {
        const chat = 800 + ((round + i) % 9);
        const attachments =
          i === 0 && round % 3 === 0
            ? [{ url: `${server.url}/sandbox/files/brochure.txt`, filename: 'brochure.txt' }]
            : i === 1 && round % 5 === 2
              ? [{ url: 'https://files.example.org/a.pdf', filename: 'a.pdf' }]
              : [];
        const body = message({
          chatId: chat,
          phone: `+3461200${String(chat).padStart(4, '0')}`,
          name: `Chat ${chat}`,
          uid: `dash-${uid++}`,
          text: `message ${uid}`,
          attachments,
        });
        posts.push(postWebhook(session.webhookUrl!, body));
        if (i === 2) posts.push(postWebhook(session.webhookUrl!, body)); // a redelivery
      }
      if (round % 4 === 1)
        posts.push(postWebhook(session.webhookUrl!, message({ chatId: 990, isGroup: true })));
      if (round % 6 === 3)
        posts.push(postWebhook(session.webhookUrl!, { event_type: 'message:received:new' }));
      await Promise.all(posts);
      await sleep(3000);
    }
    await server.scheduler.idle();
    await sleep(2500);
    clearInterval(ticker);
    await scrape();
    return scrapes;
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function legendOf(format: string | undefined, labels: Record<string, string>): string {
  const text = (format ?? '').replace(/\{\{\s*(\w+)\s*\}\}/g, (_, l: string) => {
    const v = labels[l] ?? '';
    return l === 'workspace_id' ? `workspace ${v.slice(0, 8)}` : v;
  });
  return text.trim() || JSON.stringify(labels);
}

export function panelsFrom(dashboard: { panels: DashboardPanel[] }, scrapes: Scrape[]): DrawnPanel[] {
  return dashboard.panels.map((p) => {
    const series = new Map<string, Series>();
    for (const target of p.targets ?? []) {
      const node = parsePromql(target.expr);
      scrapes.forEach((scrape, i) => {
        for (const point of evaluate(node, scrapes, i, WINDOW_MS)) {
          const label = legendOf(target.legendFormat, point.labels);
          const s = series.get(label) ?? { label, points: [] };
          s.points.push([scrape.at, point.value]);
          series.set(label, s);
        }
      });
    }
    return {
      title: p.title,
      type: p.type,
      unit: p.fieldConfig?.defaults?.unit ?? 'short',
      max: p.fieldConfig?.defaults?.max,
      gridPos: p.gridPos,
      series: [...series.values()],
    };
  });
}

async function main(): Promise<void> {
  const dashboard = loadDashboard();
  console.log(`running a small sync for about ${ROUNDS * 3 + 5} s and scraping /metrics every second…`);
  const scrapes = await collect();
  console.log(`${scrapes.length} scrapes; drawing ${dashboard.panels.length} panels`);
  const html = dashboardHtml(
    dashboard.title,
    panelsFrom(dashboard, scrapes),
    `A rendering of docs/grafana-dashboard.json by scripts/dashboard/render.ts, not Grafana: every panel's query evaluated over ${scrapes.length} real scrapes of a sandbox connector's /metrics during a small sync (rate windows 5 s). Sync-run panels stay empty until the worker reports its runs.`,
  );
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1584, height: 900 } });
    await page.setContent(html);
    const out = path.join(root, 'docs/screenshots/dashboard.png');
    await page.screenshot({ path: `${out}.tmp.png`, fullPage: true });
    renameSync(`${out}.tmp.png`, out);
    writeFileSync(path.join(tmpdir(), 'wa-zoho-dashboard.html'), html);
    console.log(`wrote ${path.relative(root, out)}`);
  } finally {
    await browser.close();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}
