import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { html } from '../html.js';

export function Login({ onLogin }) {
  const [mode, setMode] = useState('zimbra');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api.get('/api/login').then(
      (r) => setMode(r.mode),
      () => {},
    );
  }, []);
  const submit = async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    setBusy(true);
    setError('');
    try {
      const body =
        mode === 'token' ? { token: f.get('token') } : { username: f.get('username'), password: f.get('password') };
      onLogin(await api.post('/api/login', body));
    } catch (err) {
      setError(err.status === 429 ? 'Too many failed attempts. Wait a minute and try again.' : err.message);
    } finally {
      setBusy(false);
    }
  };
  return html`
    <main class="login">
      <form onSubmit=${submit} aria-labelledby="login-title">
        <h1 id="login-title">zimbra-backup console</h1>
        ${
          mode === 'zimbra'
            ? html`
                <label>Zimbra admin account<input name="username" autocomplete="username" required autofocus /></label>
                <label
                  >Password<input name="password" type="password" autocomplete="current-password" required
                /></label>
              `
            : html`<label
                >Login token (printed by <code>zimbra-backup serve</code>)<input
                  name="token"
                  type="password"
                  autocomplete="off"
                  required
                  autofocus
              /></label>`
        }
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button type="submit" disabled=${busy}>${busy ? 'Checking…' : 'Log in'}</button>
      </form>
    </main>
  `;
}
