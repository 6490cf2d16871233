"""voice calls: script state, details, intervention

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 06:00:38.285945
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("discount_codes", schema=None) as batch_op:
        batch_op.create_index("ix_discount_codes_intervention", ["intervention_id"], unique=False)
    with op.batch_alter_table("cart_voice_calls", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("error_code", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column("intervention_id", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True)
        )
        batch_op.add_column(
            sa.Column("answered_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "script_state",
                sa.JSON(none_as_null=True).with_variant(
                    postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "details",
                sa.JSON(none_as_null=True).with_variant(
                    postgresql.JSONB(none_as_null=True, astext_type=sa.Text()), "postgresql"
                ),
                nullable=True,
            )
        )
        batch_op.create_index(
            batch_op.f("ix_cart_voice_calls_intervention_id"), ["intervention_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_cart_voice_calls_intervention_id", "cart_interventions", ["intervention_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("discount_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_discount_codes_intervention")
    with op.batch_alter_table("cart_voice_calls", schema=None) as batch_op:
        batch_op.drop_constraint("fk_cart_voice_calls_intervention_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_cart_voice_calls_intervention_id"))
        batch_op.drop_column("details")
        batch_op.drop_column("script_state")
        batch_op.drop_column("answered_by")
        batch_op.drop_column("intervention_id")
        batch_op.drop_column("error_code")
