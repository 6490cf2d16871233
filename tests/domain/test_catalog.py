"""The product catalog service: configuration, filtering, sorting, pagination and the
selected products' add / remove / reorder, including two concurrent reorders."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from pydantic import ValidationError
from sqlmodel import Session, col, select

from cart_admin.domain import catalog
from cart_admin.domain.catalog import CatalogError, ProductCatalog, UnknownProducts
from cart_admin.models import LandingPage, LandingPageProduct, Product, ProductStatus
from cart_admin.models.types import utcnow
from tests.factories import (
    make_company,
    make_landing_page,
    make_page_products,
    make_product,
)

NAME_ORDER = ["100% Arabica_Sampler", "Burr Grinder", "Ceramic Mug", "Decaf Beans", "Espresso"]


@pytest.fixture
def shop(session: Session) -> SimpleNamespace:
    company = make_company(session, "Acme Coffee")
    other = make_company(session, "Rival Roasters")
    page = make_landing_page(session, company)
    t0 = utcnow() - timedelta(days=10)

    def product(name: str, sku: str, price: str, days: int, **fields) -> Product:
        return make_product(
            session,
            company,
            name=name,
            sku=sku,
            price=price,
            created_at=t0 + timedelta(days=days),
            **fields,
        )

    p = SimpleNamespace(
        espresso=product(
            "Espresso", "ESP-1", "12.00", 1, category="Coffee", tags=["dark"], sales_count=50
        ),
        decaf=product(
            "Decaf Beans", "DEC-1", "10.00", 2, category="coffee", tags=["Decaf"], sales_count=5
        ),
        mug=product(
            "Ceramic Mug",
            "MUG-1",
            "8.50",
            3,
            category="Gear",
            tags=["Gift"],
            sales_count=80,
            description="Holds a double espresso.",
        ),
        grinder=product(
            "Burr Grinder",
            "GRD-1",
            "99.00",
            4,
            category="Gear",
            tags=["gift", "premium"],
            sales_count=20,
            available=0,
        ),
        sampler=product("100% Arabica_Sampler", "SMP-1", "25.00", 5, sales_count=80, available=3),
        archived=product(
            "Archived Filter",
            "FLT-1",
            "4.00",
            6,
            category="Gear",
            tags=["gift"],
            status=ProductStatus.ARCHIVED,
        ),
        draft=product("Draft Kettle", "KTL-1", "40.00", 7, status=ProductStatus.DRAFT),
    )
    rival = make_product(
        session, other, name="Espresso", sku="ESP-1", category="Coffee", tags=["gift"]
    )
    rival_page = make_landing_page(session, other)
    return SimpleNamespace(
        company=company, other=other, page=page, p=p, rival=rival, rival_page=rival_page
    )


def _configure(session: Session, page: LandingPage, **config) -> None:
    catalog.update_catalog_config(session, page=page, changes=config)
    session.commit()


def _names(session: Session, page: LandingPage, **kwargs) -> list[str]:
    kwargs.setdefault("limit", 200)
    kwargs.setdefault("offset", 0)
    rows, total = catalog.catalog_products(session, page=page, **kwargs)
    if kwargs["offset"] == 0 and kwargs["limit"] >= total:
        assert total == len(rows)
    return [p.name for p in rows]


def _selection(engine: sa.Engine, page_id: str) -> list[tuple[str, int]]:
    """(product name, sort_order) of the page's rows, read on a fresh connection."""
    with Session(engine) as fresh:
        rows = fresh.exec(
            select(Product.name, LandingPageProduct.sort_order)
            .join(LandingPageProduct, col(LandingPageProduct.product_id) == col(Product.id))
            .where(col(LandingPageProduct.landing_page_id) == page_id)
            .order_by(col(LandingPageProduct.sort_order), col(Product.name))
        ).all()
        return [(name, order) for name, order in rows]


# --- configuration ---------------------------------------------------------------------


def test_default_config_follows_the_storefront(session, shop):
    assert catalog.get_catalog_config(session, page=shop.page) == ProductCatalog(
        mode="all", categories=[], tags=[], sort="manual", hide_out_of_stock=False
    )
    make_page_products(session, shop.page, [shop.p.mug])
    # no mode stored + products chosen: the chosen ones, as public.list_catalog does
    assert catalog.get_catalog_config(session, page=shop.page).mode == "selected"


def test_stored_config_unknown_keys_ignored_and_invalid_reads_as_default(session, shop):
    shop.page.product_catalog = {"sort": "price_desc", "legacy": 1}
    assert catalog.get_catalog_config(session, page=shop.page).sort == "price_desc"
    shop.page.product_catalog = {"mode": "category", "categories": []}
    assert catalog.get_catalog_config(session, page=shop.page) == ProductCatalog()
    shop.page.product_catalog = ["not", "a", "dict"]
    assert catalog.get_catalog_config(session, page=shop.page) == ProductCatalog()


def test_update_merges_and_stores_the_whole_config(session, engine, shop):
    _configure(session, shop.page, mode="category", categories=[" Coffee ", "COFFEE", "Gear"])
    _configure(session, shop.page, sort="newest")
    with Session(engine) as fresh:
        stored = fresh.get(LandingPage, shop.page.id).product_catalog
    assert stored == {
        "mode": "category",
        "categories": ["Coffee", "Gear"],
        "tags": [],
        "sort": "newest",
        "hide_out_of_stock": False,
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"mode": "category"}, "categories"),
        ({"mode": "tag", "tags": []}, "tags"),
        ({"mode": "everything"}, "mode"),
        ({"sort": "random"}, "sort"),
        ({"categories": [""]}, "categories.0"),
        ({"tags": ["a\x00b"]}, "tags.0"),
        ({"tags": ["x" * 101]}, "tags.0"),
        ({"tags": [f"t{i}" for i in range(51)]}, "tags"),
        ({"hide_out_of_stock": "sometimes"}, "hide_out_of_stock"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_config_is_a_field_error_and_changes_nothing(session, engine, shop, changes, field):
    with pytest.raises(ValidationError) as raised:
        catalog.update_catalog_config(session, page=shop.page, changes=changes)
    session.rollback()
    fields = [".".join(str(part) for part in err["loc"]) for err in raised.value.errors()]
    assert fields == [field]
    with Session(engine) as fresh:
        assert fresh.get(LandingPage, shop.page.id).product_catalog == {}


# --- reading: modes and sorts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, NAME_ORDER),  # manual outside "selected" is by name
        ("manual", NAME_ORDER),
        ("name", NAME_ORDER),
        (
            "price_asc",
            ["Ceramic Mug", "Decaf Beans", "Espresso", "100% Arabica_Sampler", "Burr Grinder"],
        ),
        (
            "price_desc",
            ["Burr Grinder", "100% Arabica_Sampler", "Espresso", "Decaf Beans", "Ceramic Mug"],
        ),
        # 80 sales each: by name
        (
            "best_selling",
            ["100% Arabica_Sampler", "Ceramic Mug", "Espresso", "Burr Grinder", "Decaf Beans"],
        ),
        (
            "newest",
            ["100% Arabica_Sampler", "Burr Grinder", "Ceramic Mug", "Decaf Beans", "Espresso"],
        ),
    ],
)
def test_all_mode_lists_the_companys_active_products_in_each_sort(session, shop, sort, expected):
    assert _names(session, shop.page, sort=sort) == expected


def test_configured_sort_applies_and_the_argument_overrides_it(session, shop):
    _configure(session, shop.page, sort="price_desc")
    assert _names(session, shop.page)[0] == "Burr Grinder"
    assert _names(session, shop.page, sort="price_asc")[0] == "Ceramic Mug"


def test_unknown_sort_argument_is_refused(session, shop):
    with pytest.raises(CatalogError, match="Unknown sort 'cheapest'"):
        catalog.catalog_products(session, page=shop.page, sort="cheapest", limit=10, offset=0)


def test_selected_mode_keeps_the_merchants_order_and_only_active_products(session, shop):
    p = shop.p
    make_page_products(session, shop.page, [p.mug, p.archived, p.espresso, p.draft, p.grinder])
    _configure(session, shop.page, mode="selected")
    assert _names(session, shop.page) == ["Ceramic Mug", "Espresso", "Burr Grinder"]
    assert _names(session, shop.page, sort="price_asc") == [
        "Ceramic Mug",
        "Espresso",
        "Burr Grinder",
    ]
    assert _names(session, shop.page, sort="name") == ["Burr Grinder", "Ceramic Mug", "Espresso"]
    assert _names(session, shop.page, sort="best_selling") == [
        "Ceramic Mug",
        "Espresso",
        "Burr Grinder",
    ]


def test_selected_mode_ties_in_sort_order_break_by_name(session, shop):
    p = shop.p
    make_page_products(session, shop.page, [p.mug, p.espresso, p.decaf], sort_orders=[5, 1, 5])
    assert _names(session, shop.page) == ["Espresso", "Ceramic Mug", "Decaf Beans"]


def test_selected_mode_without_products_is_empty(session, shop):
    _configure(session, shop.page, mode="selected")
    assert catalog.catalog_products(session, page=shop.page, limit=10, offset=0) == ([], 0)


def test_another_pages_selection_does_not_leak(session, shop):
    other_page = make_landing_page(session, shop.company)
    make_page_products(session, other_page, [shop.p.decaf])
    make_page_products(session, shop.page, [shop.p.mug])
    assert _names(session, shop.page) == ["Ceramic Mug"]
    assert _names(session, other_page) == ["Decaf Beans"]


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (["COFFEE"], ["Decaf Beans", "Espresso"]),
        (["Gear"], ["Burr Grinder", "Ceramic Mug"]),  # not the archived filter
        (["gear", "coffee"], ["Burr Grinder", "Ceramic Mug", "Decaf Beans", "Espresso"]),
        (["Tea"], []),
    ],
)
def test_category_mode(session, shop, categories, expected):
    _configure(session, shop.page, mode="category", categories=categories)
    assert _names(session, shop.page, sort="name") == expected


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["GIFT"], ["Burr Grinder", "Ceramic Mug"]),  # not the archived one, not the rival's
        (["premium", "decaf"], ["Burr Grinder", "Decaf Beans"]),
        (["dark"], ["Espresso"]),
        (["gif"], []),  # whole tags only
    ],
)
def test_tag_mode(session, shop, tags, expected):
    _configure(session, shop.page, mode="tag", tags=tags)
    assert _names(session, shop.page, sort="name") == expected


def test_hide_out_of_stock_hides_only_products_with_nothing_available(session, shop):
    _configure(session, shop.page, hide_out_of_stock=True)
    # the grinder has 0 available; the sampler 3; the others track no stock
    assert _names(session, shop.page) == [n for n in NAME_ORDER if n != "Burr Grinder"]


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("ESPRESSO", ["Ceramic Mug", "Espresso"]),  # name, and the mug's description
        ("grd-", ["Burr Grinder"]),  # SKU
        ("a_s", ["100% Arabica_Sampler"]),  # "_" is a character, not a wildcard
        ("%", ["100% Arabica_Sampler"]),  # "%" too
        ("  beans ", ["Decaf Beans"]),
        ("", NAME_ORDER),
        ("kettle", []),  # a draft
    ],
)
def test_search_is_case_insensitive_on_name_sku_and_description(session, shop, search, expected):
    assert _names(session, shop.page, search=search) == expected


def test_category_argument_narrows_within_the_mode(session, shop):
    assert _names(session, shop.page, category="GEAR") == ["Burr Grinder", "Ceramic Mug"]
    _configure(session, shop.page, mode="tag", tags=["gift", "dark"])
    assert _names(session, shop.page, category="coffee") == ["Espresso"]
    assert _names(session, shop.page, category="coffee", search="mug") == []


def test_pagination_pages_through_in_order_with_the_total(session, shop):
    pages = [
        catalog.catalog_products(session, page=shop.page, sort="name", limit=2, offset=offset)
        for offset in (0, 2, 4, 6)
    ]
    assert [[p.name for p in rows] for rows, _ in pages] == [
        NAME_ORDER[0:2],
        NAME_ORDER[2:4],
        NAME_ORDER[4:],
        [],
    ]
    assert {total for _, total in pages} == {5}
    rows, total = catalog.catalog_products(
        session, page=shop.page, search="beans", limit=1, offset=0
    )
    assert ([p.name for p in rows], total) == (["Decaf Beans"], 1)


def test_the_rival_company_sees_only_its_own(session, shop):
    assert _names(session, shop.rival_page) == ["Espresso"]
    _configure(session, shop.rival_page, mode="tag", tags=["gift"])
    rows, total = catalog.catalog_products(session, page=shop.rival_page, limit=10, offset=0)
    assert ([p.id for p in rows], total) == ([shop.rival.id], 1)


# --- writing: add, remove -------------------------------------------------------------


def test_add_appends_in_the_given_order_and_ignores_present_ones(session, engine, shop):
    p = shop.p
    make_page_products(session, shop.page, [p.mug, p.espresso], sort_orders=[3, 7])
    chosen = catalog.add_products(
        session, page=shop.page, product_ids=[p.grinder.id, p.mug.id, p.draft.id, p.grinder.id]
    )
    session.commit()
    assert [x.name for x in chosen] == ["Ceramic Mug", "Espresso", "Burr Grinder", "Draft Kettle"]
    assert _selection(engine, shop.page.id) == [
        ("Ceramic Mug", 0),
        ("Espresso", 1),
        ("Burr Grinder", 2),
        ("Draft Kettle", 3),
    ]


def test_add_nothing_new_changes_nothing(session, engine, shop):
    make_page_products(session, shop.page, [shop.p.mug], sort_orders=[4])
    catalog.add_products(session, page=shop.page, product_ids=[shop.p.mug.id])
    session.commit()
    assert _selection(engine, shop.page.id) == [("Ceramic Mug", 4)]


def test_add_refuses_unknown_and_foreign_ids_all_or_nothing(session, engine, shop):
    make_page_products(session, shop.page, [shop.p.mug])
    bad = [shop.p.espresso.id, shop.rival.id, "ffffffffffffffffffffffff", "not-an-id"]
    with pytest.raises(UnknownProducts) as raised:
        catalog.add_products(session, page=shop.page, product_ids=bad)
    session.rollback()
    assert raised.value.product_ids == bad[1:]
    assert str(raised.value) == f"Unknown products: {', '.join(bad[1:])}."
    assert _selection(engine, shop.page.id) == [("Ceramic Mug", 0)]


def test_add_refuses_more_than_a_page_may_hold(session, engine, shop, monkeypatch):
    monkeypatch.setattr(catalog, "MAX_SELECTED", 2)
    make_page_products(session, shop.page, [shop.p.mug])
    with pytest.raises(CatalogError, match="at most 2"):
        catalog.add_products(
            session, page=shop.page, product_ids=[shop.p.espresso.id, shop.p.decaf.id]
        )
    session.rollback()
    assert _selection(engine, shop.page.id) == [("Ceramic Mug", 0)]


def test_remove_takes_products_off_and_closes_the_gaps(session, engine, shop):
    p = shop.p
    make_page_products(session, shop.page, [p.mug, p.espresso, p.decaf, p.grinder])
    chosen = catalog.remove_products(
        session, page=shop.page, product_ids=[p.espresso.id, p.grinder.id, p.sampler.id]
    )
    session.commit()
    assert [x.name for x in chosen] == ["Ceramic Mug", "Decaf Beans"]
    assert _selection(engine, shop.page.id) == [("Ceramic Mug", 0), ("Decaf Beans", 1)]


def test_remove_refuses_unknown_ids_all_or_nothing(session, engine, shop):
    make_page_products(session, shop.page, [shop.p.mug, shop.p.espresso])
    with pytest.raises(UnknownProducts, match=shop.rival.id):
        catalog.remove_products(session, page=shop.page, product_ids=[shop.p.mug.id, shop.rival.id])
    session.rollback()
    assert _selection(engine, shop.page.id) == [("Ceramic Mug", 0), ("Espresso", 1)]


def test_the_rival_page_cannot_take_our_products(session, engine, shop):
    with pytest.raises(UnknownProducts):
        catalog.add_products(session, page=shop.rival_page, product_ids=[shop.p.mug.id])
    session.rollback()
    assert _selection(engine, shop.rival_page.id) == []


# --- writing: reorder -----------------------------------------------------------------


def test_reorder_assigns_0_to_n_minus_1(session, engine, shop):
    p = shop.p
    make_page_products(session, shop.page, [p.mug, p.espresso, p.decaf], sort_orders=[9, 9, 2])
    chosen = catalog.reorder(
        session, page=shop.page, product_ids=[p.espresso.id, p.decaf.id, p.mug.id]
    )
    session.commit()
    assert [x.name for x in chosen] == ["Espresso", "Decaf Beans", "Ceramic Mug"]
    assert _selection(engine, shop.page.id) == [
        ("Espresso", 0),
        ("Decaf Beans", 1),
        ("Ceramic Mug", 2),
    ]
    assert _names(session, shop.page) == ["Espresso", "Decaf Beans", "Ceramic Mug"]


def test_reorder_of_an_empty_selection_is_fine(session, shop):
    assert catalog.reorder(session, page=shop.page, product_ids=[]) == []


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (lambda p: [p.espresso.id, p.mug.id], "missing {decaf}"),
        (
            lambda p: [p.espresso.id, p.mug.id, p.decaf.id, p.grinder.id],
            "not on the page {grinder}",
        ),
        (
            lambda p: [p.espresso.id, p.mug.id, p.decaf.id, p.mug.id],
            "listed twice {mug}",
        ),
        (lambda p: [p.espresso.id, p.mug.id, "zzz"], "missing {decaf}; not on the page zzz"),
        (lambda p: [], "missing {mug}, {espresso}, {decaf}"),
    ],
)
def test_reorder_must_list_exactly_the_current_products(session, engine, shop, ids, message):
    p = shop.p
    make_page_products(session, shop.page, [p.mug, p.espresso, p.decaf])
    before = _selection(engine, shop.page.id)
    with pytest.raises(CatalogError) as raised:
        catalog.reorder(session, page=shop.page, product_ids=ids(p))
    session.rollback()
    expected = message.format(**{k: v.id for k, v in vars(p).items()})
    assert str(raised.value).startswith("The order must list each of the page's 3 selected")
    assert expected in str(raised.value)
    assert _selection(engine, shop.page.id) == before


def test_reorder_of_another_pages_products_is_refused(session, engine, shop):
    other_page = make_landing_page(session, shop.company)
    make_page_products(session, other_page, [shop.p.decaf])
    make_page_products(session, shop.page, [shop.p.mug])
    with pytest.raises(CatalogError, match="not on the page"):
        catalog.reorder(session, page=shop.page, product_ids=[shop.p.decaf.id])
    session.rollback()
    assert _selection(engine, shop.page.id) == [("Ceramic Mug", 0)]


# --- concurrency ----------------------------------------------------------------------

PAUSE = 0.3


def _slow_reads(monkeypatch) -> None:
    """Widen the race: pause after reading the selection (inside the locked section)."""
    real = catalog._selection_rows

    def slow(session, page):
        rows = real(session, page)
        time.sleep(PAUSE)
        return rows

    monkeypatch.setattr(catalog, "_selection_rows", slow)


def _in_threads(engine: sa.Engine, page_id: str, *jobs) -> tuple[list, float]:
    """Run each job(session, page) in its own thread and session, started together."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(i: int, job) -> None:
        with Session(engine, expire_on_commit=False) as s:
            page = s.get(LandingPage, page_id)
            barrier.wait()
            try:
                outcomes[i] = job(s, page)
                s.commit()
            except Exception as exc:
                s.rollback()
                outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes, time.monotonic() - started


@pytest.mark.timeout(120)
def test_two_concurrent_reorders_end_in_one_of_the_two_orders(session, engine, shop, monkeypatch):
    products = [make_product(session, shop.company, name=f"Item {i:02d}") for i in range(12)]
    make_page_products(session, shop.page, products)
    order_a = [p.name for p in products[6:] + products[:6]]
    order_b = [p.name for p in reversed(products)]
    by_name = {p.name: p.id for p in products}
    _slow_reads(monkeypatch)
    for _round in range(3):
        outcomes, elapsed = _in_threads(
            engine,
            shop.page.id,
            lambda s, page: catalog.reorder(
                s, page=page, product_ids=[by_name[n] for n in order_a]
            ),
            lambda s, page: catalog.reorder(
                s, page=page, product_ids=[by_name[n] for n in order_b]
            ),
        )
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        assert elapsed >= 2 * PAUSE  # the second waited for the first: one after the other
        final = _selection(engine, shop.page.id)
        assert [order for _, order in final] == list(range(12))
        assert [name for name, _ in final] in (order_a, order_b)


@pytest.mark.timeout(120)
def test_a_reorder_racing_a_removal_never_leaves_a_mix(session, engine, shop, monkeypatch):
    p = shop.p
    make_page_products(session, shop.page, [p.mug, p.espresso, p.decaf])
    _slow_reads(monkeypatch)
    outcomes, _ = _in_threads(
        engine,
        shop.page.id,
        lambda s, page: catalog.remove_products(s, page=page, product_ids=[p.espresso.id]),
        lambda s, page: catalog.reorder(
            s, page=page, product_ids=[p.decaf.id, p.espresso.id, p.mug.id]
        ),
    )
    final = _selection(engine, shop.page.id)
    assert not isinstance(outcomes[0], Exception), outcomes
    if isinstance(outcomes[1], Exception):  # the removal went first: the order is stale
        assert isinstance(outcomes[1], CatalogError)
        assert final == [("Ceramic Mug", 0), ("Decaf Beans", 1)]
    else:  # the reorder went first, then the removal closed the gap
        assert final == [("Decaf Beans", 0), ("Ceramic Mug", 1)]
