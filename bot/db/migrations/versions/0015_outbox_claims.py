"""claims on chats of the outbox, so that several gateways can share the sending

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outbox_claims',
        sa.Column('chat_id', sa.String(length=64), nullable=False),
        sa.Column('holder', sa.String(length=64), nullable=False),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('chat_id'),
    )


def downgrade() -> None:
    op.drop_table('outbox_claims')
