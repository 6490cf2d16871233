/* Cart Admin storefront cart drawer. Served by GET /embed/{public_key}.js with the config and
   CSS substituted below. Vanilla JS, Shadow DOM, no dependencies; talks only to CONFIG.apiBase.
   Shop data is only ever rendered as text (createElement/textContent), never as markup. */
(function () {
"use strict";
const CONFIG = __CART_ADMIN_CONFIG__;
const CSS = __CART_ADMIN_CSS__;
const TAG = "cart-admin-drawer";
if (!window.customElements || customElements.get(TAG) || window.MomentumCart) return;

const BASE = String(CONFIG.apiBase || "").replace(/\/+$/, "");
const PK = String(CONFIG.publicKey || "");
const PUB = BASE + "/api/public/" + encodeURIComponent(PK);
const MOM = BASE + "/api/momentum";
const KEY = "cart_admin:" + PK;
let TEXTS = CONFIG.texts || {};
let TRIG = CONFIG.triggers || {};
let UPS = CONFIG.upsells || {};
// Admin previews: no network; domain/preview.py splices preview* in at the end marker.
const PREVIEW = !!CONFIG.preview;
const TRUST = {
  secure_checkout: ["Secure checkout", "lock"], free_returns: ["Free returns", "ret"],
  support_24_7: ["24/7 support", "help"], money_back: ["Money-back guarantee", "shield"],
  fast_shipping: ["Fast shipping", "truck"],
};
const ICONS = {
  bag: "M5 8h14l-1.2 12.1a1 1 0 0 1-1 .9H7.2a1 1 0 0 1-1-.9L5 8zM9 8V7a3 3 0 0 1 6 0v1",
  x: "M6 6l12 12M18 6L6 18",
  clock: "M12 7v5l3 2M21 12a9 9 0 1 1-18 0a9 9 0 0 1 18 0z",
  fire: "M12 22a7 7 0 0 0 7-7c0-4-3-6-4-10-2 2-2 4-2 5-1-1-2-3-2-5-3 2-6 6-6 10a7 7 0 0 0 7 7z",
  eye: "M2 12s3.6-7 10-7 10 7 10 7-3.6 7-10 7S2 12 2 12zM15 12a3 3 0 1 1-6 0a3 3 0 0 1 6 0z",
  truck: "M2 6h12v10H2zM14 10h4l3 3v3h-7M8 18a2 2 0 1 1-4 0a2 2 0 0 1 4 0zM19 18a2 2 0 1 1-4 0a2 2 0 0 1 4 0z",
  lock: "M5 11h14v10H5zM8 11V7a4 4 0 0 1 8 0v4",
  ret: "M9 14L4 9l5-5M4 9h11a5 5 0 0 1 0 10h-4",
  help: "M4 15v-3a8 8 0 0 1 16 0v3M4 14h3v6H4zM17 14h3v6h-3z",
  chat: "M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12zM8.5 12h.01M12 12h.01M15.5 12h.01",
  shield: "M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6zM9 12l2 2 4-4",
  check: "M5 12.5l4.5 4.5L19 7.5",
  tag: "M3 12V3h9l9 9-9 9zM8 8h.01",
  alert: "M12 3l10 18H2zM12 10v4M12 17.5h.01",
};

// ---- tiny DOM helpers
function h(tag, attrs) {
  const el = document.createElement(tag);
  for (const k in attrs || {}) {
    const v = attrs[k];
    if (v == null || v === false) continue;
    if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (let i = 2; i < arguments.length; i++) add(el, arguments[i]);
  return el;
}
function add(el, c) {
  if (c == null || c === false) return;
  if (Array.isArray(c)) c.forEach((x) => add(el, x));
  else el.append(c.nodeType ? c : String(c));
}
function icon(name, cls) {
  const NS = "http://www.w3.org/2000/svg";
  const s = document.createElementNS(NS, "svg");
  s.setAttribute("viewBox", "0 0 24 24");
  s.setAttribute("aria-hidden", "true");
  s.setAttribute("class", "ic" + (cls ? " " + cls : ""));
  const p = document.createElementNS(NS, "path");
  p.setAttribute("d", ICONS[name]);
  s.append(p);
  return s;
}

// ---- formatting
let fmtr = null;
function money(v) {
  const n = Number(v) || 0;
  try {
    fmtr = fmtr || new Intl.NumberFormat(undefined, { style: "currency", currency: CONFIG.currency || "USD" });
    return fmtr.format(n);
  } catch (e) {
    return n.toFixed(2);
  }
}
const num = (v) => Number(v) || 0;
const plural = (n, one, many) => n + " " + (n === 1 ? one : many);
function imgUrl(u) {
  if (!u) return null;
  try {
    const url = new URL(String(u), (BASE || location.origin) + "/");
    return /^https?:$/.test(url.protocol) ? url.href : null;
  } catch (e) {
    return null;
  }
}
function mmss(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const hh = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), ss = s % 60;
  const p = (x) => String(x).padStart(2, "0");
  return (hh ? hh + ":" + p(m) : p(m)) + ":" + p(ss);
}
function store(kind, k, v) {
  try {
    const s = kind === "l" ? localStorage : sessionStorage;
    if (v === undefined) return s.getItem(k);
    if (v === null) s.removeItem(k);
    else s.setItem(k, v);
  } catch (e) { /* storage blocked */ }
  return null;
}
function rid() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  return Date.now().toString(36) + Math.random().toString(36).slice(2);
}

// ---- network
function fail(message, status) {
  const e = new Error(message);
  e.status = status;
  return e;
}
async function req(method, url, body) {
  if (PREVIEW) return previewReq(method, url, body);
  const init = { method, credentials: "omit", mode: "cors", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let r;
  try {
    r = await fetch(url, init);
  } catch (e) {
    throw fail("Network error. Check your connection and try again.", 0);
  }
  let data = null;
  try {
    data = await r.json();
  } catch (e) { /* empty body */ }
  if (!r.ok) {
    let m = data && data.detail;
    if (typeof m !== "string") {
      const list = (data && data.errors) || (Array.isArray(m) ? m : []);
      m = (list[0] && (list[0].message || list[0].msg)) || "Something went wrong (" + r.status + "). Please try again.";
    }
    throw fail(m, r.status);
  }
  return data;
}
const cartUrl = (rest) => PUB + "/carts/" + encodeURIComponent(state.token) + (rest || "") + viewerQuery();

// ---- a recovery link (?ca_cart=...&ca_open=1) brings the shopper's cart back
const QS = new URLSearchParams(location.search);
const BACK = !PREVIEW && /^[\w-]{1,64}$/.test(QS.get("ca_cart") || "");
// The offer's code is applied here, in a real browser: mail scanners fetch links without it.
const BACK_CODE = BACK && /^[\w-]{1,64}$/.test(QS.get("ca_code") || "") ? QS.get("ca_code") : "";
if (BACK) {
  store("l", KEY, QS.get("ca_cart"));
  for (const k of ["ca_cart", "ca_open", "ca_code"]) QS.delete(k);
  const q = QS.toString();
  history.replaceState(history.state, "", location.pathname + (q ? "?" + q : "") + location.hash);
}

// ---- state
const state = {
  token: store("l", KEY), cart: null, open: false, busy: false, error: "", code: "",
  codeError: "", modal: null, recs: [], recsSig: "", loaded: false,
};
const MQ = window.matchMedia ? matchMedia("(max-width: 480px), (max-height: 760px)") : null;
if (MQ && MQ.addEventListener) MQ.addEventListener("change", () => render());
let gen = 0; // bumps on every mutation so stale reads never overwrite newer carts
let root, wrap, fab, badge, panel, live, timerEl = null, timer = null, restoreFocus = null;

function emit(name, detail) {
  window.dispatchEvent(new CustomEvent("momentumcart:" + name, { detail }));
}
function trig() {
  const t = state.cart && state.cart.triggers;
  return t && !t.control ? (PREVIEW ? previewTrig(t) : t) : null;
}
function setCart(c) {
  if (!c || typeof c !== "object") return;
  if (c.status === "CONVERTED" || c.status === "EXPIRED") return dropCart();
  const before = state.cart;
  state.cart = c;
  if (c.token && c.token !== state.token) {
    state.token = c.token;
    store("l", KEY, c.token);
  }
  state.loaded = true;
  render();
  emit("cart:updated", c);
  if (state.open) loadRecs();
  cartChanged(before, c);
}
function dropCart() {
  state.token = null;
  state.cart = null;
  state.recs = [];
  store("l", KEY, null);
  render();
  emit("cart:updated", null);
}

async function load() {
  if (PREVIEW) return previewLoad();
  if (!state.token) {
    state.loaded = true;
    render();
    return null;
  }
  const g = gen;
  try {
    const c = await req("GET", cartUrl());
    if (g === gen) setCart(c);
  } catch (e) {
    if (g !== gen) return state.cart;
    if (e.status === 404) dropCart();
    else if (state.open) {
      state.error = e.message;
      render();
    }
  }
  return state.cart;
}

async function ensureCart() {
  if (state.token) return state.token;
  setCart(await req("POST", PUB + "/carts", {}));
  return state.token;
}

// Runs one cart change at a time; controls are disabled while it is in flight.
let chain = Promise.resolve();
function mutate(fn, opts) {
  const run = chain.then(() => change(fn, opts || {}));
  chain = run.catch(() => null);
  return run;
}
async function change(fn, opts) {
  gen++;
  state.busy = true;
  state.error = "";
  state.codeError = "";
  const k = focusKey();
  if (k) restoreFocus = k;
  render();
  try {
    let c;
    try {
      c = await fn();
    } catch (e) {
      // A 404 may be a missing product or a cart that is gone; only the cart read can tell.
      if (e.status !== 404 || !state.token || !(await gone())) throw e;
      dropCart();
      if (!opts.retry404) throw fail("Your cart has expired. Please add your items again.", 404);
      c = await fn();
    }
    setCart(c);
    return state.cart;
  } catch (e) {
    if (opts.onError) opts.onError(e);
    else state.error = e.message;
    throw e;
  } finally {
    state.busy = false;
    render();
  }
}
const quiet = (p) => p.catch(() => null);
const gone = () => req("GET", cartUrl()).then((c) => (setCart(c), false), (e) => e.status === 404);

function addItem(pid, qty) {
  return mutate(async () => {
    await ensureCart();
    return req("POST", cartUrl("/items"), { product_id: String(pid), quantity: qty });
  }, { retry404: true });
}
const setQty = (pid, q) =>
  quiet(mutate(() => req("PATCH", cartUrl("/items/" + encodeURIComponent(pid)), { quantity: q })));
const removeItem = (pid) =>
  quiet(mutate(() => req("DELETE", cartUrl("/items/" + encodeURIComponent(pid)))));

function applyCode() {
  const code = state.code.trim();
  if (!code) {
    state.codeError = "Enter a discount code.";
    return render();
  }
  quiet(mutate(() => req("POST", cartUrl("/discount"), { code }), {
    onError: (e) => {
      state.codeError = e.message;
      if (e.status === 422) codeFailed(code);
    },
  }).then((c) => { if (c) state.code = ""; }));
}
const removeCode = () => quiet(mutate(() => req("DELETE", cartUrl("/discount"))));

function checkout() {
  quiet(mutate(async () => {
    const r = await req("POST", cartUrl("/checkout"));
    const url = r && r.checkout_url;
    emit("checkout", { cart: r && r.cart, checkout_url: url });
    if (url && /^https?:/i.test(url) && !PREVIEW) setTimeout(() => location.assign(url), 0);
    return r && r.cart;
  }));
}

// ---- analytics: impressions, interactions, upsell offers
// Impression and offer ids are kept per tab, so a reload does not count the same thing twice.
const SEEN_KEY = "cart_admin:seen:" + PK;
let seen = {};
try { seen = JSON.parse(store("s", SEEN_KEY) || "{}") || {}; } catch (e) { /* fresh */ }
function once(k, url, body) {
  if (!seen[k]) {
    seen[k] = req("POST", url, body).then((r) => {
      if (!r || !r.id) return null;
      const ids = {};
      seen[k] = r.id;
      for (const x in seen) if (typeof seen[x] === "string") ids[x] = seen[x];
      store("s", SEEN_KEY, JSON.stringify(ids));
      return r.id;
    }, () => { delete seen[k]; return null; });
  }
  return Promise.resolve(seen[k]);
}
function impression(trigger, placement, pid, kind) {
  if (PREVIEW || !state.token || !state.open) return null;
  return once(["i", state.token, trigger, pid || "", kind || ""].join("|"),
    MOM + "/cart-triggers/" + encodeURIComponent(state.token) + "/impression", { trigger, placement, variant: "treatment" });
}
function interaction(p) {
  const token = state.token;
  if (p && token) p.then((id) => id && quiet(req("POST", MOM + "/cart-triggers/" +
    encodeURIComponent(token) + "/interaction", { impression_id: id })));
}
function presented(o) {
  if (PREVIEW || !state.token) return null;
  const body = { type: o.type };
  if (o.pid) body.product_id = o.pid;
  return once(["o", state.token, o.type, o.pid].join("|"),
    MOM + "/cart-upsell/" + encodeURIComponent(state.token) + "/presented", body);
}

function loadRecs() {
  const c = state.cart;
  const max = Math.max(0, num(UPS.max_shown));
  if (!UPS.enabled || !max || !c || !c.items || !c.items.length || !state.token) {
    state.recs = [];
    state.recsSig = "";
    return;
  }
  const sig = state.token + ":" + c.items.map((i) => i.product_id + "x" + i.quantity).join(",");
  if (sig === state.recsSig) return;
  state.recsSig = sig;
  req("GET", MOM + "/cart-upsell/" + encodeURIComponent(state.token) + "/recommendations?maxRecommendations=" + max)
    .then((list) => {
      if (sig !== state.recsSig) return;
      const inCart = new Set(c.items.map((i) => String(i.product_id)));
      const out = [], seen = new Set();
      for (const rec of Array.isArray(list) ? list : []) {
        const prods = Array.isArray(rec.products) ? rec.products : rec.product ? [rec.product] : [];
        for (const p of prods) {
          const pid = String(p.id || p.product_id || "");
          if (!pid || inCart.has(pid) || seen.has(pid)) continue;
          seen.add(pid);
          out.push({ type: rec.type, pid, p, message: rec.message });
        }
      }
      state.recs = out.slice(0, max);
      render();
    }, () => { state.recs = []; });
}
function acceptOffer(o) {
  if (o.type === "FREE_SHIPPING_ADD") {
    const id = seen[["i", state.token, "GOAL_GRADIENT", "", ""].join("|")];
    if (id) interaction(Promise.resolve(id));
  }
  const offer = presented(o);
  quiet(mutate(async () => {
    // Accepting the offer puts its product in the cart on the server (one request, one add).
    const id = offer && (await offer.catch(() => null));
    if (id) {
      const r = await req("POST", MOM + "/cart-upsell/" + encodeURIComponent(id) + "/accepted");
      if (r && r.cart && r.cart.items) return r.cart;
    }
    return req("POST", cartUrl("/items"), { product_id: o.pid, quantity: 1 });
  }));
}

// ---- live viewers heartbeat
function tabId() {
  let sid = store("s", "cart_admin:session");
  if (!sid) store("s", "cart_admin:session", (sid = rid()));
  return sid;
}
// Reads name this tab, so live viewers count only the other shoppers.
function viewerQuery() {
  return TRIG.live_viewers && TRIG.live_viewers.enabled ? "?viewer=" + encodeURIComponent(tabId()) : "";
}
function heartbeat() {
  if (PREVIEW || !(TRIG.live_viewers && TRIG.live_viewers.enabled) || document.visibilityState !== "visible") return;
  const sid = tabId();
  const ids = new Set(((state.cart && state.cart.items) || []).map((i) => String(i.product_id)));
  document.querySelectorAll("[data-cart-admin-product]").forEach((el) => {
    const v = el.getAttribute("data-cart-admin-product");
    if (v) ids.add(v);
  });
  if (!ids.size) return;
  quiet(req("POST", PUB + "/heartbeat", { session_id: sid, product_ids: Array.from(ids).slice(0, 50) }));
}

// ---- the checkout chat: its script loads the first time a shopper opens it
const CHAT = CONFIG.chat || {};
let chatFab = null, chatUi = null, chatLoading = null;
const chatEnabled = () => !PREVIEW && CHAT.enabled === true;
const chatPosition = () => (CHAT.position === "bottom-left" ? "bottom-left" : "bottom-right");
function loadChat() {
  if (!chatLoading) {
    chatLoading = new Promise((resolve, reject) => {
      if (window.MomentumCartChat) return resolve();
      const sc = document.createElement("script");
      sc.src = BASE + "/embed/parts/chat.js";
      sc.async = true;
      sc.onload = resolve;
      sc.onerror = () => { chatLoading = null; reject(new Error("Chat could not load.")); };
      document.head.append(sc);
    }).then(() => {
      chatUi = window.MomentumCartChat.mount({ h, icon, req, store, mom: MOM, publicKey: PK, shadow: root, wrap,
        position: chatPosition(), token: () => state.token, setCart,
        focusLauncher: () => (chatFab || fab).focus() });
    });
  }
  return chatLoading;
}
function openChat(question) {
  if (!chatEnabled()) return Promise.resolve(null);
  if (state.open) close();
  return loadChat().then(() => chatUi.open(question), () => null);
}

// ---- rendering
function focusKey() {
  const a = root && root.activeElement;
  if (!a) return null;
  return { ca: a.getAttribute("data-ca"), pid: a.closest("[data-product-id]") && a.closest("[data-product-id]").getAttribute("data-product-id") };
}
function findKey(k) {
  if (!k || !k.ca) return null;
  const list = root.querySelectorAll('[data-ca="' + k.ca + '"]');
  for (const el of list) {
    const it = el.closest("[data-product-id]");
    if ((it ? it.getAttribute("data-product-id") : null) === (k.pid || null)) return el;
  }
  return null;
}

// A control cart shows nothing, but records what it would have seen (to measure lift).
function controlImpressions() {
  const t = state.cart && state.cart.triggers;
  if (PREVIEW || !state.open || !state.token || !t || !t.control) return;
  for (const e of t.eligible || []) {
    once(["c", state.token, e.trigger, e.product_id || ""].join("|"),
      MOM + "/cart-triggers/" + encodeURIComponent(state.token) + "/impression",
      { trigger: e.trigger, placement: e.placement, variant: "control" });
  }
}
function render() {
  if (!root) return;
  controlImpressions();
  const c = state.cart;
  const n = (c && c.item_count) || 0;
  badge.textContent = n > 99 ? "99+" : String(n);
  badge.hidden = !n;
  fab.setAttribute("aria-label", "Open cart, " + plural(n, "item", "items"));
  if (!state.open) return;

  const k = focusKey() || restoreFocus;
  const body = panel.querySelector(".body");
  const scroll = body ? body.scrollTop : 0;
  timerEl = null;
  const items = (c && c.items) || [];
  const t = trig();
  const compact = !!(MQ && MQ.matches);
  panel.replaceChildren();
  add(panel, [
    header(n),
    t && t.urgency ? urgency(t.urgency) : null,
    h("div", { class: "body" },
      state.error ? h("p", { class: "err", "data-ca": "error", role: "alert" }, icon("alert"), h("span", null, state.error)) : null,
      note(c),
      (!state.loaded && state.token) || (state.busy && !items.length) ? h("div", { class: "loading" }, h("span", { class: "spin" }), "Loading your cart\u2026") :
      items.length ? [
        h("ul", { class: "items", "aria-label": "Items in your cart" }, items.map((it) => item(it, t))),
        t && t.free_shipping && c.free_shipping ? freeShip(c) : null,
        upsells(),
        compact ? summary(c) : null,
      ] : empty()),
    items.length ? footer(c, t, compact) : null,
    state.modal ? modal() : null,
  ]);
  const nb = panel.querySelector(".body");
  if (nb) nb.scrollTop = scroll;
  panel.setAttribute("aria-busy", state.busy ? "true" : "false");
  tick();
  const el = findKey(k);
  if (el && !el.disabled) {
    el.focus({ preventScroll: true });
    restoreFocus = null;
  } else if (k && !state.busy) {
    restoreFocus = null;
    if (!root.activeElement || !panel.contains(root.activeElement)) (panel.querySelector('[data-ca="close"]') || panel).focus();
  }
}

// The save flow's message for a returning shopper: shown once, text only.
function note(c) {
  const m = c && c.message;
  if (!m || store("s", "ca_msg_" + m.id)) return null;
  if (!m.shown) {
    m.shown = 1;
    msg(m.id, "seen");
  }
  const done = (a) => {
    store("s", "ca_msg_" + m.id, a);
    msg(m.id, a);
    render();
  };
  return h("div", { class: "note", "data-ca": "message", role: "status" },
    h("b", null, m.headline), h("p", null, m.body),
    h("div", { class: "m-b" },
      h("button", { type: "button", class: "co", "data-ca": "message-ok", onclick: () => done("accepted") }, m.cta || "OK"),
      h("button", { type: "button", class: "btn-g", "data-ca": "message-dismiss", onclick: () => done("dismissed") }, "Not now")));
}
function msg(id, action) {
  if (!PREVIEW) req("POST", cartUrl("/messages/" + encodeURIComponent(id)), { action }).catch(() => {});
}

function header(n) {
  return h("header", { class: "head" },
    h("h2", { id: "ca-title", class: "title" }, TEXTS.title || "Your cart",
      n ? h("span", { class: "count", "data-ca": "count-label" }, " (" + plural(n, "item", "items") + ")") : null),
    h("button", { type: "button", class: "x", "data-ca": "close", "aria-label": "Close cart", onclick: close }, icon("x")));
}

function urgency(u) {
  const end = Date.parse(u.expires_at);
  if (!(end > Date.now())) return null;
  impression("URGENCY", "CART_HEADER");
  timerEl = h("strong", { class: "mono" }, mmss(end - Date.now()));
  const el = h("div", { class: "urg", "data-ca": "urgency", "data-level": u.level || "medium", role: "timer", "data-end": end },
    icon("clock"), h("span", null, "Your items are reserved for ", timerEl));
  timerEl._box = el;
  return el;
}
function tick() {
  clearInterval(timer);
  timer = null;
  if (!timerEl || !state.open) return;
  const el = timerEl;
  const step = () => {
    const left = Number(el._box.getAttribute("data-end")) - Date.now();
    if (left <= 0) {
      clearInterval(timer);
      el._box.remove();
      load();
      return;
    }
    el.textContent = mmss(left);
    if (left < 300000) el._box.setAttribute("data-level", "critical");
  };
  step();
  timer = setInterval(step, 1000);
}

function item(it, t) {
  const pid = String(it.product_id);
  const tr = (t && t.items && t.items[pid]) || {};
  const src = imgUrl(it.image_url);
  const q = num(it.quantity);
  const avail = it.available == null ? null : num(it.available);
  const b = state.busy;
  const sp = tr.social_proof;
  if (tr.anchoring) impression("ANCHORING", "CART_ITEM", pid);
  if (sp) impression("SOCIAL_PROOF", "CART_ITEM", pid);
  if (tr.scarcity) impression("SCARCITY", "CART_ITEM", pid);
  if (tr.viewers) impression("SOCIAL_PROOF", "CART_ITEM", pid, "viewers");
  return h("li", { class: "item", "data-ca": "item", "data-product-id": pid },
    h("div", { class: "thumb" }, src ? h("img", { src, alt: "", loading: "lazy", decoding: "async" }) : icon("bag")),
    h("div", { class: "info" },
      h("div", { class: "row" },
        h("p", { class: "name" }, it.name || "Item"),
        h("p", { class: "lt" }, money(it.line_total))),
      h("p", { class: "price" },
        h("span", null, money(it.unit_price)),
        tr.anchoring ? h("s", { class: "was", "data-ca": "anchoring" }, h("span", { class: "sr" }, "Was "), money(tr.anchoring)) : null,
        tr.anchoring && num(tr.anchoring) > num(it.unit_price)
          ? h("span", { class: "save" }, "Save " + Math.round((1 - num(it.unit_price) / num(tr.anchoring)) * 100) + "%") : null),
      sp ? h("p", { class: "sp", "data-ca": "social-proof" },
        h("span", { class: "stars", "aria-hidden": "true" }, "\u2605"),
        h("span", { class: "sr" }, "Rated "), h("b", null, Number(sp.rating).toFixed(1)),
        h("span", { class: "mut" }, " (" + Number(sp.review_count || 0).toLocaleString() + " reviews)")) : null,
      tr.scarcity ? h("p", { class: "sc", "data-ca": "scarcity" }, icon("fire"), "Only " + tr.scarcity + " left in stock") : null,
      tr.viewers ? h("p", { class: "vw", "data-ca": "viewers" }, h("span", { class: "dot", "aria-hidden": "true" }),
        plural(num(tr.viewers), "person", "people") + " viewing") : null,
      h("div", { class: "ctl" },
        h("div", { class: "step", role: "group", "aria-label": "Quantity for " + (it.name || "item") },
          h("button", { type: "button", "data-ca": "dec", "aria-label": "Decrease quantity", disabled: b,
            onclick: () => (q <= 1 ? askRemove(it) : setQty(pid, q - 1)) }, "\u2212"),
          h("span", { "data-ca": "qty", class: "qty", "aria-live": "polite" }, String(q)),
          h("button", { type: "button", "data-ca": "inc", "aria-label": "Increase quantity",
            disabled: b || (avail != null && q >= avail), onclick: () => setQty(pid, q + 1) }, "+")),
        h("button", { type: "button", class: "rm", "data-ca": "remove", disabled: b,
          "aria-label": "Remove " + (it.name || "item"), onclick: () => askRemove(it) }, "Remove"))));
}

function freeShip(c) {
  const fs = c.free_shipping;
  impression("GOAL_GRADIENT", "CART_FOOTER");
  const pct = Math.max(0, Math.min(1, num(fs.progress)));
  const ok = !!fs.qualifies;
  const fill = h("span");
  fill.style.width = (pct * 100).toFixed(1) + "%"; // CSSOM, not a style attribute: fine under a strict CSP
  return h("div", { class: "fs" + (ok ? " ok" : ""), "data-ca": "free-shipping" },
    h("p", { class: "fs-t" }, icon(ok ? "check" : "truck"),
      ok ? h("span", null, "You've unlocked ", h("b", null, "free shipping")) :
        h("span", null, "Add ", h("b", null, money(fs.remaining)), " more for free shipping")),
    h("div", { class: "bar", role: "progressbar", "aria-label": "Progress to free shipping", "aria-valuemin": 0,
      "aria-valuemax": 100, "aria-valuenow": Math.round(pct * 100) }, fill),
    fs.lost_by_discount ? h("p", { class: "fs-l" }, (c.discount_code ? "The code " + c.discount_code : "Your discount") + " takes this order below the " +
      money(fs.threshold) + " free-shipping minimum.") : null);
}

function upsells() {
  if (!state.recs.length) return null;
  return h("section", { class: "ups", "aria-labelledby": "ca-ups" },
    h("h3", { id: "ca-ups", class: "ups-h" }, "You may also like"),
    h("ul", null, state.recs.map((o) => {
      presented(o);
      const p = o.p, src = imgUrl(p.image_url);
      const price = p.price != null ? p.price : p.unit_price;
      return h("li", { class: "up", "data-ca": "upsell", "data-product-id": o.pid },
        h("div", { class: "thumb sm" }, src ? h("img", { src, alt: "", loading: "lazy" }) : icon("bag")),
        h("div", { class: "info" },
          h("p", { class: "name" }, p.name || "Product"),
          h("p", { class: "price" }, price != null ? money(price) : null,
            trig() && p.compare_at_price && num(p.compare_at_price) > num(price) ? h("s", { class: "was" }, money(p.compare_at_price)) : null),
          o.message ? h("p", { class: "mut small" }, o.message) : null),
        h("button", { type: "button", class: "btn-o", "data-ca": "upsell-add", disabled: state.busy,
          "aria-label": "Add " + (p.name || "product") + " to cart", onclick: () => acceptOffer(o) }, "Add"));
    })));
}

// Code field + totals: in the pinned footer, or at the end of the scrolling body on small screens.
function summary(c) {
  const disc = num(c.discount_total);
  const row = (label, ca, value, cls) => h("div", { class: "tr" + (cls ? " " + cls : "") }, h("dt", null, label), h("dd", { "data-ca": ca }, value));
  return h("div", { class: "sum" },
    h("div", { class: "code" },
      c.discount_code
        ? h("div", { class: "chip" }, icon("tag"), h("span", null, c.discount_code),
            h("button", { type: "button", "data-ca": "code-remove", disabled: state.busy, "aria-label": "Remove discount code " + c.discount_code, onclick: removeCode }, icon("x")))
        : h("form", { class: "cf", novalidate: true, onsubmit: (e) => { e.preventDefault(); applyCode(); } },
            (() => {
              const inp = h("input", { type: "text", "data-ca": "code-input", placeholder: "Discount code", "aria-label": "Discount code",
                autocomplete: "off", autocapitalize: "characters", spellcheck: "false", maxlength: 64,
                "aria-invalid": state.codeError ? "true" : null, "aria-describedby": state.codeError ? "ca-code-err" : null,
                oninput: (e) => (state.code = e.target.value) });
              inp.value = state.code;
              return inp;
            })(),
            h("button", { type: "submit", class: "btn-o", "data-ca": "code-apply", disabled: state.busy }, "Apply")),
      state.codeError ? h("p", { id: "ca-code-err", class: "cerr", "data-ca": "code-error", role: "alert" }, state.codeError) : null),
    h("dl", { class: "tot" },
      row("Subtotal", "subtotal", money(c.subtotal)),
      disc || c.discount_code ? row("Discount" + (c.discount_code ? " (" + c.discount_code + ")" : ""), "discount", "\u2212" + money(disc), "dis") : null,
      row("Shipping", "shipping", num(c.shipping_total) === 0 ? "Free" : money(c.shipping_total)),
      row("Tax", "tax", money(c.tax_total)),
      row("Total", "total", money(c.grand_total), "big")));
}
function footer(c, t, compact) {
  const signals = (t && Array.isArray(t.trust_signals) ? t.trust_signals : []).filter((s) => TRUST[s]);
  if (signals.length) impression("AUTHORITY", "CART_FOOTER");
  return h("footer", { class: "foot" },
    compact ? null : summary(c),
    h("button", { type: "button", class: "co", "data-ca": "checkout", disabled: state.busy, onclick: checkout },
      icon("lock"), h("span", null, TEXTS.checkout_button || "Checkout"), h("span", { class: "co-t" }, money(c.grand_total))),
    signals.length ? h("ul", { class: "trust", "data-ca": "trust", "aria-label": "Why shop with us" },
      signals.map((s) => h("li", null, icon(TRUST[s][1]), TRUST[s][0]))) : null,
    TEXTS.trust_line ? h("p", { class: "tl" }, TEXTS.trust_line) : null,
    chatEnabled() ? h("button", { type: "button", class: "btn-g ask", "data-ca": "chat-open", onclick: () => openChat() },
      icon("chat"), "Questions? Chat with us") : null);
}

function empty() {
  return h("div", { class: "empty", "data-ca": "empty" },
    h("div", { class: "e-ic" }, icon("bag")),
    h("p", null, TEXTS.empty_message || "Your cart is empty."),
    h("button", { type: "button", class: "btn-o", onclick: close }, "Continue shopping"));
}

// ---- loss-aversion modal
function askRemove(it) {
  const t = trig();
  const la = TRIG.loss_aversion || {};
  if (t && t.loss_aversion && la.enabled !== false && la.show_on_remove !== false) {
    state.modal = { it };
    state.modal.imp = impression("LOSS_AVERSION", "REMOVE_MODAL", String(it.product_id));
    render();
    const keep = root.querySelector('[data-ca="keep"]');
    if (keep) keep.focus();
  } else removeItem(String(it.product_id));
}
function closeModal(confirm, kept) {
  const m = state.modal;
  state.modal = null;
  const pid = String(m.it.product_id);
  if (confirm) return removeItem(pid);
  if (kept) interaction(m.imp);
  render();
  const el = findKey({ ca: "remove", pid });
  (el || panel.querySelector('[data-ca="close"]')).focus();
}
function modal() {
  const it = state.modal.it, c = state.cart, t = trig() || {};
  const pid = String(it.product_id);
  const tr = (t.items && t.items[pid]) || {};
  const fs = c.free_shipping;
  const lines = [];
  if (tr.scarcity) lines.push(["fire", "There are only " + tr.scarcity + " left \u2014 it may be gone when you come back."]);
  if (t.free_shipping && fs && fs.qualifies && num(fs.amount) - num(it.line_total) < num(fs.threshold))
    lines.push(["truck", "You'll lose free shipping (orders over " + money(fs.threshold) + ")."]);
  if (tr.anchoring && num(tr.anchoring) > num(it.unit_price))
    lines.push(["tag", "You're saving " + money((num(tr.anchoring) - num(it.unit_price)) * num(it.quantity)) + " on this item today."]);
  return h("div", { class: "mwrap" },
    h("div", { class: "mbg", onclick: () => closeModal(false) }),
    h("div", { class: "modal", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "ca-m-t", "aria-describedby": "ca-m-d" },
      h("h3", { id: "ca-m-t" }, "Remove this item?"),
      h("div", { id: "ca-m-d" },
        h("p", { class: "m-it" }, h("b", null, it.name || "This item"), " will be removed from your cart."),
        lines.length ? h("ul", { class: "loss" }, lines.map((l) => h("li", null, icon(l[0]), l[1]))) : null),
      h("div", { class: "m-b" },
        h("button", { type: "button", class: "co", "data-ca": "keep", onclick: () => closeModal(false, true) }, "Keep it"),
        h("button", { type: "button", class: "btn-g", "data-ca": "remove-anyway", onclick: () => closeModal(true) }, "Remove anyway"))));
}

// ---- open / close / focus trap
let prevOverflow = "";
function cssVar(name) {
  return getComputedStyle(wrap).getPropertyValue(name).trim();
}
function open() {
  if (!root || state.open) return;
  state.open = true;
  drawerTime(true);
  wrap.setAttribute("data-state", "open");
  prevOverflow = document.documentElement.style.overflow;
  document.documentElement.style.overflow = "hidden";
  render();
  const x = root.querySelector('[data-ca="close"]');
  if (x) x.focus();
  emit("drawer:opened", {});
  load().then(() => state.open && loadRecs());
}
function close() {
  if (!root || !state.open) return;
  state.open = false;
  drawerTime(false);
  state.modal = null;
  clearInterval(timer);
  const ms = parseFloat(cssVar("--ca-animation-duration")) || 0;
  const anim = cssVar("--ca-animation");
  const reduce = window.matchMedia && matchMedia("(prefers-reduced-motion: reduce)").matches;
  if (ms && anim && anim !== "none" && !reduce) {
    wrap.setAttribute("data-state", "closing");
    setTimeout(() => { if (!state.open) wrap.setAttribute("data-state", "closed"); }, ms);
  } else wrap.setAttribute("data-state", "closed");
  document.documentElement.style.overflow = prevOverflow;
  fab.focus();
  emit("drawer:closed", {});
}
function onKey(e) {
  if (!state.open) return;
  if (e.key === "Escape") {
    e.preventDefault();
    if (state.modal) closeModal(false);
    else close();
    return;
  }
  if (e.key !== "Tab") return;
  const scope = root.querySelector(".modal") || panel;
  const f = Array.from(scope.querySelectorAll("button,input,a[href],select,textarea,[tabindex]"))
    .filter((el) => !el.disabled && el.tabIndex >= 0 && el.getClientRects().length);
  if (!f.length) return e.preventDefault();
  const a = root.activeElement, i = f.indexOf(a);
  if (e.shiftKey && (i <= 0)) {
    e.preventDefault();
    f[f.length - 1].focus();
  } else if (!e.shiftKey && (i === -1 || i === f.length - 1)) {
    e.preventDefault();
    f[0].focus();
  }
}

// ---- mount
let readyResolve;
const ready = new Promise((r) => (readyResolve = r));

function sides() {
  const s = cssVar("--ca-drawer-side");
  if (s === "left" || s === "right") wrap.setAttribute("data-side", s);
  wrap.setAttribute("data-anim", cssVar("--ca-animation") || "none");
}

class CartAdminDrawer extends HTMLElement {
  connectedCallback() {
    if (root || this.shadowRoot) return;
    root = this.attachShadow({ mode: "open" });
    const side = CONFIG.layout && CONFIG.layout.side === "left" ? "left" : "right";
    add(root, h("style", null, CSS));
    fab = h("button", { type: "button", class: "fab", "data-ca": "cart-button", "aria-haspopup": "dialog", onclick: open },
      icon("bag"), (badge = h("span", { class: "badge", "data-ca": "count", "aria-hidden": "true" }, "0")));
    panel = h("div", { class: "panel", "data-ca": "drawer", role: "dialog", "aria-modal": "true", "aria-labelledby": "ca-title", tabindex: "-1" });
    live = h("div", { class: "sr", role: "status" });
    chatFab = chatEnabled() && CHAT.position !== "inline" ? h("button", { type: "button", class: "cfab", "data-ca": "chat-button", "data-pos": chatPosition(),
      "aria-label": "Chat with us", onclick: () => openChat() }, icon("chat")) : null;
    wrap = h("div", { class: "ca", "data-state": "closed", "data-side": side },
      fab, chatFab, h("div", { class: "ov", onclick: close }), panel, live);
    root.append(wrap);
    sides();
    document.addEventListener("keydown", onKey, true);
    render();
    load().finally(() => {
      if (BACK_CODE && state.cart && state.cart.discount_code !== BACK_CODE.toUpperCase()) {
        state.code = BACK_CODE;
        applyCode();
      }
      if (BACK || (state.cart && state.cart.message && !store("s", "ca_msg_" + state.cart.message.id))) open();
      readyResolve(api);
      heartbeat();
      pageSignals();
    });
  }
}
customElements.define(TAG, CartAdminDrawer);

let lastCount = null;
window.addEventListener("momentumcart:cart:updated", (e) => {
  const n = (e.detail && e.detail.item_count) || 0;
  if (live && lastCount !== null && n !== lastCount) live.textContent = "Cart updated: " + plural(n, "item", "items");
  lastCount = n;
});
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") {
    load();
    heartbeat();
  }
});
window.addEventListener("pageshow", (e) => { if (e.persisted) load(); });
setInterval(heartbeat, 20000);

const api = {
  add(productId, qty) {
    const q = qty == null ? 1 : Math.max(1, Math.floor(Number(qty)) || 1);
    open();
    return addItem(productId, q);
  },
  open,
  close,
  cart: () => load(),
  on(event, fn) {
    const l = (e) => fn(e.detail);
    window.addEventListener("momentumcart:" + event, l);
    return () => window.removeEventListener("momentumcart:" + event, l);
  },
  // The storefront reports what only it can see: PAYMENT_DECLINED, ADDRESS_ISSUES,
  // FORM_FIELD_ERRORS, PAYMENT_METHOD_SWITCH, MULTIPLE_PAYMENT_ATTEMPTS, TAX_SHOCK...
  signal(name, data) {
    emit("signal", { name: String(name), data: data == null ? null : data, cart_token: state.token });
    signal(name, data, true);
  },
  chat: (question) => openChat(question),
  ready,
};
window.MomentumCart = api;
/* __CART_ADMIN_PARTS__ */
/* __CART_ADMIN_PREVIEW__ */

function mount() {
  if (!document.querySelector(TAG)) document.body.append(document.createElement(TAG));
}
if (document.body) mount();
else document.addEventListener("DOMContentLoaded", mount);
})();
