// keel's operator UI: a hash router over the REST API. Pages redraw their live part every
// REFRESH_MS without moving the scroll position; actions send the CSRF token from /ui/session.
import { h, get, postForm, setCsrf, HttpError } from './dom.js';
import * as pages from './pages.js';

const REFRESH_MS = 5000;
const $ = (id) => document.getElementById(id);
const ui = { session: null, canAct: false, act: null };
let visit = 0; // bumps on every navigation; a slow answer for an old page is dropped
let timer = null;

function route() {
  const [path, qs] = (location.hash.replace(/^#/, '') || '/pipelines').split('?');
  const query = Object.fromEntries(new URLSearchParams(qs || ''));
  const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
  const at = (page, params = {}) => ({ name: seg[0] || 'pipelines', page, params, query });
  switch (seg[0]) {
    case 'pipelines': return seg[1] ? at(pages.pipeline, { name: seg[1], tab: seg[2] || 'runs' }) : at(pages.pipelines);
    case 'runs': return at(pages.run, { id: Number(seg[1]) });
    case 'tasks': return at(pages.task, { id: Number(seg[1]) });
    case 'nodes': return at(pages.nodes);
    case 'dead-letters': return at(pages.deadLetters);
    case 'alerts': return at(pages.alerts);
    case 'sign-in': return at(null);
    default: return at(pages.pipelines);
  }
}

function flash(text, error) {
  const f = $('flash');
  f.textContent = text;
  f.className = error ? 'error' : '';
  f.hidden = !text;
}

async function loadSession() {
  ui.session = await get('/ui/session');
  ui.canAct = ui.session.role === 'operator';
  setCsrf(ui.session.csrf);
  const who = $('who');
  if (ui.session.signed_in) {
    who.replaceChildren(h('span', { id: 'role' }, 'signed in as ' + ui.session.role),
      h('button', { type: 'button', id: 'sign-out', onclick: signOut }, 'Sign out'));
  } else {
    who.replaceChildren(h('a', { href: '#/sign-in', id: 'sign-in-link' }, 'Sign in'));
  }
}

async function signOut() {
  await postForm('/ui/sign-out', {});
  await loadSession();
  location.hash = '#/sign-in';
}

function signInPage() {
  const token = h('input', { type: 'password', name: 'token', id: 'token', autocomplete: 'current-password', required: true,
    placeholder: 'keel_…', 'aria-label': 'API token' });
  const form = h('form', { class: 'signin', id: 'sign-in', onsubmit: async (e) => {
    e.preventDefault();
    try {
      await postForm('/ui/sign-in', { token: token.value });
      await loadSession();
      flash('');
      location.hash = '#/pipelines';
    } catch (err) {
      flash(err.message, true);
    }
  } }, h('h1', {}, 'Sign in'),
  h('p', { class: 'muted' }, 'With an API token (keel token create --role viewer|operator). It is kept in a session cookie of this browser only.'),
  token, h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  return form;
}

// Runs an action, says how it went (`describe` turns the answer into words), and redraws the page
// (its buttons depend on the new state).
ui.act = async (label, call, describe) => {
  try {
    const res = await call();
    flash(describe ? describe(res) : label + ': done' + (res && res.run_id ? ' (run ' + res.run_id + ')' : ''));
    await show(false);
  } catch (err) {
    flash(label + ' refused: ' + err.message, true);
  }
};

async function drawLive(r, id) {
  if (!r.page || !r.page.live) return;
  const node = await r.page.live({ params: r.params, query: r.query, ui });
  if (id !== visit) return;
  const y = window.scrollY;
  $('live').replaceChildren(...[node].flat(Infinity).filter(Boolean));
  window.scrollTo(0, y); // a redraw never moves the reader
}

async function show(clearFlash) {
  const id = ++visit;
  clearTimeout(timer);
  if (clearFlash) flash('');
  const r = route();
  document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('current', a.dataset.page === r.name));
  const mayRead = ui.session.signed_in || ui.session.open_reads;
  if (!r.page || !mayRead) {
    document.title = 'Sign in · keel';
    $('static').replaceChildren(signInPage());
    $('live').replaceChildren();
    return;
  }
  const title = typeof r.page.title === 'function' ? r.page.title(r.params) : r.page.title;
  document.title = title + ' · keel';
  try {
    const fixed = r.page.fixed ? await r.page.fixed({ params: r.params, query: r.query, ui }) : null;
    if (id !== visit) return;
    $('static').replaceChildren(...[fixed].flat(Infinity).filter(Boolean));
    await drawLive(r, id);
  } catch (err) {
    report(err);
  }
  schedule(r, id);
}

function schedule(r, id) {
  timer = setTimeout(async () => {
    if (id !== visit) return;
    try {
      await drawLive(r, id);
    } catch (err) {
      report(err);
    }
    schedule(r, id);
  }, REFRESH_MS);
}

function report(err) {
  if (err instanceof HttpError && err.status === 401) {
    loadSession().then(() => show(false));
    return;
  }
  flash(err.message, true);
}

window.addEventListener('hashchange', () => show(true));
loadSession().then(() => show(true), (err) => flash('keel is not answering: ' + err.message, true));
