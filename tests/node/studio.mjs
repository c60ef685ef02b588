// The studio page in a real browser (Debian's chromium, driven by playwright-core) against a real
// `lingbi serve` with the tiny models, a generated gallery and an API key: one editor's session.
// Run by tests/studio_browser_test.cpp:
//   node studio.mjs BASE_URL API_KEY PICTURE ARTIFACT_DIR
// Prints one JSON line last: what was measured (first load bytes, first token on screen).
// Exits 1 with the failed step's message.
import { chromium } from 'playwright-core';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [base, key, picture, artifacts] = process.argv.slice(2);
mkdirSync(artifacts, { recursive: true });
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const STEP_TIMEOUT = Number(process.env.STUDIO_STEP_TIMEOUT || 240_000);

let step = 'start';
const problems = [];  // console errors, page errors, requests that carried the key in their URL
const measured = {};

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function api(path, options = {}) {
  const res = await fetch(base + path, { ...options, headers: { Authorization: `Bearer ${key}`, ...(options.headers || {}) } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `studio_${name}.png`), fullPage: true });
}

// axe-core on the page as it is: no serious or critical violation.
async function axe(page, view) {
  await page.evaluate(axeSource + ';undefined');
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `axe on ${view}: ${bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`).join(' | ')}`);
  measured[`axe_${view}`] = result.violations.length;
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error during "${step}": ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error during "${step}": ${e.message}`));
  let uploadRequests = 0;
  page.on('request', (r) => {
    if (r.url().includes(key)) problems.push(`the API key is in a URL: ${r.url()}`);
    if (r.url().endsWith('/v1/uploads')) ++uploadRequests;
  });
  // A picture over the server's 32 MB upload limit.
  const huge = { name: 'huge.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(33 * 1048576) };
  // Bytes of the page's own files at first load (compressed, headers included), from the network.
  let pageBytes = 0;
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  const pageRequests = new Map();
  cdp.on('Network.responseReceived', (e) => {
    const path = new URL(e.response.url).pathname;
    if (path === '/' || path.startsWith('/ui/')) pageRequests.set(e.requestId, path);
  });
  cdp.on('Network.loadingFinished', (e) => {
    if (pageRequests.has(e.requestId)) pageBytes += e.encodedDataLength;
  });

  step = 'first load, the key asked once';
  await page.goto(base + '/');
  await page.locator('#api-key').fill(key);
  await page.getByRole('button', { name: 'Use this key' }).click();
  await page.getByRole('heading', { name: 'Your articles' }).waitFor();
  await page.waitForLoadState('networkidle');
  measured.first_load_bytes = pageBytes;
  measured.first_load_files = pageRequests.size;
  check(pageBytes > 0 && pageBytes <= 150 * 1024, `the first load transferred ${pageBytes} bytes; at most 150 KB`);
  await axe(page, 'home');
  await shot(page, 'home_en_1280');

  step = 'compose 600 words with 3 pictures, text arriving before the job ends';
  // The first streamed text's arrival (a performance mark when its event is read) and its first
  // frame on screen with text in it.
  await page.evaluate(() => {
    new MutationObserver(() => {
      const el = document.querySelector('[data-streaming]');
      if (el && el.textContent.length > 0 && !window.__firstTextShown)
        requestAnimationFrame(() => { window.__firstTextShown ??= performance.now(); });
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  await page.getByLabel('What should the article be about?').fill('A walk through an old harbour town at dawn');
  await page.getByLabel('Words').fill('600');
  await page.getByLabel('Automatic').uncheck();
  await page.getByLabel('Number of pictures').fill('3');
  await page.getByLabel('Language of the article').selectOption('en');
  await page.getByLabel('Seed (optional)').fill('7');
  check(await page.getByLabel('The picker reads').inputValue() === 'passage', 'the picker does not read the passage by default');
  await page.getByLabel('The picker reads').selectOption('article');
  await page.getByRole('button', { name: 'Compose', exact: true }).click();
  await page.waitForURL(/#\/job\//);
  const jobId = page.url().split('#/job/')[1];
  await page.locator('[data-streaming]').filter({ hasText: /\S/ }).first().waitFor();
  const whileStreaming = await api(`/v1/jobs/${jobId}`);
  check(whileStreaming.status === 'running', `text was on screen but the job was ${whileStreaming.status}`);
  await shot(page, 'compose_live_en_1280');
  await page.waitForURL(/#\/a\//);
  measured.first_token_to_screen_ms = await page.evaluate(() => {
    const mark = performance.getEntriesByName('lingbi:first-delta')[0];
    return mark && window.__firstTextShown ? window.__firstTextShown - mark.startTime : null;
  });
  const articleId = page.url().split('#/a/')[1];
  const figures = page.locator('figure.slot');
  await figures.first().waitFor();
  check(await figures.count() === 3, `the article shows ${await figures.count()} pictures, not 3`);
  const pictures = page.locator('figure.slot img.chosen-picture');
  await page.waitForFunction(() => [...document.querySelectorAll('figure.slot img.chosen-picture')].length === 3 &&
    [...document.querySelectorAll('figure.slot img.chosen-picture')].every((i) => i.complete && i.naturalWidth > 0));
  check(await pictures.count() === 3, 'a chosen picture is missing');
  const composed = await api(`/v1/articles/${articleId}`);
  const declined = composed.article.slots.filter((x) => x.selector === 'declined').length;
  check(await page.locator('[data-declined]').count() === declined, `${declined} declined slots, not as many flags`);
  measured.declined_slots = declined;
  await axe(page, 'article');
  await shot(page, 'article_en_1280');

  const revision = async () => (await api(`/v1/articles/${articleId}`)).revision;

  step = 'swap a candidate and see the picture change';
  const slot0 = figures.nth(0);
  await slot0.locator('summary').click();
  const before = await slot0.locator('img.chosen-picture').getAttribute('src');
  const candidates = slot0.locator('button.candidate:not([disabled])');
  check(await candidates.count() >= 1, 'slot 0 offers no other candidate');
  let rev = await revision();
  await candidates.first().click();
  await page.waitForFunction(([b]) => {
    const img = document.querySelector('figure.slot[data-slot="0"] img.chosen-picture');
    return img && img.getAttribute('src') !== b && img.complete && img.naturalWidth > 0;
  }, [before]);
  check(await revision() === rev + 1, 'the swap did not make one revision');
  const swapped = await api(`/v1/articles/${articleId}`);
  check(swapped.article.slots[0].selector === 'hand', `slot 0's selector is ${swapped.article.slots[0].selector}, not hand`);

  step = 'edit a caption and search again';
  rev = await revision();
  await page.locator('figure.slot[data-slot="0"] summary').click();
  const details0 = page.locator('figure.slot[data-slot="0"] details');
  if (!(await details0.evaluate((d) => d.open))) await page.locator('figure.slot[data-slot="0"] summary').click();
  await details0.getByLabel('Caption').fill('Fishing boats at the quay');
  await details0.getByRole('button', { name: 'Search again' }).click();
  await page.locator('figure.slot[data-slot="0"] figcaption', { hasText: 'Fishing boats at the quay' }).waitFor();
  check(await revision() === rev + 1, 'the new search did not make one revision');
  const researched = await api(`/v1/articles/${articleId}`);
  check(researched.article.slots[0].caption === 'Fishing boats at the quay', 'the caption was not saved');
  // The query the gallery was searched with is shown, as recorded.
  const shownQuery = await page.locator('figure.slot[data-slot="0"] [data-query]').textContent();
  check(shownQuery.includes(researched.article.slots[0].query), `the slot shows "${shownQuery}", not its query`);

  step = 'rewrite a paragraph, see the diff and accept it';
  const oldText = (await api(`/v1/articles/${articleId}`)).article.sections.flatMap((s) => s.paragraphs)[1];
  rev = await revision();
  await page.getByRole('button', { name: 'Edit paragraph 2' }).click();
  await page.getByRole('button', { name: 'Rewrite', exact: true }).click();
  await page.locator('[data-diff]').waitFor();
  const changes = await page.locator('[data-diff] ins, [data-diff] del').count();
  check(changes > 0, 'the diff shows no change');
  const newText = (await api(`/v1/articles/${articleId}`)).article.sections.flatMap((s) => s.paragraphs)[1];
  check(newText !== oldText, 'the rewrite left the paragraph as it was');
  await shot(page, 'rewrite_diff_en_1280');
  await page.getByRole('button', { name: 'Accept' }).click();
  await page.locator('[data-paragraph="1"] p').filter({ hasText: newText.slice(0, 20) }).waitFor();
  check(await revision() === rev + 1, 'the rewrite did not make one revision');

  step = 'undo the rewrite';
  await page.getByRole('button', { name: 'Undo' }).click();
  await page.waitForFunction((t) => document.querySelector('[data-paragraph="1"] p')?.textContent === t, oldText);
  check(await revision() === rev, `after undo the revision is ${await revision()}, not ${rev}`);

  step = 'history';
  await page.getByRole('button', { name: 'History' }).click();
  await page.getByRole('heading', { name: 'Revisions' }).waitFor();
  // compose, swap, research, rewrite: the undone rewrite stays in the history.
  await page.waitForFunction(() => document.querySelectorAll('ol.history li').length === 4);
  check(await page.locator('ol.history li[aria-current="true"]').textContent().then((t) => t.includes('revision 3')),
    'the history does not mark revision 3 as the current one');
  await axe(page, 'history');
  await page.getByRole('button', { name: 'History' }).click();

  step = 'export HTML: every picture shows';
  await page.getByText('Export', { exact: true }).click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-export="html"]').click()]);
  const htmlFile = join(artifacts, 'studio_export.html');
  await download.saveAs(htmlFile);
  const exported = await context.newPage();
  await exported.goto('file://' + htmlFile);
  const images = await exported.evaluate(() => [...document.images].map((i) => i.complete && i.naturalWidth));
  check(images.length === 3 && images.every((w) => w > 0), `the exported page's pictures: ${JSON.stringify(images)}`);
  await exported.close();
  await page.keyboard.press('Escape');

  step = 'talk about the article and insert the answer';
  await page.getByRole('button', { name: 'Talk about it' }).click();
  await page.getByLabel('Attach a picture of the article').selectOption({ index: 1 });
  await page.locator('aside.chat .attached img').first().waitFor();
  await page.getByLabel('Your message').fill('Suggest a closing sentence for this article.');
  await page.getByRole('button', { name: 'Send' }).click();
  const answer = page.locator('aside.chat li.assistant form');
  await answer.waitFor();
  await axe(page, 'chat');
  await shot(page, 'chat_en_1280');
  const countBefore = (await api(`/v1/articles/${articleId}`)).article.sections.flatMap((s) => s.paragraphs).length;
  rev = await revision();
  await answer.getByRole('button', { name: 'Add' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-paragraph]').length === n + 1, countBefore);
  // A new revision after the undone one (numbers are never reused).
  check(await revision() === 5, `inserting the answer made revision ${await revision()}, not 5`);
  await page.getByRole('button', { name: 'Talk about it' }).click();

  step = 'a picture over the upload limit is refused before it is sent';
  await page.goto(base + '/#/');
  const uploadsBefore = uploadRequests;
  await page.locator('#own-pictures').setInputFiles(huge);
  await page.getByText('huge.jpg: the picture is 33 MB; the server takes pictures of at most 32 MB').waitFor();
  check(uploadRequests === uploadsBefore, 'the page sent a picture over the limit');
  await shot(page, 'upload_too_large_en_1280');

  step = 'cancel a second compose (with an own picture), then resume is offered';
  await page.goto(base + '/#/');
  await page.getByLabel('What should the article be about?').fill('A long history of lighthouses');
  await page.getByLabel('Words').fill('3000');
  await page.locator('#own-pictures').setInputFiles(picture);
  await page.locator('.uploads img').waitFor();
  await page.getByRole('button', { name: 'Compose', exact: true }).click();
  await page.waitForURL(/#\/job\//);
  const second = page.url().split('#/job/')[1];
  await page.locator('[data-streaming]').filter({ hasText: /\S/ }).first().waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Resume' }).waitFor();
  check((await api(`/v1/jobs/${second}`)).status === 'cancelled', 'the second compose is not cancelled');
  await axe(page, 'cancelled_job');

  step = 'gallery: search by words and by a picture';
  await page.goto(base + '/#/gallery');
  await page.locator('[data-gallery-info]').waitFor();
  await page.getByLabel('Search by words').fill('a red circle');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForFunction(() => document.querySelectorAll('.results img').length > 0 &&
    [...document.querySelectorAll('.results img')].every((i) => i.complete && i.naturalWidth > 0));
  await page.locator('#gallery-picture').setInputFiles(picture);
  await page.getByText(/^\d+ results$/).waitFor();
  await axe(page, 'gallery');
  await shot(page, 'gallery_en_1280');

  step = 'switch to Chinese';
  await page.locator('header .lang-switch', { hasText: '中文' }).click();
  check(await page.evaluate(() => document.documentElement.lang) === 'zh-CN', 'the page is not marked zh-CN');
  await page.getByRole('link', { name: '写作' }).waitFor();
  await axe(page, 'gallery_zh');
  await shot(page, 'gallery_zh_1280');
  await page.goto(base + `/#/a/${articleId}`);
  await page.getByRole('button', { name: '撤销' }).waitFor();
  await axe(page, 'article_zh');
  await shot(page, 'article_zh_1280');
  await page.goto(base + '/#/');
  await page.getByRole('heading', { name: '新文章' }).waitFor();
  await shot(page, 'home_zh_1280');
  const uploadsNow = uploadRequests;
  await page.locator('#own-pictures').setInputFiles(huge);
  await page.getByText('huge.jpg: 图片有 33 MB，服务器只接受不超过 32 MB 的图片').waitFor();
  check(uploadRequests === uploadsNow, 'the page sent a picture over the limit');
  await shot(page, 'upload_too_large_zh_1280');

  step = 'a 390 px phone screen';
  await page.setViewportSize({ width: 390, height: 844 });
  for (const [lang, label] of [['zh', 'English'], ['en', '中文']]) {
    await page.goto(base + '/#/');
    await page.locator('header .lang-switch').waitFor();
    await shot(page, `home_${lang}_390`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `the home page is ${overflow} px wider than a 390 px screen (${lang})`);
    await page.goto(base + `/#/a/${articleId}`);
    await page.locator('figure.slot img.chosen-picture').first().waitFor();
    await shot(page, `article_${lang}_390`);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(wide <= 0, `the article is ${wide} px wider than a 390 px screen (${lang})`);
    // The side panels stack under the article on a phone.
    for (const [name, button] of [['history', lang === 'zh' ? '历史' : 'History'], ['chat', lang === 'zh' ? '就文章对话' : 'Talk about it']]) {
      await page.getByRole('button', { name: button, exact: true }).click();
      await page.locator('aside.side-panel').waitFor();
      const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(over <= 0, `the article with its ${name} panel is ${over} px wider than a 390 px screen (${lang})`);
      await page.locator('aside.side-panel').screenshot({ path: join(artifacts, `studio_${name}_${lang}_390.png`) });
      await page.getByRole('button', { name: button, exact: true }).click();
    }
    await page.goto(base + '/#/gallery');
    await page.locator('[data-gallery-info]').waitFor();
    await shot(page, `gallery_${lang}_390`);
    if (lang === 'zh') await axe(page, 'gallery_zh_390');
    await page.locator('header .lang-switch').click();
    await page.locator('header .lang-switch', { hasText: label === 'English' ? '中文' : 'English' }).waitFor();
  }
  step = 'end';
  check(problems.length === 0, problems.join('\n'));
  writeFileSync(join(artifacts, 'studio_measured.json'), JSON.stringify(measured, null, 2));
  console.log(JSON.stringify(measured));
} catch (e) {
  console.error(`studio: failed at "${step}": ${e.message}`);
  if (problems.length) console.error(problems.join('\n'));
  process.exitCode = 1;
} finally {
  await browser.close();
}
