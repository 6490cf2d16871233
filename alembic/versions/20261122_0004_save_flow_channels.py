"""Save flow: one intervention row per channel, tracking tokens, one running attempt per cart,
and the landing page's store URL for recovery links.

Existing rows are backfilled: a multi-channel row keeps its first channel and is copied for
each further one, each row gets a random tracking token and the step of its place within
(attempt, stage, channel).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 00:14:09.738597
"""

import json
import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHANNEL = sa.Enum('EMAIL', 'SMS', 'PUSH', 'VOICE', 'IN_APP', name='channel', native_enum=False, length=32)
ACTIVE = sa.text("status IN ('IN_PROGRESS', 'PAUSED')")


def _backfill() -> None:
    """Each row keeps its first channel; every further channel becomes a copy of the row."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT id, cart_save_attempt_id, stage, channels FROM cart_interventions"
        " ORDER BY cart_save_attempt_id, stage, scheduled_at, id"
    )).all()
    columns = [c['name'] for c in sa.inspect(bind).get_columns('cart_interventions')]
    json_param = "CAST(:channels AS JSONB)" if bind.dialect.name == 'postgresql' else ":channels"
    overrides = {'id': ':new_id', 'channel': ':channel', 'step': ':step',
                 'tracking_token': ':token', 'channels': json_param}
    copy = sa.text(
        f"INSERT INTO cart_interventions ({', '.join(columns)}) SELECT "
        + ", ".join(overrides.get(c, c) for c in columns)
        + " FROM cart_interventions WHERE id = :id"
    )
    steps: dict[tuple, int] = {}
    table = sa.table('cart_interventions', sa.column('id'), sa.column('channel'), sa.column('step'),
                     sa.column('tracking_token'), sa.column('channels', sa.JSON()))
    for row in rows:
        channels = row.channels
        if isinstance(channels, str):
            channels = json.loads(channels)
        channels = list(dict.fromkeys(channels or ['EMAIL']))
        for index, channel in enumerate(channels):
            key = (row.cart_save_attempt_id, row.stage, channel)
            step = steps.get(key, 0)
            steps[key] = step + 1
            token = secrets.token_urlsafe(16)[:22]
            if index == 0:
                bind.execute(table.update().where(table.c.id == row.id).values(
                    channel=channel, step=step, tracking_token=token, channels=[channel]))
            else:
                bind.execute(copy, {'id': row.id, 'new_id': secrets.token_hex(12),
                                    'channel': channel, 'step': step, 'token': token,
                                    'channels': json.dumps([channel])})


def upgrade() -> None:
    with op.batch_alter_table('cart_interventions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', CHANNEL, nullable=True))
        batch_op.add_column(sa.Column('step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('tracking_token', sa.String(length=32), nullable=True))
    _backfill()
    with op.batch_alter_table('cart_interventions', schema=None) as batch_op:
        batch_op.alter_column('channel', existing_type=CHANNEL, nullable=False)
        batch_op.alter_column('step', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('tracking_token', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint('uq_cart_interventions_slot', ['cart_save_attempt_id', 'stage', 'step', 'channel'])
        batch_op.create_unique_constraint('uq_cart_interventions_tracking_token', ['tracking_token'])

    with op.batch_alter_table('landing_pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('store_url', sa.String(length=500), nullable=True))

    with op.batch_alter_table('cart_save_attempts', schema=None) as batch_op:
        batch_op.create_index('uq_cart_save_attempts_one_active_per_cart', ['cart_id'], unique=True, sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade() -> None:
    with op.batch_alter_table('cart_save_attempts', schema=None) as batch_op:
        batch_op.drop_index('uq_cart_save_attempts_one_active_per_cart', sqlite_where=ACTIVE, postgresql_where=ACTIVE)

    with op.batch_alter_table('landing_pages', schema=None) as batch_op:
        batch_op.drop_column('store_url')

    with op.batch_alter_table('cart_interventions', schema=None) as batch_op:
        batch_op.drop_constraint('uq_cart_interventions_tracking_token', type_='unique')
        batch_op.drop_constraint('uq_cart_interventions_slot', type_='unique')
        batch_op.drop_column('tracking_token')
        batch_op.drop_column('step')
        batch_op.drop_column('channel')
