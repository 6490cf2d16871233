"""The admin side of checkout assistance: churn settings, chat settings (with the discount cap
every in-checkout offer obeys), the policies the chat answers from, and the inbox of
conversations handed to a person.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import Session

from cart_admin.api.deps import SESSION_COOKIE
from cart_admin.domain.chat.config import DEFAULT_QUICK_QUESTIONS, parse_chat_config
from cart_admin.domain.churn.config import DEFAULT_WEIGHTS, parse_churn_config
from cart_admin.domain.config_store import field_errors
from cart_admin.models import UserRole
from tests.checkout_world import EXIT, Shop, demo_policies_form, make_checkout_shop, shared_api
from tests.factories import make_api_key, make_login_session, make_user

CS = "/api/momentum/cs"
CHURN = "/api/momentum/cart-save/churn/config"


@pytest.fixture
def shop(session: Session) -> Shop:
    return make_checkout_shop(session, policies=False)


@pytest.fixture
def admin(session: Session, shop: Shop) -> TestClient:
    key = make_api_key(session, shop.company)
    return TestClient(shared_api(), headers={"Authorization": f"Bearer {key}"})


def _errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["message"] for e in response.json()["errors"]}


# --- the settings' validation (what the PUT endpoints answer with) -----------------------------


@pytest.mark.parametrize("cap", ["50.01", "60", "-1", "NaN"])
def test_a_chat_cap_above_50_or_below_0_does_not_validate(cap):
    with pytest.raises(ValidationError) as raised:
        parse_chat_config({"aiCapabilities": {"maxDiscountPercent": cap}})

    assert list(field_errors(raised.value, fallback="chat")) == [
        "aiCapabilities.maxDiscountPercent"
    ]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"weights": {"NOT_A_SIGNAL": 5}}, "weights.NOT_A_SIGNAL.[key]"),
        ({"weights": {"FAQ_VISIT": 101}}, "weights.FAQ_VISIT"),
        ({"exitIntentThreshold": 101}, "exitIntentThreshold"),
        ({"exitIntentDiscountPercent": -1}, "exitIntentDiscountPercent"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_bad_churn_settings_name_their_field(data, field):
    with pytest.raises(ValidationError) as raised:
        parse_churn_config(data)

    assert field in field_errors(raised.value, fallback="churn")


def test_the_chat_settings_default_to_the_spec():
    config = parse_chat_config({}).model_dump(mode="json", by_alias=True)

    assert config["enabled"] is True and config["position"] == "bottom-right"
    assert config["quickQuestions"] == DEFAULT_QUICK_QUESTIONS
    assert config["aiCapabilities"] == {
        "canAnswerShipping": True, "canAnswerReturns": True, "canAnswerPayment": True,
        "canApplyDiscounts": True, "maxDiscountPercent": "10", "canModifyCart": False,
    }  # fmt: skip
    assert config["escalateToHuman"] == {
        "onRequest": True, "onFrustration": True, "onHighValue": True, "highValueThreshold": "500",
    }  # fmt: skip


def test_quick_questions_are_single_short_lines():
    for bad in (["What\nnow?"], ["x" * 121], ["q"] * 9):
        with pytest.raises(ValidationError):
            parse_chat_config({"quickQuestions": bad})


# --- churn settings ----------------------------------------------------------------------------


def test_churn_settings_round_trip_and_steer_the_storefront(shop, admin):
    defaults = admin.get(CHURN)
    assert defaults.status_code == 200
    assert set(defaults.json()["weights"]) == {str(s) for s in DEFAULT_WEIGHTS}

    saved = admin.put(CHURN, json={"exitIntentThreshold": 90, "exitIntentDiscountPercent": 5})
    assert saved.status_code == 200
    assert admin.get(CHURN).json()["exitIntentThreshold"] == 90

    token = shop.new_cart()
    assert shop.track(token, EXIT).json()["intervention"] is None  # under the new threshold


def test_an_exit_discount_put_above_the_cap_is_offered_at_the_cap(shop, admin):
    assert admin.put(CHURN, json={"exitIntentDiscountPercent": 40}).status_code == 200

    offer = shop.track(shop.new_cart(), EXIT).json()["intervention"]

    assert offer["discountPercent"] == "10"  # the chat's cap, 10 by default


def test_bad_churn_settings_are_422_by_field_and_change_nothing(shop, admin):
    before = admin.get(CHURN).json()

    response = admin.put(CHURN, json={"exitIntentThreshold": 101, "weights": {"NOPE": 1}})

    errors = _errors(response)
    assert "exitIntentThreshold" in errors
    assert response.json()["detail"].startswith("Invalid churn settings: ")
    assert admin.get(CHURN).json() == before


# --- chat settings -----------------------------------------------------------------------------


def test_the_cap_cannot_be_put_above_50(shop, admin):
    response = admin.put(f"{CS}/config", json={"aiCapabilities": {"maxDiscountPercent": 60}})

    assert "aiCapabilities.maxDiscountPercent" in _errors(response)
    assert admin.get(f"{CS}/config").json()["aiCapabilities"]["maxDiscountPercent"] == "10"


def test_a_lower_cap_put_by_the_admin_is_what_the_shopper_gets(shop, admin):
    saved = admin.put(f"{CS}/config", json={"aiCapabilities": {"maxDiscountPercent": 5}})
    assert saved.status_code == 200
    token = shop.new_cart()

    offer = shop.track(token, EXIT).json()["intervention"]
    cart = shop.respond(token, offer["id"], {"action": "accepted"}).json()

    assert offer["discountPercent"] == "5"
    assert cart["discount_total"] == "2.00"
    assert [c.value for c in shop.codes(token)] == [Decimal("5.00")]


# --- policies ----------------------------------------------------------------------------------


def test_the_policies_round_trip_and_the_chat_answers_from_them(shop, admin):
    form = demo_policies_form().model_dump(by_alias=True)

    saved = admin.put(f"{CS}/policies", json=form)

    assert saved.status_code == 200 and saved.json() == form
    assert admin.get(f"{CS}/policies").json() == form
    chat = shop.start_chat(shop.new_cart()).json()["id"]
    assert "PayPal" in shop.say(chat, "Do you accept PayPal?").json()["response"]


@pytest.mark.parametrize("body", [{"shipping": "x" * 6001}, {"refunds": "never"}])
def test_bad_policies_are_422(shop, admin, body):
    assert admin.put(f"{CS}/policies", json=body).status_code == 422
    assert admin.get(f"{CS}/policies").json()["shipping"] == ""


# --- the inbox ---------------------------------------------------------------------------------


def test_a_handed_over_chat_is_answered_from_the_inbox(shop, admin, session):
    owner = make_user(session, shop.company, name="Dana Agent", email="dana@shop.example")
    person = TestClient(shared_api(), cookies={SESSION_COOKIE: make_login_session(session, owner)})
    same_site = {"Origin": "http://testserver"}
    chat = shop.start_chat(shop.new_cart()).json()["id"]
    handed = shop.say(chat, "talk to a human please").json()
    seen = handed["messages"][-1]["seq"]

    listed = admin.get(f"{CS}/conversations").json()
    [row] = listed["conversations"]
    assert listed["waiting"] == 1 and row["needsReply"] is True
    assert (row["status"], row["escalationReason"]) == ("ESCALATED", "REQUEST")
    thread = admin.get(f"{CS}/conversations/{row['id']}").json()
    assert [m["role"] for m in thread["messages"]] == ["assistant", "user", "system"]

    replied = person.post(f"{CS}/conversations/{row['id']}/reply",
                          json={"content": "Hi, Dana here."}, headers=same_site)  # fmt: skip
    assert replied.status_code == 200 and replied.json()["needsReply"] is False
    polled = shop.api.get(f"{CS}/sessions/{chat}/messages", params={"after": seen}).json()
    assert [(m["role"], m["content"], m["author"]) for m in polled["messages"]] == [
        ("agent", "Hi, Dana here.", "Dana")
    ]
    assert admin.get(f"{CS}/conversations").json()["waiting"] == 0

    closed = admin.post(f"{CS}/conversations/{row['id']}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "CLOSED"
    only_closed = admin.get(f"{CS}/conversations", params={"status": "CLOSED"}).json()
    assert [c["id"] for c in only_closed["conversations"]] == [row["id"]]
    assert admin.get(f"{CS}/conversations", params={"status": "OPEN"}).json()["conversations"] == []


def test_bad_inbox_requests(shop, admin):
    chat = shop.start_chat().json()["id"]
    [row] = admin.get(f"{CS}/conversations").json()["conversations"]

    assert (
        admin.post(f"{CS}/conversations/{row['id']}/reply", json={"content": ""}).status_code == 422
    )
    long = {"content": "x" * 2001}
    assert admin.post(f"{CS}/conversations/{row['id']}/reply", json=long).status_code == 422
    assert admin.get(f"{CS}/conversations/not-an-id").status_code == 422
    assert admin.get(f"{CS}/conversations/{'0' * 24}").status_code == 404
    assert admin.get(f"{CS}/conversations", params={"status": "LOST"}).status_code == 422
    assert len(shop.api.get(f"{CS}/sessions/{chat}/messages").json()["messages"]) == 1


def test_an_analyst_reads_but_cannot_change_checkout_settings(shop, session):
    analyst = make_user(session, shop.company, role=UserRole.ANALYST)
    api = TestClient(shared_api(), cookies={SESSION_COOKIE: make_login_session(session, analyst)})
    same_site = {"Origin": "http://testserver"}
    chat = shop.start_chat(shop.new_cart()).json()["id"]
    shop.say(chat, "talk to a human please")
    [row] = api.get(f"{CS}/conversations").json()["conversations"]

    assert api.get(f"{CS}/config").status_code == 200
    assert api.get(f"{CS}/conversations/{row['id']}").status_code == 200
    for method, path, body in (
        ("PUT", f"{CS}/config", {"aiCapabilities": {"maxDiscountPercent": 50}}),
        ("PUT", CHURN, {"exitIntentDiscountPercent": 50}),
        ("PUT", f"{CS}/policies", {"shipping": "Free for all"}),
        ("POST", f"{CS}/conversations/{row['id']}/reply", {"content": "Hi from analyst"}),
        ("POST", f"{CS}/conversations/{row['id']}/close", None),
    ):
        response = api.request(method, path, json=body, headers=same_site)
        assert (response.status_code, response.json()) == (
            403,
            {"detail": "Your role can only read."},
        ), path
    assert api.get(f"{CS}/config").json()["aiCapabilities"]["maxDiscountPercent"] == "10"
    assert api.get(f"{CS}/conversations").json()["waiting"] == 1
