"""Initial schema: store, save flow, voice, upsells, triggers (both spec files).

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 21:41:19.897518
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql
import cart_admin.models.types

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('companies',
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('support_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('support_phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('cart_save_flow_configs',
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('stages', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('timing', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('offers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('channels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('voice', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('triggers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id')
    )
    op.create_table('customers',
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('email_consent', sa.Boolean(), nullable=False),
    sa.Column('sms_consent', sa.Boolean(), nullable=False),
    sa.Column('voice_consent', sa.Boolean(), nullable=False),
    sa.Column('voice_consent_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('unsubscribed_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lifetime_value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('order_count', sa.Integer(), nullable=False),
    sa.Column('first_order_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_order_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'email')
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customers_company_id'), ['company_id'], unique=False)

    op.create_table('landing_pages',
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('public_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('status', sa.Enum('DRAFT', 'PUBLISHED', 'ARCHIVED', name='landingpagestatus', native_enum=False, length=32), nullable=False),
    sa.Column('allowed_origins', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('checkout_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('cart_theme', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('product_catalog', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'slug'),
    sa.UniqueConstraint('public_key')
    )
    with op.batch_alter_table('landing_pages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_landing_pages_company_id'), ['company_id'], unique=False)

    op.create_table('product_bundles',
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('bundle_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('image_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('status', sa.Enum('ACTIVE', 'INACTIVE', name='bundlestatus', native_enum=False, length=32), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('product_bundles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_bundles_company_id'), ['company_id'], unique=False)

    op.create_table('products',
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('sku', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('compare_at_price', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('rating', sa.Numeric(precision=3, scale=2), nullable=True),
    sa.Column('review_count', sa.Integer(), nullable=False),
    sa.Column('image_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.Enum('ACTIVE', 'DRAFT', 'ARCHIVED', name='productstatus', native_enum=False, length=32), nullable=False),
    sa.Column('sales_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.CheckConstraint('price >= 0', name='ck_products_price_non_negative'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('company_id', 'sku')
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_products_company_status', ['company_id', 'status'], unique=False)

    op.create_table('users',
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('role', sa.Enum('owner', 'marketer', 'analyst', name='userrole', native_enum=False, length=32), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('last_login_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_company_id'), ['company_id'], unique=False)

    op.create_table('admin_sessions',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('admin_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_admin_sessions_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_sessions_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_admin_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('api_keys',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_by_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_keys_company_id'), ['company_id'], unique=False)

    op.create_table('carts',
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('landing_page_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('public_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('session_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('status', sa.Enum('ACTIVE', 'ABANDONED', 'CONVERTED', 'EXPIRED', name='cartstatus', native_enum=False, length=32), nullable=False),
    sa.Column('currency', sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('item_count', sa.Integer(), nullable=False),
    sa.Column('subtotal', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('discount_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('shipping_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('tax_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('grand_total', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('discount_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('last_activity_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('abandoned_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('converted_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expired_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['landing_page_id'], ['landing_pages.id'], ),
    sa.CheckConstraint('subtotal >= 0 AND discount_total >= 0 AND shipping_total >= 0 AND tax_total >= 0 AND grand_total >= 0 AND item_count >= 0', name='ck_carts_totals_non_negative'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_token')
    )
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.create_index('ix_carts_company_abandoned', ['company_id', 'abandoned_at'], unique=False)
        batch_op.create_index('ix_carts_company_created', ['company_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_carts_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_carts_company_status', ['company_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_carts_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_carts_landing_page_id'), ['landing_page_id'], unique=False)
        batch_op.create_index('ix_carts_status_last_activity', ['status', 'last_activity_at'], unique=False)

    op.create_table('inventory',
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('product_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('available', sa.Integer(), nullable=False),
    sa.Column('reserved', sa.Integer(), nullable=False),
    sa.Column('low_stock_threshold', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.CheckConstraint('available >= 0', name='ck_inventory_available_non_negative'),
    sa.CheckConstraint('reserved >= 0', name='ck_inventory_reserved_non_negative'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('product_id')
    )
    with op.batch_alter_table('inventory', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inventory_company_id'), ['company_id'], unique=False)

    op.create_table('landing_page_products',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('landing_page_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('product_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['landing_page_id'], ['landing_pages.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('landing_page_id', 'product_id')
    )
    with op.batch_alter_table('landing_page_products', schema=None) as batch_op:
        batch_op.create_index('idx_landing_page_products_order', ['landing_page_id', 'sort_order'], unique=False)
        batch_op.create_index(batch_op.f('ix_landing_page_products_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_landing_page_products_product_id'), ['product_id'], unique=False)

    op.create_table('product_bundle_items',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('bundle_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('product_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['bundle_id'], ['product_bundles.id'], ),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bundle_id', 'product_id')
    )
    with op.batch_alter_table('product_bundle_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_bundle_items_bundle_id'), ['bundle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_bundle_items_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_bundle_items_product_id'), ['product_id'], unique=False)

    op.create_table('cart_items',
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('cart_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('product_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('product_snapshot', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], ),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.CheckConstraint('quantity > 0', name='ck_cart_items_quantity_positive'),
    sa.CheckConstraint('unit_price >= 0', name='ck_cart_items_unit_price_non_negative'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cart_id', 'product_id')
    )
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cart_items_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cart_items_product_id'), ['product_id'], unique=False)

    op.create_table('cart_save_attempts',
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('cart_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('current_stage', sa.Enum('BROWSE_REMINDER', 'PATTERN_INTERRUPT', 'DIAGNOSIS_SURVEY', 'BRANCHING_INTERVENTION', 'NUCLEAR_OFFER', 'LOSS_VISUALIZATION', 'WINBACK_SEQUENCE', name='cartsavestage', native_enum=False, length=32), nullable=False),
    sa.Column('stage_history', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('diagnosis_reason', sa.Enum('TOO_EXPENSIVE', 'SHIPPING_COST', 'JUST_BROWSING', 'NEED_MORE_INFO', 'PAYMENT_ISSUES', 'COMPARING_OPTIONS', 'SAVING_FOR_LATER', 'OTHER', name='cartabandonmentreason', native_enum=False, length=32), nullable=True),
    sa.Column('diagnosis_answers', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('customer_risk_score', sa.Float(), nullable=False),
    sa.Column('cart_value', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('is_holdout', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('PENDING', 'ACTIVE', 'IN_PROGRESS', 'PAUSED', 'CONVERTED', 'COMPLETED', 'EXHAUSTED', 'EXPIRED', 'CANCELLED', name='cartsavestatus', native_enum=False, length=32), nullable=False),
    sa.Column('outcome', sa.Enum('CONVERTED', 'SAVED_WITH_DISCOUNT', 'SAVED_WITHOUT_DISCOUNT', 'PAUSED', 'CANCELLED', 'EXHAUSTED', 'EXPIRED', name='cartsaveoutcome', native_enum=False, length=32), nullable=True),
    sa.Column('current_offer', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('accepted_offer', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('metadata', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('scheduled_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recovered_value', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], ),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cart_save_attempts', schema=None) as batch_op:
        batch_op.create_index('idx_cart_save_attempts_cart_status', ['cart_id', 'status'], unique=False)
        batch_op.create_index('idx_cart_save_attempts_company_status', ['company_id', 'status'], unique=False)
        batch_op.create_index('idx_cart_save_attempts_created', ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cart_save_attempts_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_cart_save_attempts_company_started', ['company_id', 'started_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cart_save_attempts_customer_id'), ['customer_id'], unique=False)

    op.create_table('cart_trigger_impressions',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('cart_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('session_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('trigger', sa.Enum('SCARCITY', 'URGENCY', 'SOCIAL_PROOF', 'RECIPROCITY', 'AUTHORITY', 'LOSS_AVERSION', 'ANCHORING', 'COMMITMENT', 'ENDOWMENT', 'GOAL_GRADIENT', 'PERSONALIZATION', 'CURIOSITY', 'EXCLUSIVITY', name='behavioraltrigger', native_enum=False, length=32), nullable=False),
    sa.Column('placement', sa.Enum('CART_HEADER', 'CART_ITEM', 'CART_FOOTER', 'CHECKOUT', 'REMOVE_MODAL', 'EMAIL', 'SMS', name='triggerplacement', native_enum=False, length=32), nullable=False),
    sa.Column('variant', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('control', sa.Boolean(), nullable=False),
    sa.Column('impressed_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('interacted_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('converted_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('context', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], ),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cart_trigger_impressions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cart_trigger_impressions_cart_id'), ['cart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cart_trigger_impressions_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_cart_trigger_impressions_company_impressed', ['company_id', 'impressed_at'], unique=False)
        batch_op.create_index('ix_cart_trigger_impressions_trigger_impressed', ['trigger', 'impressed_at'], unique=False)
        batch_op.create_index('ix_cart_trigger_impressions_variant_control', ['variant', 'control'], unique=False)

    op.create_table('cart_upsell_offers',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('cart_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('product_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('bundle_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('type', sa.Enum('COMPLEMENTARY', 'BUNDLE_UPGRADE', 'QUANTITY_DISCOUNT', 'FREE_SHIPPING_ADD', 'FREE_GIFT_THRESHOLD', 'PREMIUM_VERSION', 'SUBSCRIPTION', 'SHIPPING_PROTECTION', 'WARRANTY', name='cartupselltype', native_enum=False, length=32), nullable=False),
    sa.Column('position', sa.Enum('CART_DRAWER', 'CHECKOUT', 'POST_PURCHASE', name='upsellposition', native_enum=False, length=32), nullable=False),
    sa.Column('original_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('offer_price', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('savings', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('triggers_used', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('presented_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('viewed_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('clicked_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('declined_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['bundle_id'], ['product_bundles.id'], ),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], ),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cart_upsell_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cart_upsell_offers_cart_id'), ['cart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cart_upsell_offers_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_cart_upsell_offers_company_presented', ['company_id', 'presented_at'], unique=False)
        batch_op.create_index('ix_cart_upsell_offers_type_presented', ['type', 'presented_at'], unique=False)

    op.create_table('inventory_holds',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('cart_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('product_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('released_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], ),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.CheckConstraint('quantity > 0', name='ck_inventory_holds_quantity_positive'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('inventory_holds', schema=None) as batch_op:
        batch_op.create_index('ix_inventory_holds_active', ['released_at', 'expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inventory_holds_cart_id'), ['cart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inventory_holds_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inventory_holds_product_id'), ['product_id'], unique=False)

    op.create_table('cart_interventions',
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('cart_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('cart_save_attempt_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('stage', sa.Enum('BROWSE_REMINDER', 'PATTERN_INTERRUPT', 'DIAGNOSIS_SURVEY', 'BRANCHING_INTERVENTION', 'NUCLEAR_OFFER', 'LOSS_VISUALIZATION', 'WINBACK_SEQUENCE', name='cartsavestage', native_enum=False, length=32), nullable=False),
    sa.Column('channels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('type', sa.Enum('CART_REMINDER', 'CART_SUMMARY', 'DIAGNOSIS_SURVEY', 'BEST_OFFER', 'LOSS_VISUALIZATION', 'WINBACK', 'VOICE_CALL', 'PERCENTAGE_DISCOUNT', 'PAYMENT_PLAN', 'BUDGET_ALTERNATIVE', 'FREE_SHIPPING', 'THRESHOLD_REMINDER', 'LOCAL_PICKUP', 'PRODUCT_FAQ', 'REVIEWS_SHOWCASE', 'VIDEO_DEMO', 'LIVE_CHAT', 'COMPARISON_CHART', 'PRICE_MATCH', 'UNIQUE_VALUE', 'WISHLIST_SAVE', 'PRICE_DROP_ALERT', 'RESTOCK_ALERT', 'FREE_GIFT', 'EXIT_INTENT', 'FREE_SHIPPING_OFFER', 'DISCOUNT_HELP', 'CHECKOUT_HELP', name='interventiontype', native_enum=False, length=32), nullable=True),
    sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('triggers_used', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('offer_included', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('offer_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('offer_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('offer_value', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('status', sa.Enum('SCHEDULED', 'SENDING', 'SENT', 'DELIVERED', 'OPENED', 'CLICKED', 'EXECUTED', 'CONVERTED', 'FAILED', 'EXPIRED', 'CANCELLED', name='interventionstatus', native_enum=False, length=32), nullable=False),
    sa.Column('scheduled_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('opened_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('clicked_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('executed_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('converted_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('response_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('response_data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('error_message', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('lease_expires_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_token', sa.Integer(), nullable=False),
    sa.Column('delivery_attempts', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], ),
    sa.ForeignKeyConstraint(['cart_save_attempt_id'], ['cart_save_attempts.id'], ),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('cart_interventions', schema=None) as batch_op:
        batch_op.create_index('idx_cart_interventions_attempt', ['cart_save_attempt_id'], unique=False)
        batch_op.create_index('idx_cart_interventions_status', ['status', 'scheduled_at'], unique=False)
        batch_op.create_index('ix_cart_interventions_cart_status', ['cart_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_cart_interventions_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_cart_interventions_company_scheduled', ['company_id', 'scheduled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cart_interventions_offer_code'), ['offer_code'], unique=False)

    op.create_table('cart_voice_calls',
    sa.Column('created_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('company_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('cart_save_attempt_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('cart_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('voice_call_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('to_phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('script_type', sa.Enum('CART_RECOVERY', 'CART_RECOVERY_PERSONAL', 'CART_RECOVERY_DISCOUNT', 'CART_RECOVERY_HELP', name='voicescripttype', native_enum=False, length=32), nullable=False),
    sa.Column('offer', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('status', sa.Enum('QUEUED', 'INITIATED', 'RINGING', 'IN_PROGRESS', 'COMPLETED', 'BUSY', 'NO_ANSWER', 'FAILED', 'CANCELED', 'UNKNOWN', name='voicecallstatus', native_enum=False, length=32), nullable=False),
    sa.Column('initiated_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duration', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('RECOVERED', 'DISCOUNT_ACCEPTED', 'CALLBACK_REQUESTED', 'DECLINED', 'NO_ANSWER', 'VOICEMAIL', 'ESCALATED', 'DISCONNECTED', name='voicecalloutcome', native_enum=False, length=32), nullable=True),
    sa.Column('transcript', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('sentiment', sa.Enum('POSITIVE', 'NEUTRAL', 'NEGATIVE', name='sentiment', native_enum=False, length=32), nullable=True),
    sa.Column('error_message', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True),
    sa.ForeignKeyConstraint(['cart_id'], ['carts.id'], ),
    sa.ForeignKeyConstraint(['cart_save_attempt_id'], ['cart_save_attempts.id'], ),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('voice_call_id')
    )
    with op.batch_alter_table('cart_voice_calls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cart_voice_calls_cart_id'), ['cart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cart_voice_calls_cart_save_attempt_id'), ['cart_save_attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cart_voice_calls_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_cart_voice_calls_company_initiated', ['company_id', 'initiated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cart_voice_calls_customer_id'), ['customer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('cart_voice_calls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cart_voice_calls_customer_id'))
        batch_op.drop_index('ix_cart_voice_calls_company_initiated')
        batch_op.drop_index(batch_op.f('ix_cart_voice_calls_company_id'))
        batch_op.drop_index(batch_op.f('ix_cart_voice_calls_cart_save_attempt_id'))
        batch_op.drop_index(batch_op.f('ix_cart_voice_calls_cart_id'))

    op.drop_table('cart_voice_calls')
    with op.batch_alter_table('cart_interventions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cart_interventions_offer_code'))
        batch_op.drop_index('ix_cart_interventions_company_scheduled')
        batch_op.drop_index(batch_op.f('ix_cart_interventions_company_id'))
        batch_op.drop_index('ix_cart_interventions_cart_status')
        batch_op.drop_index('idx_cart_interventions_status')
        batch_op.drop_index('idx_cart_interventions_attempt')

    op.drop_table('cart_interventions')
    with op.batch_alter_table('inventory_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_holds_product_id'))
        batch_op.drop_index(batch_op.f('ix_inventory_holds_company_id'))
        batch_op.drop_index(batch_op.f('ix_inventory_holds_cart_id'))
        batch_op.drop_index('ix_inventory_holds_active')

    op.drop_table('inventory_holds')
    with op.batch_alter_table('cart_upsell_offers', schema=None) as batch_op:
        batch_op.drop_index('ix_cart_upsell_offers_type_presented')
        batch_op.drop_index('ix_cart_upsell_offers_company_presented')
        batch_op.drop_index(batch_op.f('ix_cart_upsell_offers_company_id'))
        batch_op.drop_index(batch_op.f('ix_cart_upsell_offers_cart_id'))

    op.drop_table('cart_upsell_offers')
    with op.batch_alter_table('cart_trigger_impressions', schema=None) as batch_op:
        batch_op.drop_index('ix_cart_trigger_impressions_variant_control')
        batch_op.drop_index('ix_cart_trigger_impressions_trigger_impressed')
        batch_op.drop_index('ix_cart_trigger_impressions_company_impressed')
        batch_op.drop_index(batch_op.f('ix_cart_trigger_impressions_company_id'))
        batch_op.drop_index(batch_op.f('ix_cart_trigger_impressions_cart_id'))

    op.drop_table('cart_trigger_impressions')
    with op.batch_alter_table('cart_save_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cart_save_attempts_customer_id'))
        batch_op.drop_index('ix_cart_save_attempts_company_started')
        batch_op.drop_index(batch_op.f('ix_cart_save_attempts_company_id'))
        batch_op.drop_index('idx_cart_save_attempts_created')
        batch_op.drop_index('idx_cart_save_attempts_company_status')
        batch_op.drop_index('idx_cart_save_attempts_cart_status')

    op.drop_table('cart_save_attempts')
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cart_items_product_id'))
        batch_op.drop_index(batch_op.f('ix_cart_items_company_id'))

    op.drop_table('cart_items')
    with op.batch_alter_table('product_bundle_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_bundle_items_product_id'))
        batch_op.drop_index(batch_op.f('ix_product_bundle_items_company_id'))
        batch_op.drop_index(batch_op.f('ix_product_bundle_items_bundle_id'))

    op.drop_table('product_bundle_items')
    with op.batch_alter_table('landing_page_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_landing_page_products_product_id'))
        batch_op.drop_index(batch_op.f('ix_landing_page_products_company_id'))
        batch_op.drop_index('idx_landing_page_products_order')

    op.drop_table('landing_page_products')
    with op.batch_alter_table('inventory', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inventory_company_id'))

    op.drop_table('inventory')
    with op.batch_alter_table('carts', schema=None) as batch_op:
        batch_op.drop_index('ix_carts_status_last_activity')
        batch_op.drop_index(batch_op.f('ix_carts_landing_page_id'))
        batch_op.drop_index(batch_op.f('ix_carts_customer_id'))
        batch_op.drop_index('ix_carts_company_status')
        batch_op.drop_index(batch_op.f('ix_carts_company_id'))
        batch_op.drop_index('ix_carts_company_created')
        batch_op.drop_index('ix_carts_company_abandoned')

    op.drop_table('carts')
    with op.batch_alter_table('api_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_keys_company_id'))

    op.drop_table('api_keys')
    with op.batch_alter_table('admin_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_admin_sessions_user_id'))
        batch_op.drop_index(batch_op.f('ix_admin_sessions_expires_at'))
        batch_op.drop_index(batch_op.f('ix_admin_sessions_company_id'))

    op.drop_table('admin_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_company_id'))

    op.drop_table('users')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_company_status')
        batch_op.drop_index(batch_op.f('ix_products_company_id'))

    op.drop_table('products')
    with op.batch_alter_table('product_bundles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_bundles_company_id'))

    op.drop_table('product_bundles')
    with op.batch_alter_table('landing_pages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_landing_pages_company_id'))

    op.drop_table('landing_pages')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_company_id'))

    op.drop_table('customers')
    op.drop_table('cart_save_flow_configs')
    op.drop_table('companies')
