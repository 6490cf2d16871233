"""alert events (deployment plan §10): one row per spell of a rule breaching

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 11:06:13.924746
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import cart_admin.models.types

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text('resolved_at IS NULL')


def upgrade() -> None:
    op.create_table('alert_events',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('rule', sa.Enum('RECOVERY_RATE_LOW', 'VOICE_FAILURE_HIGH', 'CHURN_FALSE_POSITIVES_HIGH', name='alertrule', native_enum=False, length=32), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('threshold', sa.Float(), nullable=False),
    sa.Column('sample_size', sa.Integer(), nullable=False),
    sa.Column('window_days', sa.Integer(), nullable=False),
    sa.Column('opened_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_evaluated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_value', sa.Float(), nullable=False),
    sa.Column('last_sample_size', sa.Integer(), nullable=False),
    sa.Column('worst_value', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.create_index('ix_alert_events_company_opened', ['company_id', 'opened_at'], unique=False)
        # One open event per company and rule, however many workers evaluate at once.
        batch_op.create_index('uq_alert_events_one_open', ['company_id', 'rule'], unique=True, sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade() -> None:
    with op.batch_alter_table('alert_events', schema=None) as batch_op:
        batch_op.drop_index('uq_alert_events_one_open', sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.drop_index('ix_alert_events_company_opened')

    op.drop_table('alert_events')
