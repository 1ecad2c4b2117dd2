// descent playground: the page. Every number about the optimizers comes
// from the server (POST /api/race runs descent's own optimizer code); this
// file only draws, animates and keeps the state in the URL's hash.
'use strict';
(function () {

// ---------------------------------------------------------------- state

const COLORS = ['#ff6b6b', '#4dabf7', '#ffd43b', '#69db7c', '#da77f2', '#ff922b', '#3bc9db', '#f783ac'];

// Lessons: each stages one of the classic traps or tricks.
const PRESETS = [
  {id: 'banana', name: 'The distill banana: momentum, too little and too much', fn: 'banana', start: [-1.5, 0.2], steps: 300, speed: 40,
    opts: ['sgd:lr=0.002', 'sgd:lr=0.002,momentum=0.8', 'sgd:lr=0.002,momentum=0.95', 'adam:lr=0.1']},
  {id: 'rastrigin', name: 'Local vs global minimum (Rastrigin)', fn: 'rastrigin', start: [2.5, 2.5], steps: 600, speed: 60,
    opts: ['sgd:lr=0.002', 'sgd:lr=0.002,momentum=0.97', 'adam:lr=0.5,betas=0.95/0.999']},
  {id: 'himmelblau', name: 'Four minima: where you land (Himmelblau)', fn: 'himmelblau', start: [-0.3, -0.9], steps: 300, speed: 40,
    opts: ['sgd:lr=0.005', 'sgd:lr=0.005,momentum=0.9', 'adam:lr=0.1', 'rmsprop:lr=0.02']},
  {id: 'saddle', name: 'Saddle point: who escapes', fn: 'saddle', start: [-1.5, 0.0001], steps: 80, speed: 15,
    opts: ['sgd:lr=0.05', 'sgd:lr=0.05,momentum=0.9', 'adam:lr=0.05']},
  {id: 'plateau', name: 'Plateau: small gradients stall', fn: 'plateau', start: [2.5, 2], steps: 300, speed: 40,
    opts: ['sgd:lr=0.1', 'sgd:lr=0.1,momentum=0.9', 'adam:lr=0.1']},
  {id: 'ravine', name: 'Ravine: momentum helps (κ = 100)', fn: 'quadratic:kappa=100', start: [-1.8, 0.6], steps: 150, speed: 20,
    opts: ['sgd:lr=0.018', 'sgd:lr=0.018,momentum=0.9']},
  {id: 'overshoot', name: 'Overshoot: Nesterov helps', fn: 'quadratic:kappa=10', start: [-1.8, 1.5], steps: 150, speed: 20,
    opts: ['sgd:lr=0.05,momentum=0.95', 'sgd:lr=0.05,momentum=0.95,nesterov=true']},
  {id: 'rosenbrock', name: "Rosenbrock's valley", fn: 'rosenbrock', start: [-1.5, 2.5], steps: 1500, speed: 120,
    opts: ['sgd:lr=0.001', 'sgd:lr=0.001,momentum=0.9', 'adam:lr=0.05', 'lbfgs:line_search_fn=strong_wolfe']},
  {id: 'noise', name: 'Noisy gradients escape the saddle', fn: 'saddle', start: [-1.5, 0], steps: 80, speed: 15, noise: 0.05, seed: 1,
    opts: ['sgd:lr=0.05', 'sgd:lr=0.05,momentum=0.9']},
];

// The whole state: what the hash holds.
const state = {
  fn: 'banana',
  start: null,      // [x, y], or null: the function's suggested start
  opts: [],         // optimizer specs, one per racer
  steps: 300,
  noise: 0,
  seed: 0,
  clip: 0,
  t: 0,             // the step shown
  sel: 0,           // the selected racer
  log: true,        // log-scale loss chart
  speed: 40,        // steps per second
  az: -0.75,        // 3-D view: azimuth
  el: 0.95,         //            elevation
};

// What the server told us.
const data = {
  optimizers: [],   // GET /api/optimizers
  byName: {},
  functions: [],    // GET /api/functions
  limits: {max_steps: 10000, max_racers: 8},
  grid: null,       // GET /api/grid answer, with derived fields
  gridFor: '',      // the fn text it was asked for
  results: null,    // POST /api/race answer
  raceKey: '',      // the request it answers
  raceErr: null,    // {error, field}
  point: null,      // POST /api/point answer for the selected racer
  pointKey: '',
};

let pending = 0;        // requests in flight
let booted = false;
let playing = false;
let tFloat = 0;         // animation clock, in steps
let drawnSegments = 0;  // trajectory segments drawn in the last frame (for tests)

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- numbers

function fmt(v, digits = 4) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(Math.max(0, digits - 2)).replace('e+', 'e');
  return String(Number(v.toPrecision(digits)));
}

// specNum writes a number for a spec string: short, exact enough.
function specNum(v) {
  if (v === 0) return '0';
  return String(Number(v.toPrecision(4)));
}

function clamp(v, lo, hi) { return Math.min(hi, Math.max(lo, v)); }

// ---------------------------------------------------------------- API

async function api(path, body) {
  pending++;
  updateBusy();
  try {
    const init = body === undefined ? {} : {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)};
    const resp = await fetch(path, init);
    const json = await resp.json().catch(() => ({error: resp.status + ' ' + resp.statusText}));
    if (!resp.ok) {
      const err = new Error(json.error || resp.statusText);
      err.field = json.field || '';
      err.status = resp.status;
      throw err;
    }
    return json;
  } finally {
    pending--;
    updateBusy();
  }
}

function updateBusy() { $('busy').hidden = pending === 0; }

// ---------------------------------------------------------------- specs

// parseSpec splits "name:k=v,k=v" into {name, kv: Map}.
function parseSpec(spec) {
  const i = spec.indexOf(':');
  const name = (i < 0 ? spec : spec.slice(0, i)).trim().toLowerCase();
  const kv = new Map();
  if (i >= 0 && !spec.includes('+')) {
    for (const part of spec.slice(i + 1).split(',')) {
      const j = part.indexOf('=');
      if (j > 0) kv.set(part.slice(0, j).trim(), part.slice(j + 1).trim());
    }
  }
  return {name, kv};
}

// specValues gives every hyperparameter of a spec its value: the spec's,
// or the default.
function specValues(spec) {
  const {name, kv} = parseSpec(spec);
  const info = data.byName[name];
  if (!info || spec.includes('+')) return null;
  const vals = {};
  for (const p of info.params) {
    const raw = kv.get(p.key);
    if (raw === undefined) { vals[p.key] = p.type === 'pair' ? p.default.slice() : p.default; continue; }
    switch (p.type) {
      case 'bool': vals[p.key] = raw === 'true' || raw === '1'; break;
      case 'string': vals[p.key] = raw; break;
      case 'pair': vals[p.key] = raw.split('/').map(Number); break;
      default: vals[p.key] = Number(raw);
    }
  }
  return {name, info, vals};
}

// buildSpec writes name and the values that differ from the defaults.
function buildSpec(name, vals) {
  const info = data.byName[name];
  const parts = [];
  for (const p of info.params) {
    const v = vals[p.key];
    if (v === undefined) continue;
    let s;
    switch (p.type) {
      case 'bool': if (v === p.default) continue; s = String(v); break;
      case 'string': if (v === p.default) continue; s = v; break;
      case 'pair': if (v[0] === p.default[0] && v[1] === p.default[1]) continue; s = specNum(v[0]) + '/' + specNum(v[1]); break;
      default: if (v === p.default) continue; s = p.type === 'int' ? String(Math.round(v)) : specNum(v);
    }
    parts.push(p.key + '=' + s);
  }
  return parts.length ? name + ':' + parts.join(',') : name;
}

// How a hyperparameter is edited.
const LOG = (lo, hi, zero) => ({kind: 'log', lo, hi, zero});
const LIN = (lo, hi, step) => ({kind: 'lin', lo, hi, step});
const CONTROLS = {
  lr: LOG(-5, 1, false), adamw_lr: LOG(-6, 0, false),
  momentum: LIN(0, 0.999, 0.001), dampening: LIN(0, 1, 0.01), alpha: LIN(0, 0.999, 0.001), rho: LIN(0, 0.999, 0.001),
  'betas.0': LIN(0, 0.999, 0.001), 'betas.1': LIN(0, 0.9999, 0.0001),
  eps: LOG(-16, 0, true), weight_decay: LOG(-5, 0, true), lr_decay: LOG(-6, 0, true), lambd: LOG(-6, 0, true),
  initial_accumulator_value: LOG(-4, 1, true), momentum_decay: LOG(-4, 0, true), trust_coefficient: LOG(-4, 0, true),
};
const MAIN = new Set(['lr', 'momentum', 'nesterov', 'betas', 'alpha', 'rho', 'centered', 'amsgrad', 'line_search_fn', 'etas', 'weight_decouple', 'no_nesterov']);
const HIDDEN = new Set(['maximize']);
const CHOICES = {line_search_fn: ['', 'strong_wolfe'], adjust_lr_fn: ['original', 'match_rms_adamw']};

function sliderToValue(c, pos) { // pos in [0, 1000]
  if (c.kind === 'lin') return Math.round((c.lo + (c.hi - c.lo) * pos / 1000) / c.step) * c.step;
  if (c.zero && pos === 0) return 0;
  return Math.pow(10, c.lo + (c.hi - c.lo) * pos / 1000);
}

function valueToSlider(c, v) {
  if (c.kind === 'lin') return clamp(Math.round(1000 * (v - c.lo) / (c.hi - c.lo)), 0, 1000);
  if (v <= 0) return 0;
  return clamp(Math.round(1000 * (Math.log10(v) - c.lo) / (c.hi - c.lo)), c.zero ? 1 : 0, 1000);
}

// ---------------------------------------------------------------- hash

function writeHash() {
  const q = new URLSearchParams();
  q.set('fn', state.fn);
  if (state.start) q.set('start', state.start.join(','));
  for (const o of state.opts) q.append('opt', o);
  q.set('steps', state.steps);
  if (state.noise) q.set('noise', state.noise);
  if (state.seed) q.set('seed', state.seed);
  if (state.clip) q.set('clip', state.clip);
  q.set('t', state.t);
  q.set('sel', state.sel);
  q.set('log', state.log ? 1 : 0);
  q.set('speed', state.speed);
  q.set('view', state.az.toFixed(2) + ',' + state.el.toFixed(2));
  const h = '#' + q.toString();
  if (location.hash !== h) history.replaceState(null, '', h);
}

let hashTimer = 0;
function writeHashSoon() {
  if (hashTimer) return;
  hashTimer = setTimeout(() => { hashTimer = 0; writeHash(); }, 250);
}

function num(s, def) {
  const v = Number(s);
  return s === null || s === '' || !Number.isFinite(v) ? def : v;
}

function readHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  if (!q.get('fn')) return false;
  state.fn = q.get('fn');
  const st = (q.get('start') || '').split(',').map(Number);
  state.start = st.length === 2 && st.every(Number.isFinite) ? st : null;
  state.opts = q.getAll('opt').slice(0, data.limits.max_racers);
  if (!state.opts.length) state.opts = ['sgd:lr=0.01'];
  state.steps = clamp(Math.round(num(q.get('steps'), 500)), 1, data.limits.max_steps);
  state.noise = Math.max(0, num(q.get('noise'), 0));
  state.seed = Math.max(0, Math.round(num(q.get('seed'), 0)));
  state.clip = Math.max(0, num(q.get('clip'), 0));
  state.t = Math.max(0, Math.round(num(q.get('t'), 0)));
  state.sel = clamp(Math.round(num(q.get('sel'), 0)), 0, state.opts.length - 1);
  state.log = q.get('log') !== '0';
  state.speed = clamp(num(q.get('speed'), 40), 1, 2000);
  const v = (q.get('view') || '').split(',').map(Number);
  if (v.length === 2 && v.every(Number.isFinite)) { state.az = v[0]; state.el = clamp(v[1], 0.05, Math.PI / 2); }
  tFloat = state.t;
  return true;
}

function applyPreset(id) {
  const p = PRESETS.find((x) => x.id === id);
  if (!p) return;
  pause();
  Object.assign(state, {fn: p.fn, start: p.start.slice(), opts: p.opts.slice(), steps: p.steps, speed: p.speed,
    noise: p.noise || 0, seed: p.seed || 0, clip: 0, t: 0, sel: 0});
  tFloat = 0;
}

// ---------------------------------------------------------------- loading

// sync brings the grid, the race and the point up to date with the state.
async function sync() {
  syncControls();
  try {
    if (data.gridFor !== state.fn) await loadGrid();
  } catch (e) {
    return;
  }
  await loadRace();
  render();
  updatePoint();
}

async function loadGrid() {
  const fn = state.fn;
  $('fn-error').textContent = '';
  try {
    const g = await api('/api/grid?n=151&fn=' + encodeURIComponent(fn));
    prepareGrid(g);
    data.grid = g;
    data.gridFor = fn;
    data.results = null;
    data.raceKey = '';
    mapCache = null;
    surfCache = null;
    const d = g.fn.domain;
    if (state.start && (state.start[0] < d[0].lo || state.start[0] > d[0].hi || state.start[1] < d[1].lo || state.start[1] > d[1].hi)) {
      state.start = null;
    }
    $('formula').textContent = 'f = ' + g.fn.formula;
  } catch (e) {
    $('fn-error').textContent = e.message;
    if (state.fn.startsWith('expr:')) showExpr(true);
    throw e;
  }
}

let raceSeq = 0;
async function loadRace() {
  const body = {fn: state.fn, opts: state.opts.slice(), steps: state.steps};
  if (state.start) body.start = state.start.slice();
  if (state.noise) body.noise = state.noise;
  if (state.seed) body.seed = state.seed;
  if (state.clip) body.clip = state.clip;
  const key = JSON.stringify(body);
  if (key === data.raceKey) return;
  const seq = ++raceSeq;
  try {
    const res = await api('/api/race', body);
    if (seq !== raceSeq) return;
    data.results = res;
    data.raceErr = null;
    data.raceKey = key;
  } catch (e) {
    if (seq !== raceSeq) return;
    data.results = null;
    data.raceErr = {error: e.message, field: e.field || ''};
    data.raceKey = '';
  }
  const mt = maxT();
  if (state.t > mt) state.t = mt;
  tFloat = state.t;
  data.point = null;
  data.pointKey = '';
  updateRacerStatus();
}

let raceTimer = 0;
// raceSoon reruns the race a moment after the last change (counted as a
// request in flight meanwhile).
function raceSoon() {
  if (raceTimer) clearTimeout(raceTimer);
  else { pending++; updateBusy(); }
  raceTimer = setTimeout(async () => {
    raceTimer = 0;
    pending--;
    await sync();
  }, 180);
}

let pointBusy = false, pointAgain = false;
async function updatePoint() {
  const r = data.results && data.results[state.sel];
  if (!r) { data.point = null; renderInspector(); return; }
  const k = Math.min(state.t, r.trajectory.length - 1);
  const key = data.raceKey + '|' + state.sel + '|' + k;
  if (key === data.pointKey) { renderInspector(); return; }
  if (pointBusy) { pointAgain = true; return; }
  pointBusy = true;
  try {
    const losses = r.losses.slice(Math.max(0, k + 1 - 100), k + 1);
    data.point = await api('/api/point', {fn: state.fn, x: r.trajectory[k], losses});
    data.pointKey = key;
  } catch (e) {
    data.point = null;
    data.pointKey = '';
  } finally {
    pointBusy = false;
  }
  renderInspector();
  render();
  if (pointAgain) { pointAgain = false; updatePoint(); }
}

// ---------------------------------------------------------------- grid

const RAMP = [[11, 16, 38], [22, 45, 84], [28, 87, 118], [42, 128, 128], [93, 165, 121], [170, 196, 120], [233, 222, 150], [250, 244, 214]];

function ramp(u) {
  u = clamp(u, 0, 1) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(u)), f = u - i;
  const a = RAMP[i], b = RAMP[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

// prepareGrid adds what drawing needs: the sorted finite values (colours
// by rank), contour levels and the height transform of the 3-D view.
function prepareGrid(g) {
  const vals = [];
  for (const row of g.z) for (const v of row) if (v !== null) vals.push(v);
  vals.sort((a, b) => a - b);
  g.sorted = vals;
  const q = (p) => vals.length ? vals[Math.min(vals.length - 1, Math.floor(p * vals.length))] : 0;
  const levels = [];
  for (let i = 1; i < 20; i++) {
    const v = q(Math.pow(i / 20, 1.6));
    if (!levels.length || v - levels[levels.length - 1] > 1e-9 * (Math.abs(v) + 1)) levels.push(v);
  }
  g.levels = levels;
  g.lo = vals.length ? vals[0] : 0;
  const med = q(0.5);
  g.hs = Math.max((med - g.lo) / 4, 1e-12 * (Math.abs(g.lo) + 1));
  g.hmax = Math.log1p((q(0.995) - g.lo) / g.hs) || 1;
}

function rank(g, v) { // the fraction of grid values below v
  const a = g.sorted;
  let lo = 0, hi = a.length;
  while (lo < hi) { const m = (lo + hi) >> 1; if (a[m] < v) lo = m + 1; else hi = m; }
  return a.length ? lo / a.length : 0;
}

function height(g, v) { // 3-D height in [0, 1]
  if (v === null || !Number.isFinite(v)) return 1;
  return clamp(Math.log1p(Math.max(0, v - g.lo) / g.hs) / g.hmax, 0, 1.08);
}

// contours runs marching squares over the grid for every level and
// returns segments in data coordinates.
function contours(g) {
  const n = g.n, xs = g.x, ys = g.y, z = g.z, out = [];
  for (const L of g.levels) {
    const segs = [];
    for (let j = 0; j + 1 < n; j++) {
      for (let i = 0; i + 1 < n; i++) {
        const a = z[j][i], b = z[j][i + 1], c = z[j + 1][i + 1], d = z[j + 1][i];
        if (a === null || b === null || c === null || d === null) continue;
        const idx = (a > L ? 1 : 0) | (b > L ? 2 : 0) | (c > L ? 4 : 0) | (d > L ? 8 : 0);
        if (idx === 0 || idx === 15) continue;
        const x0 = xs[i], x1 = xs[i + 1], y0 = ys[j], y1 = ys[j + 1];
        const e = [
          [x0 + (x1 - x0) * (L - a) / (b - a), y0],
          [x1, y0 + (y1 - y0) * (L - b) / (c - b)],
          [x0 + (x1 - x0) * (L - d) / (c - d), y1],
          [x0, y0 + (y1 - y0) * (L - a) / (d - a)],
        ];
        const add = (p, q) => segs.push(e[p][0], e[p][1], e[q][0], e[q][1]);
        switch (idx) {
          case 1: case 14: add(3, 0); break;
          case 2: case 13: add(0, 1); break;
          case 3: case 12: add(3, 1); break;
          case 4: case 11: add(1, 2); break;
          case 5: add(3, 0); add(1, 2); break;
          case 6: case 9: add(0, 2); break;
          case 7: case 8: add(3, 2); break;
          case 10: add(0, 1); add(2, 3); break;
        }
      }
    }
    out.push(segs);
  }
  return out;
}

// ---------------------------------------------------------------- canvases

// innerWidth is an element's width inside its padding.
function innerWidth(el) {
  const cs = getComputedStyle(el);
  return el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
}

function fitCanvas(cv, w, h) {
  const dpr = window.devicePixelRatio || 1;
  const W = Math.max(1, Math.round(w * dpr)), H = Math.max(1, Math.round(h * dpr));
  if (cv.width !== W || cv.height !== H) { cv.width = W; cv.height = H; }
  cv.style.width = w + 'px';
  cv.style.height = h + 'px';
  const ctx = cv.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

let mapCache = null;   // {w, h, canvas}
let mapSize = {w: 600, h: 600};

function layoutMap() {
  const g = data.grid;
  const wrap = $('map-wrap');
  const avail = innerWidth(wrap);
  const maxH = Math.max(280, window.innerHeight - (window.innerWidth > 900 ? 190 : 120));
  let aspect = 1;
  if (g) {
    const d = g.fn.domain;
    aspect = clamp((d[1].hi - d[1].lo) / (d[0].hi - d[0].lo), 0.75, 1.33);
  }
  let w = avail, h = w * aspect;
  if (h > maxH) { h = maxH; w = h / aspect; }
  mapSize = {w: Math.floor(w), h: Math.floor(h)};
}

function toPx(x, y) {
  const d = data.grid.fn.domain;
  return [(x - d[0].lo) / (d[0].hi - d[0].lo) * mapSize.w, (1 - (y - d[1].lo) / (d[1].hi - d[1].lo)) * mapSize.h];
}

function fromPx(px, py) {
  const d = data.grid.fn.domain;
  return [d[0].lo + px / mapSize.w * (d[0].hi - d[0].lo), d[1].lo + (1 - py / mapSize.h) * (d[1].hi - d[1].lo)];
}

// mapBackground draws the heat map and contours once per grid and size.
function mapBackground() {
  const g = data.grid;
  const dpr = window.devicePixelRatio || 1;
  if (mapCache && mapCache.w === mapSize.w && mapCache.h === mapSize.h && mapCache.dpr === dpr) return mapCache.canvas;
  const n = g.n;
  const img = document.createElement('canvas');
  img.width = n; img.height = n;
  const ictx = img.getContext('2d');
  const id = ictx.createImageData(n, n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const v = g.z[j][i];
      const k = ((n - 1 - j) * n + i) * 4;
      const c = v === null ? [60, 20, 30] : ramp(rank(g, v));
      id.data[k] = c[0]; id.data[k + 1] = c[1]; id.data[k + 2] = c[2]; id.data[k + 3] = 255;
    }
  }
  ictx.putImageData(id, 0, 0);
  const cv = document.createElement('canvas');
  cv.width = Math.round(mapSize.w * dpr); cv.height = Math.round(mapSize.h * dpr);
  const ctx = cv.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  // pixel centres sit on the grid points: stretch half a cell beyond
  const cw = mapSize.w / (n - 1), ch = mapSize.h / (n - 1);
  ctx.drawImage(img, -cw / 2, -ch / 2, mapSize.w + cw, mapSize.h + ch);
  if (!g.segs) g.segs = contours(g);
  ctx.lineWidth = 1;
  g.segs.forEach((segs, li) => {
    ctx.strokeStyle = `rgba(255,255,255,${0.10 + 0.12 * (1 - li / g.segs.length)})`;
    ctx.beginPath();
    for (let k = 0; k < segs.length; k += 4) {
      const [ax, ay] = toPx(segs[k], segs[k + 1]);
      const [bx, by] = toPx(segs[k + 2], segs[k + 3]);
      ctx.moveTo(ax, ay); ctx.lineTo(bx, by);
    }
    ctx.stroke();
  });
  // the known critical points
  for (const c of g.fn.critical_points) {
    const [px, py] = toPx(c.x[0], c.x[1]);
    ctx.save();
    ctx.translate(px, py);
    ctx.lineWidth = 1.5;
    if (c.kind === 'minimum') {
      ctx.strokeStyle = c.global ? '#ffffff' : 'rgba(255,255,255,.65)';
      star(ctx, c.global ? 7 : 5.5);
    } else if (c.kind === 'saddle') {
      ctx.strokeStyle = 'rgba(230,200,255,.85)';
      ctx.beginPath(); ctx.moveTo(-5, -5); ctx.lineTo(5, 5); ctx.moveTo(5, -5); ctx.lineTo(-5, 5); ctx.stroke();
    } else {
      ctx.strokeStyle = 'rgba(255,190,170,.85)';
      ctx.beginPath(); ctx.moveTo(0, -6); ctx.lineTo(5.5, 4); ctx.lineTo(-5.5, 4); ctx.closePath(); ctx.stroke();
    }
    ctx.restore();
  }
  mapCache = {w: mapSize.w, h: mapSize.h, dpr, canvas: cv};
  return cv;
}

function star(ctx, r) {
  ctx.beginPath();
  for (let k = 0; k < 10; k++) {
    const a = -Math.PI / 2 + k * Math.PI / 5, rr = k % 2 ? r * 0.45 : r;
    ctx.lineTo(rr * Math.cos(a), rr * Math.sin(a));
  }
  ctx.closePath();
  ctx.stroke();
}

function arrow(ctx, x0, y0, x1, y1, color, width, dashed) {
  const a = Math.atan2(y1 - y0, x1 - x0), hl = 8;
  ctx.save();
  ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = width;
  ctx.shadowColor = 'rgba(0,0,0,.6)'; ctx.shadowBlur = 3;
  if (dashed) ctx.setLineDash([5, 3]);
  ctx.beginPath(); ctx.moveTo(x0, y0); ctx.lineTo(x1 - hl * 0.6 * Math.cos(a), y1 - hl * 0.6 * Math.sin(a)); ctx.stroke();
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - hl * Math.cos(a - 0.4), y1 - hl * Math.sin(a - 0.4));
  ctx.lineTo(x1 - hl * Math.cos(a + 0.4), y1 - hl * Math.sin(a + 0.4));
  ctx.closePath(); ctx.fill();
  ctx.restore();
}

function startPoint() {
  return state.start || (data.grid ? data.grid.fn.start : [0, 0]);
}

// indexAt is the trajectory index racer r shows at step t.
function indexAt(r, t) { return Math.min(t, r.trajectory.length - 1); }

function maxT() {
  if (!data.results) return state.steps;
  let m = 0;
  for (const r of data.results) m = Math.max(m, r.trajectory.length - 1);
  return m;
}

function renderMap() {
  const cv = $('map');
  const ctx = fitCanvas(cv, mapSize.w, mapSize.h);
  ctx.clearRect(0, 0, mapSize.w, mapSize.h);
  if (!data.grid) return;
  ctx.drawImage(mapBackground(), 0, 0, mapSize.w, mapSize.h);
  const s = startPoint();
  const [sx, sy] = toPx(s[0], s[1]);
  ctx.save();
  ctx.strokeStyle = '#fff'; ctx.lineWidth = 2;
  ctx.beginPath(); ctx.arc(sx, sy, 6, 0, 2 * Math.PI); ctx.stroke();
  ctx.fillStyle = 'rgba(255,255,255,.9)';
  ctx.beginPath(); ctx.arc(sx, sy, 2, 0, 2 * Math.PI); ctx.fill();
  ctx.restore();
  drawnSegments = 0;
  const res = data.results;
  if (!res) return;
  const t = state.t;
  res.forEach((r, i) => {
    const color = COLORS[i % COLORS.length];
    const k = indexAt(r, t);
    ctx.save();
    ctx.lineJoin = 'round'; ctx.lineCap = 'round';
    ctx.strokeStyle = color; ctx.lineWidth = i === state.sel ? 2.6 : 1.9;
    ctx.shadowColor = 'rgba(0,0,0,.55)'; ctx.shadowBlur = 2;
    ctx.beginPath();
    for (let s = 0; s <= k; s++) {
      const [px, py] = toPx(r.trajectory[s][0], r.trajectory[s][1]);
      if (s === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
    }
    ctx.stroke();
    drawnSegments += k;
    // the steps as dots, when there are few
    if (k > 0 && k <= 200) {
      ctx.fillStyle = color;
      for (let s = 1; s <= k; s++) {
        const [px, py] = toPx(r.trajectory[s][0], r.trajectory[s][1]);
        ctx.beginPath(); ctx.arc(px, py, 1.8, 0, 2 * Math.PI); ctx.fill();
      }
    }
    const [hx, hy] = toPx(r.trajectory[k][0], r.trajectory[k][1]);
    ctx.shadowBlur = 4;
    ctx.fillStyle = color; ctx.strokeStyle = '#0b0e14'; ctx.lineWidth = 2;
    ctx.beginPath(); ctx.arc(hx, hy, i === state.sel ? 7 : 5.5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    if (r.status === 'diverged' && k === r.trajectory.length - 1) {
      ctx.strokeStyle = '#fff'; ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(hx - 5, hy - 5); ctx.lineTo(hx + 5, hy + 5); ctx.moveTo(hx + 5, hy - 5); ctx.lineTo(hx - 5, hy + 5); ctx.stroke();
    }
    ctx.restore();
  });
  // arrows at the selected racer: −∇f and its last step (the move from the
  // previous point, not an optimizer's momentum buffer)
  const r = res[state.sel];
  if (r) {
    const k = indexAt(r, t);
    const p = r.trajectory[k];
    const [px, py] = toPx(p[0], p[1]);
    const pt = data.point;
    if (pt && pt.gradient && data.pointKey.endsWith('|' + state.sel + '|' + k)) {
      const d = data.grid.fn.domain;
      const gx = -pt.gradient[0] / (d[0].hi - d[0].lo) * mapSize.w, gy = pt.gradient[1] / (d[1].hi - d[1].lo) * mapSize.h;
      const gl = Math.hypot(gx, gy);
      if (gl > 0) arrow(ctx, px, py, px + gx / gl * 58, py + gy / gl * 58, '#ffffff', 2.2, false);
    }
    if (k > 0) {
      const [qx, qy] = toPx(r.trajectory[k - 1][0], r.trajectory[k - 1][1]);
      const vx = px - qx, vy = py - qy, vl = Math.hypot(vx, vy);
      if (vl > 0.01) {
        const L = clamp(vl * 4, 22, 90);
        arrow(ctx, px, py, px + vx / vl * L, py + vy / vl * L, COLORS[state.sel % COLORS.length], 2.4, true);
      }
    }
  }
}

function renderLegend() {
  const el = $('map-legend');
  el.textContent = '';
  const res = data.results;
  state.opts.forEach((spec, i) => {
    const row = document.createElement('div');
    row.className = 'row';
    const sw = document.createElement('span');
    sw.className = 'sw';
    sw.style.background = COLORS[i % COLORS.length];
    const name = document.createElement('span');
    name.textContent = res && res[i] ? res[i].name : spec;
    row.append(sw, name);
    if (res && res[i]) {
      const st = document.createElement('span');
      st.className = 'st';
      const k = indexAt(res[i], state.t);
      st.textContent = 'f = ' + fmt(res[i].losses[k], 3);
      row.append(st);
    }
    el.append(row);
  });
  const key = document.createElement('div');
  key.className = 'row st';
  key.textContent = '→ −∇f   ⇢ last step   ★ minimum   ✕ saddle';
  el.append(key);
}

// ---------------------------------------------------------------- 3-D

let surfCache = null;
let surfSize = {w: 360, h: 260};

function project(u, v, w) {
  const ca = Math.cos(state.az), sa = Math.sin(state.az), ce = Math.cos(state.el), se = Math.sin(state.el);
  const x1 = u * ca - v * sa, y1 = u * sa + v * ca;
  const h = (w - 0.45) * 0.9;
  const S = Math.min(surfSize.w, surfSize.h * 1.25) * 0.31;
  return [surfSize.w / 2 + x1 * S, surfSize.h * 0.57 - (y1 * se + h * ce) * S, y1 * ce - h * se];
}

function surfUV(x, y) {
  const d = data.grid.fn.domain;
  return [2 * (x - d[0].lo) / (d[0].hi - d[0].lo) - 1, 2 * (y - d[1].lo) / (d[1].hi - d[1].lo) - 1];
}

function surfBackground() {
  const g = data.grid;
  const dpr = window.devicePixelRatio || 1;
  const key = [surfSize.w, surfSize.h, dpr, state.az.toFixed(3), state.el.toFixed(3)].join();
  if (surfCache && surfCache.key === key) return surfCache.canvas;
  const cv = document.createElement('canvas');
  cv.width = Math.round(surfSize.w * dpr); cv.height = Math.round(surfSize.h * dpr);
  const ctx = cv.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const n = g.n, m = 50, step = (n - 1) / (m - 1);
  const P = [], W = [], R = [];
  for (let b = 0; b < m; b++) {
    const j = Math.round(b * step);
    for (let a = 0; a < m; a++) {
      const i = Math.round(a * step);
      const z = g.z[j][i];
      const u = 2 * a / (m - 1) - 1, v = 2 * b / (m - 1) - 1, w = height(g, z);
      P.push(project(u, v, w));
      W.push([u, v, w]);
      R.push(z === null ? 1 : rank(g, z));
    }
  }
  const quads = [];
  const light = [-0.4, -0.5, 0.77];
  for (let b = 0; b + 1 < m; b++) {
    for (let a = 0; a + 1 < m; a++) {
      const i0 = b * m + a, i1 = i0 + 1, i2 = i0 + m + 1, i3 = i0 + m;
      const depth = (P[i0][2] + P[i1][2] + P[i2][2] + P[i3][2]) / 4;
      // a normal from the two diagonals, for shading
      const d1 = [W[i2][0] - W[i0][0], W[i2][1] - W[i0][1], (W[i2][2] - W[i0][2]) * 0.9];
      const d2 = [W[i3][0] - W[i1][0], W[i3][1] - W[i1][1], (W[i3][2] - W[i1][2]) * 0.9];
      let nx = d1[1] * d2[2] - d1[2] * d2[1], ny = d1[2] * d2[0] - d1[0] * d2[2], nz = d1[0] * d2[1] - d1[1] * d2[0];
      const nl = Math.hypot(nx, ny, nz) || 1;
      if (nz < 0) { nx = -nx; ny = -ny; nz = -nz; }
      const shade = 0.55 + 0.45 * Math.max(0, (nx * light[0] + ny * light[1] + nz * light[2]) / nl);
      quads.push([depth, i0, i1, i2, i3, (R[i0] + R[i1] + R[i2] + R[i3]) / 4, shade]);
    }
  }
  quads.sort((p, q) => q[0] - p[0]);
  ctx.lineWidth = 0.6;
  for (const [, i0, i1, i2, i3, rk, shade] of quads) {
    const c = ramp(rk);
    const col = `rgb(${c[0] * shade | 0},${c[1] * shade | 0},${c[2] * shade | 0})`;
    ctx.fillStyle = col; ctx.strokeStyle = col;
    ctx.beginPath();
    ctx.moveTo(P[i0][0], P[i0][1]); ctx.lineTo(P[i1][0], P[i1][1]); ctx.lineTo(P[i2][0], P[i2][1]); ctx.lineTo(P[i3][0], P[i3][1]);
    ctx.closePath(); ctx.fill(); ctx.stroke();
  }
  surfCache = {key, canvas: cv};
  return cv;
}

function renderSurf() {
  const cv = $('surf');
  const w = Math.floor(innerWidth(cv.parentElement));
  surfSize = {w: Math.max(200, w), h: Math.round(Math.max(200, w) * 0.68)};
  const ctx = fitCanvas(cv, surfSize.w, surfSize.h);
  ctx.fillStyle = '#10141c';
  ctx.fillRect(0, 0, surfSize.w, surfSize.h);
  if (!data.grid) return;
  ctx.drawImage(surfBackground(), 0, 0, surfSize.w, surfSize.h);
  const g = data.grid;
  const res = data.results;
  if (!res) return;
  res.forEach((r, i) => {
    const k = indexAt(r, state.t);
    ctx.save();
    ctx.strokeStyle = COLORS[i % COLORS.length]; ctx.lineWidth = i === state.sel ? 2.4 : 1.7;
    ctx.shadowColor = 'rgba(0,0,0,.7)'; ctx.shadowBlur = 2;
    ctx.beginPath();
    let last = null;
    for (let s = 0; s <= k; s++) {
      const [u, v] = surfUV(r.trajectory[s][0], r.trajectory[s][1]);
      if (Math.abs(u) > 1.05 || Math.abs(v) > 1.05) break;
      const p = project(u, v, height(g, r.losses[s]) + 0.01);
      if (s === 0) ctx.moveTo(p[0], p[1]); else ctx.lineTo(p[0], p[1]);
      last = p;
    }
    ctx.stroke();
    if (last) {
      ctx.fillStyle = COLORS[i % COLORS.length]; ctx.strokeStyle = '#0b0e14'; ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.arc(last[0], last[1], 4.5, 0, 2 * Math.PI); ctx.fill(); ctx.stroke();
    }
    ctx.restore();
  });
}

// ---------------------------------------------------------------- loss chart

function renderLoss() {
  const cv = $('loss');
  const w = Math.max(200, Math.floor(innerWidth(cv.parentElement))), h = Math.round(w * 0.5);
  const ctx = fitCanvas(cv, w, h);
  ctx.fillStyle = '#10141c';
  ctx.fillRect(0, 0, w, h);
  const res = data.results;
  if (!res || !data.grid) return;
  const L = 46, R = 10, T = 10, B = 24;
  ctx.font = '11px system-ui, sans-serif';
  const N = Math.max(1, maxT());
  // The log scale shows f − f*, for a surface whose least value is known.
  let fref = Infinity;
  for (const c of data.grid.fn.critical_points) if (c.kind === 'minimum' && c.global) fref = Math.min(fref, c.value);
  const logOK = Number.isFinite(fref), log = state.log && logOK;
  $('log').disabled = !logOK;
  $('log').parentElement.title = logOK ? '' : 'the log scale shows f − f*: this surface has no known minimum';
  const tf = log ? (v) => Math.log10(Math.max(v - fref, 1e-16)) : (v) => v;
  let lo = Infinity, hi = -Infinity;
  for (const r of res) for (const v of r.losses) { const y = tf(v); if (Number.isFinite(y)) { lo = Math.min(lo, y); hi = Math.max(hi, y); } }
  if (!(hi > lo)) { hi = lo + 1; }
  if (!log) { const pad = (hi - lo) * 0.04; lo -= pad; hi += pad; }
  const X = (s) => L + (w - L - R) * s / N, Y = (y) => T + (h - T - B) * (1 - (clamp(y, lo, hi) - lo) / (hi - lo));
  ctx.strokeStyle = '#263042'; ctx.fillStyle = '#8d97a8'; ctx.font = '11px system-ui, sans-serif'; ctx.lineWidth = 1;
  ctx.textAlign = 'right'; ctx.textBaseline = 'middle';
  const ticks = [];
  if (log) { // whole decades, at most six of them
    const a = Math.ceil(lo), z = Math.floor(hi), stride = Math.max(1, Math.ceil((z - a + 1) / 6));
    for (let e = a; e <= z; e += stride) ticks.push([e, '1e' + e]);
    if (!ticks.length) ticks.push([lo, fmt(Math.pow(10, lo), 2)], [hi, fmt(Math.pow(10, hi), 2)]);
  } else {
    for (let k = 0; k <= 4; k++) { const y = lo + (hi - lo) * k / 4; ticks.push([y, fmt(y, 3)]); }
  }
  for (const [y, label] of ticks) {
    const py = Y(y);
    ctx.beginPath(); ctx.moveTo(L, py); ctx.lineTo(w - R, py); ctx.stroke();
    ctx.fillText(label, L - 5, py);
  }
  ctx.textAlign = 'center'; ctx.textBaseline = 'top';
  for (let k = 0; k <= 4; k++) { const s = Math.round(N * k / 4); ctx.fillText(String(s), X(s), h - B + 6); }
  ctx.textAlign = 'right';
  ctx.fillText(log ? 'f − f*, log scale' : 'f', w - R - 2, T + 2);
  res.forEach((r, i) => {
    const k = indexAt(r, state.t);
    ctx.strokeStyle = COLORS[i % COLORS.length]; ctx.lineWidth = i === state.sel ? 2 : 1.4;
    ctx.beginPath();
    const stride = Math.max(1, Math.floor(k / 1500));
    for (let s = 0; s <= k; s += stride) {
      const y = tf(r.losses[s]);
      if (s === 0) ctx.moveTo(X(s), Y(y)); else ctx.lineTo(X(s), Y(y));
    }
    ctx.lineTo(X(k), Y(tf(r.losses[k])));
    ctx.stroke();
  });
  ctx.strokeStyle = 'rgba(255,255,255,.35)';
  ctx.beginPath(); ctx.moveTo(X(state.t), T); ctx.lineTo(X(state.t), h - B); ctx.stroke();
}

// ---------------------------------------------------------------- inspector

function renderInspector() {
  const res = data.results;
  const r = res && res[state.sel];
  const dl = $('insp');
  dl.textContent = '';
  $('badge').textContent = '';
  $('badge').className = 'badge';
  $('reason').textContent = '';
  if (!r) { $('insp-title').textContent = 'At the point'; return; }
  $('insp-title').textContent = r.name;
  $('insp-title').style.color = COLORS[state.sel % COLORS.length];
  const k = indexAt(r, state.t);
  const rows = [['step', k + (k < state.t ? ' (stopped)' : '')], ['point', '(' + r.trajectory[k].map((v) => fmt(v, 5)).join(', ') + ')'],
    ['f', fmt(r.losses[k], 6)]];
  const pt = data.point && data.pointKey.endsWith('|' + state.sel + '|' + k) ? data.point : null;
  if (pt) {
    rows.push(['∇f', pt.gradient ? '(' + pt.gradient.map((v) => fmt(v, 4)).join(', ') + ')' : '—']);
    rows.push(['‖∇f‖', fmt(pt.grad_norm, 4)]);
    rows.push(['Hessian λ', pt.eigenvalues ? pt.eigenvalues : null]);
    if (k > 0) {
      const p = r.trajectory[k], q = r.trajectory[k - 1];
      rows.push(['last step', fmt(Math.hypot(p[0] - q[0], p[1] - q[1]), 4)]);
    }
  }
  for (const [k2, v] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = k2;
    const dd = document.createElement('dd');
    if (Array.isArray(v)) {
      v.forEach((e, i) => {
        const s = document.createElement('span');
        s.className = e < 0 ? 'neg' : 'pos';
        s.textContent = (i ? ', ' : '') + fmt(e, 4);
        dd.append(s);
      });
    } else dd.textContent = v === null ? '—' : v;
    dl.append(dt, dd);
  }
  let status = pt ? pt.status : '';
  if (r.status === 'diverged' && k === r.trajectory.length - 1) status = 'diverged';
  if (status) {
    $('badge').textContent = status.replace('-', ' ');
    $('badge').className = 'badge ' + status;
    $('reason').textContent = pt && status === pt.status ? pt.reason : 'the next step left the surface (a non-finite value or beyond the limits)';
  }
}

// ---------------------------------------------------------------- racers UI

function renderRacers() {
  const list = $('racer-list');
  list.textContent = '';
  const res = data.results;
  state.opts.forEach((spec, i) => {
    const card = document.createElement('div');
    card.className = 'racer' + (i === state.sel ? ' selected' : '');
    card.style.setProperty('--c', COLORS[i % COLORS.length]);
    card.dataset.index = i;
    card.addEventListener('click', (e) => {
      if (e.target.closest('input,select,button,summary,details')) return;
      if (state.sel !== i) { state.sel = i; renderRacers(); render(); updatePoint(); writeHashSoon(); }
    });
    const head = document.createElement('div');
    head.className = 'racer-head';
    const dot = document.createElement('span');
    dot.className = 'dot';
    const sel = document.createElement('select');
    sel.setAttribute('aria-label', 'optimizer ' + (i + 1));
    const parsed = specValues(spec);
    const name = parseSpec(spec).name;
    for (const o of data.optimizers) {
      const opt = document.createElement('option');
      opt.value = o.name; opt.textContent = o.class;
      sel.append(opt);
    }
    if (!parsed) {
      const opt = document.createElement('option');
      opt.value = ''; opt.textContent = '(spec)';
      sel.append(opt);
      sel.value = '';
    } else sel.value = name;
    sel.addEventListener('change', () => {
      if (!sel.value) return;
      const info = data.byName[sel.value];
      const old = specValues(state.opts[i]);
      const vals = {};
      // keep the learning rate across a change of optimizer when both have one
      if (old && 'lr' in old.vals && info.params.some((p) => p.key === 'lr')) vals.lr = old.vals.lr;
      setSpec(i, buildSpec(sel.value, vals));
      renderRacers();
    });
    const rm = document.createElement('button');
    rm.type = 'button'; rm.textContent = '×'; rm.title = 'remove this optimizer';
    rm.disabled = state.opts.length <= 1;
    rm.addEventListener('click', () => removeRacer(i));
    head.append(dot, sel, rm);
    card.append(head);

    if (parsed) card.append(controls(i, parsed));

    const specIn = document.createElement('input');
    specIn.type = 'text'; specIn.className = 'spec'; specIn.value = spec; specIn.spellcheck = false;
    specIn.setAttribute('aria-label', 'spec of optimizer ' + (i + 1));
    specIn.title = 'the spec string, as descent race --opt takes it';
    specIn.addEventListener('change', () => { setSpec(i, specIn.value.trim()); renderRacers(); });
    const st = document.createElement('div');
    st.className = 'outcome';
    card.append(specIn, st);
    list.append(card);
  });
  $('add-racer').disabled = state.opts.length >= data.limits.max_racers;
  updateRacerStatus();
}

// updateRacerStatus writes each card's outcome (or its error) in place, so
// that a slider being dragged is never rebuilt.
function updateRacerStatus() {
  const res = data.results, err = data.raceErr;
  document.querySelectorAll('.racer').forEach((card, i) => {
    const st = card.querySelector('.outcome');
    if (!st) return;
    if (err && err.field === 'opts[' + i + ']') {
      st.className = 'outcome err';
      st.textContent = err.error;
    } else if (res && res[i]) {
      const r = res[i];
      st.className = 'outcome hint';
      st.textContent = `${r.name}: ends ${r.status} after ${r.trajectory.length - 1} steps, f = ${fmt(r.losses[r.losses.length - 1], 4)}`;
    } else {
      st.className = 'outcome';
      st.textContent = '';
    }
  });
}

// controls builds the hyperparameter inputs of racer i.
function controls(i, parsed) {
  const wrap = document.createElement('div');
  const main = document.createElement('div');
  main.className = 'ctl';
  const more = document.createElement('div');
  more.className = 'ctl';
  const vals = parsed.vals;
  const commit = () => setSpec(i, buildSpec(parsed.name, vals));
  const addRow = (grid, label, input, out) => {
    const k = document.createElement('span');
    k.className = 'k'; k.textContent = label; k.title = label;
    grid.append(k, input);
    if (out) grid.append(out); else input.classList.add('wide');
  };
  const sliderRow = (grid, label, c, get, set) => {
    const r = document.createElement('input');
    r.type = 'range'; r.min = 0; r.max = 1000; r.value = valueToSlider(c, get());
    r.setAttribute('aria-label', label);
    const o = document.createElement('input');
    o.type = 'number'; o.step = 'any'; o.value = specNum(get());
    o.setAttribute('aria-label', label + ' value');
    r.addEventListener('input', () => { const v = sliderToValue(c, +r.value); set(v); o.value = specNum(v); commit(); });
    o.addEventListener('change', () => { const v = Number(o.value); if (Number.isFinite(v)) { set(v); r.value = valueToSlider(c, v); commit(); } });
    addRow(grid, label, r, o);
  };
  for (const p of parsed.info.params) {
    if (HIDDEN.has(p.key)) continue;
    const grid = MAIN.has(p.key) ? main : more;
    if (p.type === 'bool') {
      const cb = document.createElement('input');
      cb.type = 'checkbox'; cb.checked = !!vals[p.key];
      cb.setAttribute('aria-label', p.key);
      cb.addEventListener('change', () => {
        vals[p.key] = cb.checked;
        if (p.key === 'nesterov' && cb.checked && !(vals.momentum > 0)) vals.momentum = 0.9; // PyTorch needs momentum for Nesterov
        commit();
        if (p.key === 'nesterov') renderRacers();
      });
      const box = document.createElement('span');
      box.className = 'wide';
      box.append(cb);
      addRow(grid, p.key, box);
    } else if (p.type === 'pair') {
      for (const e of [0, 1]) {
        const ck = CONTROLS[p.key + '.' + e];
        const label = p.key === 'betas' ? 'β' + (e + 1) : p.key + '[' + e + ']';
        if (ck) {
          sliderRow(grid, label, ck, () => vals[p.key][e], (v) => { vals[p.key][e] = v; });
        } else {
          const o = document.createElement('input');
          o.type = 'number'; o.step = 'any'; o.value = vals[p.key][e];
          o.setAttribute('aria-label', label);
          o.addEventListener('change', () => { const v = Number(o.value); if (Number.isFinite(v)) { vals[p.key][e] = v; commit(); } });
          addRow(grid, label, o);
        }
      }
    } else if (p.type === 'string') {
      let inp;
      if (CHOICES[p.key]) {
        inp = document.createElement('select');
        for (const c of CHOICES[p.key]) { const o = document.createElement('option'); o.value = c; o.textContent = c || '(none)'; inp.append(o); }
      } else {
        inp = document.createElement('input');
        inp.type = 'text';
      }
      inp.value = vals[p.key];
      inp.setAttribute('aria-label', p.key);
      inp.addEventListener('change', () => { vals[p.key] = inp.value; commit(); });
      addRow(grid, p.key, inp);
    } else if (p.type === 'int') {
      const o = document.createElement('input');
      o.type = 'number'; o.step = 1; o.min = 0; o.value = vals[p.key];
      o.setAttribute('aria-label', p.key);
      o.addEventListener('change', () => { const v = Math.round(Number(o.value)); if (Number.isFinite(v)) { vals[p.key] = v; commit(); } });
      addRow(grid, p.key, o);
    } else {
      const c = CONTROLS[p.key] || (vals[p.key] > 0 && vals[p.key] < 1 ? LIN(0, 1, 0.001) : LOG(-6, 2, true));
      sliderRow(grid, p.key, c, () => vals[p.key], (v) => { vals[p.key] = v; });
    }
  }
  wrap.append(main);
  if (more.childElementCount) {
    const det = document.createElement('details');
    const sum = document.createElement('summary');
    sum.textContent = 'more hyperparameters';
    det.append(sum, more);
    det.open = openMore.has(i);
    det.addEventListener('toggle', () => { if (det.open) openMore.add(i); else openMore.delete(i); });
    wrap.append(det);
  }
  return wrap;
}
const openMore = new Set();

function setSpec(i, spec) {
  if (!spec || state.opts[i] === spec) return;
  state.opts[i] = spec;
  const specIn = document.querySelectorAll('.racer .spec')[i];
  if (specIn) specIn.value = spec;
  afterSetupChange(false);
}

function addRacer() {
  if (state.opts.length >= data.limits.max_racers) return;
  const used = new Set(state.opts.map((s) => parseSpec(s).name));
  const next = ['adam', 'sgd', 'rmsprop', 'adagrad', 'nadam', 'lion', 'adamw', 'radam'].find((n) => !used.has(n)) || 'adam';
  const lr = {adam: 0.05, sgd: 0.01, rmsprop: 0.01, adagrad: 0.1, nadam: 0.05, lion: 0.01, adamw: 0.05, radam: 0.05}[next];
  state.opts.push(next + ':lr=' + lr);
  state.sel = state.opts.length - 1;
  renderRacers();
  afterSetupChange(false);
}

function removeRacer(i) {
  if (state.opts.length <= 1) return;
  state.opts.splice(i, 1);
  if (state.sel >= state.opts.length) state.sel = state.opts.length - 1;
  openMore.clear();
  renderRacers();
  afterSetupChange(false);
}

// afterSetupChange reruns the race; resetTime goes back to step 0.
function afterSetupChange(resetTime) {
  if (resetTime) { state.t = 0; tFloat = 0; pause(); }
  data.raceKey = '~';
  writeHashSoon();
  raceSoon();
}

// ---------------------------------------------------------------- transport

function setT(t) {
  state.t = clamp(Math.round(t), 0, maxT());
  tFloat = state.t;
  render();
  updatePoint();
  writeHashSoon();
}

function play() {
  if (!data.results) return;
  if (state.t >= maxT()) { state.t = 0; tFloat = 0; }
  playing = true;
  $('play').textContent = '❚❚ Pause';
  lastFrame = performance.now();
  requestAnimationFrame(frame);
}

function pause() {
  if (!playing) return;
  playing = false;
  $('play').textContent = '▶ Play';
  writeHashSoon();
  updatePoint();
}

let lastFrame = 0;
function frame(now) {
  if (!playing) return;
  const dt = Math.min(0.1, (now - lastFrame) / 1000);
  lastFrame = now;
  tFloat += state.speed * dt;
  const mt = maxT();
  if (tFloat >= mt) { tFloat = mt; state.t = mt; render(); pause(); return; }
  if (Math.floor(tFloat) !== state.t) {
    state.t = Math.floor(tFloat);
    render();
    updatePoint();
    writeHashSoon();
  }
  requestAnimationFrame(frame);
}

function stepBy(d) {
  pause();
  setT(state.t + d);
}

// ---------------------------------------------------------------- settings

const SPEED = {kind: 'log', lo: 0, hi: 3.3, zero: false};   // 1 to 2000 steps/s
const NOISE = {kind: 'log', lo: -3, hi: 2, zero: true};     // 0, 1e-3 to 100
const CLIP = {kind: 'log', lo: -2, hi: 3, zero: true};      // off, 0.01 to 1000

function syncControls() {
  const fnSel = $('fn');
  const isExpr = state.fn.startsWith('expr:');
  const base = state.fn.split(':')[0];
  if (isExpr) fnSel.value = 'expr:';
  else if ([...fnSel.options].some((o) => o.value === state.fn)) fnSel.value = state.fn;
  else if ([...fnSel.options].some((o) => o.value === base)) fnSel.value = base;
  showExpr(isExpr);
  if (isExpr && document.activeElement !== $('expr')) $('expr').value = state.fn.slice(5);
  const pr = PRESETS.find((p) => p.fn === state.fn && p.opts.join() === state.opts.join());
  $('preset').value = pr ? pr.id : '';
  $('speed').value = valueToSlider(SPEED, state.speed);
  $('speed-out').textContent = fmt(state.speed, 3) + '/s';
  $('steps').value = state.steps;
  $('steps').max = data.limits.max_steps;
  $('noise').value = valueToSlider(NOISE, state.noise);
  $('noise-out').textContent = state.noise ? fmt(state.noise, 3) : '0';
  $('seed').value = state.seed;
  $('clip').value = valueToSlider(CLIP, state.clip);
  $('clip-out').textContent = state.clip ? fmt(state.clip, 3) : 'off';
  $('log').checked = state.log;
}

function showExpr(on) { $('expr-form').hidden = !on; }

// ---------------------------------------------------------------- render

function render() {
  if (!data.grid) return;
  layoutMap();
  renderMap();
  renderLegend();
  renderSurf();
  renderLoss();
  renderInspector();
  const mt = maxT();
  const scrub = $('scrub');
  scrub.max = mt;
  scrub.value = state.t;
  $('tlabel').textContent = `step ${state.t} / ${mt}`;
  const re = $('race-error');
  if (data.raceErr) {
    re.hidden = false;
    re.textContent = (data.raceErr.field ? data.raceErr.field + ': ' : '') + data.raceErr.error;
  } else re.hidden = true;
}

// ---------------------------------------------------------------- events

function bind() {
  $('play').addEventListener('click', () => (playing ? pause() : play()));
  $('step').addEventListener('click', () => stepBy(1));
  $('reset').addEventListener('click', () => { pause(); setT(0); });
  $('scrub').addEventListener('input', () => { pause(); setT(+$('scrub').value); });
  $('add-racer').addEventListener('click', addRacer);
  $('speed').addEventListener('input', () => {
    state.speed = Number(sliderToValue(SPEED, +$('speed').value).toPrecision(2));
    $('speed-out').textContent = fmt(state.speed, 3) + '/s';
    writeHashSoon();
  });
  $('steps').addEventListener('change', () => {
    const v = Math.round(Number($('steps').value));
    if (!Number.isFinite(v)) return;
    state.steps = clamp(v, 1, data.limits.max_steps);
    $('steps').value = state.steps;
    afterSetupChange(false);
  });
  $('noise').addEventListener('input', () => {
    const v = sliderToValue(NOISE, +$('noise').value);
    state.noise = v ? Number(v.toPrecision(2)) : 0;
    $('noise-out').textContent = state.noise ? fmt(state.noise, 3) : '0';
    afterSetupChange(false);
  });
  $('seed').addEventListener('change', () => {
    state.seed = Math.max(0, Math.round(Number($('seed').value) || 0));
    afterSetupChange(false);
  });
  $('clip').addEventListener('input', () => {
    const v = sliderToValue(CLIP, +$('clip').value);
    state.clip = v ? Number(v.toPrecision(2)) : 0;
    $('clip-out').textContent = state.clip ? fmt(state.clip, 3) : 'off';
    afterSetupChange(false);
  });
  $('log').addEventListener('change', () => { state.log = $('log').checked; renderLoss(); writeHashSoon(); });
  $('preset').addEventListener('change', () => {
    if (!$('preset').value) return;
    applyPreset($('preset').value);
    openMore.clear();
    writeHash();
    renderRacers();
    sync();
  });
  $('fn').addEventListener('change', () => {
    const v = $('fn').value;
    if (v === 'expr:') {
      showExpr(true);
      $('expr').focus();
      return;
    }
    pause();
    state.fn = v; state.start = null; state.t = 0; tFloat = 0;
    writeHash();
    sync();
  });
  $('expr-form').addEventListener('submit', (e) => {
    e.preventDefault();
    pause();
    state.fn = 'expr:' + $('expr').value.trim();
    state.start = null; state.t = 0; tFloat = 0;
    writeHash();
    sync();
  });
  $('share').addEventListener('click', async () => {
    writeHash();
    try {
      await navigator.clipboard.writeText(location.href);
      $('share').textContent = 'Copied ✓';
    } catch (e) {
      window.prompt('Copy this link:', location.href);
    }
    setTimeout(() => { $('share').textContent = 'Copy link'; }, 1500);
  });

  const map = $('map');
  map.addEventListener('click', (e) => {
    if (!data.grid) return;
    const rect = map.getBoundingClientRect();
    const [x, y] = fromPx((e.clientX - rect.left) * mapSize.w / rect.width, (e.clientY - rect.top) * mapSize.h / rect.height);
    const d = data.grid.fn.domain;
    const q = (v, r) => { const u = Math.pow(10, Math.floor(Math.log10((r.hi - r.lo) / 1000))); return Number((Math.round(v / u) * u).toPrecision(6)); };
    state.start = [q(x, d[0]), q(y, d[1])];
    afterSetupChange(true);
    render();
  });
  map.addEventListener('mousemove', (e) => {
    if (!data.grid) return;
    const rect = map.getBoundingClientRect();
    const [x, y] = fromPx((e.clientX - rect.left) * mapSize.w / rect.width, (e.clientY - rect.top) * mapSize.h / rect.height);
    $('map-hover').textContent = `(${fmt(x, 3)}, ${fmt(y, 3)}) · click to start here`;
  });
  map.addEventListener('mouseleave', () => { $('map-hover').textContent = ''; });

  const surf = $('surf');
  let drag = null;
  surf.addEventListener('pointerdown', (e) => { drag = [e.clientX, e.clientY]; surf.setPointerCapture(e.pointerId); });
  surf.addEventListener('pointermove', (e) => {
    if (!drag) return;
    state.az += (e.clientX - drag[0]) * 0.01;
    state.el = clamp(state.el + (e.clientY - drag[1]) * 0.01, 0.05, Math.PI / 2);
    drag = [e.clientX, e.clientY];
    renderSurf();
  });
  const endDrag = () => { if (drag) { drag = null; writeHashSoon(); } };
  surf.addEventListener('pointerup', endDrag);
  surf.addEventListener('pointercancel', endDrag);

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const tag = (e.target.tagName || '').toLowerCase();
    if ((tag === 'input' && !['range', 'checkbox'].includes(e.target.type)) || tag === 'select' || tag === 'textarea') return;
    if (tag === 'button' && (e.key === ' ' || e.key === 'Enter')) return; // the focused button's own click
    if (e.key === ' ') { e.preventDefault(); playing ? pause() : play(); }
    else if (e.key === 's' || e.key === 'S') stepBy(1);
    else if (e.key === 'r' || e.key === 'R') { pause(); setT(0); }
    else if (e.key === 'ArrowRight' && tag !== 'input') stepBy(1);
    else if (e.key === 'ArrowLeft' && tag !== 'input') stepBy(-1);
  });

  window.addEventListener('hashchange', () => {
    pause();
    if (readHash()) { openMore.clear(); renderRacers(); sync(); }
  });
  let resizeTimer = 0;
  window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(render, 60); });
}

// ---------------------------------------------------------------- start

async function boot() {
  bind();
  const [opts, fns, limits] = await Promise.all([api('/api/optimizers'), api('/api/functions'), api('/api/limits')]);
  data.optimizers = opts;
  for (const o of opts) data.byName[o.name] = o;
  data.functions = fns.filter((f) => f.dim === 2);
  data.limits = limits;
  const fnSel = $('fn');
  for (const f of data.functions) {
    const o = document.createElement('option');
    o.value = f.name; o.textContent = f.name;
    fnSel.append(o);
  }
  const ce = document.createElement('option');
  ce.value = 'expr:'; ce.textContent = 'custom expression…';
  fnSel.append(ce);
  const ps = $('preset');
  const none = document.createElement('option');
  none.value = ''; none.textContent = '— your own setup —';
  ps.append(none);
  for (const p of PRESETS) {
    const o = document.createElement('option');
    o.value = p.id; o.textContent = p.name;
    ps.append(o);
  }
  if (!readHash()) applyPreset('banana');
  writeHash();
  renderRacers();
  await sync();
  booted = true;
}

// The page's state for tests and the curious (window.playground).
window.playground = {
  get ready() { return booted && pending === 0 && !pointBusy && !!data.grid && (!!data.results || !!data.raceErr); },
  get state() { return JSON.parse(JSON.stringify(state)); },
  get results() { return data.results; },
  get playing() { return playing; },
  get drawnSegments() { return drawnSegments; },
  get error() { return data.raceErr; },
  position(i) { const r = data.results && data.results[i]; return r ? r.trajectory[indexAt(r, state.t)] : null; },
  presets: PRESETS.map((p) => ({id: p.id, name: p.name})),
};

boot().catch((e) => {
  $('fn-error').textContent = 'the page could not start: ' + e.message;
});

})();
