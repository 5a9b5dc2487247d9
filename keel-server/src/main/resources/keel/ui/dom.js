// DOM and HTTP helpers. Every value from the server becomes a text node (never innerHTML), so a
// record holding markup is shown as the characters it holds.

export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat(Infinity)) {
    if (kid === null || kid === undefined || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

export class HttpError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

let csrf = null;
export function setCsrf(token) { csrf = token; }

async function answer(res) {
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (e) { body = { error: text }; }
  if (!res.ok) throw new HttpError(res.status, (body && body.error) || res.statusText);
  return body;
}

export async function get(path) {
  return answer(await fetch(path, { credentials: 'same-origin', headers: { Accept: 'application/json' } }));
}

export async function post(path, body) {
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (csrf) headers['X-Keel-CSRF'] = csrf;
  return answer(await fetch(path, { method: 'POST', credentials: 'same-origin', headers,
    body: body === undefined ? '' : JSON.stringify(body) }));
}

export async function postForm(path, fields) {
  return answer(await fetch(path, { method: 'POST', credentials: 'same-origin',
    headers: { Accept: 'application/json' }, body: new URLSearchParams(fields) }));
}

export const enc = encodeURIComponent;

export function badge(state) {
  return h('span', { class: 'badge s-' + String(state).replace(/[^a-z_-]/gi, '') }, state);
}

export function when(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  return h('time', { datetime: iso, title: iso }, ago(new Date(iso)));
}

export function ago(date) {
  const s = Math.round((Date.now() - date.getTime()) / 1000);
  if (s < 0) return 'in ' + span(-s);
  return span(s) + ' ago';
}

export function span(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return s + ' s';
  if (s < 90 * 60) return Math.round(s / 60) + ' min';
  if (s < 36 * 3600) return (s / 3600).toFixed(1) + ' h';
  return (s / 86400).toFixed(1) + ' d';
}

export function duration(startIso, endIso) {
  if (!startIso) return '—';
  const end = endIso ? new Date(endIso) : new Date();
  const ms = end - new Date(startIso);
  return ms < 10000 ? (ms / 1000).toFixed(1) + ' s' : span(ms / 1000);
}

export function num(v) {
  return v === null || v === undefined ? '—' : Number(v).toLocaleString('en');
}

export function table(headers, rows, empty) {
  if (!rows.length) return h('p', { class: 'muted' }, empty || 'Nothing yet.');
  return h('table', {},
    h('thead', {}, h('tr', {}, headers.map(([label, cls]) => h('th', { class: cls }, label)))),
    h('tbody', {}, rows));
}

export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// A line diff (longest common subsequence), enough for pipeline files of a few hundred lines.
export function diffLines(a, b) {
  const x = a.split('\n'), y = b.split('\n');
  const n = x.length, m = y.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i][j] = x[i] === y[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out = [];
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) { out.push([' ', x[i]]); i++; j++; }
    else if (j < m && (i === n || lcs[i][j + 1] >= lcs[i + 1][j])) { out.push(['+', y[j]]); j++; }
    else { out.push(['-', x[i]]); i++; }
  }
  return out;
}
