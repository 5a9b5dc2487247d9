// The pages. Each has `live` (redrawn every few seconds) and optionally `fixed` (drawn once per
// visit: forms and choices the operator is filling in must not be redrawn under them).
import { h, get, post, enc, badge, when, span, duration, num, table, facts, diffLines } from './dom.js';
import { history } from './history.js';

const pipelineLink = (name) => h('a', { href: '#/pipelines/' + enc(name) }, name);
const runLink = (id) => h('a', { href: '#/runs/' + id }, 'run ' + id);
const taskLink = (id, label) => h('a', { href: '#/tasks/' + id }, label || 'task ' + id);
const deadLettersHref = (q) => '#/dead-letters?' + new URLSearchParams(Object.entries(q).filter(([, v]) => v)).toString();

function actionButton(ui, label, path, body, cls) {
  return h('button', { type: 'button', class: cls || null, 'data-action': path,
    onclick: () => ui.act(label, () => post(path, body)) }, label);
}

export const pipelines = {
  title: 'Pipelines',
  async live() {
    const list = await get('/api/pipelines');
    return [h('h1', {}, 'Pipelines'), table(
      [['Pipeline'], ['Schedule'], ['Last run'], ['Freshness'], ['Paused'], ['Region'], ['Versions', 'num'], ['']],
      list.map((p) => h('tr', { 'data-pipeline': p.name },
        h('td', {}, pipelineLink(p.name)),
        h('td', {}, p.schedule ? h('code', {}, p.schedule) : h('span', { class: 'muted' }, 'on demand')),
        h('td', {}, p.last_run ? [badge(p.last_run.state), ' ', runLink(p.last_run.id), ' ', when(p.last_run.created_at)]
          : h('span', { class: 'muted' }, 'never run')),
        h('td', {}, p.freshness_seconds === null || p.freshness_seconds === undefined ? h('span', { class: 'muted' }, 'no success yet')
          : h('span', { title: 'last success ' + p.last_success_at }, span(p.freshness_seconds) + ' old')),
        h('td', {}, p.paused ? badge('paused') : 'no'),
        h('td', {}, p.region || h('span', { class: 'muted' }, 'any')),
        h('td', { class: 'num' }, p.versions.length),
        h('td', {}, h('a', { href: deadLettersHref({ pipeline: p.name }) }, 'Dead letters')))),
      'No pipeline yet: run one (keel run FILE.yaml) or start a node with --pipelines DIR.')];
  },
};

export const pipeline = {
  title: (p) => p.name,
  async fixed({ params, ui }) {
    const name = params.name;
    const all = await get('/api/pipelines');
    const p = all.find((x) => x.name === name);
    if (!p) return h('p', { class: 'error-text' }, 'No pipeline named ' + name + '.');
    const parts = [h('h1', {}, name, ' ', p.paused ? badge('paused') : null),
      h('div', { class: 'tabs' }, h('a', { href: '#/pipelines/' + enc(name) }, 'Runs'),
        h('a', { href: '#/pipelines/' + enc(name) + '/versions' }, 'Versions (' + p.versions.length + ')'),
        h('a', { href: '#/pipelines/' + enc(name) + '/history' }, 'History'),
        h('a', { href: deadLettersHref({ pipeline: name }) }, 'Dead letters'))];
    if (ui.canAct) {
      const from = h('input', { type: 'date', name: 'from', required: true, 'aria-label': 'from' });
      const to = h('input', { type: 'date', name: 'to', required: true, 'aria-label': 'to' });
      const base = '/api/pipelines/' + enc(name);
      parts.push(h('div', { class: 'actions', id: 'actions' },
        actionButton(ui, 'Trigger run', base + '/trigger', {}, 'primary'),
        h('form', { onsubmit: (e) => { e.preventDefault(); ui.act('Backfill', () => post(base + '/backfill', { from: from.value, to: to.value })); } },
          'Backfill', from, '→', to, h('button', { type: 'submit' }, 'Backfill')),
        p.paused ? actionButton(ui, 'Resume', base + '/resume') : actionButton(ui, 'Pause', base + '/pause')));
    }
    if (params.tab === 'versions') parts.push(versions(name, p.versions));
    if (params.tab === 'history') parts.push(history.fixed(name, p.keep_versions));
    return parts;
  },
  async live({ params, ui }) {
    if (params.tab === 'versions') return null;
    if (params.tab === 'history') return history.live(params.name, ui);
    const g = await get('/api/pipelines/' + enc(params.name) + '/grid');
    if (!g.runs.length) return h('p', { class: 'muted' }, 'No runs yet.');
    const runs = g.runs;
    const lag = g.source_lag && g.source_lag.length ? [h('h2', {}, 'Source lag'),
      table([['Partition'], ['Records behind'], ['Measured']], g.source_lag.map((l) => h('tr', {},
        h('td', {}, l.partition), h('td', {}, String(l.records)), h('td', {}, when(l.measured_at)))))] : [];
    return [...lag, h('h2', {}, 'Recent runs'), h('table', { class: 'grid' },
      h('thead', {}, h('tr', {}, h('th', {}, 'partition'), runs.map((r) => h('th', { class: 'run' },
        h('a', { href: '#/runs/' + r.id, title: r.trigger + ' · ' + r.state }, String(r.id)))))),
      h('tbody', {},
        h('tr', {}, h('td', { class: 'muted' }, 'run'), runs.map((r) => h('td', { class: 'cell' },
          h('a', { class: 'sq s-' + r.state, href: '#/runs/' + r.id, title: 'run ' + r.id + ': ' + r.state, 'aria-label': 'run ' + r.id + ' ' + r.state })))),
        g.partitions.map((part) => h('tr', {}, h('td', {}, part), runs.map((r) => {
          const t = r.tasks[part];
          return h('td', { class: 'cell' }, t ? h('a', { class: 'sq s-' + t.state, href: '#/tasks/' + t.id,
            title: part + ' · run ' + r.id + ': ' + t.state + ' (attempt ' + t.attempt + ')', 'aria-label': part + ' run ' + r.id + ' ' + t.state }) : '');
        })))))];
  },
};

function versions(name, list) {
  const pick = (sel) => h('select', {}, list.map((v, i) => h('option', { value: v.id, selected: i === sel },
    'v' + v.id + ' · ' + new Date(v.created_at).toISOString().slice(0, 16).replace('T', ' '))));
  const older = pick(Math.min(1, list.length - 1));
  const newer = pick(0);
  const out = h('div', { id: 'diff' });
  const show = async () => {
    const [a, b] = await Promise.all([older.value, newer.value].map((id) => get('/api/pipelines/' + enc(name) + '/versions/' + id)));
    const lines = diffLines(a.spec, b.spec);
    out.replaceChildren(h('pre', { class: 'diff' }, lines.map(([op, text]) =>
      h('span', { class: op === '+' ? 'add' : op === '-' ? 'del' : null }, op + ' ' + text))));
  };
  older.addEventListener('change', show);
  newer.addEventListener('change', show);
  show();
  return [h('h2', {}, 'Stored versions'), table([['Version'], ['Stored'], ['Hash'], ['File']],
    list.map((v) => h('tr', {}, h('td', {}, 'v' + v.id), h('td', {}, when(v.created_at)), h('td', {}, h('code', {}, v.hash.slice(0, 12))),
      h('td', {}, v.source_file)))), h('h2', {}, 'Diff'), h('p', {}, 'from ', older, ' to ', newer), out];
}

export const run = {
  title: (p) => 'run ' + p.id,
  async live({ params, ui }) {
    const r = await get('/api/runs/' + params.id);
    return [h('h1', {}, 'Run ' + r.id, ' ', badge(r.state)),
      facts([['pipeline', pipelineLink(r.pipeline)], ['trigger', r.trigger], ['logical time', r.logical_time],
        ['created', when(r.created_at)], ['finished', when(r.finished_at)], ['version', 'v' + r.version_id],
        ['dead letters', h('a', { href: deadLettersHref({ pipeline: r.pipeline, run: r.id }) }, 'of this run')]]),
      h('h2', {}, 'Partitions'),
      table([['Partition'], ['State'], ['Attempts', 'num'], ['Read', 'num'], ['Filtered', 'num'], ['Rejected', 'num'],
        ['Published', 'num'], ['Time', 'num'], ['Node'], ['Error'], ['']],
      r.tasks.map((t) => h('tr', { 'data-task': t.id, 'data-state': t.state },
        h('td', {}, taskLink(t.id, t.partition)), h('td', {}, badge(t.state)),
        h('td', { class: 'num' }, t.attempt + ' / ' + t.max_attempts), h('td', { class: 'num' }, num(t.rows_read)),
        h('td', { class: 'num' }, num(t.rows_filtered)), h('td', { class: 'num' }, num(t.rows_rejected)),
        h('td', { class: 'num' }, num(t.rows_published)), h('td', { class: 'num' }, duration(t.started_at, t.finished_at)),
        h('td', {}, t.owner || ''), h('td', {}, t.error ? h('code', { class: 'raw error-text' }, t.error) : ''),
        h('td', {}, ui.canAct && t.state === 'failed' ? actionButton(ui, 'Retry', '/api/tasks/' + t.id + '/retry', { attempts: 1 }) : ''))))];
  },
};

export const task = {
  title: (p) => 'task ' + p.id,
  async live({ params, ui }) {
    const t = await get('/api/tasks/' + params.id);
    const start = Math.min(...t.attempts.map((a) => Date.parse(a.started_at)), Date.now());
    const end = Math.max(...t.attempts.map((a) => (a.finished_at ? Date.parse(a.finished_at) : Date.now())), start + 1);
    const lane = (a) => {
      const bar = h('div', { class: 'bar o-' + (['succeeded', 'failed', 'retry'].includes(a.outcome) ? a.outcome : a.finished_at ? 'other' : 'running'),
        title: 'attempt ' + a.attempt + ' on ' + a.node + ' (fence ' + a.fence + '): ' + (a.outcome || 'running') },
      '#' + a.attempt + ' ' + a.node);
      const s = Date.parse(a.started_at), e = a.finished_at ? Date.parse(a.finished_at) : Date.now();
      bar.style.left = ((s - start) / (end - start) * 100) + '%'; // CSSOM, allowed by the page's CSP
      bar.style.width = Math.max(0.5, (e - s) / (end - start) * 100) + '%';
      return h('div', { class: 'lane' }, bar);
    };
    return [h('h1', {}, 'Task ' + t.id + ' · ' + t.partition, ' ', badge(t.state)),
      ui.canAct && t.state === 'failed' ? h('div', { class: 'actions' }, actionButton(ui, 'Retry', '/api/tasks/' + t.id + '/retry', { attempts: 1 }, 'primary')) : null,
      facts([['pipeline', pipelineLink(t.pipeline)], ['run', runLink(t.run_id)], ['attempts', t.attempt + ' of ' + t.max_attempts],
        ['owner', t.owner || '—'], ['fence', t.fence], ['checkpoint', t.checkpoint_position === null || t.checkpoint_position === undefined ? '—'
          : 'position ' + t.checkpoint_position + ', ' + num(t.checkpoint_rows) + ' rows'],
        ['rows', 'read ' + num(t.rows_read) + ' · filtered ' + num(t.rows_filtered) + ' · rejected ' + num(t.rows_rejected) + ' · published ' + num(t.rows_published)],
        ['error', t.error ? h('code', { class: 'raw error-text' }, t.error) : '—']]),
      h('h2', {}, 'Attempts'),
      t.attempts.length ? h('div', { class: 'timeline' }, t.attempts.map(lane)) : null,
      table([['Attempt', 'num'], ['Node'], ['Fence', 'num'], ['Started'], ['Finished'], ['Time', 'num'], ['Outcome'], ['Error']],
        t.attempts.map((a) => h('tr', {}, h('td', { class: 'num' }, a.attempt), h('td', {}, a.node), h('td', { class: 'num' }, a.fence),
          h('td', {}, when(a.started_at)), h('td', {}, when(a.finished_at)), h('td', { class: 'num' }, duration(a.started_at, a.finished_at)),
          h('td', {}, a.outcome ? badge(a.outcome) : badge('running')), h('td', {}, a.error ? h('code', { class: 'raw' }, a.error) : ''))),
        'No attempt yet.')];
  },
};

export const nodes = {
  title: 'Nodes',
  async live() {
    const list = await get('/api/nodes');
    return [h('h1', {}, 'Nodes'), table([['Node'], ['Alive'], ['State'], ['Region'], ['Host'], ['Tasks held', 'num'], ['Last heartbeat'], ['Started']],
      list.map((n) => h('tr', {}, h('td', {}, n.id), h('td', {}, badge(n.alive ? 'alive' : 'dead')), h('td', {}, n.state),
        h('td', {}, n.region || h('span', { class: 'muted' }, '—')), h('td', {}, (n.host || '') + (n.http_port ? ':' + n.http_port : '')),
        h('td', { class: 'num' }, n.tasks_held), h('td', {}, when(n.heartbeat_at)), h('td', {}, when(n.started_at)))),
      'No node has joined: start one with keel node --db URL --pipelines DIR.')];
  },
};

const replayPath = (q) => '/api/pipelines/' + enc(q.pipeline) + '/replay';
const replayKey = (q) => [q.pipeline, q.partition, q.run || ''].join('\u0000');
let replayed = null; // the last replay started on the dead-letters page (the API's 202 answer)

export const deadLetters = {
  title: 'Dead letters',
  fixed({ query, ui }) {
    const field = (name, label) => h('input', { name, value: query[name] || '', placeholder: label, 'aria-label': label, size: 12 });
    const inputs = [field('pipeline', 'pipeline'), field('run', 'run'), field('partition', 'partition')];
    return [h('h1', {}, 'Dead letters'), h('form', { class: 'actions', id: 'filter', onsubmit: (e) => {
      e.preventDefault();
      location.hash = deadLettersHref(Object.fromEntries(inputs.map((i) => [i.name, i.value.trim()])));
    } }, inputs, h('button', { type: 'submit' }, 'Filter')),
    ui.canAct && query.pipeline && query.partition ? h('div', { class: 'actions', id: 'replay' },
      h('button', { type: 'button', class: 'primary', 'data-action': replayPath(query), onclick: () => ui.act('Replay', async () => {
        const res = await post(replayPath(query), query.run ? { partition: query.partition, run: Number(query.run) } : { partition: query.partition });
        replayed = { key: replayKey(query), ...res };
        return res;
      }) }, 'Replay'),
      h('span', { class: 'muted' }, 'the rejected records after a fix (from a shell: ',
        h('code', {}, 'keel replay ' + query.pipeline + ' --partition ' + query.partition + (query.run ? ' --run ' + query.run : '')), ')')) : null];
  },
  async live({ query }) {
    const q = new URLSearchParams(Object.entries(query).filter(([k, v]) => v && ['pipeline', 'run', 'partition'].includes(k)));
    const list = await get('/api/dead-letters?' + q.toString());
    // The replay started from this filter, if any: its run and state, refreshed with the page.
    const replay = replayed && replayed.key === replayKey(query) ? await get('/api/runs/' + replayed.run_id) : null;
    return [replay ? h('p', { id: 'replay-state' }, 'Replay of ' + num(replayed.records) + ' record' + (replayed.records === 1 ? '' : 's')
      + ' of run ' + replayed.source_run + ': ', runLink(replay.id), ' ', badge(replay.state)) : null, table([['Pipeline'], ['Run'], ['Partition'], ['Attempt', 'num'], ['Position', 'num'], ['Reason'], ['Raw record'], ['When']],
      list.map((d) => h('tr', { 'data-dead-letter': d.id }, h('td', {}, pipelineLink(d.pipeline)), h('td', {}, runLink(d.run_id)),
        h('td', {}, d.partition), h('td', { class: 'num' }, d.attempt), h('td', { class: 'num' }, d.position),
        h('td', {}, d.reason), h('td', {}, h('code', { class: 'raw' }, d.raw === null ? '' : d.raw)), h('td', {}, when(d.created_at)))),
      'No dead letters for this filter.')];
  },
};

export const alerts = {
  title: 'Alerts',
  async live() {
    const a = await get('/api/alerts');
    return [h('h1', {}, 'Alerts'), h('h2', {}, 'Open incidents'),
      table([['Incident'], ['Kind'], ['Pipeline'], ['Summary'], ['Since']], a.open.map((i) => h('tr', {},
        h('td', {}, h('code', {}, i.dedup_key)), h('td', {}, i.kind || ''), h('td', {}, i.pipeline ? pipelineLink(i.pipeline) : ''),
        h('td', {}, i.summary || ''), h('td', {}, when(i.since)))), 'No open incident.'),
      h('h2', {}, 'History'),
      table([['#', 'num'], ['Action'], ['Kind'], ['Pipeline'], ['Summary'], ['Queued'], ['Delivered'], ['Last error']],
        a.history.map((o) => h('tr', {}, h('td', { class: 'num' }, o.id), h('td', {}, badge(o.action)), h('td', {}, o.kind),
          h('td', {}, o.pipeline ? pipelineLink(o.pipeline) : ''), h('td', {}, o.summary), h('td', {}, when(o.created_at)),
          h('td', {}, o.delivered_at ? [when(o.delivered_at), ' → ', (o.delivered_to || []).join(', ')] : h('span', { class: 'muted' }, 'pending (' + o.attempts + ' tries)')),
          h('td', {}, o.last_error || ''))), 'No alert was ever queued.')];
  },
};
