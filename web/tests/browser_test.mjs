// SPDX-License-Identifier: MIT
// The playground in a real browser: Debian's chromium, headless, driven by playwright-core, the page served by
// python3 -m http.server as the README says.
//
//   node web/tests/browser_test.mjs --web <build>/web --native <native ch10_adam_spiral> [--chromium PATH]
//                                   [--screenshot FILE.png]
//
// Checks: book mode's whole log (101 lines, to epoch 10000) equals what the native ch10_adam_spiral prints; the
// decision-region canvas, read back from a screenshot, shows the three class colours in plausible shares; a
// changed control restarts training with the new setting; no console error. Prints the epochs per second.
import {chromium} from 'playwright-core';
import {spawn, execFileSync} from 'node:child_process';
import {setTimeout as sleep} from 'node:timers/promises';
import fs from 'node:fs';
import net from 'node:net';

function args() {
  const a = {chromium: '/usr/bin/chromium', screenshot: null, web: null, native: null};
  for (let i = 2; i < process.argv.length; i += 2) {
    a[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
  }
  if (!a.web || !a.native) {
    console.error('usage: browser_test.mjs --web DIR --native CH10_PROGRAM [--chromium PATH] [--screenshot FILE]');
    process.exit(2);
  }
  return a;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForServer(port) {
  for (let i = 0; i < 100; ++i) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true); });
      c.on('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error('the static server did not start');
}

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) ++failures;
}

const opt = args();
const expected = execFileSync(opt.native, {encoding: 'utf8'}).trimEnd().split('\n');
const port = await freePort();
const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', opt.web],
  {stdio: 'ignore'});
let browser = null;
try {
  await waitForServer(port);
  browser = await chromium.launch({executablePath: opt.chromium, headless: true, args: ['--no-sandbox']});
  const page = await browser.newPage({viewport: {width: 1280, height: 1000}});
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  await page.goto(`http://127.0.0.1:${port}/index.html`);
  await page.waitForFunction(() => window.playground && window.playground.ready, null, {timeout: 60000});

  // Book mode to epoch 10000.
  const t0 = Date.now();
  await page.click('#book');
  await page.waitForFunction(() => window.playground.finished, null, {timeout: 600000, polling: 250});
  const wall = (Date.now() - t0) / 1000;
  const run = await page.evaluate(() => ({lines: window.playground.logLines, final: window.playground.finalLine,
    eps: window.playground.epochsPerSecond, log: document.getElementById('log').textContent}));
  const logLines = run.log.trimEnd().split('\n');
  console.log(`browser final line: ${logLines[logLines.length - 1]}`);
  console.log(`native  final line: ${expected[expected.length - 1]}`);
  check(logLines[logLines.length - 1] === expected[expected.length - 1], 'the final log line equals the native program\'s');
  check(run.final === expected[expected.length - 1], 'the worker\'s last line equals it too');
  check(logLines.length === expected.length && logLines.every((l, i) => l === expected[i]),
    `all ${expected.length} log lines equal the native program's`);
  console.log(`epochs per second in the browser: ${Math.round(run.eps)} (training only); 10001 epochs in ` +
    `${wall.toFixed(1)} s wall clock including drawing, ${Math.round(10001 / wall)} epochs/s`);

  // The decision regions: a screenshot of the canvas, decoded in the page, each pixel assigned to the class
  // colour its tint points to (a tint is white mixed with the class colour: 255 - pixel is parallel to
  // 255 - colour).
  const png = await page.locator('#regions').screenshot();
  if (opt.screenshot) {
    await page.screenshot({path: opt.screenshot, fullPage: true});
  }
  const shares = await page.evaluate(async (b64) => {
    const blob = await (await fetch('data:image/png;base64,' + b64)).blob();
    const bmp = await createImageBitmap(blob);
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = c.getContext('2d');
    ctx.drawImage(bmp, 0, 0);
    const d = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
    const colours = [[214, 39, 40], [44, 160, 44], [31, 119, 180]].map((k) => {
      const v = k.map((x) => 255 - x);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    });
    const counts = [0, 0, 0];
    let total = 0;
    for (let i = 0; i < d.length; i += 4) {
      ++total;
      const v = [255 - d[i], 255 - d[i + 1], 255 - d[i + 2]];
      const n = Math.hypot(...v);
      if (n < 20) continue;
      let best = -1, bestCos = 0.97;
      colours.forEach((k, j) => {
        const cos = (v[0] * k[0] + v[1] * k[1] + v[2] * k[2]) / n;
        if (cos > bestCos) { bestCos = cos; best = j; }
      });
      if (best >= 0) ++counts[best];
    }
    return counts.map((x) => x / total);
  }, png.toString('base64'));
  console.log(`class colour shares of the regions: ${shares.map((s) => (100 * s).toFixed(1) + ' %').join(', ')}`);
  check(shares.every((s) => s > 0.2 && s < 0.47), 'each class colour covers 20 % to 47 % of the regions');
  check(shares.reduce((a, b) => a + b, 0) > 0.9, 'the three colours cover more than 90 % of the canvas');

  // A changed control restarts training with the new setting: book mode again, then a learning rate of 0.02
  // while it runs.
  await page.click('#book');
  await page.waitForFunction(() => window.playground.history.length >= 3, null, {timeout: 60000});
  await page.fill('#lr', '0.02');
  await page.dispatchEvent('#lr', 'change');
  try {
    await page.waitForFunction(() => window.playground.logLines.length >= 3 &&
      window.playground.logLines[0].endsWith('lr: 0.02'), null, {timeout: 60000});
  } catch (e) {
    console.log(await page.evaluate(() => JSON.stringify({status: document.getElementById('status').textContent,
      summary: document.getElementById('summary').textContent, lines: window.playground.logLines.slice(0, 3),
      running: window.playground.running})));
    throw e;
  }
  const restarted = await page.evaluate(() => ({lines: window.playground.logLines.slice(0, 3),
    summary: document.getElementById('summary').textContent, running: window.playground.running}));
  console.log(`after the change: ${restarted.summary}\n  ${restarted.lines.join('\n  ')}`);
  check(restarted.lines[0] === 'epoch: 0, acc: 0.360, loss: 1.099, lr: 0.02', 'training restarted from epoch 0 with lr 0.02');
  check(restarted.lines[1].startsWith('epoch: 100,') && restarted.lines[1] !== expected[1],
    'and goes on with the new rate (epoch 100 differs from book mode\'s)');
  check(restarted.summary.includes('lr 0.02') && restarted.running, 'the summary shows the new rate; still running');
  await page.click('#pause');

  check(consoleErrors.length === 0, `no console errors${consoleErrors.length ? ': ' + consoleErrors.join(' | ') : ''}`);
} finally {
  if (browser) await browser.close();
  server.kill();
}
if (failures) {
  console.log(`${failures} check(s) failed`);
  process.exit(1);
}
console.log('browser test passed');
