"""The seven stages: order, default delays and channels, tone. The one table the flow reads.

Delays count minutes from the moment the cart was abandoned (spec §2 timing), so a stage's due
time never depends on how late the previous one went out.
"""

from __future__ import annotations

from dataclasses import dataclass

from cart_admin.models import CartSaveStage as S
from cart_admin.models import Channel as C
from cart_admin.models import InterventionType as K


@dataclass(frozen=True)
class StageSpec:
    stage: S
    key: str  # the config key of spec §2 (`stages.browseReminder`)
    title: str
    purpose: str
    delay_minutes: int
    channels: tuple[C, ...]  # defaults
    allowed_channels: tuple[C, ...]
    kind: K | None  # the message kind; None: chosen by the diagnosis branch
    tone: str
    urgency: str  # low | medium | high


STAGES: tuple[StageSpec, ...] = (
    StageSpec(S.BROWSE_REMINDER, "browseReminder", "Browse reminder", '"Still shopping?"',
              15, (C.IN_APP,), (C.IN_APP, C.PUSH), K.CART_REMINDER, "helpful", "low"),
    StageSpec(S.PATTERN_INTERRUPT, "patternInterrupt", "Pattern interrupt",
              "The cart's contents and value", 60, (C.EMAIL,), (C.EMAIL, C.SMS, C.PUSH),
              K.CART_SUMMARY, "friendly", "low"),
    StageSpec(S.DIAGNOSIS_SURVEY, "diagnosisSurvey", "Diagnosis survey",
              '"What\'s holding you back?"', 180, (C.EMAIL,), (C.EMAIL, C.SMS),
              K.DIAGNOSIS_SURVEY, "curious", "low"),
    StageSpec(S.BRANCHING_INTERVENTION, "branchingIntervention", "Branching intervention",
              "The answer to the shopper's reason", 360, (C.EMAIL,), (C.EMAIL, C.SMS),
              None, "reassuring", "medium"),
    StageSpec(S.NUCLEAR_OFFER, "nuclearOffer", "Nuclear offer", "The best offer, with urgency",
              1440, (C.EMAIL, C.SMS), (C.EMAIL, C.SMS), K.BEST_OFFER, "urgent", "high"),
    StageSpec(S.LOSS_VISUALIZATION, "lossVisualization", "Loss visualization",
              "What they will miss", 2880, (C.EMAIL,), (C.EMAIL, C.SMS),
              K.LOSS_VISUALIZATION, "empathetic", "high"),
    StageSpec(S.WINBACK_SEQUENCE, "winbackSequence", "Win-back sequence",
              "A drip of reminders over two weeks", 4320, (C.EMAIL,), (C.EMAIL,),
              K.WINBACK, "warm", "medium"),
)  # fmt: skip

BY_STAGE = {spec.stage: spec for spec in STAGES}
BY_KEY = {spec.key: spec for spec in STAGES}
ORDER = {spec.stage: index for index, spec in enumerate(STAGES)}

# Channels a shopper can be disturbed on: quiet hours and frequency caps apply to these.
INTERRUPTING = frozenset({C.EMAIL, C.SMS, C.PUSH, C.VOICE})


def spec(stage: S) -> StageSpec:
    return BY_STAGE[stage]


def later_stages(stage: S) -> tuple[StageSpec, ...]:
    return STAGES[ORDER[stage] + 1 :]
