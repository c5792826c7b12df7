import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, setCsrf } from './api.js';
import { html } from './html.js';
import { Login } from './views/login.js';
import { Overview } from './views/overview.js';
import { AccountView } from './views/account.js';
import { OperationsView } from './views/operations.js';

// Views are chosen by the URL hash: #/overview, #/account/<name>, #/operations[/<id>].
function parseHash() {
  const [path, query] = location.hash.replace(/^#/, '').split('?');
  const parts = (path || '/overview').split('/').filter(Boolean).map(decodeURIComponent);
  return { view: parts[0] || 'overview', arg: parts[1], query: new URLSearchParams(query || '') };
}

function useRoute() {
  const [route, setRoute] = useState(parseHash());
  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

function Shell({ session, onLogout }) {
  const route = useRoute();
  const nav = [
    ['overview', 'Overview'],
    ['account', 'Accounts'],
    ['operations', 'Operations'],
  ];
  const logout = async () => {
    await api.post('/api/logout').catch(() => {});
    onLogout();
  };
  let view;
  if (route.view === 'account')
    view = html`<${AccountView} name=${route.arg} query=${route.query} session=${session} />`;
  else if (route.view === 'operations') view = html`<${OperationsView} id=${route.arg} session=${session} />`;
  else view = html`<${Overview} />`;
  return html`
    <header class="top">
      <a class="brand" href="#/overview">zimbra-backup</a>
      <nav aria-label="Main">
        ${nav.map(
          ([k, label]) =>
            html`<a
              href=${'#/' + k}
              aria-current=${route.view === k ? 'page' : undefined}
              class=${route.view === k ? 'on' : ''}
              >${label}</a
            >`,
        )}
      </nav>
      <span class="who" title="Logged in">${session.user}</span>
      <button class="link" onClick=${logout}>Log out</button>
    </header>
    <main id="main">${view}</main>
  `;
}

function App() {
  const [session, setSession] = useState(undefined);
  const check = () =>
    api
      .get('/api/session')
      .then((s) => {
        setCsrf(s.csrf);
        setSession(s);
      })
      .catch(() => setSession(null));
  useEffect(() => {
    check();
    const out = () => setSession(null);
    window.addEventListener('zb-logged-out', out);
    return () => window.removeEventListener('zb-logged-out', out);
  }, []);
  if (session === undefined) return html`<p class="boot">Loading…</p>`;
  if (session === null)
    return html`<${Login}
      onLogin=${(s) => {
        setCsrf(s.csrf);
        check();
      }}
    />`;
  return html`<${Shell} session=${session} onLogout=${() => setSession(null)} />`;
}

render(html`<${App} />`, document.getElementById('app'));
