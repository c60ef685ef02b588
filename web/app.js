// The studio page: its frame (navigation, language switch, API key, the models' loading state)
// and its views, chosen by the URL's hash: #/ (compose and the article list), #/job/ID (a compose
// as it happens), #/a/ID (an article), #/gallery.
import { html, render, useEffect, useRef, useState } from './vendor/htm-preact-standalone.js';
import { del, getJson, onKeyNeeded, setApiKey } from './api.js';
import { ArticleView } from './article.js';
import { ComposeForm, LiveJob, ResumeButton } from './compose.js';
import { GalleryView } from './gallery.js';
import { lang, setLang, t, useLang, when } from './i18n.js';

function route() {
  const h = location.hash.replace(/^#/, '') || '/';
  let m;
  if ((m = h.match(/^\/a\/([\w.-]+)$/))) return { view: 'article', id: m[1] };
  if ((m = h.match(/^\/job\/([\w.-]+)$/))) return { view: 'job', id: m[1] };
  if (h === '/gallery') return { view: 'gallery' };
  return { view: 'home' };
}

function navigate(hash, replace = false) {
  if (replace) history.replaceState(null, '', hash);
  else history.pushState(null, '', hash);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

function ArticleList({ navigate }) {
  const [list, setList] = useState(null);
  const [error, setError] = useState('');
  const load = () => getJson('/v1/articles').then((r) => setList(r.data), (e) => setError(t('error', { e: e.message })));
  useEffect(() => {
    load();
  }, []);
  async function remove(a) {
    if (!confirm(t('confirmDelete', { title: a.title || a.id }))) return;
    await del(`/v1/articles/${a.id}`).catch((e) => setError(t('error', { e: e.message })));
    load();
  }
  return html`
    <section class="card" aria-labelledby="articles-title">
      <h2 id="articles-title">${t('articlesTitle')}</h2>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${list && list.length === 0 && html`<p>${t('noArticles')}</p>`}
      <ul class="article-list">
        ${(list || []).map((a) => html`
          <li key=${a.id}>
            <a href=${`#/a/${a.id}`}>${a.title || t('untitled')}</a>
            <span class="meta"><time datetime=${a.updated}>${when(a.updated)}</time>
              ${' · '}${a.partial ? t('partial') : t('revisionN', { n: a.revision })}</span>
            ${a.partial && html`<${ResumeButton} id=${a.id} navigate=${navigate} small />`}
            <button class="small danger" onClick=${() => remove(a)}>${t('deleteArticle')}</button>
          </li>`)}
      </ul>
    </section>`;
}

// The key dialog's requests, from api.js (which may ask before the first render): one at a time,
// shared by every request waiting for it.
const keyAsk = { request: null, promise: null, show: null };
onKeyNeeded((wrong) => {
  keyAsk.promise ??= new Promise((resolve) => {
    keyAsk.request = { wrong, resolve: () => { keyAsk.request = keyAsk.promise = null; keyAsk.show?.(null); resolve(); } };
    keyAsk.show?.(keyAsk.request);
  });
  return keyAsk.promise;
});

// Asks for the API key (the server has one and the tab none, or it refused the one given);
// resolves the waiting requests once one is given.
function KeyDialog({ request }) {
  const ref = useRef(null);
  const [key, setKey] = useState('');
  useEffect(() => {
    if (request && ref.current && !ref.current.open) ref.current.showModal();
  }, [request]);
  if (!request) return null;
  return html`
    <dialog ref=${ref} aria-labelledby="key-title" onCancel=${(e) => e.preventDefault()}>
      <form method="dialog" onSubmit=${(e) => { e.preventDefault(); setApiKey(key.trim()); ref.current.close(); request.resolve(); }}>
        <h2 id="key-title">${t('keyTitle')}</h2>
        <p>${t('keyExplain')}</p>
        ${request.wrong && html`<p class="error" role="alert">${t('keyWrong')}</p>`}
        <label for="api-key">${t('keyLabel')}</label>
        <input id="api-key" type="password" autocomplete="off" required value=${key} onInput=${(e) => setKey(e.target.value)} />
        <button type="submit">${t('keySave')}</button>
      </form>
    </dialog>`;
}

// A line while the models load (GET /health answers 503), polled until they are ready.
function HealthBanner() {
  const [state, setState] = useState('ok');
  useEffect(() => {
    let timer, live = true;
    const poll = async () => {
      try {
        const res = await fetch('/health');
        const body = await res.json().catch(() => ({}));
        if (!live) return;
        setState(res.ok ? 'ok' : body.status === 'loading' ? 'loading' : 'down');
        if (!res.ok) timer = setTimeout(poll, 1000);
      } catch {
        if (!live) return;
        setState('down');
        timer = setTimeout(poll, 2000);
      }
    };
    poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, []);
  if (state === 'ok') return null;
  return html`<p class="banner" role="status">${state === 'loading' ? t('loadingModels') : t('serverDown')}</p>`;
}

function App() {
  const l = useLang();
  const [where, setWhere] = useState(route());
  const [keyRequest, setKeyRequest] = useState(null);
  useEffect(() => {
    const f = () => setWhere(route());
    window.addEventListener('hashchange', f);
    window.addEventListener('popstate', f);
    keyAsk.show = setKeyRequest;
    if (keyAsk.request) setKeyRequest(keyAsk.request);
    return () => {
      window.removeEventListener('hashchange', f);
      window.removeEventListener('popstate', f);
    };
  }, []);
  const link = (hash, label, active) => html`<a href=${hash} aria-current=${active ? 'page' : null}>${label}</a>`;
  return html`
    <header class="top">
      <a class="brand" href="#/">${t('appName')}</a>
      <nav aria-label="lingbi">
        ${link('#/', t('navCompose'), where.view === 'home' || where.view === 'job')}
        ${link('#/gallery', t('navGallery'), where.view === 'gallery')}
      </nav>
      <button class="secondary small lang-switch" lang=${l === 'zh' ? 'en' : 'zh-CN'} title=${t('switchLanguageLabel')}
        onClick=${() => setLang(l === 'zh' ? 'en' : 'zh')}>${t('switchLanguage')}</button>
    </header>
    <${HealthBanner} />
    <main id="main">
      ${where.view === 'home' && html`<div class="home"><${ComposeForm} navigate=${navigate} /><${ArticleList} navigate=${navigate} /></div>`}
      ${where.view === 'job' && html`<${LiveJob} key=${where.id} jobId=${where.id} navigate=${navigate} />`}
      ${where.view === 'article' && html`<${ArticleView} key=${where.id} id=${where.id} navigate=${navigate} />`}
      ${where.view === 'gallery' && html`<${GalleryView} />`}
    </main>
    <${KeyDialog} request=${keyRequest} />`;
}

document.documentElement.lang = lang() === 'zh' ? 'zh-CN' : 'en';
render(html`<${App} />`, document.getElementById('app'));
