// The agent console: one page, Preact components written with htm (no build
// step). Screens: the inbox, a new Tweet case, a case with its reply box,
// and the customer panel. Routes live in the URL's hash (#/cases/ID), so the
// page works from any static host.

import { render, createContext } from './vendor/preact.mjs';
import { useState, useEffect, useRef, useContext, useCallback } from './vendor/hooks.mjs';
import { html } from './html.js';
import { Api, ApiError, newKey, q } from './api.js';
import { Session, loadConfig } from './auth.js';

const Ctx = createContext(null);
const useApp = () => useContext(Ctx);

// Inbox polling: the API's updated_since makes each poll one cheap query per status.
const POLL_MS = 2500;
const OPEN_STATUSES = 'new,open,pending';
const STATUSES = ['new', 'open', 'pending', 'resolved', 'closed'];

// ---- small helpers ---------------------------------------------------------

function when(t) {
  if (!t) return '';
  const d = new Date(t);
  const today = new Date().toDateString() === d.toDateString();
  return today ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

function useRoute() {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash.slice(1);
}

function go(path) {
  location.hash = '#' + path;
}

/** useAsync runs fn on mount and when deps change; reload() runs it again. */
function useAsync(fn, deps) {
  const [state, setState] = useState({ loading: true, data: null, error: null });
  const seq = useRef(0);
  const run = useCallback(async (quiet) => {
    const n = ++seq.current;
    if (!quiet) setState((s) => ({ ...s, loading: true }));
    try {
      const data = await fn();
      if (n === seq.current) setState({ loading: false, data, error: null });
    } catch (error) {
      if (n === seq.current) setState((s) => ({ loading: false, data: s.data, error }));
    }
  }, deps);
  useEffect(() => { run(); }, [run]);
  return { ...state, reload: run };
}

function ErrorNote({ error }) {
  if (!error) return null;
  const text = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  const link = error?.problem?.intent_url;
  if (error?.code === 'x_access_forbids' && link) {
    // X does not let this deployment's app follow: the API says why and
    // where to do it by hand on x.com, signed in as the brand handle.
    const what = error.problem.action === 'unfollow' ? 'Unfollow on x.com' : 'Follow on x.com';
    return html`<p class="error" role="alert">${text.split(link)[0].trim()}
      <a class="intent" href=${link} rel="noopener noreferrer" target="_blank">${what}</a></p>`;
  }
  return html`<p class="error" role="alert">${text}</p>`;
}

const URL_RE = /(https?:\/\/[^\s]+)/g;

/**
 * webLink is url when it is an absolute http: or https: URL, else null: a
 * customer writes what a message's urls expand to, so any other scheme
 * (javascript:, data:, vbscript:, ...) is shown as text, never linked.
 */
function webLink(url) {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

/** REMOVED_WHY says why X's compliance rule removed a Post's content (the API's removed_reason). */
const REMOVED_WHY = {
  deleted: 'Deleted on X.',
  bounced: 'Removed: X withheld this Post.',
  protected: 'Hidden: the author made their account protected on X.',
  suspended: 'Removed: the author\'s account is suspended on X.',
  deactivated: 'Removed: the author\'s account was deactivated on X.',
};

/** X_STATUS_WHY says what X reported of a customer's account (the API's x_status). */
const X_STATUS_WHY = {
  deleted: 'This customer deleted their X account',
  deactivated: 'This customer deactivated their X account',
  suspended: 'X suspended this customer\'s account',
  protected: 'This customer protected their X account',
};

/** MessageText shows a message's text with its links expanded (the API's urls, else the text's own). */
function MessageText({ m }) {
  if (m.deleted) return html`<p class="text deleted"><em>${REMOVED_WHY[m.removed_reason] || REMOVED_WHY.deleted}</em></p>`;
  const expand = new Map((m.urls || []).map((u) => [u.url, u.expanded_url || u.url]));
  const parts = m.text.split(URL_RE).map((part, i) => {
    if (i % 2 === 0) return part;
    const target = expand.get(part) || part;
    const href = webLink(target);
    if (!href) return html`<span class="inert-link">${target}</span>`;
    return html`<a href=${href} rel="noopener noreferrer" target="_blank">${target.replace(/^https?:\/\//, '')}</a>`;
  });
  if (!m.edited) return html`<p class="text">${parts}</p>`;
  return html`<p class="text">${parts}</p>
    <details class="edits"><summary>Edited on X</summary>
      <ol>${(m.edits || []).map((e) => html`<li>${e.text}</li>`)}</ol>
    </details>`;
}

function Agent({ a, label }) {
  if (!a) return null;
  return html`<span class="agent">${label} ${a.email || a.sub}</span>`;
}

// ---- the page --------------------------------------------------------------

function App() {
  const route = useRoute();
  const { session } = useApp();
  const mainRef = useRef(null);
  useEffect(() => { mainRef.current?.focus(); }, [route]);
  let screen;
  let m;
  if ((m = route.match(/^\/cases\/([^/]+)$/))) screen = html`<${CaseView} id=${decodeURIComponent(m[1])} />`;
  else if ((m = route.match(/^\/customers\/([^/]+)$/))) screen = html`<${CustomerPage} id=${decodeURIComponent(m[1])} />`;
  else if (route === '/new') screen = html`<${NewCase} />`;
  else if (route === '/handles') screen = html`<${HandlesPage} />`;
  else if (route === '/usage') screen = html`<${UsagePage} />`;
  else screen = html`<${Inbox} />`;
  return html`
    <a class="skip" href="#main" onClick=${(e) => { e.preventDefault(); mainRef.current?.focus(); }}>Skip to content</a>
    <header class="top">
      <h1><a href="#/">Twitter cases</a></h1>
      <nav aria-label="Main">
        <a href="#/" aria-current=${route === '/' || route === '' ? 'page' : undefined}>Inbox</a>
        <a href="#/handles" aria-current=${route === '/handles' ? 'page' : undefined}>Brand handles</a>
        <a href="#/usage" aria-current=${route === '/usage' ? 'page' : undefined}>X spend</a>
        <a class="button primary" href="#/new" aria-current=${route === '/new' ? 'page' : undefined}>New case</a>
      </nav>
      <p class="who">Signed in as ${session.agent}
        ${session.cfg.auth !== 'dev' && html` <button type="button" class="link" onClick=${() => session.signOut()}>Sign out</button>`}</p>
    </header>
    <main id="main" tabindex="-1" ref=${mainRef}>${screen}</main>`;
}

// ---- spend on X -------------------------------------------------------------

const KIND_NAMES = {
  post: 'Posts', post_url: 'Posts with a link', summoned_reply: 'Summoned replies', dm: 'Direct messages',
  interaction: 'Reposts and follows', interaction_delete: 'Undone Reposts and unfollows', user_read: 'Handle look-ups',
  post_read: 'Post reads', owned_read: 'Own reads', event_post: 'Post events received', event_follow: 'Follow events received',
  event_profile: 'Profile events received', event_chat: 'Chat messages received', event_dm: 'Direct messages received',
};

/** UsagePage shows what the product spent on X this month, per brand handle and kind of call, and each handle's budget. */
function UsagePage() {
  const { api } = useApp();
  const [month, setMonth] = useState(new Date().toISOString().slice(0, 7));
  const usage = useAsync(() => api.get(`/v1/usage?month=${q(month)}`), [month]);
  const [budgets, setBudgets] = useState({});
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const save = async (e, h) => {
    e.preventDefault();
    setError(null);
    try {
      await api.patch(`/v1/handles/${q(h.handle_id)}`, { monthly_budget_usd: (budgets[h.handle_id] ?? '').trim() || '0' });
      setNotice(`Budget of @${h.screen_name} saved.`);
      usage.reload(true);
    } catch (err) {
      setError(err);
    }
  };
  const u = usage.data;
  return html`<section aria-labelledby="usage-title">
    <h2 id="usage-title">Spend on X</h2>
    <p><label for="usage-month">Month (UTC)</label>
      <input id="usage-month" type="month" value=${month} onChange=${(e) => e.target.value && setMonth(e.target.value)} /></p>
    <${ErrorNote} error=${usage.error || error} />
    <p class="sr-only" role="status">${notice}</p>
    ${u && html`<p>Total $${u.total_usd} at X's prices of ${u.prices_as_of}.</p>
      ${u.handles.map((h) => html`<div class="usage" key=${h.handle_id}>
        <h3>${h.screen_name ? '@' + h.screen_name : h.handle_id === 'app' ? 'The app (handle look-ups)' : h.handle_id}: $${h.spent_usd}${h.monthly_budget_usd ? ` of $${h.monthly_budget_usd}` : ''}; events received $${h.inbound_usd}</h3>
        ${h.calls.length ? html`<table><thead><tr><th scope="col">Kind</th><th scope="col">Calls</th><th scope="col">Cost</th></tr></thead>
          <tbody>${h.calls.map((c) => html`<tr key=${c.kind}><td>${KIND_NAMES[c.kind] || c.kind}</td><td>${c.calls}</td><td>$${c.usd}</td></tr>`)}</tbody></table>`
          : html`<p class="hint">Nothing spent.</p>`}
        ${h.screen_name && html`<form class="row" onSubmit=${(e) => save(e, h)}>
          <label for=${'budget-' + h.handle_id}>Monthly budget (US$, 0 for none)</label>
          <input id=${'budget-' + h.handle_id} inputmode="decimal" value=${budgets[h.handle_id] ?? (h.monthly_budget_usd || '')}
            onInput=${(e) => setBudgets({ ...budgets, [h.handle_id]: e.target.value })} />
          <button type="submit">Save budget</button></form>`}
      </div>`)}`}
  </section>`;
}

// ---- brand handles (issue 24) ------------------------------------------------

// CONNECT marks a Connect with X this tab started: X's redirect back to the
// console carries code and state, which must be this tab's (and not the
// console's own sign-in's).
const CONNECT = 'x-connect-pending';

/** takeConnectReturn strips X's code and state from the address when they
 * answer a Connect with X of this tab, and returns them. */
function takeConnectReturn() {
  const params = new URLSearchParams(location.search);
  const pending = sessionStorage.getItem(CONNECT);
  if (!pending || !params.has('state') || params.get('state') !== pending) return null;
  sessionStorage.removeItem(CONNECT);
  history.replaceState(null, '', location.pathname + '#/handles');
  return { state: params.get('state'), code: params.get('code') || '', error: params.get('error') || '' };
}

function HandlesPage() {
  const { api, connectResult } = useApp();
  const list = useAsync(() => api.get('/v1/handles'), [connectResult]);
  const [busy, setBusy] = useState('');
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  useEffect(() => { setError(connectResult?.error || null); setNotice(connectResult?.notice || ''); }, [connectResult]);
  const connect = async (handleId) => {
    setBusy('connect-' + (handleId || 'new')); setError(null);
    try {
      const out = await api.post('/v1/handles/connect', handleId ? { handle_id: handleId } : {});
      sessionStorage.setItem(CONNECT, new URL(out.authorize_url).searchParams.get('state'));
      location.assign(out.authorize_url);
    } catch (e) { setError(e); setBusy(''); }
  };
  const remove = async (h) => {
    if (!confirm(`Remove @${h.screen_name}? Its cases stay; X stops delivering its events.`)) return;
    setBusy('remove-' + h.id); setError(null);
    try { await api.del(`/v1/handles/${q(h.id)}`); setNotice(`@${h.screen_name} removed.`); list.reload(true); } catch (e) { setError(e); }
    setBusy('');
  };
  const items = list.data?.items || [];
  return html`<section aria-labelledby="handles-h">
    <h2 id="handles-h">Brand handles</h2>
    <p class="notice" role="status">${notice}</p>
    <${ErrorNote} error=${error || list.error} />
    <p><button type="button" class="primary" disabled=${!!busy} onClick=${() => connect('')}>Connect a brand handle with X</button></p>
    ${list.loading && !list.data ? html`<p>Loading…</p>` : html`<table class="handles">
      <caption class="sr-only">Brand handles</caption>
      <thead><tr><th scope="col">Handle</th><th scope="col">Status</th><th scope="col">Subscriptions</th><th scope="col">X Chat</th><th scope="col">Actions</th></tr></thead>
      <tbody>${items.map((h) => html`<tr key=${h.id}>
        <th scope="row">@${h.screen_name}</th>
        <td>${h.status}</td>
        <td>${h.subscriptions ? h.subscriptions.status : 'not asked'}${h.subscriptions?.detail ? ` (${h.subscriptions.detail})` : ''}</td>
        <td>${h.x_chat?.ready ? 'ready' : (h.x_chat?.reason || 'not set up')}</td>
        <td><button type="button" disabled=${!!busy} aria-label=${`Reconnect @${h.screen_name}`} onClick=${() => connect(h.id)}>Reconnect</button>
          <button type="button" class="link" disabled=${!!busy} aria-label=${`Remove @${h.screen_name}`} onClick=${() => remove(h)}>Remove</button></td>
      </tr>`)}</tbody></table>`}
  </section>`;
}

// ---- inbox -----------------------------------------------------------------

function mergeCases(list, fresh) {
  const byId = new Map(list.map((c) => [c.id, c]));
  for (const c of fresh) byId.set(c.id, c);
  return [...byId.values()]
    .filter((c) => OPEN_STATUSES.split(',').includes(c.status))
    .sort((a, b) => (b.last_activity_at || '').localeCompare(a.last_activity_at || '') || b.id.localeCompare(a.id));
}

function Inbox() {
  const { api } = useApp();
  const [cases, setCases] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState(null);
  const [news, setNews] = useState('');
  const latest = useRef('');

  useEffect(() => {
    let stop = false;
    let timer;
    const first = async () => {
      try {
        const page = await api.get(`/v1/cases?status=${OPEN_STATUSES}&limit=25`);
        if (stop) return;
        setCases(page.items);
        setCursor(page.next_cursor || null);
        latest.current = page.items[0]?.last_activity_at || new Date().toISOString();
        setError(null);
      } catch (e) {
        setError(e);
      } finally {
        setLoading(false);
      }
    };
    const poll = async () => {
      try {
        const page = await api.get(`/v1/cases?status=${OPEN_STATUSES}&limit=50&updated_since=${q(latest.current)}`);
        if (stop) return;
        if (page.items.length) {
          const newest = page.items[0].last_activity_at;
          setCases((list) => {
            const known = new Set(list.map((c) => c.id + c.last_activity_at));
            const changed = page.items.filter((c) => !known.has(c.id + c.last_activity_at));
            if (changed.length) setNews(`${changed.length} case${changed.length > 1 ? 's' : ''} with new activity.`);
            return mergeCases(list, page.items);
          });
          if (newest > latest.current) latest.current = newest;
        }
        setError(null);
      } catch (e) {
        setError(e);
      }
      if (!stop) timer = setTimeout(poll, POLL_MS);
    };
    first().then(() => { if (!stop) timer = setTimeout(poll, POLL_MS); });
    return () => { stop = true; clearTimeout(timer); };
  }, []);

  const more = async () => {
    try {
      const page = await api.get(`/v1/cases?status=${OPEN_STATUSES}&limit=25&cursor=${q(cursor)}`);
      setCases((list) => mergeCases(list, page.items));
      setCursor(page.next_cursor || null);
    } catch (e) {
      setError(e);
    }
  };

  return html`
    <section aria-labelledby="inbox-title">
      <div class="bar">
        <h2 id="inbox-title">Inbox</h2>
        <p class="hint">Open cases across all customers, newest activity first. New activity shows up by itself.</p>
      </div>
      <p class="sr-only" role="status" aria-live="polite">${news}</p>
      <${ErrorNote} error=${error} />
      ${loading ? html`<p>Loading cases…</p>` : cases.length === 0 ? html`<p>No open cases.</p>` : html`
        <table class="inbox">
          <caption class="sr-only">Open cases</caption>
          <thead><tr>
            <th scope="col">Customer</th><th scope="col">Brand handle</th><th scope="col">Status</th>
            <th scope="col">Last message</th><th scope="col">When</th>
          </tr></thead>
          <tbody>
            ${cases.map((c) => html`
              <tr key=${c.id} data-case=${c.id}>
                <td><a href=${'#/cases/' + q(c.id)}>${c.customer_name || 'Customer ' + c.customer_id}</a>
                  ${c.customer_handle && html` <span class="handle">@${c.customer_handle}</span>`}</td>
                <td>${c.handle_screen_name ? '@' + c.handle_screen_name : ''}</td>
                <td><span class=${'status status-' + c.status}>${c.status}</span></td>
                <td class="first-line">${c.last_message ? html`<span class="dir">${c.last_message.direction === 'in' ? 'Customer' : 'Team'}${c.last_message.kind === 'dm' ? ' (DM)' : ''}:</span> ${c.last_message.first_line}` : ''}</td>
                <td><time datetime=${c.last_activity_at}>${when(c.last_activity_at)}</time></td>
              </tr>`)}
          </tbody>
        </table>`}
      ${cursor && html`<button type="button" onClick=${more}>Load more</button>`}
    </section>`;
}

// ---- composer (new case and reply) -----------------------------------------

/**
 * Counter asks the server to count the text (POST /v1/text/count), so the
 * page never disagrees with what the server will accept.
 */
function useCount(text, mode, reply) {
  const { api } = useApp();
  const [count, setCount] = useState(null);
  useEffect(() => {
    let stop = false;
    const t = setTimeout(async () => {
      try {
        // In a case the count also prices the send as a reply there (a
        // summoned reply costs less, a URL 13 times more).
        const c = await api.post('/v1/text/count', { text, mode, ...(reply || {}) });
        if (!stop) setCount({ ...c, text, mode });
      } catch {
        /* the Send answer will say what is wrong */
      }
    }, 120);
    return () => { stop = true; clearTimeout(t); };
  }, [text, mode, reply?.case_id, reply?.handle_id]);
  return count;
}

/** Price shows what a send costs on X, beside Send, and warns when a link makes it dearer. */
function Price({ count, modeOpt }) {
  const p = count?.price || modeOpt?.price;
  if (!p) return null;
  const plain = modeOpt?.price;
  const dearer = p.kind === 'post_url' && plain && plain.kind !== 'post_url' && plain.micros > 0;
  return html`<span class="price" aria-live="polite">Costs $${p.usd} on X
    ${dearer && html`<strong class="warn"> — the link makes this reply cost ${Math.round(p.micros / plain.micros)} times more ($${plain.usd} without it)</strong>`}</span>`;
}

function Counter({ count, id }) {
  const over = count && count.weighted_length > count.max_length;
  return html`
    <p class="counter">
      <label for=${id}>Characters</label>
      <output id=${id} class=${over ? 'over' : ''} aria-live="polite">${count ? `${count.weighted_length} / ${count.max_length}` : '…'}</output>
    </p>`;
}

/** tooLong says why a counted text cannot be sent, or ''. */
function tooLong(count, text, mode) {
  if (!count || count.text !== text || count.mode !== mode) return '';
  if (count.weighted_length > count.max_length) {
    return `Too long: ${count.weighted_length} characters, the limit is ${count.max_length}. Shorten it before sending.`;
  }
  return '';
}

// ---- new case ----------------------------------------------------------------

function NewCase() {
  const { api, handles } = useApp();
  const [kind, setKind] = useState('tweet');
  const [query, setQuery] = useState('');
  const [results, setResults] = useState(null);
  const [picked, setPicked] = useState(null);
  const [composing, setComposing] = useState(false);
  const [error, setError] = useState(null);
  const [from, setFrom] = useState('');
  const [text, setText] = useState('');
  const [sending, setSending] = useState(false);
  const [notice, setNotice] = useState('');
  const key = useRef(newKey());
  const count = useCount(text, 'mention');
  const textRef = useRef(null);

  useEffect(() => { if (!from && handles.length) setFrom(handles[0].id); }, [handles]);

  const search = async (e) => {
    e.preventDefault();
    setError(null);
    setPicked(null);
    setComposing(false);
    try {
      const page = await api.get(`/v1/customers?q=${q(query.trim())}&limit=20`);
      setResults(page.items);
    } catch (err) {
      setError(err);
    }
  };

  const open = () => {
    setComposing(true);
    setText('@' + picked.twitter.handle + ' ');
    key.current = newKey();
    setTimeout(() => { const t = textRef.current; if (t) { t.focus(); t.setSelectionRange(t.value.length, t.value.length); } });
  };

  const send = async (e) => {
    e.preventDefault();
    const why = tooLong(count, text, 'mention');
    if (why) { setError(new Error(why)); return; }
    if (sending) return;
    setSending(true);
    setError(null);
    try {
      const out = await api.post('/v1/cases', { customer_id: picked.id, handle_id: from, text }, { key: key.current });
      setNotice('Case created; the Tweet is queued.');
      go('/cases/' + out.case.id);
    } catch (err) {
      setError(err);
    } finally {
      setSending(false);
    }
  };

  const why = tooLong(count, text, 'mention');
  return html`
    <section aria-labelledby="new-title">
      <h2 id="new-title">New case</h2>
      <fieldset class="kind">
        <legend>Type</legend>
        <label><input type="radio" name="kind" value="tweet" checked=${kind === 'tweet'} onChange=${() => setKind('tweet')} /> Tweet</label>
      </fieldset>
      <form class="search" onSubmit=${search} role="search">
        <label for="find">Find customer</label>
        <input id="find" type="search" value=${query} onInput=${(e) => setQuery(e.target.value)}
          placeholder="Name, e-mail or phone" aria-describedby="find-hint" />
        <button type="submit">Search</button>
        <p id="find-hint" class="hint">A name's first letters, or an exact e-mail or phone number.</p>
      </form>
      <${ErrorNote} error=${error} />
      ${results && html`
        <fieldset class="results">
          <legend>Customers found (${results.length})</legend>
          ${results.length === 0 && html`<p>No customer matches.</p>`}
          <ul>
            ${results.map((c) => {
              const ok = !!c.twitter;
              const id = 'cust-' + c.id;
              return html`<li key=${c.id} class=${ok ? '' : 'disabled'}>
                <input type="radio" name="customer" id=${id} disabled=${!ok} checked=${picked?.id === c.id}
                  aria-describedby=${ok ? undefined : id + '-why'} onChange=${() => { setPicked(c); setComposing(false); }} />
                <label for=${id}><strong>${c.name}</strong> ${ok ? '@' + c.twitter.handle : ''}
                  <span class="contact">${[...c.emails, ...c.phones].join(' · ')}</span></label>
                ${!ok && html`<p id=${id + '-why'} class="why">No Twitter handle: add one in the <a href=${'#/customers/' + q(c.id)}>customer's details</a> to start a Twitter case.</p>`}
              </li>`;
            })}
          </ul>
        </fieldset>`}
      ${results && html`<button type="button" class="primary" disabled=${!picked} onClick=${open}>Create case</button>`}
      ${composing && picked && html`
        <form class="composer" onSubmit=${send} aria-labelledby="compose-title">
          <h3 id="compose-title">First Tweet to ${picked.name}</h3>
          <label for="from">From</label>
          <select id="from" value=${from} onChange=${(e) => setFrom(e.target.value)}>
            ${handles.map((h) => html`<option value=${h.id} disabled=${h.status !== 'connected'}>@${h.screen_name}</option>`)}
          </select>
          <label for="tweet-text">Tweet text</label>
          <textarea id="tweet-text" ref=${textRef} rows="4" value=${text}
            onInput=${(e) => { setText(e.target.value); key.current = newKey(); }} aria-invalid=${why ? 'true' : 'false'}></textarea>
          <${Counter} count=${count} id="new-count" />
          ${why && html`<p class="error" role="alert">${why}</p>`}
          <button type="submit" class="primary" disabled=${sending} aria-disabled=${sending ? 'true' : 'false'}>Send</button>
          <p class="sr-only" role="status">${notice}</p>
        </form>`}
    </section>`;
}

// ---- case view -------------------------------------------------------------

function CaseView({ id }) {
  const { api, handles } = useApp();
  const [msgs, setMsgs] = useState(null);
  const caseQ = useAsync(async () => {
    const d = await api.get(`/v1/cases/${q(id)}?limit=200`);
    let all = d.messages;
    let cursor = d.next_cursor;
    while (cursor) {
      const p = await api.get(`/v1/cases/${q(id)}/messages?limit=200&cursor=${q(cursor)}`);
      all = all.concat(p.items);
      cursor = p.next_cursor;
    }
    setMsgs(all);
    return d.case;
  }, [id]);
  const c = caseQ.data;
  const reloadQuiet = () => caseQ.reload(true);

  // While something is on its way to X, look again every second or so.
  const waiting = (msgs || []).some((m) => m.status === 'queued');
  useEffect(() => {
    const t = setInterval(reloadQuiet, waiting ? 1000 : 3000);
    return () => clearInterval(t);
  }, [waiting, id]);

  if (!c) return html`<${ErrorNote} error=${caseQ.error} />${caseQ.loading && html`<p>Loading the case…</p>`}`;
  const brand = handles.find((h) => h.id === c.handle_id);
  return html`
    <div class="case-layout">
      <section class="case" aria-labelledby="case-title">
        <h2 id="case-title">Case with ${c.customer_name || 'customer'}${c.customer_handle ? ` @${c.customer_handle}` : ''}</h2>
        <p class="meta">${c.channel === 'dm' ? 'Direct Messages' : 'Tweets'} with @${brand?.screen_name || c.handle_screen_name} · opened ${when(c.created_at)}</p>
        <${StatusPicker} c=${c} onChange=${reloadQuiet} />
        <${ErrorNote} error=${caseQ.error} />
        <h3>Messages</h3>
        <ol class="messages">
          ${(msgs || []).map((m) => html`<${MessageItem} key=${m.id} m=${m} c=${c} onChange=${reloadQuiet} />`)}
        </ol>
        <${ReplyBox} c=${c} msgs=${msgs || []} onSent=${reloadQuiet} />
      </section>
      <aside aria-labelledby="customer-title">
        <${CustomerPanel} id=${c.customer_id} headingId="customer-title" />
      </aside>
    </div>`;
}

function StatusPicker({ c, onChange }) {
  const { api } = useApp();
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const change = async (e) => {
    const status = e.target.value;
    setBusy(true);
    setError(null);
    try {
      await api.patch(`/v1/cases/${q(c.id)}`, { status });
      onChange();
    } catch (err) {
      setError(err);
      e.target.value = c.status;
    } finally {
      setBusy(false);
    }
  };
  return html`
    <div class="status-picker">
      <label for="case-status">Status</label>
      <select id="case-status" value=${c.status} onChange=${change} disabled=${busy}>
        ${STATUSES.map((s) => html`<option value=${s} disabled=${s === 'new' && c.status !== 'new'}>${s}</option>`)}
      </select>
      ${c.status_changed_by && html` <span class="agent">set by ${c.status_changed_by.email || c.status_changed_by.sub}, ${when(c.status_changed_at)}</span>`}
      <${ErrorNote} error=${error} />
    </div>`;
}

function MessageItem({ m, c, onChange }) {
  const { handles } = useApp();
  const out = m.direction === 'out';
  const who = out ? '@' + m.author.screen_name : (m.author.screen_name ? '@' + m.author.screen_name : 'Customer');
  return html`
    <li class=${'message ' + (out ? 'out' : 'in')} aria-label=${`${out ? 'From the team' : 'From the customer'}, ${m.kind === 'dm' ? 'Direct Message' : 'Tweet'}`}>
      <p class="head">
        <strong>${who}</strong>
        <span class="kind">${m.kind === 'dm' ? 'Direct Message' : 'Tweet'}</span>
        ${m.end_to_end_encrypted && html`<span class="e2e" title="Sent through X Chat: X only carried ciphertext; decrypted here and its sender's signature verified">End-to-end encrypted</span>`}
        <time datetime=${m.created_at}>${when(m.created_at)}</time>
        ${out && html`<span class=${'delivery delivery-' + m.status}>${m.status}</span>`}
      </p>
      ${m.status === 'waiting_for_key'
        ? html`<p class="waiting" role="note">Encrypted message waiting for its key: it is kept and shows here as soon as X delivers the conversation key.</p>`
        : html`<${MessageText} m=${m} />`}
      ${m.status === 'failed' && m.error && html`<p class="error">${out ? 'Not sent' : 'Refused'}: ${m.error.detail || m.error.code}</p>`}
      ${out && html`<p class="foot"><${Agent} a=${m.sent_by} label="Sent by" /></p>`}
      ${!out && m.kind === 'tweet' && m.x_id && !m.deleted && html`<${RetweetControl} m=${m} handles=${handles.filter((h) => h.status === 'connected')} onChange=${onChange} />`}
    </li>`;
}

function RetweetControl({ m, handles, onChange }) {
  const { api } = useApp();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const [local, setLocal] = useState(m.retweeted_by);
  useEffect(() => setLocal(m.retweeted_by), [m.retweeted_by.join()]);
  const pressed = local.length > 0;
  const path = (h) => `/v1/cases/${q(m.case_id)}/messages/${q(m.id)}/retweets/${q(h)}`;
  const act = async (h, undo) => {
    setBusy(true);
    setError(null);
    try {
      const res = undo ? await api.del(path(h), { key: newKey() }) : await api.put(path(h), undefined, { key: newKey() });
      setLocal(res.message.retweeted_by);
      setOpen(false);
      onChange();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const name = (id) => '@' + (handles.find((h) => h.id === id)?.screen_name || id);
  const main = () => {
    if (handles.length === 1 && !pressed) act(handles[0].id, false);
    else setOpen(!open);
  };
  return html`
    <div class="retweet">
      <button type="button" class=${'rt' + (pressed ? ' pressed' : '')} aria-pressed=${pressed ? 'true' : 'false'}
        aria-expanded=${handles.length > 1 || pressed ? String(open) : undefined} disabled=${busy} onClick=${main}>
        <span aria-hidden="true">⟲ </span>Retweet</button>
      ${pressed && html`<span class="rt-by">Retweeted by ${local.map(name).join(', ')}
        ${(m.retweets || []).filter((r) => r.by).map((r) => html` <${Agent} a=${r.by} label=${'(' + name(r.handle_id) + ' asked by'} />)`)}</span>`}
      ${(m.retweet_refusals || []).map((r) => html`<p class="error">X refused the Retweet by ${name(r.handle_id)}: ${r.error.detail || r.error.code}</p>`)}
      ${open && html`
        <div class="rt-menu" role="group" aria-label="Retweet with">
          ${handles.map((h) => local.includes(h.id)
            ? html`<button type="button" disabled=${busy} onClick=${() => act(h.id, true)}>Undo Retweet${handles.length > 1 ? ' by @' + h.screen_name : ''}</button>`
            : html`<button type="button" disabled=${busy} onClick=${() => act(h.id, false)}>Retweet as @${h.screen_name}</button>`)}
          <button type="button" class="link" onClick=${() => setOpen(false)}>Cancel</button>
        </div>`}
      <${ErrorNote} error=${error} />
    </div>`;
}

function ReplyBox({ c, msgs, onSent }) {
  const { api } = useApp();
  const opts = useAsync(() => api.get(`/v1/cases/${q(c.id)}/reply-options`), [c.id, msgs.length]);
  const [from, setFrom] = useState('');
  // A case the customer opened by Direct Message is answered by one unless
  // the agent picks otherwise: a private question is not answered in public
  // by default.
  const preferred = c.channel === 'dm' ? 'dm' : 'mention';
  const [mode, setMode] = useState(preferred);
  const [text, setText] = useState('');
  const [touched, setTouched] = useState(false);
  const [error, setError] = useState(null);
  const [sending, setSending] = useState(false);
  const [notice, setNotice] = useState('');
  const key = useRef(newKey());
  const count = useCount(text, mode, { case_id: c.id, handle_id: from || undefined });

  const handles = opts.data?.handles || [];
  const h = handles.find((x) => x.handle_id === from) || handles[0];
  const modes = h?.modes || [];
  const modeOpt = modes.find((x) => x.mode === mode) || modes[0];

  useEffect(() => {
    if (!h) return;
    if (h.handle_id !== from) setFrom(h.handle_id);
    // Start in a mode X allows (allowed: false is a mention the Post's
    // author did not summon this brand handle to, on self-serve access).
    const usable = modes.find((x) => x.mode === preferred && x.allowed !== false) || modes.find((x) => x.allowed !== false) || modes[0];
    if (!modes.some((x) => x.mode === mode && x.allowed !== false)) setMode(usable?.mode || 'mention');
  }, [opts.data, from]);
  useEffect(() => { setMode(preferred); setTouched(false); }, [c.id]);
  useEffect(() => {
    if (!touched && modeOpt) setText(modeOpt.prefill || '');
  }, [modeOpt?.mode, modeOpt?.prefill, from]);

  const send = async (e) => {
    e.preventDefault();
    const why = tooLong(count, text, mode);
    if (why) { setError(new Error(why)); return; }
    if (sending) return;
    setSending(true);
    setError(null);
    try {
      await api.post(`/v1/cases/${q(c.id)}/replies`, { mode, handle_id: from, text }, { key: key.current });
      key.current = newKey();
      setTouched(false);
      setText(modeOpt?.prefill || '');
      setNotice('Reply queued.');
      onSent();
    } catch (err) {
      setError(err);
    } finally {
      setSending(false);
    }
  };
  if (opts.error && !opts.data) return html`<${ErrorNote} error=${opts.error} />`;
  if (!opts.data) return html`<p>Loading the reply box…</p>`;
  if (handles.length === 0) return html`<p>No connected brand handle can reply.</p>`;
  const why = tooLong(count, text, mode);
  const canDM = modes.some((x) => x.mode === 'dm');
  const refused = modeOpt?.allowed === false ? modeOpt.not_allowed : null;
  // X refused the case's latest outgoing Tweet for the app's access.
  const lastOut = [...msgs].reverse().find((m) => m.direction === 'out');
  const xRefused = lastOut?.status === 'failed' && lastOut.error?.code === 'x_access_forbids';
  const toDM = () => { setMode('dm'); setTouched(false); };
  return html`
    <form class="composer reply" onSubmit=${send} aria-labelledby="reply-title">
      <h3 id="reply-title">Reply</h3>
      <div class="row">
        <span>
          <label for="reply-from">From</label>
          <select id="reply-from" value=${from} onChange=${(e) => setFrom(e.target.value)}>
            ${handles.map((x) => html`<option value=${x.handle_id}>@${x.screen_name}</option>`)}
          </select>
        </span>
        <span>
          <label for="reply-mode">Reply as</label>
          <select id="reply-mode" value=${mode} onChange=${(e) => setMode(e.target.value)}>
            ${modes.map((x) => html`<option value=${x.mode} disabled=${x.allowed === false}>${x.mode === 'dm' ? 'Direct message' : 'Mention'}${x.allowed === false ? ' (X does not allow it here)' : ''}</option>`)}
          </select>
        </span>
      </div>
      ${!canDM && html`<p class="hint">Direct message is not offered: ${h.dm_unavailable?.detail || `the customer does not follow @${h.screen_name}.`}</p>`}
      ${(refused || modes.find((x) => x.mode === 'mention' && x.allowed === false)) && html`<p class="hint not-allowed">
        ${(refused || modes.find((x) => x.mode === 'mention').not_allowed)?.detail}
        ${canDM && mode !== 'dm' && html` <button type="button" onClick=${toDM}>Send a Direct Message instead</button>`}</p>`}
      ${xRefused && mode !== 'dm' && html`<p class="hint not-allowed">X refused the last Tweet for this app's access.
        ${canDM ? html` <button type="button" onClick=${toDM}>Send a Direct Message instead</button>` : ' A Direct Message is not possible either: the customer does not follow the brand handle.'}</p>`}
      <label for="reply-text">Reply text</label>
      <textarea id="reply-text" rows="4" value=${text} aria-invalid=${why ? 'true' : 'false'}
        onInput=${(e) => { setText(e.target.value); setTouched(true); key.current = newKey(); }}></textarea>
      <${Counter} count=${count} id="reply-count" />
      ${why && html`<p class="error" role="alert">${why}</p>`}
      <${ErrorNote} error=${error} />
      <button type="submit" class="primary" disabled=${sending || !!refused}>Send</button>
      <${Price} count=${count?.text === text && count?.mode === mode ? count : null} modeOpt=${modeOpt} />
      <p class="sr-only" role="status">${notice}</p>
    </form>`;
}

// ---- customer panel --------------------------------------------------------

function CustomerPage({ id }) {
  return html`<section aria-labelledby="customer-title"><${CustomerPanel} id=${id} headingId="customer-title" /></section>`;
}

function CustomerPanel({ id, headingId }) {
  const { api, handles, xAccess } = useApp();
  const cust = useAsync(() => api.get(`/v1/customers/${q(id)}`), [id]);
  const [handle, setHandle] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState('');
  const [notice, setNotice] = useState('');
  const c = cust.data;
  useEffect(() => { if (c) setHandle(c.twitter?.handle || ''); }, [c?.twitter?.handle]);
  const pending = (c?.follows || []).some((f) => f.pending);
  useEffect(() => {
    const t = setInterval(() => cust.reload(true), pending ? 1000 : 4000);
    return () => clearInterval(t);
  }, [pending, id]);

  const run = async (what, fn, done) => {
    setBusy(what);
    setError(null);
    setNotice('');
    try {
      await fn();
      setNotice(done);
      await cust.reload(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy('');
    }
  };
  const save = (e) => {
    e.preventDefault();
    run('save', () => api.put(`/v1/customers/${q(id)}/twitter`, { handle: handle.trim() }), 'Twitter handle saved.');
  };
  const remove = () => run('remove', () => api.del(`/v1/customers/${q(id)}/twitter`), 'Twitter handle removed.');
  const toggle = (f) => run('follow-' + f.handle_id, () => (f.brand_follows_customer
    ? api.del(`/v1/customers/${q(id)}/follows/${q(f.handle_id)}`, { key: newKey() })
    : api.put(`/v1/customers/${q(id)}/follows/${q(f.handle_id)}`, undefined, { key: newKey() })), 'Asked X; waiting for it to confirm.');

  if (!c) return html`<h2 id=${headingId}>Customer</h2><${ErrorNote} error=${cust.error} />${cust.loading && html`<p>Loading…</p>`}`;
  const follows = handles.map((h) => c.follows.find((f) => f.handle_id === h.id)
    || { handle_id: h.id, screen_name: h.screen_name, brand_follows_customer: false, customer_follows_brand: false, pending: null });
  return html`
    <div class="customer">
      <h2 id=${headingId}>${c.name}</h2>
      <dl>
        <dt>E-mail</dt><dd>${c.emails.length ? c.emails.join(', ') : '—'}</dd>
        <dt>Phone</dt><dd>${c.phones.length ? c.phones.join(', ') : '—'}</dd>
      </dl>
      ${c.x_status && html`<p class="x-status" role="note">${X_STATUS_WHY[c.x_status.status] || 'X reported this customer\'s account'}
        (${new Date(c.x_status.redacted_at).toLocaleString()}): the content of their Posts is removed here, as X requires; this record stays.</p>`}
      <form class="handle-form" onSubmit=${save}>
        <label for="twitter-handle">Twitter handle</label>
        <input id="twitter-handle" value=${handle} onInput=${(e) => setHandle(e.target.value)} placeholder="@handle"
          autocomplete="off" spellcheck="false" aria-describedby="handle-hint" />
        <p id="handle-hint" class="hint">Checked on X when saved.</p>
        <button type="submit" disabled=${!!busy || !handle.trim()}>Save handle</button>
        ${c.twitter && html` <button type="button" disabled=${!!busy} onClick=${remove}>Remove handle</button>`}
      </form>
      <p class="sr-only" role="status">${notice}</p>
      <${ErrorNote} error=${error} />
      ${c.twitter && html`
        <h3>On X</h3>
        <ul class="follows">
          ${follows.map((f) => {
            const h = '@' + (f.screen_name || handles.find((x) => x.id === f.handle_id)?.screen_name);
            return html`<li key=${f.handle_id}>
              <button type="button" class=${'follow' + (f.brand_follows_customer ? ' pressed' : '')}
                aria-pressed=${f.brand_follows_customer ? 'true' : 'false'} disabled=${!!busy || !!f.pending}
                onClick=${() => toggle(f)}>Follow <span class="sr-only">${'@' + c.twitter.handle} </span>from ${h}</button>
              ${f.pending && html` <span class="pending">pending (${f.pending})</span>`}
              <span class="follows-back">${f.customer_follows_brand ? `@${c.twitter.handle} follows ${h}` : `@${c.twitter.handle} does not follow ${h}`}</span>
              ${f.requested_by && html` <${Agent} a=${f.requested_by} label=${'asked to ' + (f.requested_action || 'change') + ' by'} />`}
            </li>`;
          })}
        </ul>`}
      ${c.twitter && xAccess === 'self-serve' && html`<p class="hint">This deployment's X app has self-serve access, where X does not allow following through its API: Follow answers with a link that does it on x.com, signed in as the brand.</p>`}
      ${!c.twitter && html`<p class="hint">No Twitter handle yet: Twitter cases and follows need one.</p>`}
    </div>`;
}

// ---- start -----------------------------------------------------------------

function Root({ app }) {
  const [handles, setHandles] = useState([]);
  const [connectResult, setConnectResult] = useState(null);
  useEffect(() => {
    const back = app.connectReturn;
    if (!back) return;
    if (back.error || !back.code) { setConnectResult({ error: new Error(`X did not connect the handle (${back.error || 'no code'}).`) }); return; }
    app.api.post('/v1/handles/connect/callback', { state: back.state, code: back.code })
      .then((h) => setConnectResult({ notice: `@${h.screen_name} is connected.` }))
      .catch((e) => setConnectResult({ error: e }));
  }, []);
  const [error, setError] = useState(null);
  const [xAccess, setXAccess] = useState('');
  useEffect(() => {
    app.api.get('/v1/handles').then((l) => { setHandles(l.items || l); setXAccess(l.x_access || ''); }).catch(setError);
  }, []);
  return html`<${Ctx.Provider} value=${{ ...app, handles, xAccess, connectResult }}>
    ${error && html`<${ErrorNote} error=${error} />`}
    <${App} />
  </${Ctx.Provider}>`;
}

async function start() {
  const root = document.getElementById('root');
  try {
    const cfg = await loadConfig();
    // X's redirect after Connect with X, before the sign-in reads the address.
    const connectReturn = takeConnectReturn();
    const session = new Session(cfg);
    if (!(await session.start())) return;
    const api = new Api(cfg.api_base_url || '', () => session.token(), () => session.expired());
    root.textContent = '';
    render(html`<${Root} app=${{ api, session, connectReturn }} />`, root);
  } catch (e) {
    root.innerHTML = '';
    const p = document.createElement('p');
    p.className = 'error';
    p.setAttribute('role', 'alert');
    p.textContent = `The console cannot start: ${e.message}`;
    root.append(p);
  }
}

start();
