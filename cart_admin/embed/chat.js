/* Cart Admin checkout chat (spec section 6). Loaded by the drawer the first time a shopper opens
   the chat, so storefronts never download it otherwise. The drawer hands over its helpers (the
   bridge); every shop and shopper text is rendered as text, never as markup. */
(function () {
"use strict";
const CSS = __CART_ADMIN_CHAT_CSS__;
if (window.MomentumCartChat) return;
const POLL_MS = 4000;

function mount(b) {
  const h = b.h, icon = b.icon;
  const KEY = "cart_admin:chat:" + b.publicKey;
  const s = { token: b.store("s", KEY), status: "OPEN", messages: [], quick: [], busy: false,
    open: false, error: "", input: "", poll: null, seq: 0 };
  let box, list, form, input, quickBox, errEl;

  b.shadow.append(h("style", null, CSS));
  const url = (rest) => b.mom + "/cs/sessions" + rest;

  function seqOf(m) { return Number(m.seq) || 0; }
  function merge(msgs) {
    for (const m of msgs || []) {
      if (!m || !m.id || s.messages.some((x) => x.id === m.id)) continue;
      s.messages.push(m);
      s.seq = Math.max(s.seq, seqOf(m));
    }
    s.messages.sort((a, b2) => seqOf(a) - seqOf(b2));
  }
  async function start() {
    if (s.token) {
      try {
        const r = await b.req("GET", url("/" + encodeURIComponent(s.token) + "/messages"));
        s.status = r.status;
        s.quick = r.quickQuestions || [];
        merge(r.messages);
        return;
      } catch (e) {
        if (e.status !== 404) throw e;
        s.token = null; // that chat is gone: start another
      }
    }
    const cart = b.token();
    const r = await b.req("POST", url("?key=" + encodeURIComponent(b.publicKey)), {
      channel: "CHECKOUT_CHAT", context: cart ? { cartToken: cart } : {} });
    s.token = r.id;
    b.store("s", KEY, r.id);
    s.status = r.status;
    s.quick = r.quickQuestions || [];
    s.messages = [];
    merge(r.messages);
  }
  async function send(text) {
    const content = String(text || "").trim();
    if (!content || s.busy) return;
    s.busy = true;
    s.error = "";
    s.input = "";
    const temp = { id: "pending", seq: s.seq + 0.5, role: "user", content, actions: [] };
    s.messages.push(temp);
    render();
    try {
      if (!s.token) await start();
      const r = await b.req("POST", url("/" + encodeURIComponent(s.token) + "/messages"), { content });
      s.messages = s.messages.filter((m) => m !== temp);
      s.status = r.status;
      merge(r.messages);
    } catch (e) {
      s.messages = s.messages.filter((m) => m !== temp);
      s.input = content;
      s.error = e.message || "Sorry, I couldn't send that. Please try again.";
    } finally {
      s.busy = false;
      render();
      schedule();
    }
  }
  async function act(m, a) {
    if (s.busy) return;
    s.busy = true;
    s.error = "";
    render();
    try {
      const r = await b.req("POST", url("/" + encodeURIComponent(s.token) + "/actions"), { messageId: m.id, type: a.type });
      s.status = r.status;
      merge(r.messages);
      if (r.cart) b.setCart(r.cart);
    } catch (e) {
      s.error = e.message;
    } finally {
      s.busy = false;
      render();
      schedule();
    }
  }
  // While the chat is open, a person's replies are fetched: every few seconds once it was
  // handed over, less often before (the team can also write first, from the Inbox).
  function schedule() {
    clearTimeout(s.poll);
    if (s.open && s.token) s.poll = setTimeout(pollOnce, s.status === "ESCALATED" ? POLL_MS : POLL_MS * 3);
  }
  async function pollOnce() {
    if (!s.open || !s.token) return;
    try {
      const r = await b.req("GET", url("/" + encodeURIComponent(s.token) + "/messages?after=" + Math.floor(s.seq)));
      const before = s.messages.length;
      s.status = r.status;
      merge(r.messages);
      if (s.messages.length !== before) render();
    } catch (e) { /* try again on the next tick */ }
    schedule();
  }

  function bubble(m) {
    const mine = m.role === "user";
    return h("li", { class: "cm " + (mine ? "me" : m.role), "data-ca": "chat-message", "data-role": m.role },
      m.role === "agent" && m.author ? h("span", { class: "who" }, m.author + " \u00b7 team") : null,
      h("p", null, m.content),
      (m.actions || []).length ? h("div", { class: "acts" }, m.actions.map((a) =>
        h("button", { type: "button", class: "act", "data-ca": "chat-action", "data-type": a.type, disabled: s.busy,
          onclick: () => act(m, a) }, a.label))) : null);
  }
  function render() {
    if (!box) return;
    box.hidden = !s.open;
    if (!s.open) return;
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(...s.messages.map(bubble), s.busy ? h("li", { class: "cm assistant", "aria-label": "Typing" }, h("span", { class: "spin" })) : "");
    const showQuick = s.messages.filter((m) => m.role === "user").length === 0 && !s.busy;
    quickBox.replaceChildren(...(showQuick ? s.quick.map((q) =>
      h("button", { type: "button", class: "qq", "data-ca": "chat-quick", onclick: () => send(q) }, q)) : []));
    quickBox.hidden = !showQuick;
    errEl.textContent = s.error;
    errEl.hidden = !s.error;
    if (input.value !== s.input) input.value = s.input;
    input.disabled = s.busy;
    form.querySelector("button").disabled = s.busy;
    box.querySelector(".sub").textContent = s.status === "ESCALATED" ? "A team member will reply here" : "Usually replies instantly";
    if (atEnd || s.busy) list.scrollTop = list.scrollHeight;
  }
  function build() {
    list = h("ul", { class: "cl", "aria-live": "polite", "aria-label": "Chat messages" });
    quickBox = h("div", { class: "qqs" });
    errEl = h("p", { class: "cerr", role: "alert", hidden: true });
    input = h("input", { type: "text", "data-ca": "chat-input", placeholder: "Type a message\u2026", "aria-label": "Message",
      maxlength: 1000, autocomplete: "off", oninput: (e) => (s.input = e.target.value) });
    form = h("form", { class: "cf", onsubmit: (e) => { e.preventDefault(); send(input.value); } },
      input, h("button", { type: "submit", class: "btn-o", "data-ca": "chat-send", "aria-label": "Send" }, "Send"));
    box = h("section", { class: "chat", "data-ca": "chat", "data-pos": b.position, role: "dialog", "aria-label": "Checkout help" },
      h("header", { class: "ch" },
        h("div", { class: "ch-av" }, icon("chat")),
        h("div", null, h("p", { class: "ch-t" }, "Checkout Help"), h("p", { class: "sub" }, "Usually replies instantly")),
        h("button", { type: "button", class: "x", "data-ca": "chat-close", "aria-label": "Close chat", onclick: close }, icon("x"))),
      list, quickBox, errEl, form);
    box.addEventListener("keydown", (e) => { if (e.key === "Escape") { e.stopPropagation(); close(); } });
    b.wrap.append(box);
  }
  async function open(first) {
    if (!box) build();
    s.open = true;
    render();
    input.focus();
    try {
      if (!s.messages.length) await start();
    } catch (e) {
      s.error = e.message;
    }
    render();
    schedule();
    if (first) send(first);
  }
  function close() {
    s.open = false;
    clearTimeout(s.poll);
    render();
    b.focusLauncher();
  }
  return { open, close, isOpen: () => s.open };
}

window.MomentumCartChat = { mount };
})();
