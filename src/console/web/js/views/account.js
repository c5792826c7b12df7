import { useEffect, useState } from 'preact/hooks';
import { acct, api, qs } from '../api.js';
import { bytes, flags, fromUtcInput, iso, time, toUtcInput } from '../format.js';
import { html } from '../html.js';
import { Timeline } from '../components/timeline.js';
import { OpFlow } from '../components/op-flow.js';
import { Preview } from './preview.js';

const KINDS = [
  ['message', 'Mail'],
  ['contact', 'Contacts'],
  ['appointment', 'Appointments'],
  ['task', 'Tasks'],
  ['document', 'Documents'],
];

function AccountPicker() {
  const [accounts, setAccounts] = useState(null);
  useEffect(() => {
    api.get('/api/overview').then(
      (d) => setAccounts(d.status.accounts),
      () => setAccounts([]),
    );
  }, []);
  if (!accounts) return html`<p aria-busy="true">Loading accounts…</p>`;
  return html`<h1>Accounts</h1>
    <ul class="plain">
      ${accounts.map((a) => html`<li><a href=${'#/account/' + encodeURIComponent(a.name)}>${a.name}</a> <span class="muted">${a.items} items</span></li>`)}
    </ul>`;
}

function FolderTree({ folders, folder, setFolder }) {
  const sorted = [...folders].sort((a, b) => a.path.localeCompare(b.path));
  return html`<nav class="folders" aria-label="Folders">
    <ul role="list">
      <li>
        <button class=${folder ? 'link' : 'link on'} aria-pressed=${!folder} onClick=${() => setFolder('')}>
          All folders
        </button>
      </li>
      ${sorted
        .filter((f) => f.path !== '/')
        .map((f) => {
          const depth = f.path.split('/').length - 2;
          return html`<li style=${'padding-left:' + depth * 0.9 + 'em'}>
            <button
              class=${folder === f.path ? 'link on' : 'link'}
              aria-pressed=${folder === f.path}
              onClick=${() => setFolder(f.path)}
            >
              ${f.name || f.path}
            </button>
            <span class="muted">${f.items || ''}</span>
          </li>`;
        })}
    </ul>
  </nav>`;
}

export function AccountView({ name, query }) {
  if (!name) return html`<${AccountPicker} />`;
  // Keyed by account, so switching accounts starts from a clean state.
  return html`<${AccountBrowser} key=${name} name=${name} query=${query} />`;
}

function AccountBrowser({ name, query }) {
  const [timeline, setTimeline] = useState(null);
  const [at, setAt] = useState(query.get('at') ? Date.parse(query.get('at')) : undefined);
  const [win, setWin] = useState(null); // { from, to } deletion window
  const [mode, setMode] = useState('instant'); // instant | deleted
  const [kind, setKind] = useState('message');
  const [folder, setFolder] = useState('');
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [folders, setFolders] = useState([]);
  const [list, setList] = useState(null);
  const [selected, setSelected] = useState(new Set());
  const [open, setOpen] = useState(null);
  const [error, setError] = useState('');
  const [toAccount, setToAccount] = useState('');
  const [intoExisting, setIntoExisting] = useState(false);
  // "Now" is fixed when the view opens, so the restore parameters (and their preview) stay stable.
  const [openedAt] = useState(Date.now());
  const atIso = at !== undefined ? iso(at) : undefined;

  useEffect(() => {
    api.get(acct(name) + '/timeline').then(setTimeline, (e) => setError(e.message));
  }, [name]);
  useEffect(() => {
    api.get(acct(name) + '/folders' + qs({ at: atIso })).then(
      (r) => setFolders(r.folders),
      (e) => setError(e.message),
    );
  }, [name, atIso]);
  useEffect(() => {
    setList(null);
    const params = mode === 'deleted' && win ? { deleted: 1, from: iso(win.from), at: iso(win.to) } : { at: atIso };
    api.get(acct(name) + '/items' + qs({ ...params, kind, folder, q: search, limit: 500 })).then(
      (r) => (setList(r), setSelected(new Set())),
      (e) => setError(e.message),
    );
  }, [name, atIso, mode, win && win.from, win && win.to, kind, folder, search]);

  const onSelect = (from, to) => {
    setWin({ from, to });
    setMode('deleted');
    setKind('message');
  };
  const toggle = (id) => {
    const s = new Set(selected);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    setSelected(s);
  };
  const target = toAccount.trim() ? { toAccount: toAccount.trim() } : {};
  const previewAt = mode === 'deleted' && win ? iso(win.to) : atIso;
  const items = list ? list.items : [];

  return html`
    <h1>${name}</h1>
    ${error && html`<p class="error" role="alert">${error}</p>`}
    ${timeline ? html`<${Timeline} data=${timeline} onSelect=${onSelect} onPick=${(t) => (setAt(t), setMode('instant'))} />` : html`<p aria-busy="true">Loading the timeline…</p>`}
    <div class="toolbar" role="group" aria-label="Point in time">
      <label
        >View as at (UTC)
        <input
          type="datetime-local"
          step="1"
          value=${at !== undefined ? toUtcInput(at) : ''}
          onChange=${(e) => (setAt(fromUtcInput(e.target.value)), setMode('instant'))}
        />
      </label>
      <button onClick=${() => (setAt(undefined), setMode('instant'))}>Now</button>
      <label
        >Deleted from (UTC)
        <input
          name="win-from"
          type="datetime-local"
          step="1"
          value=${win ? toUtcInput(win.from) : ''}
          onChange=${(e) => {
            const t = fromUtcInput(e.target.value);
            if (t === undefined) return;
            setWin({ from: t, to: win ? win.to : Date.now() });
            setMode('deleted');
          }}
        />
      </label>
      <label
        >to
        <input
          name="win-to"
          type="datetime-local"
          step="1"
          value=${win ? toUtcInput(win.to) : ''}
          onChange=${(e) => {
            const t = fromUtcInput(e.target.value);
            if (t === undefined) return;
            setWin({ from: win ? win.from : 0, to: t });
            setMode('deleted');
          }}
        />
      </label>
      <div role="radiogroup" aria-label="Show" class="seg">
        <button
          role="radio"
          aria-checked=${mode === 'instant'}
          class=${mode === 'instant' ? 'on' : ''}
          onClick=${() => setMode('instant')}
        >
          Mailbox at instant
        </button>
        <button
          role="radio"
          aria-checked=${mode === 'deleted'}
          class=${mode === 'deleted' ? 'on' : ''}
          disabled=${!win}
          onClick=${() => setMode('deleted')}
        >
          Deleted in window
        </button>
      </div>
    </div>
    <p class="muted state-line">
      ${mode === 'deleted' && win ? html`Items deleted between <strong>${time(win.from)}</strong> and <strong>${time(win.to)}</strong>` : html`Mailbox as it was at <strong>${at !== undefined ? time(at) : 'the last capture'}</strong>`}
    </p>
    <div class="browse">
      <${FolderTree} folders=${folders} folder=${folder} setFolder=${setFolder} />
      <section class="items" aria-label="Items">
        <div class="toolbar">
          <div role="tablist" aria-label="Item kind" class="seg">
            ${KINDS.map(([k, label]) => html`<button role="tab" aria-selected=${kind === k} class=${kind === k ? 'on' : ''} onClick=${() => setKind(k)}>${label}</button>`)}
          </div>
          <form role="search" onSubmit=${(e) => (e.preventDefault(), setSearch(q))}>
            <label class="sr-only" for="q">Search subject, sender or folder</label>
            <input
              id="q"
              type="search"
              placeholder="Search subject, from, folder"
              value=${q}
              onInput=${(e) => setQ(e.target.value)}
            />
            <button type="submit">Search</button>
          </form>
        </div>
        ${
          !list
            ? html`<p aria-busy="true">Loading items…</p>`
            : html`<p class="muted">
                  ${`${list.total} ${list.total === 1 ? 'item' : 'items'}${list.total > items.length ? ` (first ${items.length} shown)` : ''}`}
                </p>
                <div class="scroll">
                  <table class="grid items-table" aria-label="Item list">
                    <thead>
                      <tr>
                        <th scope="col"><span class="sr-only">Select</span></th>
                        <th scope="col">${kind === 'message' ? 'Subject' : 'Name'}</th>
                        <th scope="col">${kind === 'message' ? 'From' : 'Folder'}</th>
                        <th scope="col">Date</th>
                        <th scope="col" class="num">Size</th>
                        <th scope="col">Flags</th>
                        ${mode === 'deleted' && html`<th scope="col">Deleted</th>`}
                      </tr>
                    </thead>
                    <tbody>
                      ${items.map(
                        (i) =>
                          html`<tr class=${open === i.id ? 'sel' : ''}>
                            <td>
                              <input
                                type="checkbox"
                                aria-label=${'Select item ' + i.id}
                                checked=${selected.has(i.id)}
                                onChange=${() => toggle(i.id)}
                              />
                            </td>
                            <td>
                              <button class="link row-open" onClick=${() => setOpen(i.id)}>
                                ${i.subject || i.name || '(no subject)'}
                              </button>
                            </td>
                            <td>${kind === 'message' ? i.from : i.path}</td>
                            <td>${time(i.dateMs)}</td>
                            <td class="num">${bytes(i.size)}</td>
                            <td>${flags(i.flags)}</td>
                            ${mode === 'deleted' && html`<td>${time(i.deletedMs)}</td>`}
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>`
        }
      </section>
      ${open && html`<${Preview} account=${name} id=${open} at=${previewAt} onClose=${() => setOpen(null)} />`}
    </div>
    <section class="actions" aria-label="Restore">
      <h2>Restore</h2>
      <label
        >Into account (empty: the original account)<input
          value=${toAccount}
          onInput=${(e) => setToAccount(e.target.value)}
          placeholder=${name}
      /></label>
      ${
        mode === 'deleted' &&
        win &&
        html`<fieldset>
          <legend>Undelete ${time(win.from)} → ${time(win.to)}</legend>
          <${OpFlow}
            kind="undelete"
            params=${{ account: name, from: iso(win.from), to: iso(win.to), ...target }}
            runLabel="Undelete"
          />
        </fieldset>`
      }
      <fieldset>
        <legend>Restore ${selected.size} selected ${selected.size === 1 ? 'item' : 'items'}</legend>
        <${OpFlow}
          kind="restore-items"
          params=${{ account: name, items: [...selected], ...(previewAt ? { at: previewAt } : {}), ...target }}
          runLabel="Restore selected"
          disabled=${selected.size === 0}
        />
      </fieldset>
      <fieldset>
        <legend>Restore the whole account as at ${at !== undefined ? time(at) : 'the last capture'}</legend>
        ${
          target.toAccount &&
          html`<label class="check"
            ><input type="checkbox" checked=${intoExisting} onChange=${(e) => setIntoExisting(e.target.checked)} />
            ${`${target.toAccount} already exists: add the items to it`}</label
          >`
        }
        <${OpFlow}
          kind="restore-account"
          params=${{
            account: name,
            at: iso(at !== undefined ? at : openedAt),
            ...target,
            ...(target.toAccount && intoExisting ? { intoExisting: true } : {}),
          }}
          runLabel="Restore account"
        />
      </fieldset>
    </section>
  `;
}
