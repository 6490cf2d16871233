"""The drawer's real-time checkout interventions of the demo's 90 days: exit-intent discounts,
free shipping after a shipping shock, and chat invitations, shown to a share of the carts and
taken or dismissed about as often as they are in shops. They feed the dashboard's "by
intervention type" and the churn false-positive alert (an offer dismissed by a shopper who
bought anyway)."""

from __future__ import annotations

from decimal import Decimal

from cart_admin.demo.world import DemoCart, World
from cart_admin.models import CartStatus, CheckoutChurnSignal, CheckoutIntervention
from cart_admin.models import CheckoutInterventionStatus as Status
from cart_admin.models import InterventionType as K

EXIT_SHARE = 0.10  # of the carts that were bought or left
SHIPPING_SHARE = 0.04
HELP_SHARE = 0.03
EXIT_PERCENT = Decimal("10.00")

# (accepted, dismissed) chances by what the shopper did in the end; the rest just left it open.
OUTCOMES = {True: (0.45, 0.25), False: (0.06, 0.62)}


def add_checkout_rows(world: World) -> None:
    for cart in world.carts:
        if cart.status not in (CartStatus.CONVERTED, CartStatus.ABANDONED):
            continue
        if world.rng.chance(EXIT_SHARE):
            signal = world.rng.pick({CheckoutChurnSignal.MOUSE_EXIT_INTENT: 0.7,
                                     CheckoutChurnSignal.BACK_BUTTON: 0.3})  # fmt: skip
            _offer(world, cart, K.EXIT_INTENT, "APPLY_DISCOUNT", signal, price=True)
        elif cart.totals.shipping > 0 and world.rng.chance(SHIPPING_SHARE / (1 - EXIT_SHARE)):
            _offer(world, cart, K.FREE_SHIPPING_OFFER, "APPLY_FREE_SHIPPING",
                   CheckoutChurnSignal.SHIPPING_COST_SHOCK, price=True)  # fmt: skip
        elif world.rng.chance(HELP_SHARE):
            signal = world.rng.pick({CheckoutChurnSignal.DISCOUNT_HUNTING: 0.5,
                                     CheckoutChurnSignal.FORM_FIELD_ERRORS: 0.5})  # fmt: skip
            kind = K.DISCOUNT_HELP if signal is CheckoutChurnSignal.DISCOUNT_HUNTING else (
                K.CHECKOUT_HELP)  # fmt: skip
            _offer(world, cart, kind, "OPEN_CHAT", signal, price=False)


def _offer(world: World, cart: DemoCart, kind: K, action: str, signal: CheckoutChurnSignal,
           *, price: bool) -> None:  # fmt: skip
    bought = cart.status is CartStatus.CONVERTED and cart.converted_at is not None
    end = cart.converted_at if bought and cart.converted_at else cart.last_activity_at
    shown = max(cart.created_at, end - world.rng.minutes(2, 25))
    take, drop = OUTCOMES[bought]
    roll = world.rng.pick({"accept": take, "dismiss": drop, "leave": 1 - take - drop})
    accepted = shown + world.rng.seconds(4, 40) if roll == "accept" else None
    dismissed = shown + world.rng.seconds(2, 20) if roll == "dismiss" else None
    if bought:
        status = Status.DISMISSED if dismissed else Status.CONVERTED
    else:
        status = {"accept": Status.ACCEPTED, "dismiss": Status.DISMISSED}.get(roll, Status.SHOWN)
    world.rows.add(
        CheckoutIntervention,
        id=world.rng.hex_id(),
        company_id=world.company_id,
        cart_id=cart.id,
        session_id=cart.session_id[:64],
        type=kind,
        action=action,
        signal=signal,
        chat_session_id=None,
        risk_score=world.rng.pick({40: 0.3, 55: 0.4, 70: 0.3}),
        message="",
        discount_percent=EXIT_PERCENT if action == "APPLY_DISCOUNT" else None,
        discount_code_id=None,
        price_slot="PRICE" if price else None,
        status=status,
        created_at=shown,
        accepted_at=accepted,
        dismissed_at=dismissed,
        converted_at=cart.converted_at if bought else None,
    )
