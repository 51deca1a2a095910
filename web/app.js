// SPDX-License-Identifier: MIT
// The page: reads the controls, drives the training worker (worker.js), and draws what it reports. Plain
// JavaScript, no framework: a dozen controls and three canvases need none.
'use strict';

// Indices of the settings array (web/playground.h, pg_setting).
const S = {DATASET: 0, SAMPLES: 1, CLASSES: 2, SEED: 3, LAYERS: 4, WIDTH0: 5, ACTIVATION: 9, OPTIMIZER: 10, LR: 11,
  DECAY: 12, MOMENTUM: 13, L1: 14, L2: 15, DROPOUT: 16, BATCH: 17, NUMPY: 18, COUNT: 19};
const MAX_LAYERS = 4;
// Class colours: the points saturated, the regions a tint of the same colour (as ch18_spiral_regions draws).
const COLOURS = [[214, 39, 40], [44, 160, 44], [31, 119, 180], [255, 127, 14], [148, 103, 189], [140, 86, 75],
  [227, 119, 194], [127, 127, 127]];
const OPTIMIZERS = ['SGD', 'AdaGrad', 'RMSprop', 'Adam'];
const ACTIVATIONS = ['ReLU', 'sigmoid', 'linear'];

const $ = (id) => document.getElementById(id);
const controls = ['dataset', 'samples', 'classes', 'seed', 'widths', 'activation', 'dropout', 'l1', 'l2', 'optimizer',
  'lr', 'decay', 'momentum', 'batch', 'numpy', 'stopAt'];

const state = {
  worker: null, ready: false, running: false, book: null, data: null, history: [], logLines: [],
  lastEpoch: 0, epochsPerSecond: 0, serial: 0,
};
// For the page's test: the figures of the run under way.
window.playground = state;

function setStatus(text) {
  $('status').textContent = text;
}

// The settings array from the controls; throws on a value the network cannot take.
function readSettings() {
  const s = new Array(S.COUNT).fill(0);
  s[S.DATASET] = Number($('dataset').value);
  s[S.SAMPLES] = Number($('samples').value);
  s[S.CLASSES] = Number($('classes').value);
  s[S.SEED] = Number($('seed').value);
  const widths = $('widths').value.split(',').map((w) => w.trim()).filter((w) => w !== '').map(Number);
  if (widths.length < 1 || widths.length > MAX_LAYERS || widths.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new Error('hidden layers: 1 to ' + MAX_LAYERS + ' whole numbers of neurons, e.g. 64 or 16,16');
  }
  s[S.LAYERS] = widths.length;
  widths.forEach((w, i) => { s[S.WIDTH0 + i] = w; });
  s[S.ACTIVATION] = Number($('activation').value);
  s[S.OPTIMIZER] = Number($('optimizer').value);
  s[S.LR] = Number($('lr').value);
  s[S.DECAY] = Number($('decay').value);
  s[S.MOMENTUM] = Number($('momentum').value);
  s[S.L1] = Number($('l1').value);
  s[S.L2] = Number($('l2').value);
  s[S.DROPOUT] = Number($('dropout').value);
  s[S.BATCH] = Number($('batch').value);
  s[S.NUMPY] = $('numpy').checked ? 1 : 0;
  return s;
}

function writeSettings(s) {
  $('dataset').value = String(s[S.DATASET]);
  $('samples').value = String(s[S.SAMPLES]);
  $('classes').value = String(s[S.CLASSES]);
  $('seed').value = String(s[S.SEED]);
  const widths = [];
  for (let i = 0; i < s[S.LAYERS]; ++i) {
    widths.push(s[S.WIDTH0 + i]);
  }
  $('widths').value = widths.join(',');
  $('activation').value = String(s[S.ACTIVATION]);
  $('optimizer').value = String(s[S.OPTIMIZER]);
  $('lr').value = String(s[S.LR]);
  $('decay').value = String(s[S.DECAY]);
  $('momentum').value = String(s[S.MOMENTUM]);
  $('l1').value = String(s[S.L1]);
  $('l2').value = String(s[S.L2]);
  $('dropout').value = String(s[S.DROPOUT]);
  $('batch').value = String(s[S.BATCH]);
  $('numpy').checked = s[S.NUMPY] !== 0;
}

function describe(s) {
  const sine = s[S.DATASET] === 2;
  const layers = [sine ? 1 : 2];
  for (let i = 0; i < s[S.LAYERS]; ++i) {
    layers.push(s[S.WIDTH0 + i]);
  }
  layers.push(sine ? 1 : s[S.CLASSES]);
  let text = `${['spiral', 'vertical', 'sine'][s[S.DATASET]]} data (seed ${s[S.SEED]}), network ${layers.join('-')} ` +
    `${ACTIVATIONS[s[S.ACTIVATION]]}, ${OPTIMIZERS[s[S.OPTIMIZER]]} lr ${s[S.LR]} decay ${s[S.DECAY]}`;
  if (s[S.OPTIMIZER] === 0 && s[S.MOMENTUM] > 0) text += ` momentum ${s[S.MOMENTUM]}`;
  if (s[S.L1] > 0) text += `, L1 ${s[S.L1]}`;
  if (s[S.L2] > 0) text += `, L2 ${s[S.L2]}`;
  if (s[S.DROPOUT] > 0) text += `, dropout ${s[S.DROPOUT]}`;
  text += s[S.BATCH] > 0 ? `, batches of ${s[S.BATCH]}` : ', whole batch';
  return text;
}

// New network from the controls (training restarts from epoch 0); keeps running if it was.
function reset(thenRun) {
  let settings;
  try {
    settings = readSettings();
  } catch (e) {
    setStatus(e.message);
    return;
  }
  state.history = [];
  state.logLines = [];
  state.lastEpoch = 0;
  state.settings = settings;
  state.summary = describe(settings);
  state.finished = false;
  state.finalLine = null;
  $('log').textContent = '';
  $('summary').textContent = state.summary;
  drawCharts();
  // Messages the worker sent about the previous network before it read this one are stamped with the old
  // serial number and dropped (onMessage), so the log and curves start clean.
  ++state.serial;
  state.worker.postMessage({cmd: 'create', settings, stopAt: Number($('stopAt').value) || 0, serial: state.serial});
  if (thenRun) {
    start();
  }
}

function start() {
  state.running = true;
  state.worker.postMessage({cmd: 'start'});
}

function pause() {
  state.running = false;
  state.worker.postMessage({cmd: 'pause'});
}

// ---- drawing ----

function drawRegions(grid) {
  const canvas = $('regions');
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height;
  const data = state.data;
  if (!data) return;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  if (data.inputs === 1) {
    drawSine(ctx, W, H, grid);
    return;
  }
  if (grid) {
    const res = grid.res, k = data.classes, v = grid.values;
    const img = ctx.createImageData(res, res);
    for (let i = 0; i < res * res; ++i) {
      let best = 0;
      for (let c = 1; c < k; ++c) {
        if (v[i * k + c] > v[i * k + best]) best = c;
      }
      // Confidence above chance, 0..1: a light tint when unsure, deeper when sure.
      const conf = Math.max(0, (v[i * k + best] - 1 / k) / (1 - 1 / k));
      const a = 0.25 + 0.45 * conf;
      for (let ch = 0; ch < 3; ++ch) {
        img.data[i * 4 + ch] = Math.round(255 * (1 - a) + COLOURS[best][ch] * a);
      }
      img.data[i * 4 + 3] = 255;
    }
    const off = document.createElement('canvas');
    off.width = res;
    off.height = res;
    off.getContext('2d').putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, W, H);
  }
  for (let i = 0; i < data.rows; ++i) {
    const x = (data.points[2 * i] + 1) / 2 * W, y = (1 - data.points[2 * i + 1]) / 2 * H;
    const c = COLOURS[data.labels[i] % COLOURS.length];
    ctx.beginPath();
    ctx.arc(x, y, 3, 0, 2 * Math.PI);
    ctx.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
    ctx.fill();
    ctx.strokeStyle = 'rgba(0,0,0,0.5)';
    ctx.lineWidth = 0.6;
    ctx.stroke();
  }
}

// Sine: the targets as points, the network's output as a line, over x in [0, 1] and y in [-1.2, 1.2].
function drawSine(ctx, W, H, grid) {
  const data = state.data;
  const X = (x) => x * W, Y = (y) => (1 - (y + 1.2) / 2.4) * H;
  ctx.fillStyle = 'rgb(31,119,180)';
  for (let i = 0; i < data.rows; ++i) {
    ctx.fillRect(X(data.points[i]) - 1.5, Y(data.targets[i]) - 1.5, 3, 3);
  }
  if (grid) {
    ctx.strokeStyle = 'rgb(214,39,40)';
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (let i = 0; i < grid.res; ++i) {
      const x = X((i + 0.5) / grid.res), y = Y(grid.values[i]);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    }
    ctx.stroke();
  }
}

function drawChart(id, key, valKey, fixedMax) {
  const canvas = $(id);
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, pad = 30;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  const h = state.history;
  const maxEpoch = Math.max(100, h.length ? h[h.length - 1].epoch : 0);
  let maxY = fixedMax;
  if (!maxY) {
    maxY = 0;
    for (const e of h) maxY = Math.max(maxY, e[key], Number.isFinite(e[valKey]) ? e[valKey] : 0);
    maxY = maxY > 0 ? maxY * 1.05 : 1;
  }
  ctx.strokeStyle = '#999';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(pad, 5);
  ctx.lineTo(pad, H - pad + 5);
  ctx.lineTo(W - 5, H - pad + 5);
  ctx.stroke();
  ctx.fillStyle = '#555';
  ctx.font = '10px sans-serif';
  ctx.fillText(maxY.toFixed(2), 1, 12);
  ctx.fillText('0', 18, H - pad + 5);
  ctx.fillText(`epoch ${maxEpoch}`, W - 70, H - 8);
  const px = (e) => pad + (W - pad - 5) * e / maxEpoch, py = (v) => 5 + (H - pad) * (1 - v / maxY);
  for (const [k, colour] of [[key, '#1f77b4'], [valKey, '#ff7f0e']]) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let first = true;
    for (const e of h) {
      if (!Number.isFinite(e[k])) continue;
      if (first) ctx.moveTo(px(e.epoch), py(e[k])); else ctx.lineTo(px(e.epoch), py(e[k]));
      first = false;
    }
    ctx.stroke();
  }
}

function drawCharts() {
  drawChart('lossChart', 'loss', 'valLoss', 0);
  drawChart('accChart', 'accuracy', 'valAccuracy', 1);
}

// ---- the worker's reports ----

function onMessage(ev) {
  const m = ev.data;
  if (m.type !== 'ready' && m.serial !== state.serial) {
    return; // about a network the page has replaced since
  }
  switch (m.type) {
  case 'ready':
    state.ready = true;
    state.book = m.book;
    setStatus('ready: press Book mode, or Start with your own settings');
    reset(false);
    break;
  case 'created':
    state.data = m.data;
    drawRegions(m.grid);
    $('drawnEpoch').textContent = '0';
    break;
  case 'grid':
    drawRegions(m.grid);
    $('drawnEpoch').textContent = String(Math.max(0, m.epoch - 1));
    break;
  case 'progress':
    state.lastEpoch = m.epoch;
    state.epochsPerSecond = m.epochsPerSecond;
    if (m.logPoint) {
      state.history.push({epoch: m.epoch - 1, loss: m.loss, accuracy: m.accuracy, valLoss: m.valLoss,
        valAccuracy: m.valAccuracy});
      state.logLines.push(m.line);
      const log = $('log');
      log.textContent += m.line + '\n';
      log.scrollTop = log.scrollHeight;
      drawCharts();
    }
    setStatus(`epoch ${Math.max(0, m.epoch - 1)}, ${Math.round(m.epochsPerSecond)} epochs/s` +
      (state.running ? '' : ' (paused)'));
    break;
  case 'finished':
    state.running = false;
    state.finished = true;
    state.finalLine = m.line;
    state.epochsPerSecond = m.epochsPerSecond;
    setStatus(`finished: ${m.epoch} epochs, ${Math.round(m.epochsPerSecond)} epochs/s`);
    break;
  case 'error':
    state.running = false;
    setStatus('error: ' + m.message);
    break;
  }
}

function init() {
  state.worker = new Worker('worker.js');
  state.worker.onmessage = onMessage;
  state.worker.onerror = (e) => setStatus('worker error: ' + e.message);
  $('book').onclick = () => {
    if (!state.ready) return;
    writeSettings(state.book);
    $('stopAt').value = '10001';
    reset(true);
  };
  $('start').onclick = () => state.ready && start();
  $('pause').onclick = () => state.ready && pause();
  $('step').onclick = () => {
    if (!state.ready) return;
    state.running = false;
    state.worker.postMessage({cmd: 'step', epochs: 1});
  };
  $('reset').onclick = () => state.ready && reset(false);
  // Any change of a setting builds a new network; training goes on if it was running.
  for (const id of controls) {
    $(id).addEventListener('change', () => state.ready && reset(state.running));
  }
  drawCharts();
}

init();
