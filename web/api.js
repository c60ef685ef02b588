// Talking to `lingbi serve` (docs/server.md): JSON requests with the API key, job events read
// from a fetch stream (never EventSource, so the key stays out of URLs), pictures and downloads
// fetched with the key when the server has one.
import { t } from './i18n.js';

const KEY = 'lingbi.apiKey';
let askForKey = null;  // set by the app: shows the key dialog, resolves when a key was given

export function apiKey() {
  return sessionStorage.getItem(KEY) || '';
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY, key);
  else sessionStorage.removeItem(KEY);
  pictureCache.clear();
}

export function onKeyNeeded(f) {
  askForKey = f;
}

export class ApiError extends Error {
  constructor(status, type, message, body) {
    super(message);
    this.status = status;
    this.type = type;
    this.body = body;
  }
}

function headers(extra = {}) {
  const h = { ...extra };
  const key = apiKey();
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

// Whether the server wants a key (GET /health says, without one), asked once per page: the key is
// asked for before the first request that needs it, rather than after a refusal.
let keyChecked = null;
function checkKey() {
  keyChecked ??= health()
    .then((h) => (h.api_key && !apiKey() && askForKey ? askForKey(false) : undefined))
    .catch(() => {});
  return keyChecked;
}

// GET /health's answer ({} when it cannot be had). Kept once the server is ready, when it also
// says the body limits ({body, upload, chat_body} in bytes); asked again until then.
let ready = null;
async function health() {
  if (ready) return ready;
  const h = await fetch('/health').then((res) => res.json()).catch(() => ({}));
  if (h.limits) ready = h;
  return h;
}

// fetch() with the key; a 401 (a wrong key) asks for the key again and tries again.
export async function request(path, options = {}) {
  await checkKey();
  for (let attempt = 0; ; ++attempt) {
    const res = await fetch(path, { ...options, headers: headers(options.headers) });
    if (res.status === 401 && attempt < 3 && askForKey) {
      await askForKey(true);
      continue;
    }
    if (!res.ok) {
      let body = null;
      try {
        body = await res.json();
      } catch {}
      const e = body && body.error ? body.error : { type: 'http', message: `${res.status} ${res.statusText}` };
      throw new ApiError(res.status, e.type, e.message, body);
    }
    return res;
  }
}

export async function getJson(path) {
  return (await request(path)).json();
}

export async function postJson(path, body) {
  const res = await request(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  return res.status === 204 ? null : res.json();
}

export async function del(path) {
  await request(path, { method: 'DELETE' });
}

function tooLarge(size, limit) {
  const mb = (n) => (n / 1048576).toFixed(n % 1048576 ? 1 : 0);
  return new ApiError(413, 'payload_too_large', t('pictureTooLarge', { mb: mb(size), max: mb(limit) }), null);
}

// A picture from the user's computer, kept by the server: {id, url, ...}. One over the server's
// limit is refused here, before it is sent: the server answers 413 from the headers and closes,
// and a browser still sending the body can lose that answer to the reset ("Failed to fetch").
export async function upload(file) {
  const limit = (await health()).limits?.upload;
  if (limit && file.size > limit) throw tooLarge(file.size, limit);
  const form = new FormData();
  form.append('file', file, file.name);
  try {
    return (await request('/v1/uploads', { method: 'POST', body: form })).json();
  } catch (e) {
    if (e.status === 413 && limit) throw tooLarge(file.size, limit);
    throw e;
  }
}

// The blocks of a server-sent event stream (the lines between blank lines), as they arrive.
async function* sseBlocks(res) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        yield block;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

const TERMINAL = new Set(['job.completed', 'job.failed', 'job.cancelled']);

// Calls onEvent({id, type, data}) for each of the job's events, from the first, until its last
// one (completed, failed or cancelled); reconnects after a dropped stream from the last id seen.
// Resolves with the last event. `signal` stops listening (it cancels nothing on the server).
export async function followJob(jobId, onEvent, signal) {
  let after = 0;
  for (;;) {
    let res;
    try {
      res = await request(`/v1/jobs/${jobId}/events?after=${after}`, { signal, headers: { Accept: 'text/event-stream' } });
    } catch (e) {
      if (signal && signal.aborted) throw e;
      if (e instanceof ApiError) throw e;
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    let last = null;
    try {
      for await (const block of sseBlocks(res)) {
        const event = parseEvent(block);
        if (!event) continue;
        after = event.id;
        onEvent(event);
        if (TERMINAL.has(event.type)) {
          last = event;
          break;
        }
      }
    } catch (e) {
      if (signal && signal.aborted) throw e;
    }
    if (last) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
}

function parseEvent(block) {
  let id = 0, type = 'message', data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') id = Number(value);
    else if (field === 'event') type = value;
    else if (field === 'data') data += value;
  }
  if (!data) return null;
  return { id, type, data: JSON.parse(data) };
}

// The server's OpenAI-compatible chat, streamed: onText(piece) per piece; resolves with the whole.
export async function streamChat(body, onText, signal) {
  const res = await request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
    signal,
  });
  let text = '';
  for await (const block of sseBlocks(res)) {
    for (const line of block.split('\n')) {
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') return text;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new ApiError(500, chunk.error.type, chunk.error.message);
      const piece = chunk.choices?.[0]?.delta?.content;
      if (piece) {
        text += piece;
        onText(piece);
      }
    }
  }
  return text;
}

// Pictures: a URL an <img> can show. Without a key it is the server's URL itself; with one, the
// picture is fetched with the key and shown from a blob: URL (kept while the page lives).
const pictureCache = new Map();

export function pictureSrc(url) {
  if (!apiKey()) return Promise.resolve(url);
  if (!pictureCache.has(url))
    pictureCache.set(
      url,
      request(url).then(async (res) => URL.createObjectURL(await res.blob())),
    );
  return pictureCache.get(url);
}

// Saves what `path` answers as a file named `name` (the key goes in a header, not the URL).
export async function download(path, name) {
  const res = await request(path);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// A File as a data: URL (for chat attachments).
export function dataUrl(blob) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
}
