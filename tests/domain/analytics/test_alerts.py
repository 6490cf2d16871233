"""The deployment plan's alerts (§10) on hand-built shops, on SQLite and PostgreSQL: each rate
just either side of its threshold, samples one short of the minimum, what lies outside the
window or belongs to another company left out; each rule's window ending its settle time ago
(carts still in the save flow, offers shown today wait, calls count at once); the open → still
firing → resolved life of an event, one whose rule went quiet for over a week resolving, and
two workers evaluating at once opening one."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from cart_admin.domain.analytics.alerts import (
    SAVE_FLOW_LENGTH,
    SPECS,
    AlertState,
    EvaluationCounts,
    alert_history,
    current_status,
    evaluate_alerts,
    measure,
    resolved_for_lack_of_data,
)
from cart_admin.domain.analytics.recovery import recovery_summary
from cart_admin.domain.save_flow.stages import STAGES
from cart_admin.models import (
    AlertEvent,
    AlertRule,
    Cart,
    CartStatus,
    CartVoiceCall,
    CheckoutChurnSignal,
    CheckoutIntervention,
    CheckoutInterventionStatus,
    Company,
    InterventionType,
    VoiceCallStatus,
)
from cart_admin.models.types import utcnow
from cart_admin.worker.jobs import JOBS, evaluate_alerts_job
from tests.conftest import PG_URL
from tests.factories import make_attempt, make_cart, make_company

NOW = utcnow().replace(microsecond=0)
R = AlertRule
IS = CheckoutInterventionStatus


def _state(session: Session, company: Company, rule: AlertRule, now=NOW):
    return next(m for m in measure(session, company_id=company.id, now=now) if m.spec.rule is rule)


# --- recovery: recovered / abandoned carts, fires below 20% with 20 carts -----------------
# Its window: carts abandoned 10 to 3 days ago (the save flow works on younger ones).


def _abandoned(session, company, n, *, recovered=0, days_ago=5):
    """`n` carts abandoned `days_ago` days before NOW, the first `recovered` bought back."""
    at = NOW - timedelta(days=days_ago)
    for i in range(n):
        bought = i < recovered
        make_cart(
            session,
            company,
            status=CartStatus.CONVERTED if bought else CartStatus.ABANDONED,
            created_at=at - timedelta(hours=1),
            abandoned_at=at,
            converted_at=at + timedelta(hours=5) if bought else None,
        )


def test_recovery_rate_at_and_just_below_20_percent(session: Session) -> None:
    ours, theirs = make_company(session), make_company(session)
    _abandoned(session, ours, 20, recovered=3)  # 3 / 20 = 15%
    _abandoned(session, ours, 5, recovered=5, days_ago=11)  # before the window
    _abandoned(session, theirs, 10, recovered=10)  # another company's

    m = _state(session, ours, R.RECOVERY_RATE_LOW)
    assert (m.hits, m.sample, m.value, m.state) == (3, 20, 0.15, AlertState.FIRING)

    abandoned = select(Cart).where(Cart.company_id == ours.id, Cart.status == CartStatus.ABANDONED)
    cart = session.exec(abandoned).first()
    cart.status, cart.converted_at = CartStatus.CONVERTED, NOW - timedelta(hours=1)
    session.add(cart)
    session.commit()
    m = _state(session, ours, R.RECOVERY_RATE_LOW)
    assert (m.hits, m.sample, m.value, m.state) == (4, 20, 0.20, AlertState.OK)  # not below 20%


def test_recovery_waits_for_the_save_flow(session: Session) -> None:
    """A cart abandoned a day ago is still in the save flow: it is not in the sample yet; one
    abandoned 4 days ago is. The window is [now - 10 d, now - 3 d)."""
    company = make_company(session)
    _abandoned(session, company, 20, recovered=5, days_ago=4)  # 5 / 20 = 25%
    _abandoned(session, company, 10, days_ago=1)  # still being saved
    _abandoned(session, company, 1, recovered=1, days_ago=1)  # even one already bought back

    m = _state(session, company, R.RECOVERY_RATE_LOW)
    assert (m.hits, m.sample, m.value, m.state) == (5, 20, 0.25, AlertState.OK)
    assert (m.start, m.end, m.window_days) == (NOW - timedelta(days=10), NOW - timedelta(days=3), 7)
    # Up to now the young carts would count: 6 / 31 = 19.4%, and the alert would fire.
    young = recovery_summary(session, company_id=company.id, start=NOW - timedelta(days=7),
                             end=NOW)  # fmt: skip
    assert (young.recovered, young.abandoned) == (6, 31)

    _abandoned(session, company, 1, days_ago=3)  # the window's end: not yet
    _abandoned(session, company, 1, days_ago=10)  # its start: in
    m = _state(session, company, R.RECOVERY_RATE_LOW)
    assert (m.hits, m.sample) == (5, 21)
    assert evaluate_alerts(session, now=NOW) == EvaluationCounts(ok=1, not_enough_data=2)


def test_the_recovery_window_settles_for_the_save_flows_length() -> None:
    spec = SPECS[R.RECOVERY_RATE_LOW]
    assert spec.settle == SAVE_FLOW_LENGTH == timedelta(minutes=STAGES[-1].delay_minutes)
    assert timedelta(hours=72) == SAVE_FLOW_LENGTH  # the win-back sequence's delay
    assert spec.window(NOW) == (NOW - timedelta(days=10), NOW - timedelta(days=3))


def test_recovery_rate_needs_20_abandoned_carts(session: Session) -> None:
    company = make_company(session)
    _abandoned(session, company, 19)  # 0%, but from 19 carts

    m = _state(session, company, R.RECOVERY_RATE_LOW)
    assert (m.hits, m.sample, m.state) == (0, 19, AlertState.NOT_ENOUGH_DATA)


# --- voice: failed / attempted calls, fires above 10% with 10 calls -----------------------


def _calls(session, company, *statuses, days_ago=1, ago=None):
    """Calls dialled `days_ago` days (or `ago`) before NOW, a minute apart going back."""
    cart = make_cart(session, company, status=CartStatus.ABANDONED, abandoned_at=NOW)
    attempt = make_attempt(session, cart)
    at = NOW - (ago if ago is not None else timedelta(days=days_ago))
    session.add_all(
        CartVoiceCall(company_id=company.id, cart_save_attempt_id=attempt.id, cart_id=cart.id,
                      status=status, initiated_at=at - timedelta(minutes=i))
        for i, status in enumerate(statuses)
    )  # fmt: skip
    session.commit()


def test_voice_failure_rate_just_above_and_at_10_percent(session: Session) -> None:
    ours, theirs = make_company(session), make_company(session)
    V = VoiceCallStatus
    # 19 dialled: one refused by Twilio, one whose outcome a crash lost: 2 / 19 = 10.5%.
    # Busy and unanswered calls are the shopper's doing, not failures (else 7 / 19);
    # console calls were never dialled (else 2 / 22 = 9.1%).
    _calls(session, ours, V.FAILED, V.UNKNOWN, *[V.COMPLETED] * 12, *[V.BUSY] * 3,
           *[V.NO_ANSWER] * 2, *[V.CANCELED] * 3)  # fmt: skip
    _calls(session, ours, *[V.FAILED] * 5, days_ago=8)  # before the window
    _calls(session, theirs, *[V.FAILED] * 5)

    m = _state(session, ours, R.VOICE_FAILURE_HIGH)
    assert (m.hits, m.sample, m.state) == (2, 19, AlertState.FIRING)
    assert m.value == pytest.approx(0.10526, abs=1e-5)

    _calls(session, ours, V.COMPLETED)  # 2 / 20 = 10%: not above
    m = _state(session, ours, R.VOICE_FAILURE_HIGH)
    assert (m.hits, m.sample, m.value, m.state) == (2, 20, 0.10, AlertState.OK)


def test_a_failed_call_an_hour_ago_counts(session: Session) -> None:
    """A call's failure is known within minutes: its window ends now."""
    company = make_company(session)
    V = VoiceCallStatus
    _calls(session, company, *[V.COMPLETED] * 8, days_ago=2)
    _calls(session, company, V.FAILED, V.FAILED, ago=timedelta(hours=1))  # 2 / 10 = 20%

    m = _state(session, company, R.VOICE_FAILURE_HIGH)
    assert (m.hits, m.sample, m.value, m.state) == (2, 10, 0.2, AlertState.FIRING)
    assert (m.start, m.end) == (NOW - timedelta(days=7), NOW)
    assert SPECS[R.VOICE_FAILURE_HIGH].settle == timedelta(0)


def test_voice_failure_rate_needs_10_calls(session: Session) -> None:
    company = make_company(session)
    _calls(session, company, *[VoiceCallStatus.FAILED] * 9)

    m = _state(session, company, R.VOICE_FAILURE_HIGH)
    assert (m.hits, m.sample, m.value, m.state) == (9, 9, 1.0, AlertState.NOT_ENOUGH_DATA)


# --- churn: dismissed and bought anyway / interventions, fires above 30% with 10 -------------
# Its window: interventions shown 8 to 1 days ago (a dismissed offer's cart may be bought later
# that day).


def _intervention(session, company, status, *, bought="", signal=True, days_ago=2, ago=None):
    """One intervention on its own cart, shown `days_ago` days (or `ago`) before NOW;
    `bought`: "" not bought, "row" the order marked on the intervention (and the cart), "cart"
    only the cart converted."""
    cart = make_cart(
        session,
        company,
        status=CartStatus.CONVERTED if bought else CartStatus.ACTIVE,
        converted_at=NOW if bought else None,
    )
    shown = NOW - (ago if ago is not None else timedelta(days=days_ago))
    session.add(
        CheckoutIntervention(
            company_id=company.id, cart_id=cart.id, session_id="tab",
            type=InterventionType.EXIT_INTENT if signal else InterventionType.PERCENTAGE_DISCOUNT,
            action="APPLY_DISCOUNT",
            signal=CheckoutChurnSignal.MOUSE_EXIT_INTENT if signal else None,
            status=status, created_at=shown,
            dismissed_at=shown if status is IS.DISMISSED else None,
            converted_at=NOW if bought == "row" else None,
        )
    )  # fmt: skip
    session.commit()


def test_churn_false_positives_just_above_and_just_below_30_percent(session: Session) -> None:
    ours, theirs = make_company(session), make_company(session)
    for _ in range(3):
        _intervention(session, ours, IS.DISMISSED, bought="row")  # false positives
    _intervention(session, ours, IS.DISMISSED, bought="cart")  # one more: the cart says it
    for _ in range(2):
        _intervention(session, ours, IS.DISMISSED)  # dismissed and gone: detected right
    for _ in range(3):
        _intervention(session, ours, IS.CONVERTED, bought="row")  # took it and bought
    for _ in range(4):
        _intervention(session, ours, IS.SHOWN)
    for _ in range(2):  # the chat's offers: no churn signal called for them
        _intervention(session, ours, IS.DISMISSED, bought="row", signal=False)
    _intervention(session, ours, IS.DISMISSED, bought="row", days_ago=9)  # before the window
    _intervention(session, theirs, IS.DISMISSED, bought="row")

    m = _state(session, ours, R.CHURN_FALSE_POSITIVES_HIGH)  # 4 / 13 = 30.8%
    assert (m.hits, m.sample, m.state) == (4, 13, AlertState.FIRING)
    assert m.value == pytest.approx(0.30769, abs=1e-5)

    _intervention(session, ours, IS.SHOWN)  # 4 / 14 = 28.6%
    m = _state(session, ours, R.CHURN_FALSE_POSITIVES_HIGH)
    assert (m.hits, m.sample, m.state) == (4, 14, AlertState.OK)
    assert m.value == pytest.approx(0.28571, abs=1e-5)


def test_churn_false_positives_wait_a_day(session: Session) -> None:
    """A dismissed offer shown 2 hours ago whose cart was bought is not counted yet (its day
    has not passed: others shown with it may still be bought); one shown 2 days ago is. The
    window is [now - 8 d, now - 1 d)."""
    company = make_company(session)
    for _ in range(3):
        _intervention(session, company, IS.DISMISSED, bought="row")  # 2 days ago
    for _ in range(7):
        _intervention(session, company, IS.SHOWN)
    _intervention(session, company, IS.DISMISSED, bought="row", ago=timedelta(hours=2))

    m = _state(session, company, R.CHURN_FALSE_POSITIVES_HIGH)
    assert (m.hits, m.sample, m.value, m.state) == (3, 10, 0.3, AlertState.OK)  # not above 30%
    assert (m.start, m.end) == (NOW - timedelta(days=8), NOW - timedelta(days=1))

    # A day later the one shown 2 hours ago has settled: 4 / 11 = 36.4%.
    m = _state(session, company, R.CHURN_FALSE_POSITIVES_HIGH, now=NOW + timedelta(days=1))
    assert (m.hits, m.sample, m.state) == (4, 11, AlertState.FIRING)
    assert m.value == pytest.approx(0.36364, abs=1e-5)
    assert SPECS[R.CHURN_FALSE_POSITIVES_HIGH].settle == timedelta(hours=24)


def test_churn_false_positives_need_10_interventions(session: Session) -> None:
    company = make_company(session)
    for _ in range(9):
        _intervention(session, company, IS.DISMISSED, bought="row")

    m = _state(session, company, R.CHURN_FALSE_POSITIVES_HIGH)
    assert (m.hits, m.sample, m.state) == (9, 9, AlertState.NOT_ENOUGH_DATA)


# --- the events ------------------------------------------------------------------------------


def _events(session: Session, company: Company) -> list[AlertEvent]:
    session.expire_all()
    return alert_history(session, company_id=company.id)


def test_open_still_firing_resolved_and_open_again(session: Session, caplog) -> None:
    company, quiet = make_company(session), make_company(session)
    _abandoned(session, company, 20, recovered=3)  # 15%

    with caplog.at_level(logging.WARNING, logger="cart_admin.domain.analytics.alerts"):
        counts = evaluate_alerts(session, now=NOW)
    session.commit()
    # Two companies, three rules: only one rule has data, and it breaches.
    assert counts == EvaluationCounts(opened=1, not_enough_data=5)
    [event] = _events(session, company)
    assert (event.rule, event.value, event.threshold, event.sample_size, event.window_days) == (
        R.RECOVERY_RATE_LOW, 0.15, 0.20, 20, 7)  # fmt: skip
    assert (event.opened_at, event.resolved_at, event.last_evaluated_at) == (NOW, None, NOW)
    assert (event.last_value, event.last_sample_size, event.worst_value) == (0.15, 20, 0.15)
    assert _events(session, quiet) == []
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.getMessage() == (
        f"alert opened: RECOVERY_RATE_LOW for company {company.id}: 15.0% (below 20%) "
        "over 20 abandoned carts in the 7 days ending 3 days ago"
    )

    _abandoned(session, company, 5)  # 3 / 25 = 12%: worse
    later = NOW + timedelta(hours=1)
    assert evaluate_alerts(session, now=later) == EvaluationCounts(still_firing=1,
                                                                   not_enough_data=5)  # fmt: skip
    session.commit()
    [event] = _events(session, company)
    assert (event.value, event.sample_size, event.opened_at) == (0.15, 20, NOW)  # as it opened
    assert (event.last_value, event.last_sample_size, event.worst_value) == (0.12, 25, 0.12)
    assert (event.last_evaluated_at, event.resolved_at) == (later, None)

    _abandoned(session, company, 5, recovered=5)  # 8 / 30 = 26.7%: recovered
    latest = NOW + timedelta(hours=2)
    assert evaluate_alerts(session, now=latest) == EvaluationCounts(resolved=1, not_enough_data=5)
    session.commit()
    [event] = _events(session, company)
    assert (event.resolved_at, event.last_evaluated_at, event.last_sample_size) == (
        latest, latest, 30)  # fmt: skip
    assert event.last_value == pytest.approx(8 / 30)
    assert event.worst_value == 0.12  # the worst it got while open

    assert evaluate_alerts(session, now=latest) == EvaluationCounts(ok=1, not_enough_data=5)
    _abandoned(session, company, 40)  # 8 / 70 = 11.4%: breaching again, a new event
    again = NOW + timedelta(hours=3)
    assert evaluate_alerts(session, now=again) == EvaluationCounts(opened=1, not_enough_data=5)
    session.commit()
    newest, oldest = _events(session, company)
    assert (newest.opened_at, newest.resolved_at, newest.sample_size) == (again, None, 70)
    assert newest.value == pytest.approx(8 / 70)
    assert oldest.id == event.id and oldest.resolved_at == latest


def test_too_small_a_sample_neither_opens_nor_resolves(session: Session) -> None:
    company = make_company(session)
    _calls(session, company, *[VoiceCallStatus.FAILED] * 3, *[VoiceCallStatus.COMPLETED] * 7)
    evaluate_alerts(session, now=NOW)  # 3 / 10 = 30%: opened
    session.commit()

    # A week later the window holds no call: the event stays open, untouched.
    later = NOW + timedelta(days=7)
    assert evaluate_alerts(session, now=later) == EvaluationCounts(not_enough_data=3)
    session.commit()
    [event] = _events(session, company)
    assert (event.rule, event.resolved_at, event.last_evaluated_at) == (
        R.VOICE_FAILURE_HIGH, None, NOW)  # fmt: skip
    assert (event.last_value, event.last_sample_size) == (0.3, 10)

    [voice] = [s for s in current_status(session, company_id=company.id, now=later)
               if s.measurement.spec.rule is R.VOICE_FAILURE_HIGH]  # fmt: skip
    assert voice.measurement.state is AlertState.NOT_ENOUGH_DATA
    assert voice.open_event is not None and voice.open_event.id == event.id


def test_an_event_whose_rule_had_too_little_data_for_over_a_week_resolves(
    session: Session, caplog
) -> None:
    """Voice switched off: no call to measure, nothing anyone can act on. Counted from the
    last time the rule had enough data, not from the opening."""
    company = make_company(session)
    V = VoiceCallStatus
    _calls(session, company, *[V.FAILED] * 3, *[V.COMPLETED] * 7)  # a day ago: 30%
    assert evaluate_alerts(session, now=NOW).opened == 1
    followed = NOW + timedelta(days=5, hours=1)
    _calls(session, company, *[V.FAILED] * 3, *[V.COMPLETED] * 7, ago=-timedelta(days=5))
    assert evaluate_alerts(session, now=followed).still_firing == 1  # 6 / 20 = 30%
    session.commit()

    # 12 days after it opened, but under a week since the rule last had enough data (the
    # window [now - 7 d, now) holds one call): open.
    for quiet in (NOW + timedelta(days=12), followed + timedelta(days=7)):
        assert evaluate_alerts(session, now=quiet) == EvaluationCounts(not_enough_data=3)
    session.commit()
    [event] = _events(session, company)
    assert (event.resolved_at, event.last_evaluated_at) == (None, followed)

    gone = followed + timedelta(days=7, minutes=1)  # more than 7 days in a row
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="cart_admin.domain.analytics.alerts"):
        counts = evaluate_alerts(session, now=gone)
    assert counts == EvaluationCounts(resolved=1, not_enough_data=2)
    session.commit()
    [event] = _events(session, company)
    assert (event.rule, event.resolved_at, event.last_evaluated_at) == (
        R.VOICE_FAILURE_HIGH, gone, followed)  # fmt: skip
    assert (event.last_value, event.last_sample_size, event.worst_value) == (0.3, 20, 0.3)
    assert resolved_for_lack_of_data(event)
    assert [r.getMessage() for r in caplog.records] == [
        f"alert resolved: VOICE_FAILURE_HIGH for company {company.id}: not enough data since "
        f"{followed.isoformat()}"
    ]
    assert evaluate_alerts(session, now=gone + timedelta(hours=1)) == EvaluationCounts(
        not_enough_data=3)  # fmt: skip


def test_a_recovered_event_is_not_resolved_for_lack_of_data(session: Session) -> None:
    company = make_company(session)
    _abandoned(session, company, 20, recovered=3)
    evaluate_alerts(session, now=NOW)
    _abandoned(session, company, 20, recovered=20)
    evaluate_alerts(session, now=NOW + timedelta(hours=1))  # 23 / 40: recovered
    session.commit()
    [event] = _events(session, company)
    assert event.resolved_at == NOW + timedelta(hours=1)
    assert not resolved_for_lack_of_data(event)


def test_current_status_lists_every_rule_with_its_open_event(session: Session) -> None:
    company = make_company(session)
    _abandoned(session, company, 20, recovered=10)  # 50%: fine
    for _ in range(10):
        _intervention(session, company, IS.DISMISSED, bought="row")  # 100%
    evaluate_alerts(session, now=NOW)
    session.commit()

    statuses = current_status(session, company_id=company.id, now=NOW)
    assert [(s.measurement.spec.rule, s.measurement.state, s.open_event is not None)
            for s in statuses] == [
        (R.RECOVERY_RATE_LOW, AlertState.OK, False),
        (R.VOICE_FAILURE_HIGH, AlertState.NOT_ENOUGH_DATA, False),
        (R.CHURN_FALSE_POSITIVES_HIGH, AlertState.FIRING, True),
    ]  # fmt: skip


def test_the_database_holds_one_open_event_per_company_and_rule(session: Session) -> None:
    company = make_company(session)

    def event(resolved: bool) -> AlertEvent:
        return AlertEvent(company_id=company.id, rule=R.RECOVERY_RATE_LOW, value=0.1,
                          threshold=0.2, sample_size=20, window_days=7, opened_at=NOW,
                          resolved_at=NOW if resolved else None, last_evaluated_at=NOW,
                          last_value=0.1, last_sample_size=20, worst_value=0.1)  # fmt: skip

    session.add_all([event(True), event(True), event(False)])  # resolved ones never collide
    session.add(AlertEvent(**{**event(False).model_dump(exclude={"id"}),
                              "rule": R.VOICE_FAILURE_HIGH}))  # fmt: skip
    session.commit()
    with pytest.raises(IntegrityError):
        session.add(event(False))
        session.commit()


@pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)")
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_two_workers_evaluating_at_once_open_one_event(engine, session: Session) -> None:
    company = make_company(session)
    _abandoned(session, company, 20, recovered=2)  # 10%

    first = Session(engine)
    assert evaluate_alerts(first, now=NOW).opened == 1  # inserted, not yet committed
    results: dict[str, EvaluationCounts] = {}

    def second_worker() -> None:
        with Session(engine) as s:
            results["second"] = evaluate_alerts(s, now=NOW + timedelta(seconds=1))
            s.commit()

    thread = threading.Thread(target=second_worker)
    thread.start()
    time.sleep(0.5)
    assert thread.is_alive()  # waiting on the unique index for the first one's commit
    first.commit()
    first.close()
    thread.join(timeout=10)

    assert results["second"] == EvaluationCounts(still_firing=1, not_enough_data=2)
    [event] = _events(session, company)
    assert (event.opened_at, event.last_evaluated_at, event.resolved_at) == (
        NOW, NOW + timedelta(seconds=1), None)  # fmt: skip


def test_the_thresholds_are_the_deployment_plans() -> None:
    assert [(s.threshold, s.fires_above, s.min_sample, s.settle) for s in SPECS.values()] == [
        (0.20, False, 20, timedelta(days=3)),
        (0.10, True, 10, timedelta(0)),
        (0.30, True, 10, timedelta(days=1)),
    ]


def test_the_scheduler_evaluates_them_hourly(db_url: str, session: Session) -> None:
    job = JOBS["evaluate_alerts"]
    assert (job.func, job.trigger, job.options) == (evaluate_alerts_job, "cron", {"minute": 17})

    company = make_company(session)
    _abandoned(session, company, 20)  # 0% of 20, in the week ending 3 days ago
    assert evaluate_alerts_job() == {"opened": 1, "still_firing": 0, "resolved": 0, "ok": 0,
                                     "not_enough_data": 2}  # fmt: skip
    assert [e.rule for e in _events(session, company)] == [R.RECOVERY_RATE_LOW]
