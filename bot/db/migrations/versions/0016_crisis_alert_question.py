"""the question open when a crisis alert was raised: declined, the message is proposed as its answer

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('crisis_alerts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('question', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('crisis_alerts', schema=None) as batch_op:
        batch_op.drop_column('question')
