// <Picture url=... width=...>: a picture of the server's, through the API key when there is one.
import { html, useEffect, useState } from './vendor/htm-preact-standalone.js';
import { pictureSrc } from './api.js';

export function Picture({ url, width, alt, className }) {
  const full = width ? `${url}${url.includes('?') ? '&' : '?'}w=${width}` : url;
  const [src, setSrc] = useState(null);
  useEffect(() => {
    let live = true;
    pictureSrc(full).then((s) => live && setSrc(s), () => live && setSrc(null));
    return () => {
      live = false;
    };
  }, [full]);
  if (!src) return html`<span class="picture-wait ${className || ''}" role="img" aria-label=${alt}></span>`;
  // A blob: URL is already fetched: lazy loading would only delay showing it.
  return html`<img class=${className} src=${src} alt=${alt} loading=${src.startsWith('blob:') ? 'eager' : 'lazy'} />`;
}
