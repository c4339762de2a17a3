// The user's own account: second factor (TOTP) and signing out everywhere.
import {get, post, request} from '../api.js';
import {h, field, clear, toast} from '../dom.js';
import {t} from '../i18n.js';
import {errorText} from '../nav.js';
import {user, roleLabel, can} from '../session.js';
import {apiTokensTab} from './admin.js';
import {signedOut} from '../main.js';

export async function render(view) {
  const u = user();
  const me = await get('/api/v1/me').catch(() => u);
  const totpBox = h('div', {'data-testid': 'totp'});
  view.append(h('h1', {}, t('account.title')),
    h('dl', {class: 'kv card'}, h('dt', {}, t('account.username')), h('dd', {}, me.username),
      h('dt', {}, t('account.role')), h('dd', {}, roleLabel(me.role))),
    h('h2', {}, t('account.totp')), totpBox,
    h('h2', {}, t('account.sessions')),
    h('button', {type: 'button', class: 'secondary', onclick: async () => {
      try { await post('/api/v1/logout-all'); signedOut('partout'); } catch (e) { toast(errorText(e), 'bad'); }
    }}, t('account.logoutAll')));
  drawTotp(totpBox, me);
  // Everyone but town-hall staff may have API tokens for scripts; administrators also
  // find them under Administration.
  if (can('api_tokens') && !can('users.admin')) {
    const tokens = h('section', {'data-testid': 'account-api-tokens'});
    view.append(tokens);
    await apiTokensTab(tokens).catch((e) => tokens.append(h('p', {class: 'notice'}, errorText(e))));
  }
}

function drawTotp(box, me) {
  clear(box);
  if (me.totp_enabled) {
    // Turning the factor off needs a current code: a stolen session alone cannot.
    const code = h('input', {inputmode: 'numeric', maxlength: '6', pattern: '[0-9]{6}', autocomplete: 'one-time-code'});
    const err = h('p', {class: 'error', role: 'alert'});
    box.append(h('p', {}, t('account.totpOn')), h('form', {class: 'inline', onsubmit: async (e) => {
      e.preventDefault();
      try {
        await request('DELETE', '/api/v1/me/totp', {body: {code: code.value}});
        me.totp_enabled = false;
        drawTotp(box, me);
      } catch (ex) { err.textContent = ex.status === 403 || ex.status === 400 ? t('account.totpWrong') : errorText(ex); }
    }}, field(t('account.totpCode'), code), h('button', {type: 'submit', class: 'danger'}, t('account.totpDisable')), err));
    return;
  }
  box.append(h('p', {}, t('account.totpOff')), h('button', {type: 'button', onclick: async () => {
    try {
      const s = await post('/api/v1/me/totp');
      const code = h('input', {inputmode: 'numeric', maxlength: '6', pattern: '[0-9]{6}', autocomplete: 'one-time-code'});
      const err = h('p', {class: 'error', role: 'alert'});
      clear(box).append(h('p', {}, t('account.totpScan')),
        h('p', {}, t('account.totpSecret'), ' ', h('span', {class: 'mono', 'data-testid': 'totp-secret'}, s.secret)),
        h('p', {class: 'mono'}, s.otpauth_uri),
        h('form', {class: 'inline', onsubmit: async (e) => {
          e.preventDefault();
          try { await post('/api/v1/me/totp/confirm', {code: code.value}); me.totp_enabled = true; drawTotp(box, me); toast(t('account.totpDone')); }
          catch (ex) { err.textContent = ex.status === 400 || ex.status === 401 ? t('account.totpWrong') : errorText(ex); }
        }}, field(t('account.totpCode'), code), h('button', {type: 'submit'}, t('account.totpConfirm')), err));
    } catch (e) { box.append(h('p', {class: 'notice'}, errorText(e))); }
  }}, t('account.totpEnable')));
}
