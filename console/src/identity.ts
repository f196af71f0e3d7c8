// Users, their access keys (a new key's secret is shown once) and their policies, through the admin API.
import { useEffect, useState } from 'preact/hooks';
import { adminJson, ApiError, call } from './api.js';
import { ErrorLine, formatDate, html, Notice, useAction } from './common.js';

interface Key { accessKeyId: string; status: string; createdAt: string }
interface User { name: string; arn: string; createdAt: string; hasPolicy: boolean; accessKeys: Key[] }

function PolicyEditor({ user }: { user: string }) {
  const [text, setText] = useState('');
  const [notice, setNotice] = useState('');
  const [error, run] = useAction();
  const path = `users/${encodeURIComponent(user)}/policy`;
  useEffect(() => {
    void run(async () => {
      try {
        setText(await (await call('GET', `cairn/admin/${path}`)).text());
      } catch (caught) {
        if (!(caught instanceof ApiError && caught.status === 404)) throw caught;
        setText('{"Version":"2012-10-17","Statement":[]}');
      }
    });
  }, [user]);
  const save = () => run(async () => {
    await call('PUT', `cairn/admin/${path}`, { body: text, headers: { 'content-type': 'application/json' } });
    setNotice('Policy saved.');
  });
  return html`<div class="editor"><label for=${`policy-${user}`}>Policy of ${user}</label>
    <textarea id=${`policy-${user}`} rows="6" spellcheck="false" value=${text} onInput=${(event: Event) => setText((event.target as HTMLTextAreaElement).value)}></textarea>
    <div class="bar"><button type="button" onClick=${save}>Save policy</button>
      <button type="button" class="danger" onClick=${() => run(async () => { await call('DELETE', `cairn/admin/${path}`); setNotice('Policy deleted.'); })}>Delete policy</button></div>
    <${Notice} text=${notice} /><${ErrorLine} error=${error} /></div>`;
}

function UserRow({ user, onChanged }: { user: User; onChanged: () => void }) {
  const [secret, setSecret] = useState('');
  const [open, setOpen] = useState(false);
  const [error, run] = useAction();
  const createKey = () => run(async () => {
    const key = await adminJson<{ accessKeyId: string; secretAccessKey: string }>('POST', `users/${encodeURIComponent(user.name)}/keys`);
    setSecret(`${key.accessKeyId} / ${key.secretAccessKey}`);
    onChanged();
  });
  const setStatus = (key: Key, status: string) => run(async () => { await adminJson('PATCH', `keys/${encodeURIComponent(key.accessKeyId)}`, { status }); onChanged(); });
  const removeKey = (key: Key) => run(async () => { await adminJson('DELETE', `keys/${encodeURIComponent(key.accessKeyId)}`); onChanged(); });
  const removeUser = () => run(async () => { if (confirm(`Delete user ${user.name}?`)) { await adminJson('DELETE', `users/${encodeURIComponent(user.name)}`); onChanged(); } });
  return html`<li class="user"><h3>${user.name}</h3><p class="muted">${user.arn} · created ${formatDate(user.createdAt)}</p>
    <ul>${user.accessKeys.map((key) => html`<li>${key.accessKeyId} — ${key.status}
      <button type="button" onClick=${() => setStatus(key, key.status === 'Active' ? 'Inactive' : 'Active')}>${key.status === 'Active' ? 'Disable' : 'Enable'}</button>
      <button type="button" class="danger" onClick=${() => removeKey(key)}>Delete key</button></li>`)}</ul>
    <div class="bar"><button type="button" onClick=${createKey}>Create access key</button>
      <button type="button" onClick=${() => setOpen(!open)} aria-expanded=${open}>Policy</button>
      <button type="button" class="danger" onClick=${removeUser}>Delete user</button></div>
    ${secret !== '' ? html`<p class="secret" role="status">New key (the secret is shown only now): <code>${secret}</code></p>` : null}
    <${ErrorLine} error=${error} />${open ? html`<${PolicyEditor} user=${user.name} />` : null}</li>`;
}

export function IdentityView() {
  const [users, setUsers] = useState<User[]>([]);
  const [name, setName] = useState('');
  const [notice, setNotice] = useState('');
  const [error, run] = useAction();
  const load = () => run(async () => setUsers((await adminJson<{ users: User[] }>('GET', 'users')).users));
  useEffect(() => { void load(); }, []);
  const create = (event: Event) => {
    event.preventDefault();
    void run(async () => { await adminJson('POST', 'users', { name }); setNotice(`User ${name} created.`); setName(''); await load(); });
  };
  return html`<section aria-label="Identity"><h2>Users</h2>
    <form class="bar" onSubmit=${create}><label>New user <input id="new-user" value=${name} onInput=${(event: Event) => setName((event.target as HTMLInputElement).value)} /></label><button type="submit">Create user</button></form>
    <${Notice} text=${notice} /><${ErrorLine} error=${error} />
    <ul class="users">${users.map((user) => html`<${UserRow} key=${user.name} user=${user} onChanged=${load} />`)}</ul></section>`;
}
