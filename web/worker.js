// SPDX-License-Identifier: MIT
// The training worker: loads the WebAssembly module (playground.js), owns the one network, and trains in
// chunks between messages so that pause and new settings take effect within a few milliseconds.
/* global importScripts, createPlayground */
'use strict';
importScripts('playground.js');

const LOG_EVERY = 100; // the book prints every 100 epochs
const GRID_RES = 100;  // decision-region grid (GRID_RES x GRID_RES points over [-1, 1]^2)
const CHUNK_MS = 40;   // training time between two looks at the message queue

let M = null;
let pg = null;
let running = false;
let target = 0;        // stop after this many epochs (0 = no limit)
let generation = 0;    // bumped by every create, so a stale timer does nothing
let serial = 0;        // the page's number of the network under way, stamped on every message
let lastDraw = 0;
let speed = {epochs: 0, ms: 0};

function wrap() {
  const f = (name, ret, args) => M.cwrap(name, ret, args);
  pg = {
    create: f('pg_create', 'number', ['number', 'number']),
    train: f('pg_train', 'number', ['number']),
    epoch: f('pg_epoch', 'number', []),
    loss: f('pg_loss', 'number', []),
    accuracy: f('pg_accuracy', 'number', []),
    lr: f('pg_lr', 'number', []),
    logLine: f('pg_log_line', 'string', []),
    validate: f('pg_validate', 'number', []),
    valLoss: f('pg_val_loss', 'number', []),
    valAccuracy: f('pg_val_accuracy', 'number', []),
    rows: f('pg_rows', 'number', []),
    inputs: f('pg_inputs', 'number', []),
    classes: f('pg_classes', 'number', []),
    points: f('pg_points', 'number', []),
    labels: f('pg_labels', 'number', []),
    targets: f('pg_targets', 'number', []),
    grid: f('pg_grid', 'number', ['number']),
    error: f('pg_error', 'string', []),
  };
}

function post(type, data, transfer) {
  self.postMessage(Object.assign({type, serial}, data), transfer || []);
}

function fail(what) {
  running = false;
  post('error', {message: what + ': ' + pg.error()});
}

function dataMessage() {
  const rows = pg.rows(), inputs = pg.inputs();
  const points = Float32Array.from(M.HEAPF32.subarray(pg.points() >> 2, (pg.points() >> 2) + rows * inputs));
  const labelsPtr = pg.labels(), targetsPtr = pg.targets();
  const labels = labelsPtr ? Uint32Array.from(M.HEAPU32.subarray(labelsPtr >> 2, (labelsPtr >> 2) + rows)) : null;
  const targets = targetsPtr ? Float32Array.from(M.HEAPF32.subarray(targetsPtr >> 2, (targetsPtr >> 2) + rows)) : null;
  return {rows, inputs, classes: pg.classes(), points, labels, targets};
}

function gridMessage() {
  const p = pg.grid(GRID_RES);
  if (!p) {
    return null;
  }
  const n = pg.inputs() === 1 ? GRID_RES : GRID_RES * GRID_RES * pg.classes();
  return {res: GRID_RES, values: Float32Array.from(M.HEAPF32.subarray(p >> 2, (p >> 2) + n))};
}

function create(settings) {
  ++generation;
  running = false;
  const n = settings.length;
  const ptr = M._malloc(8 * n);
  M.HEAPF64.set(settings, ptr >> 3);
  const rc = pg.create(ptr, n);
  M._free(ptr);
  if (rc !== 0) {
    fail('settings');
    return false;
  }
  speed = {epochs: 0, ms: 0};
  post('created', {data: dataMessage(), grid: gridMessage()});
  return true;
}

// Trains up to `count` epochs, stopping at each log epoch (1, 101, 201, ... trained) to report it.
function trainSome(count) {
  let left = count;
  while (left > 0) {
    const done = pg.epoch();
    const nextLog = done === 0 ? 1 : Math.floor((done - 1) / LOG_EVERY) * LOG_EVERY + LOG_EVERY + 1;
    let n = Math.min(left, nextLog - done);
    if (target > 0) {
      n = Math.min(n, target - done);
    }
    if (n <= 0) {
      break;
    }
    const t0 = performance.now();
    if (pg.train(n) !== 0) {
      fail('training');
      return false;
    }
    speed.ms += performance.now() - t0;
    speed.epochs += n;
    left -= n;
    if ((pg.epoch() - 1) % LOG_EVERY === 0 || pg.epoch() === target) {
      report(true);
    }
  }
  return true;
}

function report(logPoint) {
  const msg = {
    epoch: pg.epoch(), loss: pg.loss(), accuracy: pg.accuracy(), lr: pg.lr(), line: pg.logLine(), logPoint,
    epochsPerSecond: speed.ms > 0 ? (1000 * speed.epochs) / speed.ms : 0,
  };
  if (logPoint) {
    if (pg.validate() === 0) {
      msg.valLoss = pg.valLoss();
      msg.valAccuracy = pg.valAccuracy();
    }
  }
  post('progress', msg);
}

function maybeDraw(force) {
  const now = performance.now();
  if (force || now - lastDraw > 150) {
    lastDraw = now;
    const grid = gridMessage();
    if (grid) {
      post('grid', {epoch: pg.epoch(), grid}, [grid.values.buffer]);
    }
  }
}

function loop(gen) {
  if (gen !== generation || !running) {
    return;
  }
  const t0 = performance.now();
  // Small chunks until the time budget is spent: a chunk ends at the next log epoch at the latest.
  while (performance.now() - t0 < CHUNK_MS) {
    if (!trainSome(25)) {
      return;
    }
    if (target > 0 && pg.epoch() >= target) {
      running = false;
      maybeDraw(true);
      post('finished', {epoch: pg.epoch(), line: pg.logLine(), epochsPerSecond: (1000 * speed.epochs) / speed.ms});
      return;
    }
  }
  report(false);
  maybeDraw(false);
  setTimeout(() => loop(gen), 0);
}

self.onmessage = (ev) => {
  const m = ev.data;
  if (!pg) {
    post('error', {message: 'the module is still loading'});
    return;
  }
  switch (m.cmd) {
  case 'create':
    serial = m.serial || 0;
    target = m.stopAt || 0;
    create(m.settings);
    break;
  case 'start':
    if (!running && (target === 0 || pg.epoch() < target)) {
      running = true;
      setTimeout(() => loop(generation), 0);
    }
    break;
  case 'pause':
    running = false;
    break;
  case 'step':
    running = false;
    if (trainSome(m.epochs || 1)) {
      report(false); // a log epoch has been reported by trainSome already
      maybeDraw(true);
    }
    break;
  }
};

createPlayground().then((module) => {
  M = module;
  wrap();
  const ptr = M._malloc(8 * 32);
  M.ccall('pg_book_settings', null, ['number'], [ptr]);
  const book = Array.from(M.HEAPF64.subarray(ptr >> 3, (ptr >> 3) + 19));
  M._free(ptr);
  post('ready', {book});
});
