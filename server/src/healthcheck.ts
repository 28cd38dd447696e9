/**
 * The container's HEALTHCHECK: `node dist/server/src/healthcheck.js` exits 0 when the connector on
 * this machine answers `GET /healthz` with `{"status":"ok"}` within 4 s, else 1. Node itself rather
 * than curl or wget, which the slim and alpine images may not have.
 */
const port = Number(process.env.PORT || 3000);
const url = `http://127.0.0.1:${port}/healthz`;

try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  const body = (await res.json()) as { status?: unknown };
  if (res.status !== 200 || body.status !== 'ok') {
    console.error(`${url} answered ${res.status} ${JSON.stringify(body)}`);
    process.exit(1);
  }
  process.exit(0);
} catch (e) {
  console.error(`${url}: ${(e as Error).message}`);
  process.exit(1);
}
