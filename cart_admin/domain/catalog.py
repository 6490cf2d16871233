"""A landing page's product catalog: which products the drawer offers, and in what order.

The configuration (`ProductCatalog`) lives in `LandingPage.product_catalog`; the merchant's
hand-picked products are the page's `LandingPageProduct` rows, ordered by `sort_order`.

Every query is scoped to the page's company. The writes (`add_products`, `remove_products`,
`reorder`, `update_catalog_config`) lock the page row first, so concurrent edits of one page
run one after the other: `SELECT ... FOR UPDATE` on PostgreSQL, `BEGIN IMMEDIATE` (the one
write transaction of the file) on SQLite. They validate before writing and raise
`CatalogError` with nothing changed; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, get_args

import sqlalchemy as sa
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from sqlmodel import Session, col, select

from cart_admin.models import Inventory, LandingPage, LandingPageProduct, Product, ProductStatus

CatalogMode = Literal["all", "selected", "category", "tag"]
CatalogSort = Literal["manual", "price_asc", "price_desc", "name", "best_selling", "newest"]
SORTS: tuple[str, ...] = get_args(CatalogSort)

MAX_PER_REQUEST = 200  # product ids one add/remove request may carry
MAX_SELECTED = 1000  # hand-picked products per page (a reorder lists them all)
MAX_LABELS = 50  # categories or tags in the configuration


def _no_control_characters(value: str) -> str:
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise ValueError("cannot contain control characters")
    return value


Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
    AfterValidator(_no_control_characters),
]


class ProductCatalog(BaseModel):
    """Which products a page shows and how they are sorted (deployment plan §2)."""

    model_config = ConfigDict(extra="forbid")

    mode: CatalogMode = Field(
        default="all",
        description="all active products, the selected products, or those of some "
        "categories or tags",
    )
    categories: list[Label] = Field(
        default_factory=list, max_length=MAX_LABELS, validate_default=True
    )
    tags: list[Label] = Field(default_factory=list, max_length=MAX_LABELS, validate_default=True)
    sort: CatalogSort = Field(
        default="manual",
        description="manual: the selected products' order (by name in the other modes)",
    )
    hide_out_of_stock: bool = Field(
        default=False, description="hide products whose inventory has nothing available"
    )

    @field_validator("categories", "tags")
    @classmethod
    def _labels(cls, values: list[str], info: ValidationInfo) -> list[str]:
        """Duplicates (ignoring case) dropped; the mode's own list must not be empty."""
        unique = list({value.casefold(): value for value in reversed(values)}.values())[::-1]
        needs = {"categories": "category", "tags": "tag"}[info.field_name or ""]
        if info.data.get("mode") == needs and not unique:
            raise ValueError(f"list at least one {needs} when mode is {needs!r}")
        return unique


class CatalogError(ValueError):
    """A catalog change the page refuses; nothing was changed."""


class UnknownProducts(CatalogError):
    def __init__(self, product_ids: Sequence[str]) -> None:
        self.product_ids = list(product_ids)
        super().__init__(f"Unknown products: {', '.join(self.product_ids)}.")


# --- configuration ---------------------------------------------------------------------


def _has_selection(session: Session, page: LandingPage) -> bool:
    query = select(LandingPageProduct.id).where(
        col(LandingPageProduct.landing_page_id) == page.id,
        col(LandingPageProduct.company_id) == page.company_id,
    )
    return session.exec(query.limit(1)).first() is not None


def get_catalog_config(session: Session, *, page: LandingPage) -> ProductCatalog:
    """The page's configuration.

    A page whose stored configuration names no mode behaves as the storefront always has:
    its selected products when it has some, all active products otherwise. Unknown keys are
    ignored and an invalid stored configuration reads as that default.
    """
    stored = page.product_catalog if isinstance(page.product_catalog, dict) else {}
    known = {k: v for k, v in stored.items() if k in ProductCatalog.model_fields}
    if "mode" not in known:
        known["mode"] = _implicit_mode(session, page)
    try:
        return ProductCatalog.model_validate(known)
    except ValidationError:
        return ProductCatalog(mode=_implicit_mode(session, page))


def _implicit_mode(session: Session, page: LandingPage) -> CatalogMode:
    return "selected" if _has_selection(session, page) else "all"


def update_catalog_config(
    session: Session, *, page: LandingPage, changes: Mapping[str, Any]
) -> ProductCatalog:
    """Apply a partial change; raises pydantic's ValidationError (field errors) if invalid."""
    _lock_page(session, page)
    merged = get_catalog_config(session, page=page).model_dump() | dict(changes)
    config = ProductCatalog.model_validate(merged)
    page.product_catalog = config.model_dump(mode="json")
    session.add(page)
    session.flush()
    return config


# --- reading ---------------------------------------------------------------------------


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _tagged_with(session: Session, tags: Sequence[str]) -> sa.ColumnElement[bool]:
    """Products having any of `tags` (case-insensitive) in their JSON list."""
    if session.get_bind().dialect.name == "postgresql":
        elements = sa.func.jsonb_array_elements_text(col(Product.tags)).table_valued("value")
    else:
        elements = sa.func.json_each(col(Product.tags)).table_valued("value")
    lowered = [tag.casefold() for tag in tags]
    return sa.exists(
        sa.select(sa.literal(1))
        .select_from(elements)
        .where(sa.func.lower(elements.c.value).in_(lowered))
    )


def _order_by(sort: str, *, manual: bool) -> list[Any]:
    name = sa.func.lower(col(Product.name))
    then = [name, col(Product.id)]
    if sort == "manual":
        return [col(LandingPageProduct.sort_order), *then] if manual else then
    return {
        "name": then,
        "price_asc": [col(Product.price), *then],
        "price_desc": [col(Product.price).desc(), *then],
        "best_selling": [col(Product.sales_count).desc(), *then],
        "newest": [col(Product.created_at).desc(), *then],
    }[sort]


def catalog_products(
    session: Session,
    *,
    page: LandingPage,
    search: str | None = None,
    category: str | None = None,
    sort: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[Product], int]:
    """The active products the page shows, filtered, sorted and paginated in SQL.

    `search` matches name, SKU or description (case-insensitive substring); `category`
    narrows to one category (case-insensitive); `sort` overrides the configured sort.
    Returns one page of products and the total number matching.
    """
    if sort is not None and sort not in SORTS:
        raise CatalogError(f"Unknown sort {sort!r}: use one of {', '.join(SORTS)}.")
    if limit < 1 or offset < 0:
        raise CatalogError("limit must be at least 1 and offset at least 0.")
    config = get_catalog_config(session, page=page)
    query = select(Product).where(
        col(Product.company_id) == page.company_id,
        col(Product.status) == ProductStatus.ACTIVE,
    )
    if config.mode == "selected":
        query = query.join(
            LandingPageProduct,
            sa.and_(
                col(LandingPageProduct.product_id) == col(Product.id),
                col(LandingPageProduct.landing_page_id) == page.id,
                col(LandingPageProduct.company_id) == page.company_id,
            ),
        )
    elif config.mode == "category":
        wanted = [c.casefold() for c in config.categories]
        query = query.where(sa.func.lower(col(Product.category)).in_(wanted))
    elif config.mode == "tag":
        query = query.where(_tagged_with(session, config.tags))
    if config.hide_out_of_stock:
        sold_out = sa.exists().where(
            col(Inventory.product_id) == col(Product.id), col(Inventory.available) <= 0
        )
        query = query.where(~sold_out)
    if search and search.strip():
        pattern = f"%{_escape_like(search.strip())}%"
        query = query.where(
            sa.or_(
                col(Product.name).ilike(pattern, escape="\\"),
                col(Product.sku).ilike(pattern, escape="\\"),
                col(Product.description).ilike(pattern, escape="\\"),
            )
        )
    if category and category.strip():
        query = query.where(sa.func.lower(col(Product.category)) == category.strip().casefold())
    total = session.exec(select(sa.func.count()).select_from(query.subquery())).one()
    ordered = query.order_by(*_order_by(sort or config.sort, manual=config.mode == "selected"))
    return list(session.exec(ordered.limit(limit).offset(offset)).all()), total


def selected_products(session: Session, *, page: LandingPage) -> list[Product]:
    """The page's hand-picked products in their order, whatever their status."""
    query = (
        select(Product)
        .join(LandingPageProduct, col(LandingPageProduct.product_id) == col(Product.id))
        .where(
            col(LandingPageProduct.landing_page_id) == page.id,
            col(LandingPageProduct.company_id) == page.company_id,
            col(Product.company_id) == page.company_id,
        )
        .order_by(col(LandingPageProduct.sort_order), col(LandingPageProduct.id))
    )
    return list(session.exec(query).all())


# --- writing ---------------------------------------------------------------------------


def _lock_page(session: Session, page: LandingPage) -> None:
    """Serialise writers of this page's catalog until the transaction ends.

    PostgreSQL: the page row is locked `FOR UPDATE` (and re-read). SQLite has no row locks:
    `BEGIN IMMEDIATE` takes the database's write lock before anything is read (pysqlite
    would otherwise begin only at the first write, after our reads), waiting for another
    writer's commit first.
    """
    session.flush()  # pending changes first: the refresh below must not discard them
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    session.refresh(page, with_for_update=True)


def _selection_rows(session: Session, page: LandingPage) -> list[tuple[str, str]]:
    """(row id, product id) of the page's selection, in order; read after the lock."""
    query = (
        select(LandingPageProduct.id, LandingPageProduct.product_id)
        .where(
            col(LandingPageProduct.landing_page_id) == page.id,
            col(LandingPageProduct.company_id) == page.company_id,
        )
        .order_by(col(LandingPageProduct.sort_order), col(LandingPageProduct.id))
    )
    return [(row_id, product_id) for row_id, product_id in session.exec(query).all()]


def _write_order(session: Session, row_ids: Sequence[str]) -> None:
    """sort_order 0..n-1 on every row, changed or not (never a mix of two orders)."""
    for position, row_id in enumerate(row_ids):
        session.exec(
            sa.update(LandingPageProduct)
            .where(col(LandingPageProduct.id) == row_id)
            .values(sort_order=position)
            .execution_options(synchronize_session=False)
        )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, LandingPageProduct):
            session.expire(obj)


def _company_products(session: Session, page: LandingPage, product_ids: Sequence[str]) -> None:
    """Raise UnknownProducts naming every id that is not a product of the page's company."""
    if len(product_ids) > MAX_SELECTED:
        raise CatalogError(f"At most {MAX_SELECTED} products per request.")
    found = set(
        session.exec(
            select(Product.id).where(
                col(Product.company_id) == page.company_id, col(Product.id).in_(product_ids)
            )
        ).all()
    )
    unknown = [pid for pid in product_ids if pid not in found]
    if unknown:
        raise UnknownProducts(unknown)


def add_products(
    session: Session, *, page: LandingPage, product_ids: Sequence[str]
) -> list[Product]:
    """Append products at the end in the given order; ones already on the page are ignored.

    All or nothing: an unknown id (or another company's) raises UnknownProducts naming it.
    Returns the page's selection.
    """
    wanted = list(dict.fromkeys(product_ids))
    _company_products(session, page, wanted)
    _lock_page(session, page)
    current = _selection_rows(session, page)
    present = {product_id for _, product_id in current}
    new = [pid for pid in wanted if pid not in present]
    if len(current) + len(new) > MAX_SELECTED:
        raise CatalogError(f"A page can show at most {MAX_SELECTED} selected products.")
    if new:
        # Renumber from 0 so the new rows follow whatever gaps or ties the old ones had.
        _write_order(session, [row_id for row_id, _ in current])
        for position, product_id in enumerate(new, start=len(current)):
            session.add(
                LandingPageProduct(
                    company_id=page.company_id,
                    landing_page_id=page.id,
                    product_id=product_id,
                    sort_order=position,
                )
            )
        session.flush()
    return selected_products(session, page=page)


def remove_products(
    session: Session, *, page: LandingPage, product_ids: Sequence[str]
) -> list[Product]:
    """Take products off the page (ones not on it are ignored); the rest keep their order.

    All or nothing: an unknown id (or another company's) raises UnknownProducts naming it.
    Returns the page's selection.
    """
    wanted = list(dict.fromkeys(product_ids))
    _company_products(session, page, wanted)
    _lock_page(session, page)
    current = _selection_rows(session, page)
    gone = set(wanted)
    doomed = [row_id for row_id, product_id in current if product_id in gone]
    if doomed:
        session.exec(
            sa.delete(LandingPageProduct)
            .where(col(LandingPageProduct.id).in_(doomed))
            .execution_options(synchronize_session=False)
        )
        for obj in list(session.identity_map.values()):
            if isinstance(obj, LandingPageProduct) and obj.id in doomed:
                session.expunge(obj)
        _write_order(session, [row_id for row_id, pid in current if pid not in gone])
    return selected_products(session, page=page)


def reorder(session: Session, *, page: LandingPage, product_ids: Sequence[str]) -> list[Product]:
    """Put the page's selected products in the given order (sort_order 0..n-1).

    `product_ids` must list exactly the page's current products, each once; otherwise
    CatalogError says what is missing, extra or repeated and nothing changes. Concurrent
    reorders run one after the other, so the result is one of them, never a mix.
    """
    _lock_page(session, page)
    current = _selection_rows(session, page)
    row_of = {product_id: row_id for row_id, product_id in current}
    seen: set[str] = set()
    repeated: list[str] = []
    for pid in product_ids:
        if pid in seen:
            repeated.append(pid)
        seen.add(pid)
    missing = [pid for _, pid in current if pid not in seen]
    extra = [pid for pid in dict.fromkeys(product_ids) if pid not in row_of]
    if repeated or missing or extra:
        problems = []
        if missing:
            problems.append(f"missing {', '.join(missing)}")
        if extra:
            problems.append(f"not on the page {', '.join(extra)}")
        if repeated:
            problems.append(f"listed twice {', '.join(dict.fromkeys(repeated))}")
        raise CatalogError(
            f"The order must list each of the page's {len(current)} selected products once: "
            + "; ".join(problems)
            + "."
        )
    _write_order(session, [row_of[pid] for pid in product_ids])
    return selected_products(session, page=page)
