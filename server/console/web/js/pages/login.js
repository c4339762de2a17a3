// Sign-in: username and password, then the TOTP code when the account has one.
import {request, setSession, get} from '../api.js';
import {h, field} from '../dom.js';
import {t} from '../i18n.js';
import {navigate, errorText} from '../nav.js';
import {setUser} from '../session.js';
import {forgetTenants} from '../tenants.js';

export async function render(view, params, query) {
  const username = h('input', {name: 'username', autocomplete: 'username', required: true});
  const password = h('input', {name: 'password', type: 'password', autocomplete: 'current-password',
    required: true});
  const totp = h('input', {name: 'totp_code', inputmode: 'numeric', autocomplete: 'one-time-code',
    pattern: '[0-9]{6}', maxlength: '6'});
  const totpField = field(t('login.totp'), totp);
  totpField.hidden = true;
  const message = h('p', {class: 'error', role: 'alert', 'data-testid': 'login-error'});
  const button = h('button', {type: 'submit'}, t('login.submit'));
  const reason = query.get('motif');
  const form = h('form', {class: 'card login', novalidate: true},
    h('h1', {}, t('login.title')),
    reason ? h('p', {class: 'notice', 'data-testid': 'login-reason'}, t(`login.reason.${reason}`)) : null,
    field(t('login.username'), username), field(t('login.password'), password), totpField,
    message, button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    message.textContent = '';
    if (!username.value || !password.value) {
      message.textContent = t('login.missing');
      return;
    }
    button.disabled = true;
    try {
      const body = {username: username.value, password: password.value};
      if (!totpField.hidden && totp.value) body.totp_code = totp.value;
      const res = await request('POST', '/api/v1/login', {body, noRedirect: true});
      setSession(res);
      forgetTenants();
      setUser(res.user || (await get('/api/v1/me')));
      navigate(query.get('retour') || '/');
    } catch (err) {
      if (err.status === 401 && (err.code === 'totp_required' || err.code === 'totp_invalid')) {
        totpField.hidden = false;
        message.textContent = err.code === 'totp_invalid' || totp.value ? t('login.totpWrong') : t('login.totpNeeded');
        totp.value = '';
        totp.focus();
      } else if (err.status === 401) {
        message.textContent = t('login.wrong');
        password.value = '';
        password.focus();
      } else {
        message.textContent = errorText(err);
      }
    } finally {
      button.disabled = false;
    }
  });
  view.append(form);
  setTimeout(() => username.focus(), 0);
}
