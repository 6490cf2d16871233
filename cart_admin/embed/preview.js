state.token = "preview";
let themeStyle = null;
function previewLoad() {
  if (!state.cart && CONFIG.sample) setCart(CONFIG.sample);
  else render();
  return state.cart;
}
function previewReq(method, url, body) {
  const c = state.cart;
  if (/recommendations/.test(url)) return CONFIG.sampleRecommendations || [];
  if (/discount$/.test(url) && method === "POST")
    throw fail("Codes are not applied in the preview.", 422);
  if (/checkout$/.test(url)) return { cart: c };
  const m = /\/items(?:\/([^/?]+))?$/.exec(url);
  if (!m || !c) return c;
  const pid = m[1] ? decodeURIComponent(m[1]) : String(body.product_id);
  const items = c.items.map((i) => Object.assign({}, i));
  let it = items.find((i) => String(i.product_id) === pid);
  if (!it) {
    const r = state.recs.find((o) => o.pid === pid);
    if (!r) return c;
    const p = r.p;
    it = { product_id: pid, name: p.name, image_url: p.image_url, unit_price: p.price };
    items.push(Object.assign(it, { quantity: 0 }));
  }
  const q = method === "DELETE" ? 0 : (method === "POST" ? it.quantity : 0) + body.quantity;
  const d = (q - it.quantity) * num(it.unit_price);
  it.quantity = q;
  it.line_total = (q * num(it.unit_price)).toFixed(2);
  const list = items.filter((i) => i.quantity > 0);
  return Object.assign({}, c, { items: list, item_count: list.reduce((a, i) => a + i.quantity, 0),
    subtotal: (num(c.subtotal) + d).toFixed(2), grand_total: (num(c.grand_total) + d).toFixed(2) });
}
// A theme message may switch a trigger off (any false in its settings): its facts hide at
// once. Facts the sample was built without appear on the next load.
const previewOn = (k) =>
  Object.values(TRIG[k === "viewers" ? "live_viewers" : k] || {}).indexOf(false) < 0;
function previewTrig(t) {
  const r = {}, items = {};
  for (const k in t) if (previewOn(k)) r[k] = t[k];
  for (const p in t.items || {}) {
    items[p] = {};
    for (const k in t.items[p]) if (previewOn(k)) items[p][k] = t.items[p][k];
  }
  r.items = items;
  const ts = TRIG.trust_signals;
  if (r.trust_signals && ts && ts.signals) r.trust_signals = ts.signals;
  return r;
}
ready.then(() => CONFIG.startOpen && open());
window.addEventListener("message", (e) => {
  const d = e.data;
  if (e.origin !== CONFIG.parentOrigin || !d || !root) return;
  if (d.type === "cart-admin:open") return d.open ? open() : close();
  if (d.type !== "cart-admin:theme") return;
  if (typeof d.css === "string") {
    if (!themeStyle) root.append(themeStyle = h("style"));
    themeStyle.textContent = d.css;  // after drawer.css and the first theme block: it wins
  }
  if (d.texts) TEXTS = d.texts;
  if (d.triggers) TRIG = d.triggers;
  if (d.upsells) UPS = d.upsells;
  const side = d.layout && d.layout.side;
  if (side) wrap.setAttribute("data-side", side === "left" ? "left" : "right");
  sides();
  state.recsSig = "";
  if (state.open) loadRecs();
  render();
  e.source.postMessage({ type: "cart-admin:applied", at: performance.now() }, e.origin);
});
