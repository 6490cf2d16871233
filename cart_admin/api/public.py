"""The storefront's public cart API: identified by the page's public key and the cart token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status
from sqlmodel import Session, col, select

from cart_admin.api.checkout_schemas import InterventionResponse
from cart_admin.api.deps import NowDep, SessionDep
from cart_admin.api.public_schemas import (
    AddItem,
    ApplyCode,
    CartItemOut,
    CartOut,
    Catalog,
    CatalogProduct,
    CheckoutOut,
    FreeShippingOut,
    Heartbeat,
    MessageAction,
    RecoveryMessageOut,
    SessionId,
    SetQuantity,
)
from cart_admin.domain import catalog, triggers
from cart_admin.domain import storefront as shop
from cart_admin.domain.churn import responses as churn
from cart_admin.domain.discounts import DiscountError
from cart_admin.domain.save_flow import links
from cart_admin.domain.tenancy import NotFound
from cart_admin.models import Cart, Product
from cart_admin.settings import get_settings

router = APIRouter(prefix="/api/public/{public_key}", tags=["storefront"])

PublicKey = Annotated[str, Path(max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
Token = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
ProductIdPath = Annotated[str, Path(max_length=24, pattern=r"^[0-9a-f]+$")]
ViewerSession = Annotated[SessionId, Query()]


def _store(session: Session, public_key: str) -> shop.Storefront:
    try:
        return shop.storefront_for_key(
            session, public_key=public_key, themed=get_settings().enable_cart_theming
        )
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc


def _cart(session: Session, store: shop.Storefront, token: str):
    try:
        return shop.cart_for_token(session, store=store, token=token)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc


def _refused(exc: Exception) -> HTTPException:
    code = status.HTTP_409_CONFLICT if isinstance(exc, shop.CartClosed) else 422
    return HTTPException(code, detail=str(exc))


def _change(
    session: Session,
    public_key: str,
    token: str,
    now,
    viewer: str,
    change: Callable[[shop.Storefront, Cart], shop.PricedCart],
) -> CartOut:
    """Find the cart, apply one change (all or nothing), answer the Cart JSON."""
    store = _store(session, public_key)
    cart = _cart(session, store, token)
    try:
        priced = change(store, cart)
    except (shop.CartError, DiscountError) as exc:
        raise _refused(exc) from exc
    return cart_out(session, store, priced, now, viewer)


def _money(value) -> str:
    return f"{value:.2f}"


def cart_out(
    session: Session, store: shop.Storefront, priced: shop.PricedCart, now, viewer: str = ""
) -> CartOut:
    """The Cart JSON of the contract, with the trigger facts of this moment."""
    cart, totals = priced.cart, priced.totals
    stock = triggers.stock_levels(session, [p.id for _, p in priced.items])
    items = [
        CartItemOut(
            product_id=product.id,
            name=item.product_snapshot.get("name", product.name),
            image_url=item.product_snapshot.get("image_url", product.image_url),
            unit_price=_money(item.unit_price),
            compare_at_price=_money(product.compare_at_price) if product.compare_at_price else None,
            quantity=item.quantity,
            line_total=_money(item.unit_price * item.quantity),
            rating=str(product.rating) if product.rating is not None else None,
            review_count=product.review_count,
            available=stock.get(product.id),
        )
        for item, product in priced.items
    ]
    progress = totals.free_shipping
    expiry = triggers.hold_expiry(session, cart, now)
    return CartOut(
        token=cart.public_token,
        status=cart.status.value,
        currency=cart.currency,
        item_count=totals.item_count,
        items=items,
        subtotal=_money(totals.subtotal),
        discount_code=cart.discount_code,
        discount_total=_money(totals.discount_total),
        shipping_total=_money(totals.shipping_total),
        tax_total=_money(totals.tax_total),
        grand_total=_money(totals.grand_total),
        free_shipping=FreeShippingOut(
            threshold=_money(progress.threshold),
            basis=progress.basis,
            amount=_money(progress.amount),
            remaining=_money(progress.remaining),
            progress=progress.progress,
            qualifies=progress.qualifies,
            lost_by_discount=progress.lost_by_discount,
        )
        if progress
        else None,
        hold_expires_at=expiry.isoformat() if expiry else None,
        triggers=triggers.cart_triggers(
            session,
            theme=store.theme,
            cart=cart,
            lines=priced.items,
            totals=totals,
            now=now,
            viewer_session=viewer or None,
            stock=stock,
        ),
        checkout_url=shop.checkout_url(store.page.checkout_url, cart.public_token),
        notice=priced.notice,
        message=_message(session, cart),
    )


def _message(session: Session, cart: Cart) -> RecoveryMessageOut | None:
    row = links.pending_in_app(session, cart)
    if row is None:
        return None
    content = row.content
    return RecoveryMessageOut(
        id=row.tracking_token,
        headline=str(content.get("headline", "")),
        body=str(content.get("body", "")),
        cta=str(content.get("cta", "")),
    )


@router.get("/products", response_model=Catalog)
def list_catalog(public_key: PublicKey, session: SessionDep) -> Catalog:
    """The page's products as its catalog settings choose and order them."""
    store = _store(session, public_key)
    products, _total = catalog.catalog_products(
        session, page=store.page, limit=catalog.MAX_SELECTED, offset=0
    )
    stock = triggers.stock_levels(session, [p.id for p in products])
    return Catalog(
        items=[
            CatalogProduct(
                id=p.id,
                name=p.name,
                description=p.description,
                price=_money(p.price),
                compare_at_price=_money(p.compare_at_price) if p.compare_at_price else None,
                image_url=p.image_url,
                rating=str(p.rating) if p.rating is not None else None,
                review_count=p.review_count,
                category=p.category,
                available=stock.get(p.id),
            )
            for p in products
        ]
    )


@router.post("/carts", response_model=CartOut, status_code=status.HTTP_201_CREATED)
def create_cart(public_key: PublicKey, session: SessionDep, now: NowDep) -> CartOut:
    store = _store(session, public_key)
    cart = shop.create_cart(session, store=store, now=now)
    return cart_out(session, store, shop.reprice(session, store=store, cart=cart, now=now), now)


@router.get("/carts/{token}", response_model=CartOut)
def read_cart(
    public_key: PublicKey,
    token: Token,
    session: SessionDep,
    now: NowDep,
    viewer: ViewerSession = "",
) -> CartOut:
    store = _store(session, public_key)
    cart = _cart(session, store, token)
    return cart_out(
        session, store, shop.reprice(session, store=store, cart=cart, now=now), now, viewer
    )


@router.post("/carts/{token}/items", response_model=CartOut)
def add_item(
    public_key: PublicKey,
    token: Token,
    body: AddItem,
    session: SessionDep,
    now: NowDep,
    viewer: ViewerSession = "",
) -> CartOut:
    return _change(
        session,
        public_key,
        token,
        now,
        viewer,
        lambda store, cart: shop.add_item(
            session,
            store=store,
            cart=cart,
            product_id=body.product_id,
            quantity=body.quantity,
            now=now,
        ),
    )


@router.patch("/carts/{token}/items/{product_id}", response_model=CartOut)
def set_quantity(
    public_key: PublicKey,
    token: Token,
    product_id: ProductIdPath,
    body: SetQuantity,
    session: SessionDep,
    now: NowDep,
    viewer: ViewerSession = "",
) -> CartOut:
    return _change(
        session,
        public_key,
        token,
        now,
        viewer,
        lambda store, cart: shop.set_quantity(
            session, store=store, cart=cart, product_id=product_id, quantity=body.quantity, now=now
        ),
    )


@router.delete("/carts/{token}/items/{product_id}", response_model=CartOut)
def remove_item(
    public_key: PublicKey,
    token: Token,
    product_id: ProductIdPath,
    session: SessionDep,
    now: NowDep,
    viewer: ViewerSession = "",
) -> CartOut:
    return _change(
        session,
        public_key,
        token,
        now,
        viewer,
        lambda store, cart: shop.remove_item(
            session, store=store, cart=cart, product_id=product_id, now=now
        ),
    )


@router.post("/carts/{token}/discount", response_model=CartOut)
def apply_discount(
    public_key: PublicKey,
    token: Token,
    body: ApplyCode,
    session: SessionDep,
    now: NowDep,
    viewer: ViewerSession = "",
) -> CartOut:
    return _change(
        session,
        public_key,
        token,
        now,
        viewer,
        lambda store, cart: shop.apply_discount(
            session, store=store, cart=cart, code=body.code, now=now
        ),
    )


@router.delete("/carts/{token}/discount", response_model=CartOut)
def remove_discount(
    public_key: PublicKey,
    token: Token,
    session: SessionDep,
    now: NowDep,
    viewer: ViewerSession = "",
) -> CartOut:
    return _change(
        session,
        public_key,
        token,
        now,
        viewer,
        lambda store, cart: shop.remove_discount(session, store=store, cart=cart, now=now),
    )


@router.post("/carts/{token}/checkout", response_model=CheckoutOut)
def start_checkout(
    public_key: PublicKey,
    token: Token,
    session: SessionDep,
    now: NowDep,
    viewer: ViewerSession = "",
) -> CheckoutOut:
    store = _store(session, public_key)
    cart = _cart(session, store, token)
    try:
        url, priced = shop.start_checkout(session, store=store, cart=cart, now=now)
    except shop.CartError as exc:
        raise _refused(exc) from exc
    return CheckoutOut(checkout_url=url, cart=cart_out(session, store, priced, now, viewer))


@router.post("/heartbeat")
def heartbeat(public_key: PublicKey, body: Heartbeat, session: SessionDep, now: NowDep) -> dict:
    """This tab views these products; answers how many OTHER tabs view each right now."""
    store = _store(session, public_key)
    owned = [
        p.id
        for p in session.exec(
            select(Product).where(
                col(Product.id).in_(body.product_ids), col(Product.company_id) == store.company.id
            )
        ).all()
    ]
    triggers.record_heartbeat(
        session, company_id=store.company.id, session_id=body.session_id, product_ids=owned, now=now
    )
    counts = triggers.viewer_counts(
        session, product_ids=owned, now=now, exclude_session=body.session_id
    )
    return {"viewers": {pid: counts.get(pid, 0) for pid in owned}}


@router.post("/carts/{token}/messages/{message_id}", status_code=status.HTTP_204_NO_CONTENT)
def message_response(
    public_key: PublicKey,
    token: Token,
    message_id: Annotated[str, Path(min_length=8, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")],
    body: MessageAction,
    session: SessionDep,
    now: NowDep,
) -> None:
    """The shopper saw, dismissed or accepted the save flow's in-drawer message."""
    store = _store(session, public_key)
    cart = _cart(session, store, token)
    try:
        links.in_app_response(session, cart, message_id, body.action, now=now)
    except NotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc


@router.post("/carts/{token}/interventions/{intervention_id}", response_model=CartOut)
def intervention_response(
    public_key: PublicKey,
    token: Token,
    intervention_id: ProductIdPath,
    body: InterventionResponse,
    session: SessionDep,
    now: NowDep,
    viewer: ViewerSession = "",
) -> CartOut:
    """The shopper accepted or dismissed a real-time intervention (exit-intent offer, free
    shipping, chat help). Accepting a price offer applies the server's own offer to the cart:
    nothing in the request can change what it is worth."""

    def respond(store: shop.Storefront, cart: Cart) -> shop.PricedCart:
        try:
            row = churn.intervention_for_cart(session, cart, intervention_id)
        except NotFound as exc:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc)) from exc
        if body.action == "dismissed":
            churn.dismiss(session, row, now=now)
            return shop.reprice(session, store=store, cart=cart, now=now)
        try:
            return churn.accept(session, store=store, cart=cart, row=row, now=now)
        except churn.InterventionClosed as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc

    return _change(session, public_key, token, now, viewer, respond)
