// The host page's file transfer panel: download a file from the PC, upload one to it,
// through the same session sockets as `parcctl files` (file-get, file-put). The PC only
// accepts paths under its own allowed folders ([remote] file_roots); the SHA-256 is
// computed here and compared with the PC's, and shown. docs/remote-support.md, "Files".
import {post} from '../api.js';
import {h, clear, field} from '../dom.js';
import {t} from '../i18n.js';
import {errorText} from '../nav.js';
import {can} from '../session.js';
import {sessionSocket} from './terminal.js';

const CHUNK = 32 * 1024;  // the server's largest stream frame

/** Why a path will not do, in French, before anything is sent; null when it may go. */
export function pathProblem(path) {
  if (!path) return t('files.pathMissing');
  if (!path.startsWith('/')) return t('files.pathNotAbsolute');
  if (path.split('/').some((part) => part === '..' || part === '.')) return t('files.pathEscape');
  return null;
}

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest('SHA-256', buffer);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

// The end of a transfer, in French: refused by the PC (path, consent, size), or failed.
function endProblem(end, opened) {
  if (!end) return t(opened ? 'files.cut' : 'files.notOpened');
  if (end.status === 'refused') return t('files.refused', {reason: end.reason || ''});
  return t('files.failed', {reason: end.reason || end.status || ''});
}

/** Opens a session socket and resolves with {end, bytes} once the session ends. */
function transfer(hostId, kind, params, {onReady} = {}) {
  return new Promise((resolve) => {
    const ws = new WebSocket(sessionSocket(hostId, kind, params));
    ws.binaryType = 'arraybuffer';
    const parts = [];
    let end = null;
    let opened = false;
    ws.addEventListener('open', () => { opened = true; });
    ws.addEventListener('message', (ev) => {
      if (typeof ev.data !== 'string') {
        parts.push(ev.data);
        return;
      }
      const m = JSON.parse(ev.data);
      if (m.type === 'end') end = m;
      else if (onReady) onReady(m, ws);
    });
    ws.addEventListener('close', () => resolve({end, parts, opened}));
  });
}

// Sends `bytes` within the credit the server grants ({type: ready|credit}), then eof.
function uploader(bytes) {
  let credit = 0;
  let sent = 0;
  let eofSent = false;
  return (m, ws) => {
    if (m.type === 'ready') credit += m.window || 0;
    else if (m.type === 'credit') credit += m.bytes || 0;
    else return;
    while (sent < bytes.byteLength && credit > 0) {
      const n = Math.min(CHUNK, credit, bytes.byteLength - sent);
      ws.send(bytes.subarray(sent, sent + n));
      sent += n;
      credit -= n;
    }
    if (sent === bytes.byteLength && !eofSent) {
      ws.send(JSON.stringify({type: 'eof'}));
      eofSent = true;
    }
  };
}

function rootsBox(host, pathInput) {
  const box = h('div', {'data-testid': 'file-roots'});
  if (!can('hosts.command')) return box;  // the policy is read with a raw command
  const list = h('ul', {class: 'links'});
  const button = h('button', {type: 'button', class: 'secondary', 'data-testid': 'load-file-roots',
    onclick: async () => {
      button.disabled = true;
      clear(list).append(h('li', {}, t('files.rootsLoading')));
      try {
        const reply = await post(`/api/v1/hosts/${host.id}/commands`, {command: 'remote_policy', payload: {}});
        const roots = (reply.result && reply.result.file_roots) || [];
        clear(list);
        if (!roots.length) list.append(h('li', {}, t('files.noRoots')));
        for (const root of roots) {
          list.append(h('li', {}, h('button', {type: 'button', class: 'secondary', 'data-root': root,
            onclick: () => { pathInput.value = root.endsWith('/') ? root : `${root}/`; pathInput.focus(); }},
          root)));
        }
      } catch (err) {
        clear(list).append(h('li', {}, err.status === 503 ? t('host.offlineCommand') : errorText(err)));
      } finally {
        button.disabled = false;
      }
    }}, t('files.showRoots'));
  box.append(button, list);
  return box;
}

export function hostFilesPanel(host) {
  const box = h('div', {'data-testid': 'file-transfer'});
  if (!can('hosts.remote_support')) {
    box.append(h('p', {class: 'notice'}, t('remote.noRight')));
    return box;
  }
  const result = h('div', {'aria-live': 'polite', 'data-testid': 'file-result'});
  const say = (kind, ...lines) => {
    clear(result);
    for (const line of lines) result.append(h('p', {class: kind}, line));
  };
  const pathInput = h('input', {type: 'text', class: 'mono', 'data-testid': 'file-path', autocomplete: 'off',
    placeholder: '/home/partage/document.pdf'});
  const fileInput = h('input', {type: 'file', 'data-testid': 'file-upload'});

  const download = h('button', {type: 'button', 'data-testid': 'file-download', onclick: async () => {
    const path = pathInput.value.trim();
    const problem = pathProblem(path);
    if (problem) return say('error', problem);
    download.disabled = true;
    say('', t('files.downloading', {path}));
    try {
      const {end, parts, opened} = await transfer(host.id, 'file-get', {path});
      if (!end || end.status !== 'ok') return say('error', endProblem(end, opened));
      const blob = new Blob(parts);
      const digest = await sha256Hex(await blob.arrayBuffer());
      if (digest !== (end.info && end.info.sha256)) return say('error', t('files.checksumMismatch'));
      const name = path.split('/').pop() || 'fichier';
      const link = h('a', {href: URL.createObjectURL(blob), download: name, 'data-testid': 'file-save'},
        t('files.save', {name}));
      say('ok', t('files.downloaded', {name, bytes: blob.size}), t('files.checksum', {sha: digest}));
      result.append(h('p', {}, link));
      link.click();  // the browser saves it; the link stays for another copy
    } finally {
      download.disabled = false;
    }
  }}, t('files.download'));

  const upload = h('button', {type: 'button', 'data-testid': 'file-send', onclick: async () => {
    const file = fileInput.files && fileInput.files[0];
    if (!file) return say('error', t('files.noFile'));
    let path = pathInput.value.trim();
    if (path.endsWith('/')) path += file.name;  // a folder: keep the file's name
    const problem = pathProblem(path);
    if (problem) return say('error', problem);
    upload.disabled = true;
    say('', t('files.uploading', {name: file.name, path}));
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const sha256 = await sha256Hex(bytes);
      const {end, opened} = await transfer(host.id, 'file-put', {path, size: bytes.byteLength, sha256},
        {onReady: uploader(bytes)});
      if (!end || end.status !== 'ok') return say('error', endProblem(end, opened));
      if ((end.info && end.info.sha256) !== sha256) return say('error', t('files.checksumMismatch'));
      say('ok', t('files.uploaded', {path, bytes: bytes.byteLength}), t('files.checksum', {sha: sha256}));
    } finally {
      upload.disabled = false;
    }
  }}, t('files.upload'));

  box.append(h('p', {}, t('files.intro')), rootsBox(host, pathInput),
    field(t('files.path'), pathInput), h('p', {class: 'links'}, download),
    field(t('files.file'), fileInput), h('p', {class: 'links'}, upload), result);
  return box;
}
