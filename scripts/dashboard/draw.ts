/**
 * Draws dashboard panels as static HTML/SVG, laid out by their Grafana gridPos (24 columns). A look
 * alike for the docs, not Grafana: time series as lines, bar gauges as bars, rows as headings.
 */

export interface Series {
  label: string;
  points: [number, number][]; // [epoch ms, value]
}
export interface DrawnPanel {
  title: string;
  type: string;
  unit: string;
  max?: number | undefined;
  gridPos: { x: number; y: number; w: number; h: number };
  series: Series[];
}

const COLORS = [
  '#73bf69',
  '#f2cc0c',
  '#5794f2',
  '#ff780a',
  '#f2495c',
  '#b877d9',
  '#37872d',
  '#fade2a',
  '#8ab8ff',
];
const ROW_PX = 30;

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function formatValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return '–';
  const n = (x: number, d = 2) =>
    Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(d).replace(/\.?0+$/, '') || '0';
  switch (unit) {
    case 'percentunit':
      return `${(v * 100).toFixed(v < 0.01 ? 2 : 1)}%`;
    case 's':
      return v < 1 ? `${n(v * 1000)} ms` : `${n(v)} s`;
    case 'bytes':
      return v >= 1 << 20 ? `${n(v / (1 << 20), 1)} MiB` : `${n(v / 1024, 1)} KiB`;
    case 'reqps':
      return `${n(v)} req/s`;
    case 'ops':
      return `${n(v)} /s`;
    default:
      return n(v);
  }
}

function timeseries(p: DrawnPanel, width: number, height: number): string {
  const all = p.series.flatMap((s) => s.points);
  if (all.length === 0) return `<div class="nodata">No data</div>`;
  const t0 = Math.min(...all.map((x) => x[0]));
  const t1 = Math.max(...all.map((x) => x[0]));
  const top = Math.max(...all.map((x) => x[1]), 0) * 1.1 || 1;
  const left = 62;
  const plotW = width - left - 8;
  const plotH = height - 22;
  const x = (t: number) => left + ((t - t0) / Math.max(t1 - t0, 1)) * plotW;
  const y = (v: number) => 4 + plotH - (v / top) * plotH;
  const grid = [0, 0.5, 1]
    .map((f) => {
      const v = top * f;
      return `<line x1="${left}" x2="${left + plotW}" y1="${y(v)}" y2="${y(v)}" class="grid"/><text x="${left - 6}" y="${y(v) + 4}" class="axis" text-anchor="end">${esc(formatValue(v, p.unit))}</text>`;
    })
    .join('');
  const secs = Math.round((t1 - t0) / 1000);
  const xAxis = `<text x="${left}" y="${height - 4}" class="axis">−${secs} s</text><text x="${left + plotW}" y="${height - 4}" class="axis" text-anchor="end">now</text>`;
  const lines = p.series
    .map((s, i) => {
      const d = s.points.map(([t, v], j) => `${j ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join('');
      return `<path d="${d}" stroke="${COLORS[i % COLORS.length]}" class="line"/>`;
    })
    .join('');
  return `<svg width="${width}" height="${height}">${grid}${xAxis}${lines}</svg>`;
}

function bargauge(p: DrawnPanel, width: number): string {
  const rows = p.series
    .map((s) => ({ label: s.label, value: s.points.at(-1)?.[1] ?? NaN }))
    .filter((r) => Number.isFinite(r.value));
  if (rows.length === 0) return `<div class="nodata">No data</div>`;
  const max = p.max ?? Math.max(...rows.map((r) => r.value), 1);
  return rows
    .map((r, i) => {
      const w = Math.max(2, Math.min(1, r.value / max) * (width - 24));
      return `<div class="bar"><div class="barlabel">${esc(r.label)}</div><div class="bartrack"><div class="barfill" style="width:${w}px;background:${COLORS[i % COLORS.length]}"></div><span>${esc(formatValue(r.value, p.unit))}</span></div></div>`;
    })
    .join('');
}

function legend(p: DrawnPanel): string {
  if (p.type !== 'timeseries' || p.series.length === 0) return '';
  return `<div class="legend">${p.series
    .map((s, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(s.label)}</span>`)
    .join('')}</div>`;
}

export function dashboardHtml(title: string, panels: DrawnPanel[], note: string, pageWidth = 1560): string {
  const col = pageWidth / 24;
  const body = panels
    .map((p) => {
      const style = `left:${p.gridPos.x * col}px;top:${p.gridPos.y * ROW_PX}px;width:${p.gridPos.w * col - 8}px;height:${p.gridPos.h * ROW_PX - 8}px`;
      if (p.type === 'row') return `<div class="row" style="${style}">${esc(p.title)}</div>`;
      const w = p.gridPos.w * col - 26;
      const h = p.gridPos.h * ROW_PX - 8 - 64;
      const content = p.type === 'bargauge' ? bargauge(p, w) : timeseries(p, w, h);
      return `<div class="panel" style="${style}"><div class="title">${esc(p.title)}</div>${content}${legend(p)}</div>`;
    })
    .join('');
  const height = Math.max(...panels.map((p) => (p.gridPos.y + p.gridPos.h) * ROW_PX)) + 10;
  return `<!doctype html><html><head><meta charset="utf-8"><style>
body{margin:0;background:#111217;color:#ccccdc;font:12px/1.3 Inter,Helvetica,Arial,sans-serif}
header{padding:12px 16px;font-size:16px;color:#fff}header small{display:block;font-size:11px;color:#9fa0a8;margin-top:4px}
main{position:relative;margin:0 12px;height:${height}px}
.panel{position:absolute;background:#181b1f;border:1px solid #2c3235;border-radius:3px;padding:6px 8px;box-sizing:border-box;overflow:hidden}
.row{position:absolute;font-size:14px;color:#fff;padding-top:6px;border-bottom:1px solid #2c3235}
.title{font-weight:600;color:#fff;margin-bottom:4px}
.grid{stroke:#2c3235}.axis{fill:#9fa0a8;font-size:10px}.line{fill:none;stroke-width:1.8}
.legend{margin-top:2px}.legend span{margin-right:10px;white-space:nowrap}.legend i{display:inline-block;width:10px;height:3px;margin:0 4px 3px 0}
.nodata{color:#6e6f78;text-align:center;padding-top:60px}
.bar{margin:6px 0}.barlabel{color:#9fa0a8;font-size:11px}.bartrack{display:flex;align-items:center;gap:6px}.barfill{height:14px;border-radius:2px}
</style></head><body><header>${esc(title)}<small>${esc(note)}</small></header><main>${body}</main></body></html>`;
}
