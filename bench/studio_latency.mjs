// The studio page's two figures (issue 12), measured in Debian's chromium against a running
// `lingbi serve`: the bytes of the first load (and of a reload, answered 304), and for each of N
// composes how long the first streamed text takes from its event being read to a frame showing it.
//   node bench/studio_latency.mjs BASE_URL [N]      (bench/bench_studio starts the server)
import { createRequire } from 'node:module';
const require = createRequire(new URL('../tests/node/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const [base, runs = '5'] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const cdp = await context.newCDPSession(page);
await cdp.send('Network.enable');
let bytes = 0, files = 0;
cdp.on('Network.loadingFinished', (e) => { bytes += e.encodedDataLength; files += 1; });
await page.goto(base + '/');
await page.waitForLoadState('networkidle');
const first = { bytes, files };
bytes = files = 0;
await page.reload();
await page.waitForLoadState('networkidle');
const again = { bytes, files };

const delays = [];
for (let i = 0; i < Number(runs); ++i) {
  await page.goto(base + '/#/');
  await page.evaluate(() => {
    window.__shown = undefined;
    new MutationObserver(() => {
      const el = document.querySelector('[data-streaming]');
      if (el && el.textContent.length > 0 && window.__shown === undefined)
        requestAnimationFrame(() => { window.__shown ??= performance.now(); });
    }).observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  await page.locator('#instruction').fill(`Notes on a harbour town, part ${i + 1}`);
  await page.locator('#words').fill('150');
  await page.getByRole('button', { name: 'Compose', exact: true }).click();
  await page.waitForURL(/#\/job\//);
  await page.waitForFunction(() => window.__shown !== undefined, null, { timeout: 300_000 });
  delays.push(await page.evaluate(() => window.__shown - performance.getEntriesByName('lingbi:first-delta').at(-1).startTime));
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Resume' }).waitFor();
}
await browser.close();
const sorted = delays.slice().sort((a, b) => a - b);
console.log(`first load: ${first.bytes} bytes in ${first.files} responses (compressed, headers included); goal <= 153600`);
console.log(`reload:     ${again.bytes} bytes in ${again.files} responses (revalidated: 304 without bodies)`);
console.log(`first streamed text on screen after its event, ${delays.length} composes: ${delays.map((d) => d.toFixed(1)).join(', ')} ms; ` +
  `median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, max ${sorted.at(-1).toFixed(1)} ms; goal <= 200 ms`);
