// The console's entry: the login form, then the views (objects, bucket settings, identity,
// operations) in tabs. Every call goes through the console's proxy as the logged-in identity.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, login, logout, setCsrfToken, type Identity } from './api.js';
import { BucketPicker } from './buckets.js';
import { ErrorLine, html, useAction } from './common.js';
import { IdentityView } from './identity.js';
import { ObjectBrowser } from './objects.js';
import { OperationsView } from './operations.js';
import { BucketSettings } from './settings.js';
import { RegistryView } from './registry.js';
import { setServiceJsonCsrf } from './service-json.js';
import { TablesView } from './tables.js';
import { setUploadCsrf } from './upload.js';
import './style.css';

type View = 'objects' | 'settings' | 'tables' | 'registry' | 'identity' | 'operations';
const VIEWS: Array<[View, string]> = [['objects', 'Objects'], ['settings', 'Bucket settings'], ['tables', 'Tables'], ['registry', 'Registry'], ['identity', 'Identity'], ['operations', 'Operations']];

function adopt(identity: Identity): void {
  setCsrfToken(identity.csrfToken);
  setUploadCsrf(identity.csrfToken);
  setServiceJsonCsrf(identity.csrfToken);
}

function LoginForm({ onLogin }: { onLogin: (identity: Identity) => void }) {
  const [accessKeyId, setKey] = useState('');
  const [secret, setSecret] = useState('');
  const [error, run] = useAction();
  const submit = (event: Event) => {
    event.preventDefault();
    void run(async () => onLogin(await login(accessKeyId, secret)));
  };
  return html`<main class="login"><h1>Cairn console</h1><form onSubmit=${submit}>
    <label for="access-key-id">Access key id</label><input id="access-key-id" autocomplete="username" value=${accessKeyId} onInput=${(event: Event) => setKey((event.target as HTMLInputElement).value)} />
    <label for="secret-access-key">Secret access key</label><input id="secret-access-key" type="password" autocomplete="current-password" value=${secret} onInput=${(event: Event) => setSecret((event.target as HTMLInputElement).value)} />
    <button type="submit" id="login-button">Log in</button><${ErrorLine} error=${error} /></form></main>`;
}

function Shell({ identity, onLogout }: { identity: Identity; onLogout: () => void }) {
  const [view, setView] = useState<View>('objects');
  const [bucket, setBucket] = useState('');
  const [error, run] = useAction();
  const isRoot = identity.identity.kind === 'root';
  const needsBucket = view === 'objects' || view === 'settings';
  return html`<header><h1>Cairn</h1><nav aria-label="Views">${VIEWS.map(([name, label]) => html`<button type="button" class="tab" id=${`tab-${name}`} aria-current=${view === name ? 'page' : undefined} onClick=${() => setView(name)}>${label}</button>`)}</nav>
      <span class="who">${identity.identity.kind === 'root' ? 'root' : `user ${identity.identity.name}`}</span>
      <button type="button" id="logout-button" onClick=${() => run(async () => { await logout(); onLogout(); })}>Log out</button></header>
    <main><${ErrorLine} error=${error} />
      ${needsBucket ? html`<${BucketPicker} bucket=${bucket} onPick=${setBucket} />` : null}
      ${view === 'objects' && bucket !== '' ? html`<${ObjectBrowser} key=${bucket} bucket=${bucket} />` : null}
      ${view === 'settings' && bucket !== '' ? html`<${BucketSettings} key=${bucket} bucket=${bucket} isRoot=${isRoot} />` : null}
      ${view === 'tables' ? html`<${TablesView} />` : null}
      ${view === 'registry' ? html`<${RegistryView} />` : null}
      ${view === 'identity' ? html`<${IdentityView} />` : null}
      ${view === 'operations' ? html`<${OperationsView} />` : null}
    </main>`;
}

function App() {
  const [identity, setIdentity] = useState<Identity | undefined>(undefined);
  const [checked, setChecked] = useState(false);
  useEffect(() => {
    void currentSession().then((found) => { if (found !== undefined) { adopt(found); setIdentity(found); } setChecked(true); });
  }, []);
  if (!checked) return html`<p>Loading…</p>`;
  if (identity === undefined) return html`<${LoginForm} onLogin=${(found: Identity) => { adopt(found); setIdentity(found); }} />`;
  return html`<${Shell} identity=${identity} onLogout=${() => setIdentity(undefined)} />`;
}

render(html`<${App} />`, document.getElementById('app')!);
