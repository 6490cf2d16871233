"""analytics indexes: the reports of a period read from indexes, not from the tables

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 12:31:24.562628

Measured with bench/analytics.py (a million carts): every report read all of
cart_interventions (no index on sent_at) and all of cart_save_attempts (joined for the
recovered value); the upsells' order value lift read all of carts and of cart_upsell_offers.
Four new indexes, and on PostgreSQL five existing ones get INCLUDE columns so the reports'
scans are index-only (SQLite has no INCLUDE: those stay as they are).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (index, table, key columns, INCLUDE columns): existing indexes given INCLUDE columns.
COVERED = [
    ('ix_carts_company_abandoned', 'carts', ['company_id', 'abandoned_at'],
     ['status', 'converted_at', 'grand_total']),
    ('ix_cart_save_attempts_company_started', 'cart_save_attempts', ['company_id', 'started_at'],
     ['id', 'is_holdout', 'status', 'outcome', 'diagnosis_reason', 'recovered_value']),
    ('idx_cart_interventions_attempt', 'cart_interventions', ['cart_save_attempt_id'],
     ['stage', 'sent_at', 'clicked_at', 'converted_at']),
    ('ix_cart_upsell_offers_company_presented', 'cart_upsell_offers',
     ['company_id', 'presented_at'], ['type', 'cart_id', 'accepted_at', 'offer_price']),
    ('ix_cart_trigger_impressions_company_impressed', 'cart_trigger_impressions',
     ['company_id', 'impressed_at'],
     ['trigger', 'control', 'cart_id', 'interacted_at', 'converted_at']),
]


def _postgresql() -> bool:
    return op.get_bind().dialect.name == 'postgresql'


def upgrade() -> None:
    with op.batch_alter_table('cart_interventions', schema=None) as batch_op:
        batch_op.create_index('ix_cart_interventions_company_sent', ['company_id', 'sent_at'], unique=False, postgresql_include=['cart_save_attempt_id', 'channel', 'type', 'clicked_at', 'converted_at', 'offer_value'])

    with op.batch_alter_table('cart_save_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_cart_save_attempts_id_recovered', ['id'], unique=False, postgresql_include=['recovered_value'])

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.create_index('ix_carts_company_converted', ['company_id', 'converted_at'], unique=False, postgresql_include=['status', 'grand_total'])

    with op.batch_alter_table('cart_upsell_offers', schema=None) as batch_op:
        batch_op.create_index('ix_cart_upsell_offers_accepted_cart', ['cart_id'], unique=False, postgresql_where=sa.text('accepted_at IS NOT NULL'), sqlite_where=sa.text('accepted_at IS NOT NULL'))

    if _postgresql():
        for name, table, columns, include in COVERED:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, columns, unique=False, postgresql_include=include)


def downgrade() -> None:
    if _postgresql():
        for name, table, columns, _ in COVERED:
            op.drop_index(name, table_name=table)
            op.create_index(name, table, columns, unique=False)

    with op.batch_alter_table('cart_upsell_offers', schema=None) as batch_op:
        batch_op.drop_index('ix_cart_upsell_offers_accepted_cart')

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_index('ix_carts_company_converted')

    with op.batch_alter_table('cart_save_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_cart_save_attempts_id_recovered')

    with op.batch_alter_table('cart_interventions', schema=None) as batch_op:
        batch_op.drop_index('ix_cart_interventions_company_sent')
