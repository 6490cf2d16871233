"""Product catalog: which products a landing page shows, in what order (drag and drop)."""

from __future__ import annotations

import reflex as rx
from pydantic import ValidationError
from sqlmodel import col, select

from cart_admin.db import session_scope
from cart_admin.domain import auth
from cart_admin.domain import catalog as cat
from cart_admin.domain.tenancy import NotFound, get_owned
from cart_admin.models import LandingPage, Product, ProductStatus
from cart_admin.ui import format as fmt
from cart_admin.ui.components import card
from cart_admin.ui.nav import admin_page
from cart_admin.ui.routes import CATALOG

# Drag and drop: the browser reorders through the REST endpoint (the same domain rule), then
# asks the page to re-read; a failed save therefore shows the order the server kept.
DRAG_AND_DROP = """
(function () {
  if (window.__cartAdminDnd) return; window.__cartAdminDnd = true;
  let dragged = null;
  const item = (e) => e.target.closest && e.target.closest('[data-catalog-item]');
  document.addEventListener('dragstart', (e) => {
    const it = item(e); if (!it) return;
    dragged = it; e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', it.dataset.catalogItem);
  });
  document.addEventListener('dragover', (e) => { if (dragged && item(e)) e.preventDefault(); });
  document.addEventListener('drop', async (e) => {
    const target = item(e);
    if (!dragged || !target || target === dragged) return;
    e.preventDefault();
    const list = target.parentElement;
    const ids = [...list.querySelectorAll('[data-catalog-item]')].map((x) => x.dataset.catalogItem);
    const moving = dragged.dataset.catalogItem; dragged = null;
    ids.splice(ids.indexOf(moving), 1);
    const after = e.offsetY > target.offsetHeight / 2 ? 1 : 0;
    ids.splice(ids.indexOf(target.dataset.catalogItem) + after, 0, moving);
    try {
      await fetch('/api/landing-pages/' + list.dataset.pageId + '/product-catalog/reorder', {
        method: 'POST', credentials: 'same-origin',
        headers: {'content-type': 'application/json'}, body: JSON.stringify({product_ids: ids}),
      });
    } finally { document.getElementById('catalog-reload').click(); }
  });
})();
"""


SHOWN_PER_PAGE = 12


def _row(product: Product) -> dict[str, str]:
    return {
        "id": product.id,
        "name": product.name,
        "price": fmt.money(product.price),
        "image": product.image_url or "",
        "category": product.category or "",
        "draft": "" if product.status is ProductStatus.ACTIVE else product.status.value.title(),
    }


class CatalogState(rx.State):
    pages: list[dict[str, str]] = []
    page_id: str = ""
    mode: str = "all"
    sort: str = "manual"
    selected: list[dict[str, str]] = []
    candidates: list[dict[str, str]] = []
    search: str = ""
    error: str = ""
    labels: str = ""  # the categories or tags of those modes, comma separated
    shown: list[dict[str, str]] = []  # what the storefront shows, one page of it
    shown_total: int = 0
    shown_page: int = 0
    shown_search: str = ""

    @rx.var
    def shown_pages(self) -> int:
        return max(1, -(-self.shown_total // SHOWN_PER_PAGE))

    async def _principal(self, *, write: bool = False):
        from cart_admin.ui.state import AuthState

        principal = (await self.get_state(AuthState)).principal()
        if principal is None or (write and not auth.can_write(principal)):
            return None
        return principal

    @rx.event
    async def load(self):
        principal = await self._principal()
        if principal is None:
            return
        wanted = self.router.url.query_parameters.get("page", "") or self.page_id
        with session_scope() as session:
            rows = session.exec(
                select(LandingPage)
                .where(col(LandingPage.company_id) == principal.company_id)
                .order_by(col(LandingPage.created_at))
            ).all()
            self.pages = [{"id": p.id, "name": p.name} for p in rows]
            page = next((p for p in rows if p.id == wanted), rows[0] if rows else None)
            if page is None:
                return
            self.page_id = page.id
            config = cat.get_catalog_config(session, page=page)
            self.mode, self.sort = config.mode, config.sort
            self.labels = ", ".join(config.categories if config.mode == "category" else config.tags)
            visible, self.shown_total = cat.catalog_products(
                session,
                page=page,
                search=self.shown_search.strip() or None,
                limit=SHOWN_PER_PAGE,
                offset=self.shown_page * SHOWN_PER_PAGE,
            )
            self.shown = [_row(p) for p in visible]
            chosen = cat.selected_products(session, page=page)
            self.selected = [_row(p) for p in chosen]
            taken = {p.id for p in chosen}
            pattern = f"%{self.search.strip().lower()}%"
            others = session.exec(
                select(Product)
                .where(
                    col(Product.company_id) == principal.company_id,
                    col(Product.status) == ProductStatus.ACTIVE,
                    col(Product.name).ilike(pattern),
                )
                .order_by(col(Product.name))
                .limit(60)
            ).all()
            self.candidates = [_row(p) for p in others if p.id not in taken]

    @rx.event
    def choose_page(self, page_id: str):
        return rx.redirect(f"{CATALOG}?page={page_id}")

    @rx.event
    def set_search(self, value: str):
        self.search = value[:100]
        return CatalogState.load

    async def _change(self, apply) -> None:
        principal = await self._principal(write=True)
        if principal is None:
            self.error = "Your role cannot change the catalog (or your session ended)."
            return
        with session_scope() as session:
            try:
                page = get_owned(
                    session, LandingPage, self.page_id, company_id=principal.company_id
                )
                apply(session, page)
            except (cat.CatalogError, NotFound) as exc:
                session.rollback()
                self.error = str(exc)
                return
            except ValidationError as exc:
                session.rollback()
                self.error = "; ".join(e["msg"] for e in exc.errors())
                return
        self.error = ""

    @rx.event
    async def set_mode(self, value: str):
        changes = self._mode_changes(value)
        self.mode = value
        await self._change(lambda s, p: cat.update_catalog_config(s, page=p, changes=changes))
        # Refused (e.g. a category mode without categories yet): keep the choice on screen so
        # the labels can be typed; nothing was saved.
        return None if self.error else CatalogState.load

    def _mode_changes(self, mode: str) -> dict:
        labels = [part.strip() for part in self.labels.split(",") if part.strip()]
        key = {"category": "categories", "tag": "tags"}.get(mode)
        return {"mode": mode, key: labels} if key else {"mode": mode}

    @rx.event
    def set_labels(self, value: str):
        self.labels = value[:500]

    @rx.event
    async def save_labels(self):
        changes = self._mode_changes(self.mode)
        await self._change(lambda s, p: cat.update_catalog_config(s, page=p, changes=changes))
        return CatalogState.load

    @rx.event
    def set_shown_search(self, value: str):
        self.shown_search, self.shown_page = value[:100], 0
        return CatalogState.load

    @rx.event
    def turn_page(self, step: int):
        self.shown_page = max(0, min(self.shown_pages - 1, self.shown_page + step))
        return CatalogState.load

    @rx.event
    async def set_sort(self, value: str):
        await self._change(
            lambda s, p: cat.update_catalog_config(s, page=p, changes={"sort": value})
        )
        return CatalogState.load

    @rx.event
    async def add(self, product_id: str):
        await self._change(lambda s, p: cat.add_products(s, page=p, product_ids=[product_id]))
        return CatalogState.load

    @rx.event
    async def remove(self, product_id: str):
        await self._change(lambda s, p: cat.remove_products(s, page=p, product_ids=[product_id]))
        return CatalogState.load

    @rx.event
    async def move(self, product_id: str, step: int):
        """Keyboard-friendly reordering: one place up or down."""
        ids = [row["id"] for row in self.selected]
        if product_id not in ids:
            return CatalogState.load
        index = ids.index(product_id)
        target = max(0, min(len(ids) - 1, index + step))
        ids.insert(target, ids.pop(index))
        await self._change(lambda s, p: cat.reorder(s, page=p, product_ids=ids))
        return CatalogState.load


def selected_item(row: dict) -> rx.Component:
    return rx.hstack(
        rx.icon("grip-vertical", size=16, color="var(--gray-9)", cursor="grab"),
        rx.image(src=row["image"], width="40px", height="40px", border_radius="6px"),
        rx.vstack(
            rx.text(row["name"], size="2", weight="medium"),
            rx.text(row["price"], " ", row["category"], size="1", color_scheme="gray"),
            spacing="0",
            flex="1",
        ),
        rx.cond(row["draft"] != "", rx.badge(row["draft"], color_scheme="gray")),
        rx.icon_button(
            rx.icon("arrow-up", size=14),
            size="1",
            variant="ghost",
            on_click=CatalogState.move(row["id"], -1),
            aria_label="Move up",
        ),
        rx.icon_button(
            rx.icon("arrow-down", size=14),
            size="1",
            variant="ghost",
            on_click=CatalogState.move(row["id"], 1),
            aria_label="Move down",
        ),
        rx.icon_button(
            rx.icon("x", size=14),
            size="1",
            variant="ghost",
            color_scheme="red",
            on_click=CatalogState.remove(row["id"]),
            aria_label="Remove",
        ),
        align="center",
        width="100%",
        padding="8px",
        border="1px solid var(--gray-4)",
        border_radius="8px",
        background="var(--color-panel-solid)",
        custom_attrs={"draggable": "true", "data-catalog-item": row["id"]},
    )


def candidate_item(row: dict) -> rx.Component:
    return rx.hstack(
        rx.image(src=row["image"], width="32px", height="32px", border_radius="6px"),
        rx.text(row["name"], size="2", flex="1"),
        rx.text(row["price"], size="1", color_scheme="gray"),
        rx.button("Add", size="1", variant="soft", on_click=CatalogState.add(row["id"])),
        align="center",
        width="100%",
    )


def storefront_preview() -> rx.Component:
    def tile(row: dict) -> rx.Component:
        return rx.vstack(
            rx.image(src=row["image"], width="64px", height="64px", border_radius="8px"),
            rx.text(row["name"], size="1", text_align="center"),
            rx.text(row["price"], size="1", color_scheme="gray"),
            align="center",
            spacing="1",
        )

    return card(
        rx.hstack(
            rx.text("What the storefront shows", weight="bold", size="3"),
            rx.badge(CatalogState.shown_total, " products", variant="soft", id="shown-total"),
            rx.spacer(),
            rx.input(
                placeholder="Search",
                value=CatalogState.shown_search,
                on_change=CatalogState.set_shown_search,
                debounce_timeout=250,
                width="200px",
                id="shown-search",
            ),
            align="center",
            width="100%",
        ),
        rx.grid(
            rx.foreach(CatalogState.shown, tile),
            columns="repeat(auto-fill, minmax(110px, 1fr))",
            gap="12px",
            margin_top="12px",
        ),
        rx.hstack(
            rx.button(
                "Previous",
                size="1",
                variant="soft",
                on_click=CatalogState.turn_page(-1),
                disabled=CatalogState.shown_page == 0,
            ),
            rx.text(
                "Page ",
                CatalogState.shown_page + 1,
                " of ",
                CatalogState.shown_pages,
                size="1",
                color_scheme="gray",
            ),
            rx.button(
                "Next",
                size="1",
                variant="soft",
                on_click=CatalogState.turn_page(1),
                disabled=CatalogState.shown_page + 1 >= CatalogState.shown_pages,
                id="shown-next",
            ),
            align="center",
            spacing="3",
            margin_top="12px",
        ),
        width="100%",
    )


@admin_page(
    route=CATALOG, title="Product catalog", icon="package", order=22, on_load=[CatalogState.load]
)
def catalog_page() -> rx.Component:
    return rx.vstack(
        rx.script(DRAG_AND_DROP),
        rx.button("reload", id="catalog-reload", on_click=CatalogState.load, display="none"),
        rx.hstack(
            rx.select.root(
                rx.select.trigger(width="220px"),
                rx.select.content(
                    rx.foreach(
                        CatalogState.pages, lambda p: rx.select.item(p["name"], value=p["id"])
                    )
                ),
                value=CatalogState.page_id,
                on_change=CatalogState.choose_page,
            ),
            rx.text("Show", size="2", color_scheme="gray"),
            rx.select(
                ["all", "selected", "category", "tag"],
                value=CatalogState.mode,
                on_change=CatalogState.set_mode,
                size="2",
                id="catalog-mode",
            ),
            rx.cond(
                (CatalogState.mode == "category") | (CatalogState.mode == "tag"),
                rx.hstack(
                    rx.input(
                        placeholder=rx.cond(
                            CatalogState.mode == "tag", "tags, comma separated", "categories"
                        ),
                        value=CatalogState.labels,
                        on_change=CatalogState.set_labels,
                        width="220px",
                        id="catalog-labels",
                    ),
                    rx.button(
                        "Save",
                        size="2",
                        variant="soft",
                        on_click=CatalogState.save_labels,
                        id="catalog-labels-save",
                    ),
                    spacing="2",
                ),
            ),
            rx.text("Sort", size="2", color_scheme="gray"),
            rx.select(
                list(cat.SORTS),
                value=CatalogState.sort,
                on_change=CatalogState.set_sort,
                size="2",
                id="catalog-sort",
            ),
            align="center",
            spacing="3",
        ),
        rx.cond(
            CatalogState.error != "",
            rx.callout(
                CatalogState.error, icon="triangle-alert", color_scheme="red", id="catalog-error"
            ),
        ),
        rx.grid(
            card(
                rx.text("On this page, in order", weight="bold", size="3"),
                rx.text(
                    "Drag to reorder (or use the arrows). The storefront's product list and "
                    "the drawer's suggestions follow this catalog.",
                    size="1",
                    color_scheme="gray",
                ),
                rx.vstack(
                    rx.foreach(CatalogState.selected, selected_item),
                    spacing="2",
                    width="100%",
                    margin_top="12px",
                    id="catalog-selected",
                    custom_attrs={"data-page-id": CatalogState.page_id},
                ),
            ),
            card(
                rx.text("Add products", weight="bold", size="3"),
                rx.input(
                    placeholder="Search products",
                    value=CatalogState.search,
                    on_change=CatalogState.set_search,
                    debounce_timeout=250,
                    margin_top="8px",
                    id="catalog-search",
                ),
                rx.vstack(
                    rx.foreach(CatalogState.candidates, candidate_item),
                    spacing="2",
                    width="100%",
                    margin_top="12px",
                ),
            ),
            columns="3fr 2fr",
            gap="20px",
            width="100%",
            align_items="start",
        ),
        storefront_preview(),
        spacing="4",
        width="100%",
    )
