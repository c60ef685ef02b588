// The gallery: what it holds, and search by words or by a dropped picture (uploaded first).
import { html, useEffect, useState } from './vendor/htm-preact-standalone.js';
import { getJson, postJson, upload } from './api.js';
import { t } from './i18n.js';
import { Picture } from './picture.js';

export function GalleryView() {
  const [info, setInfo] = useState(null);
  const [missing, setMissing] = useState(false);
  const [query, setQuery] = useState('');
  const [results, setResults] = useState(null);
  const [error, setError] = useState('');
  const [over, setOver] = useState(false);

  useEffect(() => {
    getJson('/v1/gallery').then(setInfo, (e) => (e.status === 404 ? setMissing(true) : setError(t('error', { e: e.message }))));
  }, []);

  async function run(f) {
    setError('');
    try {
      setResults((await f()).data);
    } catch (e) {
      setError(t('error', { e: e.message }));
    }
  }
  const byText = (e) => {
    e.preventDefault();
    if (query.trim()) run(() => getJson(`/v1/search?q=${encodeURIComponent(query.trim())}&k=24`));
  };
  const byPicture = (files) => {
    if (files.length) run(async () => postJson('/v1/search', { upload: (await upload(files[0])).id, k: 24 }));
  };

  if (missing) return html`<section class="card"><h1>${t('galleryTitle')}</h1><p>${t('noGallery')}</p></section>`;
  return html`
    <section class="card gallery" aria-labelledby="gallery-title">
      <h1 id="gallery-title">${t('galleryTitle')}</h1>
      ${info && html`<p class="hint" data-gallery-info>${t('galleryInfo', { images: info.images, failures: info.failed, model: info.model || '—' })}</p>`}
      <form class="inline-form" role="search" onSubmit=${byText}>
        <label for="gallery-query">${t('searchText')}</label>
        <input id="gallery-query" type="search" value=${query} onInput=${(e) => setQuery(e.target.value)} />
        <button type="submit">${t('search')}</button>
      </form>
      <div class=${`dropzone ${over ? 'over' : ''}`}
        onDragOver=${(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave=${() => setOver(false)}
        onDrop=${(e) => { e.preventDefault(); setOver(false); byPicture([...e.dataTransfer.files]); }}>
        <p>${t('searchByPicture')}</p>
        <label class="button secondary" for="gallery-picture">${t('chooseFiles')}</label>
        <input id="gallery-picture" class="visually-hidden" type="file" accept="image/*"
          onChange=${(e) => { byPicture([...e.target.files]); e.target.value = ''; }} />
      </div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      ${results && html`
        <p role="status">${t('results', { n: results.length })}</p>
        <ul class="results">
          ${results.map((r) => html`
            <li key=${r.id}>
              <${Picture} url=${r.url} width=${240} alt=${r.caption || `#${r.id}`} />
              <span>#${r.id} · ${t('score', { s: r.score.toFixed(3) })}</span>
            </li>`)}
        </ul>`}
    </section>`;
}
