"""Theme drafts: the editor saves unpublished overrides beside the published ones.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 23:05:01.738450
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql
import cart_admin.models.types

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('landing_pages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cart_theme_draft', sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('cart_theme_published_at', cart_admin.models.types.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('landing_pages', schema=None) as batch_op:
        batch_op.drop_column('cart_theme_published_at')
        batch_op.drop_column('cart_theme_draft')

