"""one sender for every Telegram message: reactions and files in the outbox, messages that
finally failed kept for the case page

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-14
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reaction_to', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('document', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True))
    # Messages the old outbox had given up on (12 attempts) count as not delivered.
    op.execute("UPDATE outbox SET failed_at = created_at, last_error = 'Telegram war nicht erreichbar' "
               "WHERE sent_at IS NULL AND attempts >= 12")


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('failed_at')
        batch_op.drop_column('document')
        batch_op.drop_column('reaction_to')
