// The host page's remote actions panel: the allow-listed actions with their parameter
// forms, the library's scripts (technicians), the result of a run and the recent runs.
// The server checks every parameter and role again; the PC's own policy has the last word.
import {get, post} from '../api.js';
import {h, append, clear, field} from '../dom.js';
import {formatDate} from '../format.js';
import {t} from '../i18n.js';
import {errorText} from '../nav.js';
import {can} from '../session.js';

// Actions a user confirms first: the person at the PC loses their session.
const CONFIRM = new Set(['reboot', 'shutdown']);

export function remoteActionsPanel(host) {
  const box = h('div', {'data-testid': 'remote-actions'});
  if (!can('hosts.remote_support')) {
    box.append(h('p', {class: 'notice'}, t('remote.noRight')));
    return box;
  }
  const result = h('div', {'aria-live': 'polite', 'data-testid': 'remote-result'});
  const recent = h('div', {'data-testid': 'remote-executions'});
  const show = (reply) => {
    // dom.js's append skips null children (the DOM's own would print "null").
    append(clear(result), [
      h('p', {class: reply.status === 'ok' ? 'ok' : 'error', 'data-testid': 'remote-status'},
        t(`remote.status.${reply.status}`) + (reply.exit_code !== null && reply.exit_code !== undefined ?
          ` (${t('remote.exitCode', {code: reply.exit_code})})` : '')),
      reply.error ? h('p', {class: 'error'}, reply.error) : null,
      h('pre', {class: 'output', 'data-testid': 'remote-output'}, outputOf(reply.result))]);
  };
  const running = (label) => clear(result).append(h('p', {}, t('remote.running', {label})));
  const failed = (e) => clear(result).append(h('p', {class: 'error'},
    e.status === 503 ? t('remote.offline') : errorText(e)));

  const actionBox = h('div', {});
  const scriptBox = h('div', {});
  // Interactive sessions open their own pages (consent asked on the PC when required).
  const sessions = h('p', {class: 'links', 'data-testid': 'remote-sessions-links'},
    h('a', {href: `#/postes/${host.id}/terminal`, 'data-testid': 'open-terminal'}, t('remote.openTerminal')), ' · ',
    h('a', {href: `#/postes/${host.id}/bureau`, 'data-testid': 'open-desktop'}, t('remote.openDesktop')));
  box.append(sessions, actionBox, scriptBox, result, h('h3', {}, t('remote.recent')), recent);
  loadActions(host, actionBox, {show, running, failed, refresh: () => loadRecent(host, recent)});
  if (can('hosts.command')) loadScripts(host, scriptBox, {show, running, failed, refresh: () => loadRecent(host, recent)});
  loadRecent(host, recent);
  return box;
}

function outputOf(result) {
  if (!result || typeof result !== 'object') return '';
  let text = result.output || '';
  if ('stdout' in result) text += result.stdout;
  if (result.stderr) text += result.stderr;
  if (result.bundle) text += `\n${result.bundle.journal || ''}\n${result.bundle.agent_log || ''}`;
  return text || t('remote.noOutput');
}

async function loadActions(host, box, ui) {
  let catalog;
  try {
    catalog = (await get('/api/v1/actions')).items || [];
  } catch (e) {
    box.append(h('p', {class: 'error'}, errorText(e)));
    return;
  }
  const select = h('select', {'data-testid': 'action-select'},
    catalog.map((a) => h('option', {value: a.name}, a.label)));
  const params = h('div', {class: 'params'});
  const inputs = {};
  const drawParams = () => {
    clear(params);
    const spec = catalog.find((a) => a.name === select.value);
    for (const p of spec.params) {
      const input = p.type === 'integer' ?
        h('input', {type: 'number', min: p.min, max: p.max, value: p.default, name: p.name}) :
        h('input', {type: 'text', name: p.name, required: p.required, maxlength: p.type === 'message' ? 200 : 128});
      inputs[p.name] = input;
      params.append(field(p.label, input));
    }
  };
  select.addEventListener('change', drawParams);
  drawParams();
  const button = h('button', {type: 'submit', 'data-testid': 'action-run'}, t('remote.run'));
  box.append(h('form', {class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    const spec = catalog.find((a) => a.name === select.value);
    const values = {};
    for (const p of spec.params) {
      const v = inputs[p.name].value.trim();
      if (v !== '') values[p.name] = p.type === 'integer' ? Number(v) : v;
    }
    if (CONFIRM.has(spec.name) &&
        !window.confirm(t('remote.confirm', {label: spec.label, name: host.hostname || host.uid}))) return;
    button.disabled = true;
    ui.running(spec.label);
    try {
      ui.show(await post(`/api/v1/hosts/${host.id}/actions/${spec.name}`, {params: values}));
    } catch (err) {
      ui.failed(err);
    } finally {
      button.disabled = false;
      ui.refresh();
    }
  }}, field(t('remote.action'), select), params, button));
}

async function loadScripts(host, box, ui) {
  let scripts;
  try {
    scripts = (await get('/api/v1/scripts')).items || [];
  } catch (e) {
    box.append(h('p', {class: 'error'}, errorText(e)));
    return;
  }
  if (!scripts.length) {
    box.append(h('p', {class: 'notice'}, t('remote.noScripts'), ' ', h('a', {href: '#/scripts'}, t('remote.library'))));
    return;
  }
  const select = h('select', {'data-testid': 'script-select'},
    scripts.map((s) => h('option', {value: s.id}, s.name)));
  const button = h('button', {type: 'submit', 'data-testid': 'script-run'}, t('remote.runScript'));
  box.append(h('form', {class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    const script = scripts.find((s) => String(s.id) === select.value);
    if (!window.confirm(t('remote.confirmScript', {label: script.name, name: host.hostname || host.uid}))) return;
    button.disabled = true;
    ui.running(script.name);
    try {
      ui.show(await post(`/api/v1/hosts/${host.id}/scripts/${script.id}/run`, {}));
    } catch (err) {
      ui.failed(err);
    } finally {
      button.disabled = false;
      ui.refresh();
    }
  }}, field(t('remote.script'), select), button));
}

async function loadRecent(host, box) {
  try {
    const items = (await get(`/api/v1/hosts/${host.id}/executions`, {limit: 10})).items || [];
    clear(box).append(items.length ? h('ul', {}, items.map((x) => h('li', {},
      h('time', {}, formatDate(x.started_at)), ' — ', x.name, ' — ', t(`remote.status.${x.status}`),
      ' — ', x.requested_by))) : h('p', {class: 'notice'}, t('remote.none')));
  } catch (e) {
    clear(box).append(h('p', {class: 'error'}, errorText(e)));
  }
}
