// A pipeline's kept loads (sink keep_versions) by partition and, for an operator, a rollback to any
// of them after a confirmation. The confirmation sits in the page's fixed part, so the table's
// redraw every few seconds cannot take it away while the operator reads it.
import { h, get, post, enc, when, num, table } from './dom.js';

let drawn = null; // { name, keep } of the page drawn last: how many loads its sink keeps

function fixed(name, keep) {
  drawn = { name, keep };
  if (keep === null || keep === undefined) {
    return h('p', { class: 'muted', id: 'no-history' }, 'The stored version of ' + name
      + ' cannot be read here, so its history is not shown; keel history ' + name + ' lists it.');
  }
  if (!keep) {
    return h('p', { class: 'note', id: 'no-history' }, 'keep_versions is off for ' + name
      + ': its loads are not kept, so none can be rolled back. Set sink.postgres.keep_versions: N in its'
      + ' pipeline file to keep the last N loads of each partition.');
  }
  return [h('p', { class: 'muted' }, 'The last ' + keep + ' loads of each partition are kept (keep_versions: '
    + keep + '); a partition can go back to exactly what any listed run published.'),
  h('div', { class: 'actions', id: 'rollback-confirm', hidden: true })];
}

async function live(name, ui) {
  if (!drawn || drawn.name !== name || !drawn.keep) return null;
  const res = await get('/api/pipelines/' + enc(name) + '/history');
  const byPartition = new Map();
  for (const l of res.loads) {
    if (!byPartition.has(l.partition)) byPartition.set(l.partition, []);
    byPartition.get(l.partition).push(l);
  }
  if (!byPartition.size) return h('p', { class: 'muted' }, 'No load kept yet: the next publish is the first.');
  return [...byPartition].sort(([x], [y]) => x.localeCompare(y)).map(([partition, loads]) => [h('h2', {}, 'Partition ' + partition),
    table([['Run'], ['Published'], ['Mode'], ['Inserted', 'num'], ['Updated', 'num'], ['Deleted', 'num'], [''], ['']],
      loads.map((l, i) => h('tr', { 'data-partition': partition, 'data-run': l.run, 'data-version': l.version },
        h('td', {}, l.run ? h('a', { href: '#/runs/' + l.run }, 'run ' + l.run)
          : h('span', { class: 'muted' }, 'rollback to run ' + l.restored_run)),
        h('td', {}, when(l.published_at)), h('td', {}, l.mode), h('td', { class: 'num' }, num(l.inserted)),
        h('td', { class: 'num' }, num(l.updated)), h('td', { class: 'num' }, num(l.deleted)),
        h('td', { class: 'muted' }, [i === 0 ? 'current state' : null, l.undoable ? null : 'oldest state kept'].filter(Boolean).join('; ')),
        h('td', {}, ui.canAct && l.run ? h('button', { type: 'button', 'data-rollback': partition + '/' + l.run,
          onclick: () => ask(ui, name, partition, l.run) }, 'Roll back to this run') : ''))))]);
}

function ask(ui, name, partition, run) {
  const box = document.getElementById('rollback-confirm');
  if (!box) return;
  const close = () => { box.hidden = true; box.replaceChildren(); };
  box.replaceChildren(
    h('span', {}, 'Roll partition ' + partition + ' of ' + name + ' back to exactly what run ' + run
      + ' published? The loads after it are undone; the rollback is a load itself and can be undone the same way.'),
    h('button', { type: 'button', class: 'primary', id: 'rollback-yes', onclick: () => {
      close();
      ui.act('Roll back', () => post('/api/pipelines/' + enc(name) + '/rollback', { partition, run }), outcome);
    } }, 'Roll back ' + partition + ' to run ' + run),
    h('button', { type: 'button', id: 'rollback-no', onclick: close }, 'Cancel'));
  box.hidden = false;
  box.scrollIntoView({ block: 'nearest' });
}

function outcome(res) {
  if (!res.load) {
    return 'Nothing to do: run ' + res.run + ' holds the newest load of partition ' + res.partition + ' already.';
  }
  const l = res.load;
  return 'Rolled partition ' + res.partition + ' back to run ' + res.run + ': ' + num(l.inserted) + ' rows inserted, '
    + num(l.updated) + ' updated, ' + num(l.deleted) + ' deleted (a new load, listed below).';
}

export const history = { fixed, live };
