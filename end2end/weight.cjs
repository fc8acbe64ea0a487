// Prints the built app's weight (raw, gzip -9, brotli; the first load and the staff console's
// bundle), what Chromium downloads of it on a first visit, and its first-render time in
// headless Chromium. Usage: node weight.cjs <dist folder> <app URL>. Run through
// scripts/app-weight.
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { chromium } = require('@playwright/test');

const [dist, url] = process.argv.slice(2);
const kb = (bytes) => (bytes / 1024).toFixed(1).padStart(7) + ' KB';

const budget = 200_000; // bytes of brotli, wasm + JS, for the first load

/** The files of one bundle (its folder's own, not its subfolders'), raw, gzip -9 and brotli. */
function bundle(dir) {
  return fs
    .readdirSync(dir)
    .filter((name) => /\.(wasm|js|css|html)$/.test(name))
    .map((name) => {
      const bytes = fs.readFileSync(path.join(dir, name));
      return {
        name,
        raw: bytes.length,
        gzip: zlib.gzipSync(bytes, { level: 9 }).length,
        brotli: zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
      };
    });
}

console.log(`${'file'.padEnd(48)}${'raw'.padStart(10)}${'gzip -9'.padStart(10)}${'brotli'.padStart(10)}`);
for (const [what, dir] of [
  ['the first load', dist],
  ['the staff console', path.join(dist, 'console')],
]) {
  const rows = bundle(dir);
  for (const row of rows) console.log(`${row.name.padEnd(48)}${kb(row.raw)}${kb(row.gzip)}${kb(row.brotli)}`);
  const code = rows.filter((row) => /\.(wasm|js)$/.test(row.name));
  const sum = (key) => code.reduce((total, row) => total + row[key], 0);
  console.log(`${('wasm + JS, ' + what).padEnd(48)}${kb(sum('raw'))}${kb(sum('gzip'))}${kb(sum('brotli'))}`);
  const sent = `${sum('brotli')} bytes of brotli as sent`;
  if (dir === dist) console.log(`  ${sent} (budget: ${budget}): ${sum('brotli') <= budget ? 'met' : 'NOT MET'}`);
  else console.log(`  ${sent}, only to those who open the console`);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const times = [];
  const runs = 15;
  for (let i = 0; i < runs; i++) {
    // A new context each time: nothing cached, as on a first visit.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (document.querySelector('main h1')) {
          window.__firstRender = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    const downloads = [];
    page.on('requestfinished', (request) => {
      if (/\.(wasm|js)$/.test(new URL(request.url()).pathname)) downloads.push(request);
    });
    await page.goto(`${url}/login`);
    await page.waitForFunction(() => window.__firstRender !== undefined);
    times.push(await page.evaluate(() => window.__firstRender));
    if (i === 0) {
      // As the server sent them (brotli), bodies and headers apart.
      let body = 0;
      let headers = 0;
      for (const request of downloads) {
        const sizes = await request.sizes();
        body += sizes.responseBodySize;
        headers += sizes.responseHeadersSize;
        console.log(`  downloaded ${new URL(request.url()).pathname}: ${sizes.responseBodySize} bytes`);
      }
      console.log(`Chromium downloads wasm + JS on a first visit: ${body} bytes (and ${headers} bytes of headers)`);
    }
    await context.close();
  }
  await browser.close();
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(0);
  console.log(`first render of /login, ${runs} cold loads: median ${at(0.5)} ms, p90 ${at(0.9)} ms, worst ${at(1)} ms   (budget: 150 ms)`);
})();
