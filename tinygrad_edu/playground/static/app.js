// tinygrad-edu playground: plain JavaScript, no build step, no network beyond this server.
// The server trains; this page sends settings, asks for epochs and draws what comes back.
"use strict";

const $ = (sel) => document.querySelector(sel);
const COLORS = { neg: [245, 147, 34], pos: [8, 119, 189], mid: [245, 245, 245] };

// ---------------------------------------------------------------------------- API

// All calls go through one queue so settings changes and training steps never interleave.
let queue = Promise.resolve();
function serial(fn) {
  const p = queue.then(fn, fn);
  queue = p.catch(() => {});
  return p;
}

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, opts);
  } catch (e) {  // no answer at all: the server was stopped, or the machine is asleep
    throw new Error("cannot reach the playground server: is tinygrad-edu playground still " +
                    "running? (start it again, then reload this page)");
  }
  let data = null;
  try { data = await res.json(); } catch (e) { data = { error: `HTTP ${res.status}` }; }
  if (!res.ok) {
    const err = new Error(data.error || `HTTP ${res.status}`);
    err.status = res.status;
    throw err;
  }
  return data;
}

// ---------------------------------------------------------------------------- state

// Filled from the server's /api/defaults at start, so the page and the server agree.
const DEFAULTS = {};
const DEFAULT_NOISE = {};
const LIVE_KEYS = ["lr", "l2", "batch_size"];
const LIMITS = { maxLayers: 6, maxNeurons: 32, maxCsvBytes: 256 * 1024 };

const cfg = {};
let csvText = null;           // an uploaded file's text, held only by this tab
let csvName = "";
// The settings the server last accepted: a rejected change goes back to these, so one bad
// value never sticks in the controls, the link or the next request.
const accepted = { cfg: null, csvText: null, csvName: "" };
let csvNotInLink = false;     // a link said dataset=csv: the file itself cannot come with it
let sessionId = null;
let playing = false;
let points = null;            // {extent, train: {x, y}, test: {x, y}}
let frame = null;
let history = [];
let epochsPerRequest = 2;
let warned = false;           // the alert shows a divergence warning that may clear itself

function readUrl() {
  const q = new URLSearchParams(location.search);
  const num = (k, int) => {
    if (!q.has(k)) return;
    const v = int ? parseInt(q.get(k), 10) : parseFloat(q.get(k));
    if (Number.isFinite(v)) cfg[k] = v;
  };
  for (const k of ["dataset", "activation", "loss", "optimizer"]) if (q.has(k)) cfg[k] = q.get(k);
  csvNotInLink = cfg.dataset === "csv";
  if (csvNotInLink) cfg.dataset = DEFAULTS.dataset;             // a file cannot live in a URL
  // A hand-written link may name a dataset without its noise: use that dataset's own.
  if (cfg.dataset in DEFAULT_NOISE) cfg.noise = DEFAULT_NOISE[cfg.dataset];
  if (!csvNotInLink) num("noise");                           // a CSV's noise is 0
  num("test_size"); num("lr"); num("l2");
  num("points", true); num("seed", true); num("batch_size", true);
  if (q.has("hidden")) {
    const h = q.get("hidden") === "" ? [] : q.get("hidden").split(",").map((s) => parseInt(s, 10));
    if (h.every((n) => Number.isInteger(n) && n > 0)) cfg.hidden = h;
  }
  return q.get("mode") === "xor" ? "xor" : "train";
}

function writeUrl() {
  const q = new URLSearchParams();
  if (currentMode === "xor") q.set("mode", "xor");
  for (const [k, v] of Object.entries(cfg)) q.set(k, Array.isArray(v) ? v.join(",") : String(v));
  history_replace(`${location.pathname}?${q.toString()}`);
}
function history_replace(url) { window.history.replaceState(null, "", url); }

function payload() {
  const p = { ...cfg, hidden: [...cfg.hidden] };
  if (cfg.dataset === "csv") p.csv = csvText;
  return p;
}

// ---------------------------------------------------------------------------- controls

function syncControls() {
  for (const k of ["activation", "loss", "optimizer"]) $(`#${k}`).value = cfg[k];
  $("#lr").value = cfg.lr;
  $("#batch_size").value = cfg.batch_size;
  $("#l2").value = cfg.l2;
  $("#noise").value = cfg.noise;
  $("#test_size").value = cfg.test_size;
  $("#points").value = cfg.points;
  $("#seed").value = cfg.seed;
  $("#noise-out").textContent = Number(cfg.noise).toFixed(2);
  $("#split-out").textContent = `${Math.round((1 - cfg.test_size) * 100)}% / ${Math.round(cfg.test_size * 100)}%`;
  $("#points-out").textContent = cfg.points;
  document.querySelectorAll("[data-dataset]").forEach((b) =>
    b.classList.toggle("active", b.dataset.dataset === cfg.dataset));
  $("#n-layers").textContent = cfg.hidden.length;
  $("#points").disabled = $("#noise").disabled = cfg.dataset === "csv";
  $("#csv-name").textContent = cfg.dataset === "csv" ? `CSV: ${csvName}` : "";
  const box = $("#neuron-ctls");
  box.innerHTML = "";
  const net = netLayout([2, ...cfg.hidden, 1], $("#network"));
  cfg.hidden.forEach((n, i) => {
    const d = document.createElement("div");
    d.className = "neuron-ctl";
    d.style.left = `${net.colX(i + 1) + net.box / 2}px`;     // centred over its column
    d.innerHTML = `<button data-testid="remove-neuron-${i}" title="Remove a neuron">&minus;</button>` +
      `<span data-testid="neurons-${i}">${n}</span>` +
      `<button data-testid="add-neuron-${i}" title="Add a neuron">+</button>`;
    const [minus, , plus] = d.children;
    minus.onclick = () => { if (cfg.hidden[i] > 1) { cfg.hidden[i]--; changed(["hidden"]); } };
    plus.onclick = () => { if (cfg.hidden[i] < LIMITS.maxNeurons) { cfg.hidden[i]++; changed(["hidden"]); } };
    box.appendChild(d);
  });
  $("#net-summary").textContent = `2 \u2192 ${cfg.hidden.join(" \u2192 ")}${cfg.hidden.length ? " \u2192 " : ""}1`;
}

function showAlert(msg) {
  const el = $("#alert");
  el.hidden = !msg;
  el.textContent = msg || "";
}

function accept(state) {
  accepted.cfg = JSON.parse(JSON.stringify(state.config));
  accepted.csvText = state.config.dataset === "csv" ? csvText : null;
  accepted.csvName = state.config.dataset === "csv" ? csvName : "";
}

// Put the settings named by `keys` back to what the server last accepted.
function revert(keys) {
  if (!accepted.cfg) return;
  for (const k of keys) if (k in accepted.cfg) cfg[k] = JSON.parse(JSON.stringify(accepted.cfg[k]));
  if (keys.includes("dataset")) { csvText = accepted.csvText; csvName = accepted.csvName; }
  syncControls();
  writeUrl();
}

// A settings change; `keys` names the settings it touched. The server decides whether it is
// live (lr, L2, batch) or a rebuild; if it refuses, those settings go back and it says why.
function changed(keys) {
  syncControls();
  writeUrl();
  return serial(async () => {
    // Built when it is sent, not when clicked: an earlier change may have been reverted.
    const live = keys.every((k) => LIVE_KEYS.includes(k));
    const body = live ? Object.fromEntries(keys.map((k) => [k, cfg[k]])) : payload();
    try {
      const r = await withSession(() => api("POST", `/api/session/${sessionId}/config`, body));
      accept(r.state);
      if (r.rebuilt !== "live") history = [];
      if (r.points) points = r.points;
      showAlert(null);
      apply(r);
    } catch (e) {
      revert(keys);
      showAlert(e.message);
    }
  });
}

// A session that expired (the server evicts idle ones) is recreated from the current settings.
async function withSession(fn) {
  if (!sessionId) await createSession();
  try {
    return await fn();
  } catch (e) {
    if (e.status !== 404) throw e;
    await createSession();
    return await fn();
  }
}

async function createSession() {
  const r = await api("POST", "/api/session", payload());
  sessionId = r.state.session;
  accept(r.state);
  points = r.points;
  history = [];
  apply(r);
  return r;
}

function apply(r) {
  if (r.frame) frame = r.frame;
  if (r.history) for (const h of r.history) history.push(h);
  if (history.length > 4000) history = history.filter((_, i) => i % 2 === 0);
  const st = r.state;
  $("#epoch").textContent = st.epoch;
  const m = st.metrics;
  const fmt = (v, d) => (v === null || v === undefined ? "NaN" : Number(v).toFixed(d));
  $("#train-loss").textContent = fmt(m.train_loss, 4);
  $("#test-loss").textContent = fmt(m.test_loss, 4);
  $("#train-accuracy").textContent = fmt(m.train_accuracy, 3);
  $("#test-accuracy").textContent = fmt(m.test_accuracy, 3);
  if (st.diverged) {
    showAlert(st.diverged);
    setPlaying(false);
  } else if (st.warning) {
    showAlert(st.warning);
  } else if (warned) {
    showAlert(null);
  }
  warned = !!st.warning;
  if (!r.history && history.length === 0) history = [m];   // a fresh start: the epoch-0 point
  draw();
}

function setPlaying(on) {
  playing = on;
  $("#play").disabled = on;
  $("#pause").disabled = !on;
  document.body.classList.toggle("playing", on);
}

async function stepOnce(epochs) {
  const r = await withSession(() =>
    api("POST", `/api/session/${sessionId}/step`, { epochs, frame: true }));
  const perEpoch = r.train_seconds / Math.max(1, r.history.length);
  // About 0.15 s of training per request, whatever the network's size: smooth frames.
  epochsPerRequest = Math.max(1, Math.min(200, Math.round(0.15 / Math.max(perEpoch, 1e-4))));
  apply(r);
  return r;
}

async function playLoop() {
  while (playing) {
    try {
      await serial(() => (playing ? stepOnce(epochsPerRequest) : null));
    } catch (e) {
      showAlert(e.message);
      setPlaying(false);
    }
    await new Promise((ok) => setTimeout(ok, 0));
  }
}

function wireControls() {
  $("#play").onclick = () => { if (!playing) { showAlert(null); setPlaying(true); playLoop(); } };
  $("#pause").onclick = () => setPlaying(false);
  $("#step").onclick = () => serial(() => stepOnce(1)).catch((e) => showAlert(e.message));
  $("#reset").onclick = () => {
    setPlaying(false);
    serial(async () => {
      const r = await withSession(() => api("POST", `/api/session/${sessionId}/reset`, {}));
      history = [];
      showAlert(null);
      apply(r);
    }).catch((e) => showAlert(e.message));
  };
  document.querySelectorAll("[data-dataset]").forEach((b) => {
    b.onclick = () => {
      if (b.dataset.dataset === "csv") { $("#csv-file").click(); return; }
      cfg.dataset = b.dataset.dataset;
      cfg.noise = DEFAULT_NOISE[cfg.dataset];
      changed(["dataset", "noise"]);
    };
  });
  $("#csv-file").onchange = async (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    if (f.size > LIMITS.maxCsvBytes) {
      showAlert(`${f.name} is larger than ${LIMITS.maxCsvBytes / 1024} KiB`);
      return;
    }
    csvText = await f.text();
    csvName = f.name;
    cfg.dataset = "csv";
    ev.target.value = "";
    changed(["dataset"]);
  };
  const numeric = (id, key, int) => {
    const el = $(id);
    el.onchange = () => {
      const v = int ? parseInt(el.value, 10) : parseFloat(el.value);
      // The box's own min, max and step say what is allowed: no request for what would fail.
      if (!Number.isFinite(v) || !el.checkValidity()) {
        const name = $(`label[for=${el.id}]`).textContent.trim();
        showAlert(`${name} must be ${int ? "a whole number" : "a number"} from ${el.min} to ` +
                  `${el.max}, got ${JSON.stringify(el.value)}`);
        syncControls();
        return;
      }
      cfg[key] = v;
      changed([key]);
    };
  };
  numeric("#lr", "lr"); numeric("#l2", "l2"); numeric("#batch_size", "batch_size", true);
  numeric("#noise", "noise"); numeric("#test_size", "test_size"); numeric("#points", "points", true);
  numeric("#seed", "seed", true);
  $("#noise").oninput = () => { $("#noise-out").textContent = Number($("#noise").value).toFixed(2); };
  $("#points").oninput = () => { $("#points-out").textContent = $("#points").value; };
  for (const k of ["activation", "loss", "optimizer"]) {
    $(`#${k}`).onchange = () => { cfg[k] = $(`#${k}`).value; changed([k]); };
  }
  $("#regenerate").onclick = () => { cfg.seed = Math.floor(Math.random() * 100000); changed(["seed"]); };
  $("#add-layer").onclick = () => {
    if (cfg.hidden.length < LIMITS.maxLayers) { cfg.hidden.push(cfg.hidden.at(-1) || 4); changed(["hidden"]); }
  };
  $("#remove-layer").onclick = () => { if (cfg.hidden.length) { cfg.hidden.pop(); changed(["hidden"]); } };
  $("#show-test").onchange = () => draw();
}

// ---------------------------------------------------------------------------- drawing

// A value in [-1, 1] as orange (negative) through white to blue (positive).
function color(v) {
  const t = Math.max(-1, Math.min(1, v || 0));
  const end = t < 0 ? COLORS.neg : COLORS.pos;
  const a = Math.abs(t);
  return COLORS.mid.map((m, i) => Math.round(m + (end[i] - m) * a));
}

function heatmap(values, res, scale) {
  const c = document.createElement("canvas");
  c.width = c.height = res;
  const ctx = c.getContext("2d");
  const img = ctx.createImageData(res, res);
  for (let i = 0; i < res * res; i++) {
    const [r, g, b] = color(scale(values[i]));
    img.data.set([r, g, b, 255], i * 4);
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

function draw() {
  if (!frame || !points) return;
  drawBoundary();
  drawNetwork();
  drawCurves();
}

function drawBoundary() {
  const cv = $("#boundary");
  const ctx = cv.getContext("2d");
  const b = frame.boundary;
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(heatmap(b.p, b.res, (p) => 0.8 * (2 * p - 1)), 0, 0, cv.width, cv.height);
  const [x0, x1, y0, y1] = frame.extent;
  const px = (x) => ((x - x0) / (x1 - x0)) * cv.width;
  const py = (y) => ((y1 - y) / (y1 - y0)) * cv.height;
  const dots = (set, stroke) => {
    for (let i = 0; i < set.y.length; i++) {
      const [r, g, bl] = set.y[i] ? COLORS.pos : COLORS.neg;
      ctx.beginPath();
      ctx.arc(px(set.x[i][0]), py(set.x[i][1]), 3.2, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${r},${g},${bl})`;
      ctx.fill();
      ctx.lineWidth = 1;
      ctx.strokeStyle = stroke;
      ctx.stroke();
    }
  };
  dots(points.train, "#fff");
  if ($("#show-test").checked) dots(points.test, "#000");
}

// Where each neuron's square goes: column l, row j, `box` pixels wide (the neuron controls
// above the canvas use the same columns).
function netLayout(sizes, cv) {
  const box = Math.max(8, Math.min(34, (cv.height - 20) / Math.max(...sizes) - 4));
  const colX = (l) => 20 + (l * (cv.width - 40 - box)) / (sizes.length - 1);
  const rowY = (l, j) => cv.height / 2 + (j - (sizes[l] - 1) / 2) * (box + 4) - box / 2;
  return { box, colX, rowY };
}

function drawNetwork() {
  const cv = $("#network");
  const ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, cv.width, cv.height);
  const sizes = [2, ...frame.neurons.layers.slice(0, -1).map((l) => l.length), 1];
  const { box, colX, rowY } = netLayout(sizes, cv);
  // Links first, under the neurons: width and colour from the weight.
  let maxW = 1e-9;
  for (const L of frame.weights) for (const row of L.w) for (const w of row) maxW = Math.max(maxW, Math.abs(w));
  frame.weights.forEach((L, l) => {
    L.w.forEach((row, j) => row.forEach((w, i) => {
      const [r, g, b] = w >= 0 ? COLORS.pos : COLORS.neg;
      ctx.strokeStyle = `rgba(${r},${g},${b},${0.25 + 0.6 * Math.abs(w) / maxW})`;
      ctx.lineWidth = Math.max(0.3, 5 * Math.abs(w) / maxW);
      ctx.beginPath();
      ctx.moveTo(colX(l) + box, rowY(l, i) + box / 2);
      ctx.lineTo(colX(l + 1), rowY(l + 1, j) + box / 2);
      ctx.stroke();
    }));
  });
  // Neurons: the inputs x1 and x2 themselves, then each neuron's output over the plane.
  const res = frame.neurons.res;
  const inputs = [0, 1].map((k) => {
    const v = new Array(res * res);
    for (let r = 0; r < res; r++) for (let c = 0; c < res; c++) v[r * res + c] = k === 0 ? c / (res - 1) * 2 - 1 : 1 - r / (res - 1) * 2;
    return v;
  });
  const columns = [inputs, ...frame.neurons.layers];
  ctx.imageSmoothingEnabled = false;
  columns.forEach((layer, l) => {
    const isOut = l === columns.length - 1;
    layer.forEach((vals, j) => {
      let maxAbs = 1e-9;
      for (const v of vals) maxAbs = Math.max(maxAbs, Math.abs(v));
      const scale = isOut ? (p) => 2 * p - 1 : (v) => v / maxAbs;
      ctx.drawImage(heatmap(vals, res, scale), colX(l), rowY(l, j), box, box);
      ctx.strokeStyle = "#555";
      ctx.lineWidth = 1;
      ctx.strokeRect(colX(l) + 0.5, rowY(l, j) + 0.5, box - 1, box - 1);
    });
  });
  ctx.fillStyle = "#333";
  ctx.font = "11px sans-serif";
  ctx.fillText("x\u2081", colX(0) - 14, rowY(0, 0) + box / 2 + 4);
  ctx.fillText("x\u2082", colX(0) - 14, rowY(0, 1) + box / 2 + 4);
}

function drawCurves() {
  const series = (key) => history.map((h) => [h.epoch, h[key]]).filter((p) => p[1] !== null);
  curve($("#loss-curve"), "loss", [series("train_loss"), series("test_loss")], null);
  curve($("#acc-curve"), "accuracy", [series("train_accuracy"), series("test_accuracy")], [0, 1]);
}

function curve(cv, title, lines, yRange) {
  const ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, cv.width, cv.height);
  ctx.fillStyle = "#666";
  ctx.font = "11px sans-serif";
  ctx.fillText(title, 4, 12);
  const all = lines.flat();
  if (all.length < 2) return;
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  let [lo, hi] = yRange || [0, Math.max(1e-6, ...all.map((p) => p[1]))];
  if (!yRange) hi = Math.min(hi, 5 * (all[all.length - 1][1] + 0.1));   // keep spikes from flattening the rest
  ctx.fillText(hi.toPrecision(2), cv.width - 34, 12);
  const styles = ["#0877bd", "#f59322"];
  lines.forEach((pts, k) => {
    ctx.strokeStyle = styles[k];
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    pts.forEach(([x, y], i) => {
      const X = 4 + ((cv.width - 8) * x) / xMax;
      const Y = cv.height - 4 - ((cv.height - 20) * (Math.min(y, hi) - lo)) / (hi - lo);
      if (i) ctx.lineTo(X, Y); else ctx.moveTo(X, Y);
    });
    ctx.stroke();
  });
}

// ---------------------------------------------------------------------------- XOR step-through

const xor = { params: null, trace: null, pos: 0, requests: 0 };

// The weights, loss and lr as typed; null (and the reason on the page) if a box is not a number.
function xorReadParams() {
  const p = JSON.parse(JSON.stringify(xor.params));
  const empty = [];
  const read = (el) => {
    const v = parseFloat(el.value);
    if (!Number.isFinite(v)) empty.push((el.closest("label") || $(`label[for=${el.id}]`)).textContent.trim());
    return v;
  };
  document.querySelectorAll("#xor-weights [data-w]").forEach((el) => {
    const path = el.dataset.w.split(".");
    let o = p;
    for (const k of path.slice(0, -1)) o = o[k];
    o[path.at(-1)] = read(el);
  });
  p.loss = $("#xor-loss").value;
  p.lr = read($("#xor-lr"));
  if (empty.length) {
    $("#xor-alert").hidden = false;
    $("#xor-alert").textContent = `${empty.join(", ")}: type a number`;
    return null;
  }
  return p;
}

function xorShowParams() {
  document.querySelectorAll("#xor-weights [data-w]").forEach((el) => {
    let o = xor.params;
    for (const k of el.dataset.w.split(".")) o = o[k];
    el.value = +Number(o).toFixed(4);
  });
  $("#xor-loss").value = xor.params.loss;
  $("#xor-lr").value = xor.params.lr;
}

// `params` may be a promise (the worked example being fetched). Only the latest request's
// answer is shown; data-xor-busy on <body> says one is in flight (tests wait for it).
async function xorTrace(params) {
  const ticket = ++xor.requests;
  document.body.dataset.xorBusy = "1";
  try {
    const r = await api("POST", "/api/xor/trace", await params);
    if (ticket !== xor.requests) return;
    xor.params = r.params;
    xor.trace = r;
    xor.pos = 0;
    $("#xor-alert").hidden = true;
    xorShowParams();
    xorRender();
  } catch (e) {
    if (ticket !== xor.requests) return;
    $("#xor-alert").hidden = false;
    $("#xor-alert").textContent = e.message;
  } finally {
    if (ticket === xor.requests) document.body.dataset.xorBusy = "";
  }
}

// Three decimals, as the tutorial writes them; a small number that is not zero keeps two
// significant digits rather than reading 0.000 (with MSE, tiny gradients are the lesson).
const f3 = (v) => (v === 0 ? "0.000" : Math.abs(v) < 5e-4 ? v.toPrecision(2) : v.toFixed(3));

function xorSteps() {
  const t = xor.trace;
  return [...t.forward.map((s) => ({ ...s, phase: "forward" })),
          ...t.backward.map((s) => ({ ...s, phase: "backward" }))];
}

function xorRender() {
  const t = xor.trace;
  if (!t) return;
  const steps = xorSteps();
  const shown = steps.slice(0, xor.pos);
  const list = $("#xor-steps");
  list.innerHTML = "";
  for (const s of shown) {
    const li = document.createElement("li");
    li.dataset.testid = `xor-step-${s.phase}-${s.id}`;
    li.className = s.phase;
    if (s.phase === "forward") {
      li.innerHTML = `<b>${s.label}</b> = ${s.formula} = <span data-testid="xor-value-${s.id}">${f3(s.value)}</span>`;
    } else if (!s.upstream) {
      li.innerHTML = `<b>\u2202L/\u2202L</b> = <span data-testid="xor-grad-${s.id}">1.000</span> (the start of the backward pass)`;
    } else {
      const up = steps.find((q) => q.phase === "backward" && q.id === s.upstream);
      // local_formula is "d(node)/d(input) = formula": the chain rule multiplies the first
      // part; the formula is how that local derivative is computed, shown after.
      const cut = s.local_formula.indexOf(" = ");
      const local = cut < 0 ? s.local_formula : s.local_formula.slice(0, cut);
      const how = cut < 0 ? "" : ` <span class="how">(${s.local_formula})</span>`;
      li.innerHTML = `<b>\u2202L/\u2202${s.label}</b> = \u2202L/\u2202${up.label} \u00d7 ${local}` +
        ` = ${f3(s.upstream_grad)} \u00d7 <span data-testid="xor-local-${s.id}">${f3(s.local)}</span>` +
        ` = <span data-testid="xor-grad-${s.id}">${f3(s.grad)}</span>${how}`;
    }
    list.appendChild(li);
  }
  const cur = shown.at(-1);
  $("#xor-where").textContent = cur ? `${cur.phase} step ${xor.pos} of ${steps.length}` : `step 0 of ${steps.length}`;
  xorDiagram(shown, cur);
  list.scrollTop = list.scrollHeight;
}

function xorDiagram(shown, cur) {
  const svg = $("#xor-svg");
  const t = xor.trace;
  const val = {}, grad = {};
  for (const s of shown) { if (s.phase === "forward") val[s.id] = s.value; else grad[s.id] = s.grad; }
  const nodes = { x1: [50, 80], x2: [50, 220], h1: [230, 80], h2: [230, 220], y_hat: [400, 150], loss: [490, 150] };
  const names = { x1: "x\u2081", x2: "x\u2082", h1: "h\u2081", h2: "h\u2082", y_hat: "\u0177", loss: "L" };
  const p = t.params;
  const edges = [["x1", "h1", "w11", p.w1[0][0]], ["x2", "h1", "w12", p.w1[0][1]], ["x1", "h2", "w21", p.w1[1][0]],
                 ["x2", "h2", "w22", p.w1[1][1]], ["h1", "y_hat", "v1", p.v[0]], ["h2", "y_hat", "v2", p.v[1]],
                 ["y_hat", "loss", "", null]];
  const hidden2pre = { h1: "z1", h2: "z2", y_hat: "z_out" };
  let s = "";
  for (const [a, b, name, w] of edges) {
    const [x1, y1] = nodes[a], [x2, y2] = nodes[b];
    const active = cur && (cur.id === name || cur.id === b || cur.id === hidden2pre[b]);
    const col = w === null ? "#999" : w >= 0 ? "#0877bd" : "#f59322";
    s += `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${col}" stroke-width="${active ? 4 : 1.5 + Math.min(3, Math.abs(w || 0) / 4)}" opacity="${active ? 1 : 0.6}"/>`;
    if (name) {
      const mx = x1 + (x2 - x1) * 0.35, my = y1 + (y2 - y1) * 0.35 - 6;
      s += `<text x="${mx}" y="${my}" class="wlabel">${name}=${+Number(w).toFixed(2)}${grad[name] !== undefined ? ` \u2207${f3(grad[name])}` : ""}</text>`;
    }
  }
  for (const [id, [x, y]] of Object.entries(nodes)) {
    const active = cur && (cur.id === id || cur.id === hidden2pre[id]);
    const pre = hidden2pre[id];
    const lines = [names[id]];
    if (pre && val[pre] !== undefined) lines.push(`z=${f3(val[pre])}`);
    if (val[id] !== undefined) lines.push(`${f3(val[id])}`);
    if (grad[id] !== undefined) lines.push(`\u2207${f3(grad[id])}`);
    s += `<circle cx="${x}" cy="${y}" r="30" class="node${active ? " active" : ""}"/>`;
    lines.forEach((txt, i) => {
      s += `<text x="${x}" y="${y - 14 + i * 12}" text-anchor="middle" class="nlabel">${txt}</text>`;
    });
  }
  s += `<text x="400" y="210" text-anchor="middle" class="nlabel">target ${p.target}</text>`;
  svg.innerHTML = s;
}

function wireXor() {
  $("#xor-load-example").onclick = () => xorTrace(api("GET", "/api/xor/example"));
  $("#xor-random").onclick = () => {
    const r = () => +(Math.random() * 2 - 1).toFixed(2);
    const p = xorReadParams();
    if (!p) return;
    p.w1 = [[r(), r()], [r(), r()]]; p.b1 = [r(), r()]; p.v = [r(), r()]; p.b_out = r();
    xorTrace(p);
  };
  $("#xor-forward").onclick = () => {
    if (!xor.trace) return;
    const nf = xor.trace.forward.length;
    xor.pos = xor.pos < nf ? xor.pos + 1 : xor.pos;
    xorRender();
  };
  $("#xor-backward").onclick = () => {
    if (!xor.trace) return;
    const n = xorSteps().length;
    const nf = xor.trace.forward.length;
    xor.pos = xor.pos < nf ? nf + 1 : Math.min(n, xor.pos + 1);   // backward needs the forward values
    xorRender();
  };
  $("#xor-all").onclick = () => { if (xor.trace) { xor.pos = xorSteps().length; xorRender(); } };
  $("#xor-apply").onclick = () => {
    if (!xor.trace) return;
    const p = { ...xor.params, ...xor.trace.update };
    xorTrace(p).then(() => { xor.pos = xor.trace.forward.length; xorRender(); });
  };
  document.querySelectorAll("[data-x]").forEach((b) => {
    b.onclick = () => {
      const [a, c] = b.dataset.x.split(",").map(Number);
      const p = xorReadParams();
      if (!p) return;
      p.x = [a, c];
      p.target = a ^ c;
      xorTrace(p);
    };
  });
  document.querySelectorAll("#xor-weights [data-w], #xor-loss, #xor-lr").forEach((el) => {
    el.onchange = () => { const p = xorReadParams(); if (p) xorTrace(p); };
  });
}

// ---------------------------------------------------------------------------- modes and start

let currentMode = "train";
function setMode(mode) {
  currentMode = mode;
  $("#train-view").hidden = mode !== "train";
  $("#xor-view").hidden = mode !== "xor";
  document.querySelectorAll("[data-mode]").forEach((b) => b.classList.toggle("active", b.dataset.mode === mode));
  if (mode === "xor") setPlaying(false);
  if (mode === "xor" && !xor.trace) $("#xor-load-example").click();
  writeUrl();
}

window.addEventListener("pagehide", () => {
  if (sessionId) navigator.sendBeacon(`/api/session/${sessionId}/close`, "");
});

async function start() {
  const d = await api("GET", "/api/defaults");
  Object.assign(DEFAULTS, d.config);
  Object.assign(DEFAULT_NOISE, d.default_noise);
  LIMITS.maxLayers = d.limits.max_layers;
  LIMITS.maxNeurons = d.limits.max_neurons;
  LIMITS.maxCsvBytes = d.limits.max_csv_bytes;
  Object.assign(cfg, DEFAULTS, { hidden: [...DEFAULTS.hidden] });
  const mode = readUrl();
  syncControls();
  wireControls();
  wireXor();
  document.querySelectorAll("[data-mode]").forEach((b) => { b.onclick = () => setMode(b.dataset.mode); });
  setMode(mode);
  await serial(async () => {
    try {
      await createSession();
    } catch (e) {
      // Settings from a bad link: say why, then fall back to the defaults.
      showAlert(`${e.message} (using the default settings)`);
      Object.assign(cfg, DEFAULTS, { hidden: [...DEFAULTS.hidden] });
      syncControls();
      writeUrl();
      await createSession();
    }
    if (csvNotInLink) showAlert("this link was made with an uploaded CSV file, which a link " +
                                "cannot hold: upload it again with CSV\u2026");
  });
  document.body.dataset.ready = "1";
}

start();
