"""Storefront cart: discount codes, live-viewer heartbeats, shipping rate and tax rate.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 22:40:27.645525
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import cart_admin.models.types

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('product_view_heartbeats',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('product_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('session_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('last_seen_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('product_id', 'session_id')
    )
    with op.batch_alter_table('product_view_heartbeats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_view_heartbeats_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_product_view_heartbeats_product_seen', ['product_id', 'last_seen_at'], unique=False)

    op.create_table('discount_codes',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sa.Enum('PERCENT', 'FIXED', 'FREE_SHIPPING', name='discountkind', native_enum=False, length=32), nullable=False),
    sa.Column('value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('min_subtotal', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('expires_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('max_uses', sa.Integer(), nullable=True),
    sa.Column('uses', sa.Integer(), nullable=False),
    sa.Column('cart_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('intervention_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('uses >= 0', name='ck_discount_codes_uses_non_negative'),
    sa.CheckConstraint('value >= 0', name='ck_discount_codes_value_non_negative'),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], ),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['intervention_id'], ['cart_interventions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'code')
    )
    with op.batch_alter_table('discount_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_discount_codes_company_id'), ['company_id'], unique=False)

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checkout_started_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shipping_flat_rate', sa.Numeric(precision=12, scale=2), server_default='5.99', nullable=False))
        batch_op.add_column(sa.Column('tax_rate', sa.Numeric(precision=6, scale=4), server_default='0.0800', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('companies', schema=None) as batch_op:
        batch_op.drop_column('tax_rate')
        batch_op.drop_column('shipping_flat_rate')

    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_column('checkout_started_at')

    with op.batch_alter_table('discount_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_discount_codes_company_id'))

    op.drop_table('discount_codes')
    with op.batch_alter_table('product_view_heartbeats', schema=None) as batch_op:
        batch_op.drop_index('ix_product_view_heartbeats_product_seen')
        batch_op.drop_index(batch_op.f('ix_product_view_heartbeats_company_id'))

    op.drop_table('product_view_heartbeats')
