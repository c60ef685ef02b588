// Talking about the article with the model, through the server's OpenAI-compatible chat
// (POST /v1/chat/completions, streamed): several turns, the article as context when wanted, and
// pictures of the article or of the user's own attached as data URLs. An answer can become a
// paragraph of the article.
import { html, useRef, useState } from './vendor/htm-preact-standalone.js';
import { dataUrl, request, streamChat } from './api.js';
import { lang, t } from './i18n.js';

export function ChatPanel({ article, onClose, onInsert }) {
  const [turns, setTurns] = useState([]);  // {role, text, pictures: [dataUrl]}
  const [message, setMessage] = useState('');
  const [withArticle, setWithArticle] = useState(true);
  const [attached, setAttached] = useState([]);  // data URLs
  const [streaming, setStreaming] = useState(null);
  const [error, setError] = useState('');
  const [insertAt, setInsertAt] = useState(0);
  const stop = useRef(null);
  const a = article.article;
  const count = a.sections.reduce((n, s) => n + s.paragraphs.length, 0);

  async function attachSlot(url) {
    if (!url) return;
    try {
      const res = await request(`${url}?w=768`);
      const d = await dataUrl(await res.blob());
      setAttached((x) => [...x, d]);
    } catch (e) {
      setError(t('error', { e: e.message }));
    }
  }

  async function attachFiles(files) {
    for (const f of files) {
      const d = await dataUrl(f);
      setAttached((x) => [...x, d]);
    }
  }

  async function send(e) {
    e.preventDefault();
    if (!message.trim() || streaming !== null) return;
    setError('');
    const turn = { role: 'user', text: message.trim(), pictures: attached };
    const history = [...turns, turn];
    setTurns(history);
    setMessage('');
    setAttached([]);
    const messages = [];
    if (withArticle) {
      const md = await (await request(`/v1/articles/${article.id}/export?format=md`)).text();
      messages.push({ role: 'system', content: (lang() === 'zh' ? '以下是用户正在编辑的文章：\n\n' : 'The user is editing this article:\n\n') + md });
    }
    for (const x of history)
      messages.push(x.pictures?.length
        ? { role: x.role, content: [{ type: 'text', text: x.text }, ...x.pictures.map((url) => ({ type: 'image_url', image_url: { url } }))] }
        : { role: x.role, content: x.text });
    stop.current = new AbortController();
    setStreaming('');
    try {
      const answer = await streamChat({ messages, max_tokens: 512 }, (piece) => setStreaming((s) => (s ?? '') + piece), stop.current.signal);
      setTurns((list) => [...list, { role: 'assistant', text: answer }]);
    } catch (err) {
      if (!stop.current.signal.aborted) setError(t('error', { e: err.message }));
    } finally {
      setStreaming((s) => {
        if (stop.current.signal.aborted && s) setTurns((list) => [...list, { role: 'assistant', text: s }]);
        return null;
      });
    }
  }

  const pictures = a.slots.filter((s) => s.chosen).map((s, i) => ({ url: s.chosen.url, caption: s.caption, i }));
  return html`
    <aside class="card side-panel chat" aria-labelledby="chat-title">
      <div class="toolbar"><h2 id="chat-title">${t('chatTitle')}</h2>
        <button class="small secondary" onClick=${onClose}>${t('close')}</button></div>
      <ol class="turns" aria-live="polite">
        ${turns.map((x, k) => html`
          <li key=${k} class=${x.role}>
            <strong>${x.role === 'user' ? t('you') : t('model')}</strong>
            <p>${x.text}</p>
            ${x.pictures?.length > 0 && html`<div class="attached">${x.pictures.map((u) => html`<img src=${u} alt="" />`)}</div>`}
            ${x.role === 'assistant' && html`
              <form class="inline-form" onSubmit=${(e) => { e.preventDefault(); onInsert(Number(insertAt), x.text); }}>
                <label for=${`insert-at-${k}`}>${t('insertAsParagraph')}</label>
                <select id=${`insert-at-${k}`} value=${insertAt} onChange=${(e) => setInsertAt(e.target.value)}>
                  ${Array.from({ length: count }, (_, p) => html`<option value=${p}>${t('insertAt')} ${p + 1}</option>`)}
                </select>
                <button type="submit" class="small">${t('add')}</button>
              </form>`}
          </li>`)}
        ${streaming !== null && html`<li class="assistant"><strong>${t('model')}</strong><p class="streaming">${streaming || '…'}</p></li>`}
      </ol>
      ${error && html`<p class="error" role="alert">${error}</p>`}
      <form class="chat-form" onSubmit=${send}>
        <label class="inline"><input type="checkbox" checked=${withArticle} onChange=${(e) => setWithArticle(e.target.checked)} />
          ${t('chatIncludeArticle')}</label>
        ${pictures.length > 0 && html`
          <label for="chat-attach-slot">${t('chatAttachArticle')}</label>
          <select id="chat-attach-slot" value="" onChange=${(e) => { attachSlot(e.target.value); e.target.value = ''; }}>
            <option value="">—</option>
            ${pictures.map((p) => html`<option value=${p.url}>${t('pictureN', { n: p.i + 1 })}: ${p.caption}</option>`)}
          </select>`}
        <div><label class="button secondary small" for="chat-attach-file">${t('chatAttach')}</label></div>
        <input id="chat-attach-file" class="visually-hidden" type="file" accept="image/*" multiple
          onChange=${(e) => { attachFiles([...e.target.files]); e.target.value = ''; }} />
        ${attached.length > 0 && html`<div class="attached">${attached.map((u) => html`<img src=${u} alt="" />`)}</div>`}
        <label for="chat-message">${t('chatMessage')}</label>
        <textarea id="chat-message" rows="3" value=${message} onInput=${(e) => setMessage(e.target.value)}></textarea>
        <div class="actions">
          <button type="submit" disabled=${streaming !== null || !message.trim()}>${t('send')}</button>
          ${streaming !== null && html`<button type="button" class="secondary" onClick=${() => stop.current?.abort()}>${t('stop')}</button>`}
        </div>
      </form>
    </aside>`;
}
