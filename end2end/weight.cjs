// Prints the built app's weight (raw, gzip -9, brotli) and its first-render time in headless
// Chromium. Usage: node weight.cjs <dist folder> <app URL>. Run through scripts/app-weight.
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { chromium } = require('@playwright/test');

const [dist, url] = process.argv.slice(2);
const kb = (bytes) => (bytes / 1024).toFixed(1).padStart(7) + ' KB';

const rows = fs
  .readdirSync(dist)
  .filter((name) => /\.(wasm|js|css|html)$/.test(name))
  .map((name) => {
    const bytes = fs.readFileSync(path.join(dist, name));
    return {
      name,
      raw: bytes.length,
      gzip: zlib.gzipSync(bytes, { level: 9 }).length,
      brotli: zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  });
console.log(`${'file'.padEnd(42)}${'raw'.padStart(10)}${'gzip -9'.padStart(10)}${'brotli'.padStart(10)}`);
for (const row of rows) console.log(`${row.name.padEnd(42)}${kb(row.raw)}${kb(row.gzip)}${kb(row.brotli)}`);
const code = rows.filter((row) => /\.(wasm|js)$/.test(row.name));
const sum = (key) => code.reduce((total, row) => total + row[key], 0);
console.log(`${'wasm + JS'.padEnd(42)}${kb(sum('raw'))}${kb(sum('gzip'))}${kb(sum('brotli'))}   (budget: 200 KB gzip)`);

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
    await page.goto(`${url}/login`);
    await page.waitForFunction(() => window.__firstRender !== undefined);
    times.push(await page.evaluate(() => window.__firstRender));
    await context.close();
  }
  await browser.close();
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(0);
  console.log(`first render of /login, ${runs} cold loads: median ${at(0.5)} ms, p90 ${at(0.9)} ms, worst ${at(1)} ms   (budget: 300 ms)`);
})();
