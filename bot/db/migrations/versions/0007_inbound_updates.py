"""durable inbound: Telegram updates stored before they are worked on

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-14
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbound_updates',
    sa.Column('update_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('content', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('told_to_wait', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('update_id', name=op.f('pk_inbound_updates'))
    )
    with op.batch_alter_table('inbound_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_updates_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_updates_done_at'), ['done_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbound_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_updates_done_at'))
        batch_op.drop_index(batch_op.f('ix_inbound_updates_conversation_id'))
    op.drop_table('inbound_updates')
