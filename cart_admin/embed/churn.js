// ---- checkout churn signals (spec section 5). Spliced into drawer.js's closure at its marker.
// What a browser can see is batched to churn/track as text/plain (no preflight, and what
// navigator.sendBeacon sends when the page goes away). The answer may carry the one
// intervention the server decided on: it is shown at once.
const CHURN = CONFIG.churn || {};
const CHURN_URL = MOM + "/cart-save/churn/track?key=" + encodeURIComponent(PK);
const SIGNALS = new Set(["PAYMENT_DECLINED", "MULTIPLE_PAYMENT_ATTEMPTS", "PAYMENT_METHOD_SWITCH",
  "SHIPPING_COST_SHOCK", "TAX_SHOCK", "DISCOUNT_CODE_FAILURE", "DISCOUNT_HUNTING", "POLICY_PAGE_VISIT",
  "FAQ_VISIT", "TAB_SWITCHING", "LONG_FORM_TIME", "FORM_FIELD_ERRORS", "ADDRESS_ISSUES",
  "MOUSE_EXIT_INTENT", "BACK_BUTTON", "TAB_CLOSE_ATTEMPT", "IDLE_TIMEOUT"]);
const churn = { queue: [], timer: null, last: {}, codeFails: 0, hiddenAt: 0, idleTimer: null,
  openMs: 0, openedAt: 0, longSent: false, gone: false, iv: null, waiting: [] };

function churnOn() {
  return !PREVIEW && CHURN.enabled !== false && !!state.token && !!(state.cart && state.cart.item_count);
}
// Queue a signal; "now" sends at once (exit signals want their answer while the shopper is here).
function signal(name, data, now) {
  const s = String(name || "").toUpperCase();
  if (!SIGNALS.has(s) || !churnOn()) return;
  const t = Date.now();
  if (churn.last[s] && t - churn.last[s] < 5000) return; // a burst of the same event is one signal
  churn.last[s] = t;
  churn.queue.push({ signal: s, data: flat(data) });
  clearTimeout(churn.timer);
  if (now || churn.queue.length >= 20) sendSignals(false);
  else churn.timer = setTimeout(() => sendSignals(false), 1500);
}
// What the server stores of a signal's data: up to 10 flat values (text, numbers, true/false).
function flat(data) {
  const out = {};
  if (!data || typeof data !== "object") return out;
  for (const k of Object.keys(data).slice(0, 10)) {
    const v = data[k];
    const key = String(k).replace(/\u0000/g, "").slice(0, 40);
    if (typeof v === "string") out[key] = v.replace(/\u0000/g, "").slice(0, 200);
    else if ((typeof v === "number" && isFinite(v)) || typeof v === "boolean" || v === null) out[key] = v;
  }
  return out;
}
function sendSignals(final) {
  clearTimeout(churn.timer);
  if (!churn.queue.length || !state.token) return;
  const body = JSON.stringify({ cartToken: state.token, sessionId: tabId(), signals: churn.queue.splice(0, 50), final: !!final });
  if (final && navigator.sendBeacon && navigator.sendBeacon(CHURN_URL, new Blob([body], { type: "text/plain;charset=UTF-8" }))) return;
  fetch(CHURN_URL, { method: "POST", keepalive: true, credentials: "omit", mode: "cors",
    headers: { "Content-Type": "text/plain;charset=UTF-8" }, body })
    .then((r) => (r.ok ? r.json() : null))
    .then((r) => { if (r && r.intervention && !final) showIntervention(r.intervention); }, () => null);
}

// Exit intent: the pointer leaves through the top of the window; on touch screens, a fast
// flick up (the gesture that brings back the address bar) or the back button.
document.addEventListener("mouseout", (e) => {
  if (!e.relatedTarget && e.clientY <= 0) signal("MOUSE_EXIT_INTENT", {}, true);
});
let lastY = window.scrollY, lastT = Date.now();
window.addEventListener("scroll", () => {
  const y = window.scrollY, t = Date.now();
  const speed = (lastY - y) / Math.max(1, t - lastT); // px/ms, upwards positive
  // A flick that reaches the top of the page (where the address bar and back gesture are),
  // not any fast scroll up through the page.
  if (speed > 2.5 && y < 120 && window.matchMedia && matchMedia("(pointer: coarse)").matches) signal("MOUSE_EXIT_INTENT", { touch: true }, true);
  lastY = y;
  lastT = t;
}, { passive: true });
window.addEventListener("popstate", () => signal("BACK_BUTTON", {}, true));
// Tab switching: away for more than 3 s and back. Tab close: recorded, never blocked.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") {
    churn.hiddenAt = Date.now();
    sendSignals(true);
  } else if (churn.hiddenAt && Date.now() - churn.hiddenAt > 3000) {
    signal("TAB_SWITCHING", { awaySeconds: Math.round((Date.now() - churn.hiddenAt) / 1000) });
  }
});
function leaving() {
  if (churn.gone) return;
  churn.gone = true;
  signal("TAB_CLOSE_ATTEMPT");
  sendSignals(true);
}
window.addEventListener("beforeunload", leaving); // no preventDefault: the shopper is never held
window.addEventListener("pagehide", leaving);
window.addEventListener("pageshow", () => { churn.gone = false; });
// Idle: no pointer, key, touch or scroll for idleSeconds (2 min by default).
function activity() {
  clearTimeout(churn.idleTimer);
  churn.idleTimer = setTimeout(() => signal("IDLE_TIMEOUT", { seconds: idleSeconds() }), idleSeconds() * 1000);
}
const idleSeconds = () => Math.max(10, Number(CHURN.idleSeconds) || 120);
for (const ev of ["pointermove", "keydown", "touchstart", "scroll"]) window.addEventListener(ev, activity, { passive: true });
activity();
// Long time in the cart: the drawer open for longFormSeconds (5 min by default) in all.
function drawerTime(opening) {
  const t = Date.now();
  if (opening) churn.openedAt = t;
  else if (churn.openedAt) {
    churn.openMs += t - churn.openedAt;
    churn.openedAt = 0;
  }
}
setInterval(() => {
  const ms = churn.openMs + (churn.openedAt ? Date.now() - churn.openedAt : 0);
  if (!churn.longSent && ms >= (Number(CHURN.longFormSeconds) || 300) * 1000 && churnOn()) {
    churn.longSent = true;
    signal("LONG_FORM_TIME", { minutes: Math.round(ms / 6000) / 10 }, true);
  }
}, 5000);
// Pages shoppers read when they hesitate.
function pageSignals() {
  const p = location.pathname.toLowerCase();
  if (/(polic|return|refund|shipping|delivery|terms)/.test(p)) signal("POLICY_PAGE_VISIT", { path: p.slice(0, 80) });
  else if (/(faq|help|support)/.test(p)) signal("FAQ_VISIT", { path: p.slice(0, 80) });
}
// A code the cart refused; two refusals are discount hunting.
function codeFailed(code) {
  churn.codeFails++;
  signal("DISCOUNT_CODE_FAILURE", { attempt: churn.codeFails, length: String(code || "").length }, churn.codeFails >= 2);
  if (churn.codeFails >= 2) signal("DISCOUNT_HUNTING", { attempts: churn.codeFails }, true);
}
// Items removed once shipping was on screen: shipping shock.
function cartChanged(before, after) {
  if (!before || !after || !state.open) return;
  if (num(after.item_count) < num(before.item_count) && num(before.shipping_total) > 0) {
    signal("SHIPPING_COST_SHOCK", { itemsRemoved: num(before.item_count) - num(after.item_count),
      shippingCost: before.shipping_total }, true);
  }
}

// ---- the intervention the server chose: exit-intent modal, free-shipping notice, chat bubble
function showIntervention(iv) {
  if (!root || !iv || !iv.id) return;
  if (churn.iv) return void churn.waiting.push(iv); // one at a time: the next after this one
  churn.iv = iv;
  renderIntervention();
  const first = root.querySelector('[data-ca="offer-accept"]');
  if (first && iv.type === "EXIT_INTENT") first.focus();
  emit("intervention:shown", iv);
}
function answerIntervention(accepted) {
  const iv = churn.iv;
  churn.iv = null;
  renderIntervention();
  if (churn.waiting.length) setTimeout(() => showIntervention(churn.waiting.shift()), 400);
  if (!iv) return;
  const url = cartUrl("/interventions/" + encodeURIComponent(iv.id));
  if (!accepted) return quiet(req("POST", url, { action: "dismissed" }));
  if (iv.action === "OPEN_CHAT") {
    quiet(req("POST", url, { action: "accepted" }));
    return openChat();
  }
  open();
  quiet(mutate(() => req("POST", url, { action: "accepted" })).then((c) => {
    if (c) live.textContent = iv.type === "EXIT_INTENT" ? "Discount applied to your cart." : "Free shipping applied to your cart.";
  }));
}
function renderIntervention() {
  let box = root.querySelector(".iv");
  if (box) box.remove();
  const iv = churn.iv;
  if (!iv) return;
  const pct = iv.discountPercent != null ? String(Number(iv.discountPercent)) : "";
  const no = h("button", { type: "button", class: "btn-g", "data-ca": "offer-dismiss", onclick: () => answerIntervention(false) }, "No thanks");
  if (iv.type === "EXIT_INTENT") {
    box = h("div", { class: "iv mwrap ivm" },
      h("div", { class: "mbg", onclick: () => answerIntervention(false) }),
      h("div", { class: "modal", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "ca-iv-t", "data-ca": "exit-offer" },
        h("h3", { id: "ca-iv-t" }, iv.message),
        h("p", { class: "m-it" }, "Your " + pct + "% discount is applied to this cart only, right away."),
        h("div", { class: "m-b" },
          h("button", { type: "button", class: "co", "data-ca": "offer-accept", onclick: () => answerIntervention(true) }, "Apply " + pct + "% off"), no)));
  } else {
    const chat = iv.action === "OPEN_CHAT";
    box = h("div", { class: "iv toast", role: "status", "data-ca": chat ? "chat-offer" : "shipping-offer" },
      icon(chat ? "chat" : "truck"), h("p", null, iv.message),
      h("div", { class: "m-b" },
        h("button", { type: "button", class: "co", "data-ca": "offer-accept", onclick: () => answerIntervention(true) },
          chat ? "Chat with us" : "Apply free shipping"), no));
  }
  wrap.append(box);
}
document.addEventListener("keydown", (e) => {
  if (!churn.iv) return;
  if (e.key === "Escape") return answerIntervention(false);
  const modal = churn.iv.type === "EXIT_INTENT" && root && root.querySelector(".ivm .modal");
  if (e.key !== "Tab" || !modal) return;
  // The modal keeps the focus: Tab cycles through its buttons.
  const f = Array.from(modal.querySelectorAll("button"));
  const i = f.indexOf(root.activeElement);
  e.preventDefault();
  f[(i + (e.shiftKey ? f.length - 1 : 1)) % f.length].focus();
}, true);
