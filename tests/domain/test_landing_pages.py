"""Creating and editing landing pages: checks, normalisation, slugs, tenancy, the threshold."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from cart_admin.domain import storefront as shop
from cart_admin.domain.landing_pages import (
    LandingPageError,
    LandingPageForm,
    create_landing_page,
    landing_page_summaries,
    parse_form,
    split_origins,
    update_landing_page,
)
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import LandingPage, LandingPageStatus
from cart_admin.models.types import utcnow
from tests.factories import make_company, make_landing_page, make_product


def _form(**changes) -> dict:
    base = {
        "name": "Spring sale",
        "slug": "spring-sale",
        "allowed_origins": "https://shop.example",
        "checkout_url": "https://shop.example/checkout",
        "store_url": "https://shop.example/store",
        "free_shipping_threshold": "",
    }
    return base | changes


def _count(session: Session) -> int:
    return session.exec(select(sa.func.count()).select_from(LandingPage)).one()


def test_split_origins_accepts_lines_and_commas() -> None:
    text = "https://a.example\r\n  https://b.example, https://c.example,,\n\n"
    assert split_origins(text) == ["https://a.example", "https://b.example", "https://c.example"]
    assert split_origins("   ") == []


def test_form_normalises_its_values() -> None:
    form = parse_form(
        _form(
            name="  Spring sale  ",
            allowed_origins="HTTPS://Shop.Example:443/\nhttps://shop.example, http://localhost:3000",
            checkout_url="   ",
            store_url="   ",
            free_shipping_threshold=" 75 ",
        )
    )
    assert form.name == "Spring sale"
    assert form.allowed_origins == ["https://shop.example", "http://localhost:3000"]
    assert form.checkout_url is None
    assert form.store_url is None
    assert form.free_shipping_threshold == Decimal("75.00")
    assert parse_form(form) is form
    assert LandingPageForm(name="x", slug="x").allowed_origins == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Bad\x00name"}, "name"),
        ({"slug": "Spring Sale"}, "slug"),
        ({"slug": "spring--sale"}, "slug"),
        ({"slug": "-spring"}, "slug"),
        ({"slug": "a" * 81}, "slug"),
        ({"allowed_origins": "https://shop.example/path"}, "allowed_origins"),
        ({"allowed_origins": "ftp://shop.example"}, "allowed_origins"),
        (
            {"allowed_origins": "\n".join(f"https://s{i}.example" for i in range(21))},
            "allowed_origins",
        ),
        ({"checkout_url": "shop.example/checkout"}, "checkout_url"),
        ({"checkout_url": "javascript:alert(1)"}, "checkout_url"),
        ({"checkout_url": "https://shop.example/" + "a" * 500}, "checkout_url"),
        ({"store_url": "shop.example/store"}, "store_url"),
        ({"store_url": "javascript:alert(1)"}, "store_url"),
        ({"store_url": "ftp://shop.example/store"}, "store_url"),
        ({"store_url": "https:shop.example/store"}, "store_url"),
        ({"store_url": "https://user@shop.example/store"}, "store_url"),
        ({"store_url": "//evil.example/store"}, "store_url"),
        ({"store_url": "/demo/store x"}, "store_url"),
        ({"store_url": "https://shop.example/" + "a" * 500}, "store_url"),
        ({"store_url": "/" + "a" * 500}, "store_url"),
        ({"store_url": "https://elsewhere.example/store"}, "store_url"),
        ({"free_shipping_threshold": "-1"}, "free_shipping_threshold"),
        ({"free_shipping_threshold": "100000.01"}, "free_shipping_threshold"),
        ({"free_shipping_threshold": "12.345"}, "free_shipping_threshold"),
        ({"free_shipping_threshold": "lots"}, "free_shipping_threshold"),
        ({"free_shipping_threshold": "NaN"}, "free_shipping_threshold"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_values_are_field_errors_and_nothing_is_stored(
    session: Session, changes: dict, field: str
) -> None:
    company = make_company(session)
    with pytest.raises(LandingPageError) as caught:
        create_landing_page(session, company_id=company.id, form=_form(**changes), now=utcnow())
    assert field in caught.value.errors
    assert caught.value.errors[field]
    session.rollback()
    assert _count(session) == 0


@pytest.mark.parametrize(
    ("origins", "store_url"),
    [
        ("https://shop.example", "/demo/store/spring-sale"),  # a path here: any origins
        ("", "/demo/store/spring-sale"),
        ("https://shop.example", "https://shop.example/store?ref=mail#cart"),
        ("https://a.example\nhttps://Shop.Example", "https://SHOP.example:443/store"),
        ("http://localhost:3000", "http://localhost:3000/store"),
        ("", "https://anywhere.example/store"),  # no origins yet: nothing to check against
    ],
)
def test_store_url_is_a_path_here_or_a_page_on_an_allowed_origin(
    origins: str, store_url: str
) -> None:
    form = parse_form(_form(allowed_origins=origins, store_url=f"  {store_url} "))
    assert form.store_url == store_url


def test_a_store_url_off_the_allowed_origins_says_why() -> None:
    with pytest.raises(LandingPageError) as caught:
        parse_form(_form(store_url="https://other.example/store"))
    assert set(caught.value.errors) == {"store_url"}
    assert "https://other.example" in caught.value.message
    assert "allowed origins" in caught.value.message
    with pytest.raises(LandingPageError) as caught:
        parse_form(_form(store_url="javascript:alert(1)"))
    assert caught.value.message.startswith("Enter the address of the store page")


def test_bad_origins_are_the_only_error_with_a_store_url() -> None:
    """The store URL can't be checked against origins that were refused, so it isn't."""
    with pytest.raises(LandingPageError) as caught:
        parse_form(_form(allowed_origins="ftp://shop.example"))
    assert set(caught.value.errors) == {"allowed_origins"}


def test_several_bad_fields_are_reported_together() -> None:
    with pytest.raises(LandingPageError) as caught:
        parse_form(_form(name="", slug="No", checkout_url="nope"))
    assert set(caught.value.errors) == {"name", "slug", "checkout_url"}
    assert "Value error" not in str(caught.value)


def test_create_stores_a_published_page_with_a_new_key(session: Session) -> None:
    company = make_company(session)
    now = utcnow()
    page = create_landing_page(
        session,
        company_id=company.id,
        form=_form(
            allowed_origins="https://Shop.example\nhttps://shop.example",
            free_shipping_threshold="75.00",
        ),
        now=now,
    )
    other = create_landing_page(session, company_id=company.id, form=_form(slug="other"), now=now)
    session.commit()

    stored = session.get(LandingPage, page.id)
    assert stored is not None
    assert stored.company_id == company.id
    assert (stored.name, stored.slug) == ("Spring sale", "spring-sale")
    assert stored.status is LandingPageStatus.PUBLISHED
    assert stored.allowed_origins == ["https://shop.example"]
    assert stored.checkout_url == "https://shop.example/checkout"
    assert stored.store_url == "https://shop.example/store"
    assert len(stored.public_key) >= 20 and stored.public_key != other.public_key
    assert stored.cart_theme == {"triggers": {"free_shipping": {"threshold": "75.00"}}}
    assert other.cart_theme == {}  # no threshold given: the defaults

    summaries = {s.slug: s for s in landing_page_summaries(session, company_id=company.id)}
    assert summaries["spring-sale"].store_url == "https://shop.example/store"
    assert summaries["spring-sale"].free_shipping_threshold == Decimal("75.00")
    assert summaries["other"].free_shipping_threshold == Decimal("50.00")


def test_the_threshold_is_the_storefront_cart_rule(session: Session) -> None:
    company = make_company(session)
    product = make_product(session, company, price=Decimal("30.00"))
    page = create_landing_page(
        session, company_id=company.id, form=_form(free_shipping_threshold="75"), now=utcnow()
    )
    session.commit()
    store = shop.storefront_for_key(session, public_key=page.public_key)
    cart = shop.create_cart(session, store=store, now=utcnow())
    priced = shop.add_item(
        session, store=store, cart=cart, product_id=product.id, quantity=2, now=utcnow()
    )
    assert priced.totals.free_shipping is not None
    assert priced.totals.free_shipping.threshold == Decimal("75.00")
    assert priced.totals.free_shipping.remaining == Decimal("15.00")


def test_update_changes_the_page_and_keeps_its_key_and_theme(session: Session) -> None:
    company = make_company(session)
    page = make_landing_page(
        session, company, slug="old", cart_theme={"preset": "dark"}, checkout_url=None
    )
    key = page.public_key
    updated = update_landing_page(
        session,
        company_id=company.id,
        page_id=page.id,
        form=_form(
            name="Renamed",
            slug="new-slug",
            allowed_origins="https://a.example, https://b.example",
            store_url="/demo/store/new-slug",
            free_shipping_threshold="99.5",
        ),
        now=utcnow(),
    )
    session.commit()
    session.refresh(updated)
    assert (updated.name, updated.slug, updated.public_key) == ("Renamed", "new-slug", key)
    assert updated.allowed_origins == ["https://a.example", "https://b.example"]
    assert updated.checkout_url == "https://shop.example/checkout"
    assert updated.store_url == "/demo/store/new-slug"
    assert updated.cart_theme == {
        "preset": "dark",
        "triggers": {"free_shipping": {"threshold": "99.50"}},
    }

    # Keeping the slug is fine; clearing the URLs and origins is too.
    update_landing_page(
        session,
        company_id=company.id,
        page_id=page.id,
        form=_form(slug="new-slug", allowed_origins="", checkout_url="", store_url=""),
        now=utcnow(),
    )
    session.commit()
    session.refresh(updated)
    assert updated.allowed_origins == [] and updated.checkout_url is None
    assert updated.store_url is None
    assert updated.cart_theme["triggers"]["free_shipping"]["threshold"] == "99.50"  # kept


def test_a_duplicate_slug_in_the_company_is_refused(session: Session) -> None:
    company = make_company(session)
    elsewhere = make_company(session, "Other Co")
    make_landing_page(session, elsewhere, slug="spring-sale")  # other companies don't count
    first = create_landing_page(session, company_id=company.id, form=_form(), now=utcnow())
    second = create_landing_page(
        session, company_id=company.id, form=_form(slug="second"), now=utcnow()
    )
    session.commit()

    with pytest.raises(LandingPageError) as caught:
        create_landing_page(session, company_id=company.id, form=_form(), now=utcnow())
    assert caught.value.field == "slug"
    assert "spring-sale" in caught.value.message
    with pytest.raises(LandingPageError) as caught:
        update_landing_page(
            session,
            company_id=company.id,
            page_id=second.id,
            form=_form(name="Changed", slug="spring-sale"),
            now=utcnow(),
        )
    assert caught.value.field == "slug"
    session.rollback()
    session.expire_all()
    assert _count(session) == 3
    assert session.get(LandingPage, second.id).name == "Spring sale"
    assert session.get(LandingPage, second.id).slug == "second"
    assert session.get(LandingPage, first.id).slug == "spring-sale"


def test_a_bad_edit_changes_nothing(session: Session) -> None:
    company = make_company(session)
    page = make_landing_page(session, company, slug="keep", name="Keep me")
    with pytest.raises(LandingPageError) as caught:
        update_landing_page(
            session,
            company_id=company.id,
            page_id=page.id,
            form=_form(name="New", slug="Not A Slug", free_shipping_threshold="10"),
            now=utcnow(),
        )
    assert set(caught.value.errors) == {"slug"}
    session.rollback()
    session.expire_all()
    stored = session.get(LandingPage, page.id)
    assert (stored.name, stored.slug, stored.cart_theme) == ("Keep me", "keep", {})


def test_another_companys_page_is_not_found(session: Session) -> None:
    mine = make_company(session)
    theirs = make_company(session, "Other Co")
    page = make_landing_page(session, theirs, slug="theirs", name="Theirs")
    for page_id in (page.id, "not-an-id", "0" * 24):
        with pytest.raises(NotFound):
            update_landing_page(
                session, company_id=mine.id, page_id=page_id, form=_form(), now=utcnow()
            )
    session.rollback()
    session.expire_all()
    assert session.get(LandingPage, page.id).name == "Theirs"
