// @ts-check
/* global window, document, fetch, location, setTimeout, setInterval, clearInterval, FormData, navigator */
/**
 * The sandbox host page: plays Zoho CRM around the widget.
 *
 * - Frames the widget's settings page (../widget/settings.html) and, on a record, its chat panel
 *   (../widget/panel.html), same-origin.
 * - Provides the Zoho embedded-app SDK to those frames: the widget's host module
 *   (widget/src/host/zohoHost.ts) finds `window.parent.__SANDBOX_ZOHO__` and calls it with its own
 *   window; we answer a `ZOHO`-shaped shim (PageLoad, CRM.API.getRecord / getRelatedRecords,
 *   CRM.CONFIG.getCurrentUser, CRM.UI.Resize) backed by the emulator's sandbox endpoints.
 * - Lists the emulator's records and their Notes, and sends WhatsApp messages in.
 *
 * Plain ES module, no build step. All URLs are relative: this page is served at /sandbox/.
 * Every value from the server is written with textContent, never as HTML.
 */

/** @typedef {Record<string, unknown>} Json */

const POLL_MS = 4000;
const FAST_POLL_MS = 1000;
const FAST_POLL_FOR_MS = 20000;

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const enc = encodeURIComponent;

/** @type {{ view: 'settings' | 'records', module: string, recordId: string | null, panelSignature: string, lastState: Json | null, orgTimeZone: string | null, panelUser: string }} */
const ui = {
  view: 'settings',
  module: 'Contacts',
  recordId: null,
  panelSignature: '',
  lastState: null,
  orgTimeZone: null,
  // The CRM user the chat panel is told about (the sandbox's rep by default).
  panelUser: 'rep@sandbox.test',
};

const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

// ---------------------------------------------------------------- server access

/**
 * @param {string} path
 * @param {RequestInit} [init]
 * @returns {Promise<{ status: number, body: any }>}
 */
async function call(path, init) {
  const res = await fetch(path, { headers: { Accept: 'application/json' }, ...init });
  const text = await res.text();
  let body;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  return { status: res.status, body };
}

/** @param {any} body @param {string} fallback */
function errorMessage(body, fallback) {
  return body && body.error && typeof body.error.message === 'string' ? body.error.message : fallback;
}

// ---------------------------------------------------------------- the ZOHO shim

/** Which of our iframes holds this window. @param {Window} win */
function frameOf(win) {
  for (const frame of document.querySelectorAll('iframe.widget-frame')) {
    if (/** @type {HTMLIFrameElement} */ (frame).contentWindow === win)
      return /** @type {HTMLIFrameElement} */ (frame);
  }
  return null;
}

/** What Zoho's PageLoad event carries for this frame. @param {HTMLIFrameElement} frame */
function pageLoadData(frame) {
  const entity = frame.dataset.entity;
  const id = frame.dataset.entityId;
  // A record's detail page: Zoho passes EntityId as an array.
  return entity && id ? { Entity: entity, EntityId: [id] } : {};
}

/** Zoho's SDK rejects with the API's error row. @param {string} code @param {string} message */
function zohoError(code, message) {
  return { code, message, status: 'error', details: {} };
}

/** @param {HTMLIFrameElement} frame */
function makeShim(frame) {
  /** @type {((data: unknown) => void)[]} */
  const pageLoad = [];
  return {
    embeddedApp: {
      /** @param {string} event @param {(data: unknown) => void} handler */
      on(event, handler) {
        if (event === 'PageLoad') pageLoad.push(handler);
      },
      init() {
        const data = pageLoadData(frame);
        setTimeout(() => pageLoad.forEach((h) => h(data)), 0);
        return Promise.resolve(true);
      },
    },
    CRM: {
      API: {
        /** @param {{ Entity: string, RecordID: string }} config */
        async getRecord({ Entity, RecordID }) {
          const { status, body } = await call(`api/records/${enc(Entity)}/${enc(RecordID)}`);
          if (status === 404) return ''; // Zoho: 204 No Content
          if (status !== 200) throw zohoError('INTERNAL_ERROR', errorMessage(body, `HTTP ${status}`));
          return body;
        },
        /** @param {{ Entity: string, RecordID: string, RelatedList: string }} config */
        async getRelatedRecords({ Entity, RecordID, RelatedList }) {
          if (RelatedList !== 'Notes')
            throw zohoError('INVALID_DATA', `The sandbox has no related list "${RelatedList}".`);
          const { status, body } = await call(`api/records/${enc(Entity)}/${enc(RecordID)}/notes`);
          if (status !== 200) throw zohoError('INTERNAL_ERROR', errorMessage(body, `HTTP ${status}`));
          const data = Array.isArray(body && body.data) ? body.data : [];
          // Zoho lists related Notes newest first, and answers 204 (an empty body) when there are none.
          return data.length
            ? { data: [...data].reverse(), info: { more_records: false, count: data.length } }
            : '';
        },
      },
      CONFIG: {
        async getOrgInfo() {
          const { status, body } = await call('api/org');
          if (status !== 200) throw zohoError('INTERNAL_ERROR', errorMessage(body, `HTTP ${status}`));
          return body;
        },
        async getCurrentUser() {
          const { body } = await call('api/state');
          const users = Array.isArray(body && body.users) ? body.users : [];
          const user = users.find((/** @type {any} */ u) => u.email === ui.panelUser) ?? users[0];
          return { users: user ? [{ id: user.id, full_name: user.name, email: user.email }] : [] };
        },
      },
      UI: {
        /** @param {{ height?: string | number }} size */
        Resize({ height }) {
          const h = Number(height);
          if (h > 0) frame.style.height = `${Math.ceil(h)}px`;
          return Promise.resolve(true);
        },
      },
    },
  };
}

/** Called by the framed widget (same origin) with its own window. */
Object.assign(window, {
  /** @param {Window} frameWindow */
  __SANDBOX_ZOHO__(frameWindow) {
    const frame = frameOf(frameWindow);
    return frame ? makeShim(frame) : undefined;
  },
});

// ---------------------------------------------------------------- rendering helpers

/**
 * @param {string} tag
 * @param {{ class?: string, text?: string, attrs?: Record<string, string> }} [opts]
 * @param {(Node | string)[]} [children]
 */
function el(tag, opts = {}, children = []) {
  const node = document.createElement(tag);
  if (opts.class) node.className = opts.class;
  if (opts.text !== undefined) node.textContent = opts.text;
  for (const [k, v] of Object.entries(opts.attrs ?? {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

/** @param {unknown} iso */
function when(iso) {
  if (typeof iso !== 'string') return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** @param {Json} r */
function recordName(r) {
  const full = [r.First_Name, r.Last_Name].filter((v) => typeof v === 'string' && v).join(' ');
  for (const v of [r.Full_Name, full, r.Name, r.Company, r.Account_Name])
    if (typeof v === 'string' && v) return v;
  return `Record ${String(r.id)}`;
}

/** @param {Json} r */
function recordPhone(r) {
  for (const v of [r.Phone, r.Mobile]) if (typeof v === 'string' && v) return v;
  return '';
}

/** A field value as text: lookups by name, empties skipped. @param {unknown} v */
function valueText(v) {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'object' && !Array.isArray(v)) {
    const o = /** @type {Json} */ (v);
    return typeof o.name === 'string' ? o.name : JSON.stringify(o);
  }
  if (Array.isArray(v)) return v.length ? JSON.stringify(v) : null;
  return String(v);
}

// ---------------------------------------------------------------- views

function applyRoute() {
  const [view, module, id] = location.hash.replace(/^#/, '').split('/').map(decodeURIComponent);
  ui.view = view === 'records' ? 'records' : 'settings';
  ui.module = module || 'Contacts';
  ui.recordId = ui.view === 'records' && id ? id : null;
  for (const tab of document.querySelectorAll('.tab')) {
    const t = /** @type {HTMLElement} */ (tab);
    const current = t.dataset.view === ui.view && (ui.view === 'settings' || t.dataset.module === ui.module);
    if (current) t.setAttribute('aria-current', 'page');
    else t.removeAttribute('aria-current');
  }
  $('view-settings').hidden = ui.view !== 'settings';
  $('view-records').hidden = ui.view !== 'records';
  $('records-heading').textContent = ui.module;
  ui.panelSignature = '';
  void refresh();
}

async function refreshState() {
  const { status, body } = await call('api/state');
  const box = $('org-state');
  if (status !== 200 || !body) {
    box.textContent = 'Backend not answering';
    return;
  }
  const wasConnected = ui.lastState ? ui.lastState.connected : undefined;
  ui.lastState = body;
  box.textContent = !body.connected
    ? 'Not connected: open Integration settings and click “Connect Zoho CRM”.'
    : body.active
      ? `Connected · integration active (syncing to ${body.module})`
      : 'Connected · integration inactive';
  // The connection decides first: a disconnected org is a warning even while its integration is on.
  box.dataset.tone = !body.connected ? 'warn' : body.active ? 'ok' : 'idle';
  fillPanelUsers(Array.isArray(body.users) ? body.users : []);
  // An error about the connection under the send form is stale once it changed.
  if (wasConnected !== undefined && wasConnected !== body.connected) clearSendError();
}

/** The "Viewing this record as" choice, once the users are known. @param {any[]} users */
function fillPanelUsers(users) {
  const select = /** @type {HTMLSelectElement} */ ($('panel-user'));
  if (select.options.length === users.length) return;
  select.replaceChildren(
    ...users.map((u) =>
      el('option', { text: `${u.name} (${u.admin ? 'admin' : 'rep'})`, attrs: { value: u.email } }),
    ),
  );
  select.value = ui.panelUser;
}

// ---------------------------------------------------------------- the emulated TimelinesAI

async function refreshTimelines() {
  const { status, body } = await call('api/timelines');
  if (status !== 200 || !body) return;
  const token = /** @type {HTMLInputElement} */ ($('tl-token'));
  if (token.value !== body.token) token.value = body.token;
  $('tl-whatsapp').textContent =
    `${body.whatsapp.phone} · ${body.whatsapp.connected ? 'connected' : 'disconnected'}`;
  $('tl-quota').textContent = `${body.quota.used} of ${body.quota.total} used`;
  const exhausted = body.quota.used >= body.quota.total;
  $('tl-quota-toggle').textContent = exhausted ? 'Renew the quota' : 'Use up the quota';
  $('tl-quota-toggle').dataset.next = exhausted ? 'renewed' : 'exhausted';
  $('tl-whatsapp-toggle').textContent = body.whatsapp.connected
    ? 'Disconnect the WhatsApp number'
    : 'Reconnect the WhatsApp number';
  $('tl-whatsapp-toggle').dataset.next = body.whatsapp.connected ? 'disconnected' : 'connected';
  $('tl-webhooks').replaceChildren(
    ...(body.webhooks.length
      ? body.webhooks.map((/** @type {any} */ w) =>
          el('li', { text: `${w.eventType} → ${w.url} (${w.errorsCounter} failed deliveries)` }),
        )
      : [el('li', { class: 'muted', text: 'none yet: connect TimelinesAI in the settings, then activate' })]),
  );
  const activity = [
    ...body.sends.map((/** @type {any} */ x) => ({
      at: x.at,
      text: `send via ${x.via}: ${x.status} (${x.credits} credit${x.credits === 1 ? '' : 's'})`,
    })),
    ...body.deliveries.map((/** @type {any} */ d) => ({
      at: d.at,
      text: `delivered ${d.eventType}: ${d.ok ? 'ok' : `failed (${d.status ?? 'no answer'})`}`,
    })),
  ]
    .sort((a, b) => b.at - a.at)
    .slice(0, 8);
  $('tl-activity').replaceChildren(
    ...(activity.length
      ? activity.map((a) => el('li', { text: `${new Date(a.at).toLocaleTimeString()} ${a.text}` }))
      : [el('li', { class: 'muted', text: 'nothing yet' })]),
  );
}

/** @param {Record<string, string>} change */
async function controlTimelines(change) {
  await call('api/timelines/controls', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(change),
  });
  await refreshTimelines();
}

/** Removes an error left under the send form (the form was changed, or the org state changed). */
function clearSendError() {
  const status = $('send-status');
  if (status.dataset.tone === 'error') {
    status.dataset.tone = '';
    status.textContent = '';
  }
}

async function refreshRecords() {
  const { status, body } = await call(`api/records?module=${enc(ui.module)}`);
  const rows = $('record-rows');
  /** @type {Json[]} */
  const records = status === 200 && Array.isArray(body && body.data) ? body.data : [];
  const sorted = [...records].reverse(); // newest first
  rows.replaceChildren(
    ...sorted.map((r) => {
      const id = String(r.id);
      const link = el('a', {
        text: recordName(r),
        attrs: {
          href: `#records/${enc(ui.module)}/${enc(id)}`,
          'aria-label': `Open record ${recordName(r)}`,
        },
      });
      const tr = el('tr', {}, [
        el('td', {}, [link]),
        el('td', { text: recordPhone(r) }),
        el('td', { text: when(r.Created_Time) }),
      ]);
      if (id === ui.recordId) tr.setAttribute('aria-current', 'true');
      return tr;
    }),
  );
  $('records-empty').hidden = sorted.length > 0;
  $('records-empty').textContent =
    status === 200
      ? `No ${ui.module} yet. Activate the integration or send a message in.`
      : errorMessage(body, 'Could not list the records.');
}

async function refreshDetail() {
  const box = $('record-detail');
  if (!ui.recordId) {
    box.hidden = true;
    return;
  }
  const base = `api/records/${enc(ui.module)}/${enc(ui.recordId)}`;
  const [rec, notes] = await Promise.all([call(base), call(`${base}/notes`)]);
  box.hidden = false;
  if (rec.status !== 200) {
    $('record-title').textContent = errorMessage(rec.body, 'Record not found.');
    $('record-fields').replaceChildren();
    $('record-notes').replaceChildren();
    return;
  }
  /** @type {Json} */
  const record = rec.body.data[0];
  $('record-title').textContent = recordName(record);
  $('record-fields').replaceChildren(
    ...Object.entries(record)
      .filter(([k]) => !k.startsWith('$'))
      .map(([k, v]) => [k, valueText(v)])
      .filter(([, v]) => v !== null)
      .map(([k, v]) => el('div', {}, [el('dt', { text: String(k) }), el('dd', { text: String(v) })])),
  );
  /** @type {Json[]} */
  const list = notes.status === 200 && Array.isArray(notes.body && notes.body.data) ? notes.body.data : [];
  const newestFirst = [...list].reverse();
  $('notes-count').textContent = `(${list.length})`;
  // Two clocks on one page: the Notes' lines are in the org's zone, "Updated" in the reader's.
  $('notes-zones').textContent = list.length
    ? `Message times in the Notes: ${ui.orgTimeZone ?? 'the org’s time zone'}. “Updated”: your time (${BROWSER_ZONE}).`
    : '';
  $('record-notes').replaceChildren(
    ...newestFirst.map((n) => {
      const atts = Array.isArray(n.$attachments)
        ? n.$attachments.map((/** @type {any} */ a) => a && a.File_Name).filter(Boolean)
        : [];
      return el('li', { class: 'note' }, [
        el('p', { class: 'note-title', text: String(n.Note_Title ?? '(no title)') }),
        el('p', { class: 'muted', text: `Updated ${when(n.Modified_Time)} (your time)` }),
        el('pre', { class: 'note-content', text: String(n.Note_Content ?? '') }),
        ...(atts.length ? [el('p', { class: 'muted', text: `Attachments: ${atts.join(', ')}` })] : []),
      ]);
    }),
  );
  // (Re)load the chat panel when this record or its Notes changed: the widget reads them on load.
  const signature = JSON.stringify([
    ui.module,
    ui.recordId,
    record.Modified_Time,
    list.map((n) => [n.id, n.Modified_Time]),
  ]);
  if (signature !== ui.panelSignature) {
    ui.panelSignature = signature;
    const frame = /** @type {HTMLIFrameElement} */ ($('panel-frame'));
    frame.dataset.entity = ui.module;
    frame.dataset.entityId = ui.recordId;
    frame.src = `../widget/panel.html?record=${enc(ui.recordId)}&v=${Date.now()}`;
  }
}

let refreshing = false;
let refreshAgain = false;
/** One refresh at a time; a request made meanwhile runs once the current one ends (the view may have changed). */
async function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  try {
    do {
      refreshAgain = false;
      await Promise.all([refreshState(), refreshTimelines()]);
      if (ui.view === 'records') await Promise.all([refreshRecords(), refreshDetail()]);
    } while (refreshAgain);
  } finally {
    refreshing = false;
  }
}

// ---------------------------------------------------------------- sending messages in

/** @param {SubmitEvent} event */
async function send(event) {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.target);
  const data = new FormData(form);
  const status = $('send-status');
  const button = /** @type {HTMLButtonElement} */ (form.querySelector('button[type=submit]'));
  button.disabled = true;
  status.dataset.tone = '';
  status.textContent = 'Sending…';
  try {
    const { status: code, body } = await call('api/send-message', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({
        phone: String(data.get('phone') ?? ''),
        name: String(data.get('name') ?? ''),
        text: String(data.get('text') ?? ''),
        direction: data.get('direction') === 'sent' ? 'sent' : 'received',
        attachment: data.get('attachment') === 'on',
      }),
    });
    if (code >= 200 && code < 300 && body && body.ok) {
      await refreshState();
      const inactive = ui.lastState && !ui.lastState.active;
      status.dataset.tone = 'ok';
      status.textContent = inactive
        ? 'Delivered to the webhook. The integration is not active, so the sync log records it as skipped.'
        : body.via === 'timelines'
          ? 'Received by the emulated TimelinesAI, which delivered it to the webhook. It reaches the CRM within a few seconds.'
          : 'Delivered to the webhook. It reaches the CRM within a few seconds; this page refreshes by itself.';
      pollFast();
    } else {
      status.dataset.tone = 'error';
      status.textContent = errorMessage(body, `The message was not accepted (HTTP ${code}).`);
    }
  } catch {
    status.dataset.tone = 'error';
    status.textContent = 'The backend did not answer.';
  } finally {
    button.disabled = false;
  }
}

/** @type {ReturnType<typeof setInterval> | undefined} */
let fastTimer;
function pollFast() {
  clearInterval(fastTimer);
  const until = Date.now() + FAST_POLL_FOR_MS;
  fastTimer = setInterval(() => {
    if (Date.now() > until) clearInterval(fastTimer);
    void refresh();
  }, FAST_POLL_MS);
}

// ---------------------------------------------------------------- start

function start() {
  // Framed only now, so the ZOHO shim above exists before the widget looks for it.
  /** @type {HTMLIFrameElement} */ ($('settings-frame')).src = '../widget/settings.html';
  for (const tab of document.querySelectorAll('.tab')) {
    tab.addEventListener('click', () => {
      const t = /** @type {HTMLElement} */ (tab);
      location.hash =
        t.dataset.view === 'records' ? `records/${enc(t.dataset.module ?? 'Contacts')}` : 'settings';
    });
  }
  $('refresh').addEventListener('click', () => {
    ui.panelSignature = '';
    void refresh();
  });
  $('send-form').addEventListener('submit', (e) => void send(/** @type {SubmitEvent} */ (e)));
  $('send-form').addEventListener('input', clearSendError);
  $('panel-user').addEventListener('change', (e) => {
    ui.panelUser = /** @type {HTMLSelectElement} */ (e.target).value;
    ui.panelSignature = ''; // the panel is opened again for that user
    void refresh();
  });
  $('tl-copy').addEventListener('click', () => {
    const token = /** @type {HTMLInputElement} */ ($('tl-token'));
    token.select();
    void navigator.clipboard?.writeText(token.value).then(
      () => ($('tl-copy-status').textContent = 'Copied.'),
      () => ($('tl-copy-status').textContent = 'Select the token and copy it.'),
    );
  });
  $('tl-quota-toggle').addEventListener(
    'click',
    () => void controlTimelines({ quota: $('tl-quota-toggle').dataset.next ?? 'exhausted' }),
  );
  $('tl-whatsapp-toggle').addEventListener(
    'click',
    () => void controlTimelines({ whatsapp: $('tl-whatsapp-toggle').dataset.next ?? 'disconnected' }),
  );
  void call('api/org').then(({ status, body }) => {
    const org = status === 200 && body && Array.isArray(body.org) ? body.org[0] : null;
    ui.orgTimeZone = org && typeof org.time_zone === 'string' ? org.time_zone : null;
  });
  window.addEventListener('hashchange', applyRoute);
  setInterval(() => {
    if (document.visibilityState !== 'hidden') void refresh();
  }, POLL_MS);
  applyRoute();
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
