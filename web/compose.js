// Composing: the form for a new article, and the live view of a compose job: the outline first,
// then the text section by section as it streams, each picture's place, candidates and choice.
import { html, useEffect, useRef, useState } from './vendor/htm-preact-standalone.js';
import { followJob, getJson, postJson, upload } from './api.js';
import { t } from './i18n.js';
import { Picture } from './picture.js';

export function ComposeForm({ navigate }) {
  const [instruction, setInstruction] = useState('');
  const [words, setWords] = useState(600);
  const [auto, setAuto] = useState(true);
  const [images, setImages] = useState(3);
  const [language, setLanguage] = useState('auto');
  const [candidates, setCandidates] = useState(4);
  const [selectContext, setSelectContext] = useState('passage');
  const [seed, setSeed] = useState('');
  const [uploads, setUploads] = useState([]);
  const [busy, setBusy] = useState(0);
  const [error, setError] = useState('');
  const [over, setOver] = useState(false);

  async function addFiles(files) {
    setError('');
    for (const f of files) {
      setBusy((n) => n + 1);
      try {
        const u = await upload(f);
        setUploads((list) => (list.some((x) => x.id === u.id) ? list : [...list, u]));
      } catch (e) {
        setError(t('error', { e: `${f.name}: ${e.message}` }));
      } finally {
        setBusy((n) => n - 1);
      }
    }
  }

  async function submit(e) {
    e.preventDefault();
    setError('');
    const body = {
      type: 'compose',
      instruction,
      words: Number(words),
      images: auto ? 'auto' : Number(images),
      lang: language,
      candidates: Number(candidates),
      select_context: selectContext,
    };
    if (seed !== '') body.seed = Number(seed);
    if (uploads.length) body.pictures = uploads.map((u) => u.id);
    try {
      const job = await postJson('/v1/jobs', body);
      navigate(`#/job/${job.id}`);
    } catch (err) {
      setError(t('error', { e: err.message }));
    }
  }

  return html`
    <form class="compose-form card" onSubmit=${submit} aria-labelledby="compose-title">
      <h1 id="compose-title">${t('composeTitle')}</h1>
      <label for="instruction">${t('instruction')}</label>
      <textarea id="instruction" name="instruction" rows="5" required aria-describedby="instruction-hint"
        value=${instruction} onInput=${(e) => setInstruction(e.target.value)}></textarea>
      <p id="instruction-hint" class="hint">${t('instructionHint')}</p>
      <div class="fields">
        <div class="field">
          <label for="words">${t('words')}</label>
          <input id="words" type="number" min="50" max="20000" step="50" value=${words}
            onInput=${(e) => setWords(e.target.value)} />
        </div>
        <fieldset class="field">
          <legend>${t('pictures')}</legend>
          <label class="inline"><input type="checkbox" checked=${auto} onChange=${(e) => setAuto(e.target.checked)} />
            ${t('picturesAuto')}</label>
          <label class="visually-hidden" for="images">${t('picturesCount')}</label>
          <input id="images" type="number" min="0" max="50" value=${images} disabled=${auto}
            onInput=${(e) => setImages(e.target.value)} />
        </fieldset>
        <div class="field">
          <label for="lang">${t('language')}</label>
          <select id="lang" value=${language} onChange=${(e) => setLanguage(e.target.value)}>
            <option value="auto">${t('langAuto')}</option>
            <option value="en">${t('langEn')}</option>
            <option value="zh">${t('langZh')}</option>
          </select>
        </div>
        <div class="field">
          <label for="candidates">${t('candidates')}</label>
          <input id="candidates" type="number" min="1" max="8" value=${candidates}
            onInput=${(e) => setCandidates(e.target.value)} />
        </div>
        <div class="field">
          <label for="select-context">${t('selectContext')}</label>
          <select id="select-context" value=${selectContext} onChange=${(e) => setSelectContext(e.target.value)}>
            <option value="passage">${t('selectPassage')}</option>
            <option value="article">${t('selectArticle')}</option>
          </select>
        </div>
        <div class="field">
          <label for="seed">${t('seed')}</label>
          <input id="seed" type="number" min="0" value=${seed} onInput=${(e) => setSeed(e.target.value)} />
        </div>
      </div>
      <fieldset class=${`dropzone ${over ? 'over' : ''}`}
        onDragOver=${(e) => { e.preventDefault(); setOver(true); }}
        onDragLeave=${() => setOver(false)}
        onDrop=${(e) => { e.preventDefault(); setOver(false); addFiles([...e.dataTransfer.files]); }}>
        <legend>${t('ownPictures')}</legend>
        <p>${t('dropHere')}</p>
        <label class="button secondary" for="own-pictures">${t('chooseFiles')}</label>
        <input id="own-pictures" class="visually-hidden" type="file" accept="image/*" multiple
          onChange=${(e) => { addFiles([...e.target.files]); e.target.value = ''; }} />
        ${busy > 0 && html`<p role="status">${t('uploading')}</p>`}
        <ul class="uploads">
          ${uploads.map((u) => html`
            <li key=${u.id}>
              <${Picture} url=${u.url} width=${160} alt=${u.name || u.id} />
              <button type="button" class="small secondary" onClick=${() => setUploads(uploads.filter((x) => x.id !== u.id))}>
                ${t('removePicture')}</button>
            </li>`)}
        </ul>
      </fieldset>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <button type="submit" disabled=${busy > 0}>${t('composeStart')}</button>
    </form>`;
}

// A compose job as it happens, from its events.
export function LiveJob({ jobId, navigate }) {
  const [state, setState] = useState({ status: 'queued', position: 0, title: '', headings: [], sections: [], streaming: '', slots: [] });
  const [articleId, setArticleId] = useState(null);
  const [error, setError] = useState('');
  const firstDelta = useRef(false);

  useEffect(() => {
    const stop = new AbortController();
    firstDelta.current = false;
    let article = null;
    const findArticle = async () => {
      if (article) return article;
      const job = await getJson(`/v1/jobs/${jobId}`);
      article = job.progress?.article || job.result?.article || null;
      if (article) setArticleId(article);
      return article;
    };
    followJob(jobId, (ev) => {
      setState((s) => apply(s, ev));
      if (ev.type === 'section.delta' && !firstDelta.current) {
        firstDelta.current = true;
        performance.mark('lingbi:first-delta');
      }
      if (ev.type === 'plan') findArticle().catch(() => {});
    }, stop.signal).then(async (last) => {
      if (last.type === 'job.completed') navigate(`#/a/${last.data.result.article}`, true);
      else findArticle().catch(() => {});
    }, (e) => {
      if (!stop.signal.aborted) setError(t('error', { e: e.message }));
    });
    return () => stop.abort();
  }, [jobId]);

  async function cancel() {
    try {
      await postJson(`/v1/jobs/${jobId}/cancel`);
    } catch (e) {
      setError(t('error', { e: e.message }));
    }
  }

  const s = state;
  const running = s.status === 'queued' || s.status === 'running';
  let paragraphIndex = 0;
  return html`
    <section class="live card" aria-labelledby="live-title" aria-busy=${running}>
      <div class="toolbar">
        <p class="status" role="status">${
          s.status === 'queued' ? t('jobQueued', { n: s.position }) :
          s.status === 'running' ? t('jobRunning') :
          s.status === 'completed' ? t('jobCompleted') :
          s.status === 'failed' ? t('jobFailed', { error: s.error }) : t('jobCancelled')}</p>
        ${running && html`<button class="secondary" onClick=${cancel}>${t('cancel')}</button>`}
        ${!running && s.status !== 'completed' && articleId && html`<${ResumeButton} id=${articleId} navigate=${navigate} />`}
      </div>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <article class="article" lang=${s.lang}>
        <h1 id="live-title">${s.title || '…'}</h1>
        ${s.headings.length > 0 && s.sections.length === 0 && !s.streaming && html`
          <nav aria-label=${t('outline')} class="outline"><ol>${s.headings.map((h) => html`<li>${h}</li>`)}</ol></nav>`}
        ${s.headings.map((heading, i) => {
          const section = s.sections[i];
          if (!section && i !== s.sections.length) return null;
          const paragraphs = section ? section.paragraphs : [];
          return html`
            <section key=${i}>
              <h2>${heading}</h2>
              ${paragraphs.map((p) => {
                const g = paragraphIndex++;
                return html`<p>${p}</p>${s.slots.filter((x) => x.after_paragraph === g).map((x) => html`<${LiveSlot} slot=${x} />`)}`;
              })}
              ${!section && s.streaming && html`<p class="streaming" data-streaming>${s.streaming}</p>`}
            </section>`;
        })}
      </article>
    </section>`;
}

// Goes on with an interrupted or cancelled compose, as a new job shown live.
export function ResumeButton({ id, navigate, small }) {
  const [error, setError] = useState('');
  async function resume() {
    try {
      const job = await postJson('/v1/jobs', { type: 'resume', article: id });
      navigate(`#/job/${job.id}`);
    } catch (e) {
      setError(t('error', { e: e.message }));
    }
  }
  return html`<button class=${small ? 'small' : ''} onClick=${resume}>${t('resume')}</button>
    ${error && html`<span class="error" role="alert">${error}</span>`}`;
}

function LiveSlot({ slot }) {
  return html`
    <figure class="slot live-slot" data-slot=${slot.index}>
      ${slot.chosen ? html`<${Picture} url=${slot.chosen.url} width=${720} alt=${slot.caption} />`
        : html`<div class="slot-wait">${t('slotPlanned')}</div>`}
      <figcaption>${slot.caption}</figcaption>
      ${slot.candidates && html`
        <ul class="strip" aria-label=${t('candidatesOf', { n: slot.index + 1 })}>
          ${slot.candidates.map((c, k) => html`
            <li class=${slot.chosen && c.url === slot.chosen.url ? 'chosen' : ''}>
              <${Picture} url=${c.url} width=${160} alt=${`${String.fromCharCode(65 + k)}: ${slot.caption}`} />
              <span>${String.fromCharCode(65 + k)} · ${c.score.toFixed(3)}</span>
            </li>`)}
        </ul>`}
    </figure>`;
}

// Whether a text is mostly Chinese (more CJK characters than Latin letters).
function looksChinese(text) {
  const cjk = (text.match(/[\u3400-\u9fff]/g) || []).length;
  const latin = (text.match(/[A-Za-z]/g) || []).length;
  return cjk > latin;
}

// The live view's state after one event.
function apply(s, ev) {
  const d = ev.data;
  switch (ev.type) {
    case 'job.queued':
      return { ...s, status: 'queued', position: d.position };
    case 'job.running':
      return { ...s, status: 'running' };
    case 'plan':
      return { ...s, title: d.title, headings: d.sections, lang: looksChinese(d.title + d.sections.join('')) ? 'zh-CN' : 'en' };
    case 'section.delta':
      return { ...s, streaming: s.streaming + d.text };
    case 'section.done': {
      const sections = s.sections.slice();
      sections[d.index] = { heading: d.heading, paragraphs: d.paragraphs };
      const headings = s.headings.slice();
      headings[d.index] = d.heading;
      return { ...s, sections, headings, streaming: '' };
    }
    case 'slot.planned':
      return { ...s, slots: [...s.slots, { ...d }] };
    case 'slot.candidates':
      return { ...s, slots: s.slots.map((x) => (x.index === d.index ? { ...x, candidates: d.candidates } : x)) };
    case 'slot.chosen':
      return { ...s, slots: s.slots.map((x) => (x.index === d.index ? { ...x, chosen: d } : x)) };
    case 'job.completed':
    case 'job.failed':
    case 'job.cancelled':
      return { ...s, status: d.status, error: d.error || '' };
    default:
      return s;
  }
}
