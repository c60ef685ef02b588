// One article: read it, edit its paragraphs and pictures (each change a revision on the server),
// review a rewritten paragraph against the old one, undo and redo, see its history, export it,
// and talk about it with the model.
import { html, useEffect, useRef, useState } from './vendor/htm-preact-standalone.js';
import { ApiError, download, followJob, getJson, postJson, request } from './api.js';
import { ChatPanel } from './chat.js';
import { ResumeButton } from './compose.js';
import { diff } from './diff.js';
import { t, when } from './i18n.js';
import { Picture } from './picture.js';

const letter = (k) => String.fromCharCode(65 + k);

export function ArticleView({ id, navigate }) {
  const [doc, setDoc] = useState(null);  // {id, revision, partial, article}
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(null);  // {label, text, jobId}
  const [review, setReview] = useState(null);  // {paragraph, before, after}
  const [open, setOpen] = useState(null);  // the paragraph whose edit panel is open
  const [panel, setPanel] = useState('');  // '', 'history', 'chat'
  const [notice, setNotice] = useState('');

  async function load() {
    try {
      setDoc(await getJson(`/v1/articles/${id}`));
    } catch (e) {
      setError(t('error', { e: e.message }));
    }
  }
  useEffect(() => {
    setDoc(null);
    setReview(null);
    load();
  }, [id]);

  // Runs one edit as a job; streamed text shows while it runs. Resolves with the new revision's
  // document, or null when it failed (the error is shown).
  async function edit(op, params, label) {
    setError('');
    setNotice('');
    setBusy({ label, text: '' });
    try {
      const job = await postJson('/v1/jobs', { type: 'edit', article: id, base_revision: doc.revision, op, ...params });
      setBusy((b) => ({ ...b, jobId: job.id }));
      const last = await followJob(job.id, (ev) => {
        if (ev.type === 'section.delta') setBusy((b) => ({ ...b, text: b.text + ev.data.text }));
      });
      if (last.type !== 'job.completed') throw new Error(last.data.error || t('jobCancelled'));
      const next = await getJson(`/v1/articles/${id}`);
      setDoc(next);
      const warnings = last.data.result?.warnings || [];
      if (warnings.length) setNotice(warnings.join(' '));
      return next;
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) await load();
      setError(t('error', { e: e.message }));
      return null;
    } finally {
      setBusy(null);
    }
  }

  async function cancelEdit() {
    if (busy?.jobId) await postJson(`/v1/jobs/${busy.jobId}/cancel`).catch(() => {});
  }

  async function step(which) {
    setError('');
    setReview(null);
    try {
      await postJson(`/v1/articles/${id}/${which}`);
      await load();
    } catch (e) {
      setError(t('error', { e: e.message }));
    }
  }

  async function rewrite(p, how, label) {
    const before = paragraphs(doc.article)[p];
    const next = await edit('rewrite', { paragraph: p, how }, label);
    if (next) setReview({ paragraph: p, before, after: paragraphs(next.article)[p], revision: next.revision });
  }

  async function insert(p, where, instruction) {
    const next = await edit('insert-paragraph', { [where]: p, instruction }, t(where === 'before' ? 'insertBefore' : 'insertAfter'));
    if (next) {
      const at = where === 'before' ? p : p + 1;
      setReview({ paragraph: at, before: '', after: paragraphs(next.article)[at], revision: next.revision });
    }
  }

  async function rejectReview() {
    setReview(null);
    await step('undo');
  }

  if (!doc) return html`<section class="card"><p role="status">${error || t('working')}</p></section>`;
  const a = doc.article;
  const zh = a.lang === 'zh';
  let g = 0;
  // Which slot shows each picture: a picture is used once, so another slot's is not offered.
  const shown = new Map(a.slots.map((x, i) => [x.chosen?.url, i]));
  return html`
    <div class=${`article-layout ${panel ? 'with-panel' : ''}`}>
      <section class="card article-card" aria-labelledby="article-title">
        <div class="toolbar" role="toolbar" aria-label=${a.title}>
          <button class="secondary" onClick=${() => step('undo')} disabled=${!!busy}>${t('undo')}</button>
          <button class="secondary" onClick=${() => step('redo')} disabled=${!!busy}>${t('redo')}</button>
          <button class="secondary" aria-pressed=${panel === 'history'} onClick=${() => setPanel(panel === 'history' ? '' : 'history')}>${t('history')}</button>
          <${ExportMenu} id=${id} title=${a.title} />
          <button class="secondary" aria-pressed=${panel === 'chat'} onClick=${() => setPanel(panel === 'chat' ? '' : 'chat')}>${t('chat')}</button>
          <span class="revision">${t('revisionN', { n: doc.revision })}</span>
        </div>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        ${notice && html`<p class="notice" role="status">${notice}</p>`}
        ${doc.partial && html`<div class="notice">${t('partial')} <${ResumeButton} id=${id} navigate=${navigate} /></div>`}
        ${busy && html`
          <div class="busy" role="status" aria-live="polite">
            <span>${busy.label} · ${t('working')}</span>
            ${busy.jobId && html`<button class="small secondary" onClick=${cancelEdit}>${t('cancel')}</button>`}
            ${busy.text && html`<p class="streaming" data-streaming>${busy.text}</p>`}
          </div>`}
        <article class="article" lang=${zh ? 'zh-CN' : 'en'}>
          <h1 id="article-title">${a.title}</h1>
          ${a.sections.map((s, si) => html`
            <section key=${si}>
              <h2>${s.heading}</h2>
              ${s.paragraphs.map((text) => {
                const p = g++;
                const slots = a.slots.map((slot, i) => ({ slot, i })).filter((x) => x.slot.after_paragraph === p);
                return html`
                  ${review && review.paragraph === p
                    ? html`<${Review} review=${review} onAccept=${() => setReview(null)} onReject=${rejectReview} />`
                    : html`<div class="paragraph" data-paragraph=${p}>
                        <p>${text}</p>
                        <button class="edit-toggle small secondary" aria-expanded=${open === p}
                          aria-label=${t('editParagraph', { n: p + 1 })} onClick=${() => setOpen(open === p ? null : p)}>✎</button>
                      </div>`}
                  ${open === p && !busy && html`<${ParagraphPanel} p=${p} hasSlot=${slots.length > 0}
                    onClose=${() => setOpen(null)}
                    onRewrite=${(how, label) => { setOpen(null); rewrite(p, how, label); }}
                    onInsert=${(where, line) => { setOpen(null); insert(p, where, line); }}
                    onDelete=${() => { setOpen(null); edit('delete-paragraph', { paragraph: p }, t('deleteParagraph')); }}
                    onAddPicture=${(caption) => { setOpen(null); edit('add-slot', caption ? { after: p, caption } : { after: p }, t('addPictureHere')); }} />`}
                  ${slots.map(({ slot, i }) => html`<${SlotView} key=${i} slot=${slot} index=${i} disabled=${!!busy} shown=${shown}
                    onSwap=${(l) => edit('swap', { slot: i, letter: l }, t('useCandidate', { l }))}
                    onResearch=${(caption) => edit('research', { slot: i, caption }, t('searchAgain'))}
                    onRemove=${() => edit('remove-slot', { slot: i }, t('removeSlot'))} />`)}`;
              })}
            </section>`)}
        </article>
      </section>
      ${panel === 'history' && html`<${HistoryPanel} id=${id} revision=${doc.revision} onClose=${() => setPanel('')} />`}
      ${panel === 'chat' && html`<${ChatPanel} article=${doc} onClose=${() => setPanel('')}
        onInsert=${(after, text) => edit('insert-paragraph', { after, text }, t('insertAfter'))} />`}
    </div>`;
}

export function paragraphs(article) {
  return article.sections.flatMap((s) => s.paragraphs);
}

function Review({ review, onAccept, onReject }) {
  const parts = diff(review.before, review.after);
  return html`
    <div class="review" role="group" aria-label=${t('reviewChange')}>
      <p class="diff" data-diff>${parts.map((x) => x.op === 'same' ? x.text
        : x.op === 'del' ? html`<del>${x.text}</del>` : html`<ins>${x.text}</ins>`)}</p>
      <div class="actions">
        <button onClick=${onAccept}>${t('accept')}</button>
        <button class="secondary" onClick=${onReject}>${t('reject')}</button>
      </div>
    </div>`;
}

function ParagraphPanel({ p, hasSlot, onClose, onRewrite, onInsert, onDelete, onAddPicture }) {
  const [instruction, setInstruction] = useState('');
  const [line, setLine] = useState('');
  const [caption, setCaption] = useState('');
  const idp = `p${p}`;
  return html`
    <div class="panel paragraph-panel" role="group" aria-label=${t('editParagraph', { n: p + 1 })}>
      <div class="actions">
        <button onClick=${() => onRewrite('', t('rewrite'))}>${t('rewrite')}</button>
        <button onClick=${() => onRewrite('longer', t('longer'))}>${t('longer')}</button>
        <button onClick=${() => onRewrite('shorter', t('shorter'))}>${t('shorter')}</button>
      </div>
      <form class="inline-form" onSubmit=${(e) => { e.preventDefault(); if (instruction.trim()) onRewrite(instruction, t('instructionEdit')); }}>
        <label for=${`${idp}-how`}>${t('instructionEdit')}</label>
        <input id=${`${idp}-how`} placeholder=${t('instructionEditHint')} value=${instruction} onInput=${(e) => setInstruction(e.target.value)} />
        <button type="submit">${t('apply')}</button>
      </form>
      <form class="inline-form" onSubmit=${(e) => e.preventDefault()}>
        <label for=${`${idp}-line`}>${t('insertOutline')}</label>
        <input id=${`${idp}-line`} value=${line} onInput=${(e) => setLine(e.target.value)} />
        <button type="button" disabled=${!line.trim()} onClick=${() => onInsert('before', line)}>${t('insertBefore')}</button>
        <button type="button" disabled=${!line.trim()} onClick=${() => onInsert('after', line)}>${t('insertAfter')}</button>
      </form>
      ${!hasSlot && html`
        <form class="inline-form" onSubmit=${(e) => { e.preventDefault(); onAddPicture(caption.trim()); }}>
          <label for=${`${idp}-caption`}>${t('addPictureCaption')}</label>
          <input id=${`${idp}-caption`} value=${caption} onInput=${(e) => setCaption(e.target.value)} />
          <button type="submit">${t('addPictureHere')}</button>
        </form>`}
      <div class="actions">
        <button class="danger" onClick=${onDelete}>${t('deleteParagraph')}</button>
        <button class="secondary" onClick=${onClose}>${t('close')}</button>
      </div>
    </div>`;
}

function SlotView({ slot, index, disabled, shown, onSwap, onResearch, onRemove }) {
  const [caption, setCaption] = useState(slot.caption);
  useEffect(() => setCaption(slot.caption), [slot.caption]);
  const chosen = slot.chosen;
  const capId = `slot${index}-caption`;
  return html`
    <figure class="slot" data-slot=${index}>
      ${chosen ? html`<${Picture} className="chosen-picture" url=${chosen.url} width=${960} alt=${slot.caption} />`
        : html`<p class="notice">${t('noPicture')}</p>`}
      <figcaption>${slot.caption}</figcaption>
      ${slot.selector === 'declined' && html`<p class="flag" data-declined>${t('declined')}</p>`}
      <details class="slot-review">
        <summary>${t('pictureN', { n: index + 1 })} · ${t('tone', { t: slot.tone })}</summary>
        ${chosen?.reason && html`<p class="reason">${t('reason', { r: chosen.reason })}</p>`}
        <p class="reason" data-query>${t('query', { q: slot.query })}${slot.query_lang ? ` (${slot.query_lang})` : ''}</p>
        <ul class="strip" aria-label=${t('candidatesOf', { n: index + 1 })}>
          ${slot.candidates.map((c, k) => {
            const isChosen = chosen && c.url === chosen.url;
            const elsewhere = !isChosen && shown.has(c.url) ? shown.get(c.url) : null;
            const note = isChosen ? ` · ${t('chosen')}` : elsewhere !== null ? ` · ${t('pictureN', { n: elsewhere + 1 })}` : '';
            return html`
              <li class=${isChosen ? 'chosen' : ''}>
                <button class="candidate" disabled=${disabled || isChosen || elsewhere !== null} aria-pressed=${!!isChosen}
                  aria-label=${`${t('useCandidate', { l: letter(k) })}, ${t('score', { s: c.score.toFixed(3) })}${note}`}
                  onClick=${() => onSwap(letter(k))}>
                  <${Picture} url=${c.url} width=${240} alt="" />
                  <span>${letter(k)} · ${t('score', { s: c.score.toFixed(3) })}${note}</span>
                </button>
              </li>`;
          })}
        </ul>
        <form class="inline-form" onSubmit=${(e) => { e.preventDefault(); if (caption.trim()) onResearch(caption.trim()); }}>
          <label for=${capId}>${t('caption')}</label>
          <input id=${capId} value=${caption} onInput=${(e) => setCaption(e.target.value)} />
          <button type="submit" disabled=${disabled}>${t('searchAgain')}</button>
        </form>
        <button class="danger small" disabled=${disabled} onClick=${onRemove}>${t('removeSlot')}</button>
      </details>
    </figure>`;
}

function ExportMenu({ id, title }) {
  const [message, setMessage] = useState('');
  const menu = useRef(null);
  const close = () => {
    if (menu.current) menu.current.open = false;
  };
  const name = (title || id).replace(/[\\/:*?"<>|]+/g, ' ').trim().slice(0, 80) || id;
  const get = (format, ext) => () => {
    close();
    download(`/v1/articles/${id}/export?format=${format}`, `${name}.${ext}`).catch((e) => setMessage(t('error', { e: e.message })));
  };
  async function copyWechat() {
    try {
      const res = await request(`/v1/articles/${id}/export?format=wechat`);
      const fragment = await res.text();
      const plain = new DOMParser().parseFromString(fragment, 'text/html').body.innerText;
      await navigator.clipboard.write([new ClipboardItem({
        'text/html': new Blob([fragment], { type: 'text/html' }),
        'text/plain': new Blob([plain], { type: 'text/plain' }),
      })]);
      setMessage(t('copied'));
      setTimeout(close, 1500);
    } catch (e) {
      setMessage(t('error', { e: e.message }));
    }
  }
  return html`
    <details class="menu" ref=${menu} onKeyDown=${(e) => e.key === 'Escape' && close()}>
      <summary class="button secondary">${t('export')}</summary>
      <div class="menu-items">
        <button class="secondary" data-export="html" onClick=${get('html', 'html')}>${t('exportHtml')}</button>
        <button class="secondary" data-export="zip" onClick=${get('zip', 'zip')}>${t('exportZip')}</button>
        <button class="secondary" data-export="json" onClick=${get('json', 'json')}>${t('exportJson')}</button>
        <button class="secondary" data-export="docx" onClick=${get('docx', 'docx')}>${t('exportDocx')}</button>
        <button class="secondary" onClick=${copyWechat}>${t('copyWechat')}</button>
        ${message && html`<p role="status">${message}</p>`}
      </div>
    </details>`;
}

function HistoryPanel({ id, revision, onClose }) {
  const [list, setList] = useState(null);
  useEffect(() => {
    getJson(`/v1/articles/${id}/revisions`).then((r) => setList(r.data), () => setList([]));
  }, [id, revision]);
  return html`
    <aside class="card side-panel" aria-labelledby="history-title">
      <div class="toolbar"><h2 id="history-title">${t('historyTitle')}</h2>
        <button class="small secondary" onClick=${onClose}>${t('close')}</button></div>
      <ol class="history" reversed>
        ${(list || []).slice().reverse().map((r) => html`
          <li class=${r.revision === revision ? 'current' : ''} aria-current=${r.revision === revision ? 'true' : null}>
            <strong>${t('revisionN', { n: r.revision })}</strong> · ${r.note}<br />
            <time datetime=${r.created}>${when(r.created)}</time>
          </li>`)}
      </ol>
    </aside>`;
}
