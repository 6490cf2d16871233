"""The schedule preview replays the worker's rules for a sample shopper (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from cart_admin.domain.save_flow import policies
from cart_admin.domain.save_flow.config import SaveFlowConfig, parse_config
from cart_admin.domain.save_flow.preview import (
    PreviewMessage,
    SampleShopper,
    delay_hint,
    duration_text,
    preview_schedule,
)
from cart_admin.models import CartSaveStage as S
from cart_admin.models import Channel

# Wed Jun 10 2026, 10:00 AM in New York (EDT, UTC-4).
ABANDONED = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 6, day, hour, minute, tzinfo=UTC)


def row(messages: list[PreviewMessage], stage: S, channel: Channel = Channel.EMAIL, step: int = 0):
    return next(m for m in messages if (m.stage, m.channel, m.step) == (stage, channel, step))


def test_default_config_timeline() -> None:
    assert SampleShopper().grand_total == Decimal("83.99")  # two lines and $5.99 shipping
    messages = preview_schedule(SaveFlowConfig(), abandoned_at=ABANDONED)

    browse = row(messages, S.BROWSE_REMINDER, Channel.IN_APP)
    assert (browse.at, browse.status, browse.text) == (utc(10, 14, 15), "sent", "Still shopping?")
    assert browse.local_time == "Wed Jun 10, 10:15 AM EDT"
    pattern = row(messages, S.PATTERN_INTERRUPT)
    assert (pattern.at, pattern.status) == (utc(10, 15), "sent")
    assert pattern.subject == "You left Canvas weekender bag and 1 more behind"

    # One e-mail per 16 h: the survey at 3 h would wait until 17 h, after the branch (6 h).
    survey = row(messages, S.DIAGNOSIS_SURVEY)
    assert (survey.at, survey.status) == (utc(10, 17), "skipped: frequency cap")
    assert survey.subject == "What's holding you back?"  # what would have gone out

    # The branch waits for the cap (3 AM in New York), then for the quiet hours' end.
    branch = row(messages, S.BRANCHING_INTERVENTION)
    assert branch.due_at == utc(10, 20)
    assert branch.at == utc(11, 12)
    assert branch.status == "deferred: quiet hours until Thu Jun 11, 8:00 AM EDT"
    assert branch.notes == (
        "frequency cap until Thu Jun 11, 3:00 AM EDT",
        "quiet hours until Thu Jun 11, 8:00 AM EDT",
    )
    assert branch.offer == "10% off"  # no answer; shipping is under a tenth: 10 % (cap 15)

    nuclear_sms = row(messages, S.NUCLEAR_OFFER, Channel.SMS)
    assert (nuclear_sms.at, nuclear_sms.status, nuclear_sms.offer) == (
        utc(11, 14),
        "sent",
        "30% off",
    )
    assert "SAVE-SAMPLE1" in nuclear_sms.text and nuclear_sms.text.endswith(
        "Reply STOP to opt out."
    )
    nuclear_email = row(messages, S.NUCLEAR_OFFER)
    assert nuclear_email.at == utc(12, 12)  # capped after the branch e-mail, then quiet hours

    loss = row(messages, S.LOSS_VISUALIZATION)
    assert (loss.at, loss.offer) == (utc(13, 12), "30% off")  # the code is still valid
    first_winback = row(messages, S.WINBACK_SEQUENCE)
    assert first_winback.at == utc(14, 12)
    assert first_winback.offer == ""  # the 48 h code ran out: no offer is restated

    # Ten messages is the default limit: the last win-back message is not sent.
    sent = [m for m in messages if m.sent]
    assert len(sent) == 10
    last = messages[-1]
    assert (last.stage, last.step, last.status) == (
        S.WINBACK_SEQUENCE,
        4,
        "skipped: maxAttemptsPerCart reached",
    )
    assert [m.at for m in messages] == sorted(m.at for m in messages)


def test_quiet_hours_follow_the_samples_time_zone() -> None:
    late = datetime(2026, 6, 11, 1, 30, tzinfo=UTC)  # 9:30 PM in New York, 3:30 AM in Berlin
    new_york = preview_schedule(SaveFlowConfig(), abandoned_at=late)
    berlin = preview_schedule(
        SaveFlowConfig(), abandoned_at=late, sample=SampleShopper(timezone="Europe/Berlin")
    )

    # The in-app reminder does not disturb anyone: quiet hours do not apply to it.
    assert row(new_york, S.BROWSE_REMINDER, Channel.IN_APP).at == late + timedelta(minutes=15)
    ny_email = row(new_york, S.PATTERN_INTERRUPT)
    assert ny_email.due_at == late + timedelta(hours=1)  # 10:30 PM EDT: quiet
    assert ny_email.at == utc(11, 12)  # 8:00 AM EDT
    assert ny_email.status == "deferred: quiet hours until Thu Jun 11, 8:00 AM EDT"
    berlin_email = row(berlin, S.PATTERN_INTERRUPT)
    assert berlin_email.at == utc(11, 6)  # 8:00 AM CEST
    assert berlin_email.local_time == "Thu Jun 11, 8:00 AM CEST"


def test_no_quiet_hours_when_start_equals_end() -> None:
    config = parse_config({"blackoutHours": {"start": 0, "end": 0}})
    late = datetime(2026, 6, 11, 1, 30, tzinfo=UTC)
    email = row(preview_schedule(config, abandoned_at=late), S.PATTERN_INTERRUPT)
    assert (email.at, email.status) == (late + timedelta(hours=1), "sent")


def test_disabled_stages_are_absent() -> None:
    config = parse_config(
        {"stages": {"diagnosisSurvey": {"enabled": False}, "lossVisualization": {"enabled": False}}}
    )
    messages = preview_schedule(config, abandoned_at=ABANDONED)
    stages = {m.stage for m in messages}
    assert S.DIAGNOSIS_SURVEY not in stages and S.LOSS_VISUALIZATION not in stages
    # Without the survey the branch is the next e-mail: capped until 7 AM UTC, the nuclear
    # offer is not due before that, so it waits (and then waits for 8 AM in New York).
    branch = row(messages, S.BRANCHING_INTERVENTION)
    assert branch.at == utc(11, 12)


def test_max_attempts_per_cart_stops_the_flow() -> None:
    config = parse_config({"maxAttemptsPerCart": 3})
    messages = preview_schedule(config, abandoned_at=ABANDONED)
    sent = [m for m in messages if m.sent]
    assert len(sent) == 3
    # Browse, pattern and branch went out; the nuclear e-mail meets the limit and the
    # attempt ends, which cancels the stage's text too.
    assert row(messages, S.NUCLEAR_OFFER).status == "skipped: maxAttemptsPerCart reached"
    assert row(messages, S.NUCLEAR_OFFER, Channel.SMS).status == "skipped: the attempt ended"
    assert not [m for m in messages if m.stage is S.LOSS_VISUALIZATION]


def test_without_sms_consent_the_text_is_skipped() -> None:
    messages = preview_schedule(
        SaveFlowConfig(), abandoned_at=ABANDONED, sample=SampleShopper(sms_consent=False)
    )
    assert row(messages, S.NUCLEAR_OFFER, Channel.SMS).status == "skipped: No SMS consent"
    assert row(messages, S.NUCLEAR_OFFER).sent


def test_sms_window_allows_one_text_after_abandonment() -> None:
    config = parse_config(
        {
            "stages": {"patternInterrupt": {"channels": ["SMS"]}},
            "frequencyCaps": {"smsHours": 0},
        }
    )
    messages = preview_schedule(config, abandoned_at=ABANDONED)
    assert row(messages, S.PATTERN_INTERRUPT, Channel.SMS).status == "sent"
    # The nuclear text at 24 h is inside the 48 h window, which allows one: it waits until
    # the window closes, which is after the next stage is due (48 h): skipped.
    assert row(messages, S.NUCLEAR_OFFER, Channel.SMS).status == "skipped: frequency cap"


def test_the_worker_rules_are_shared() -> None:
    now = utc(10, 12)
    assert policies.frequency_cap_until(now, last_sent=utc(10, 0), hours=16) == utc(10, 16)
    assert policies.frequency_cap_until(now, last_sent=utc(9, 0), hours=16) is None
    window_end = utc(11, 12)
    assert (
        policies.frequency_cap_until(
            now, last_sent=None, hours=0, window_end=window_end, window_used=1, window_limit=1
        )
        == window_end
    )
    assert policies.skip_for_next_stage(utc(10, 18), utc(10, 18), winback=False)
    assert not policies.skip_for_next_stage(utc(10, 18), utc(10, 18), winback=True)
    assert not policies.skip_for_next_stage(utc(10, 17), utc(10, 18), winback=False)


def test_wording() -> None:
    assert delay_hint(60) == "1 h after abandonment"
    assert delay_hint(15) == "15 min after abandonment"
    assert duration_text(timedelta(minutes=90)) == "1 h 30 min"
    assert duration_text(timedelta(days=3, minutes=5)) == "3 d"
