"""what forgetting a person needs: whom outbox messages and button payloads concern, deleting
sent staff-chat notices

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conversation_id', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('delete_message_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_conversation_id'), ['conversation_id'], unique=False)
    with op.batch_alter_table('callback_payloads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conversation_id', sa.String(length=128), nullable=True))
        batch_op.create_index(batch_op.f('ix_callback_payloads_conversation_id'), ['conversation_id'], unique=False)
    op.create_table('staff_notices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('chat_id', sa.String(length=64), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notices'))
    )
    with op.batch_alter_table('staff_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_notices_conversation_id'), ['conversation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('staff_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_notices_conversation_id'))
    op.drop_table('staff_notices')
    with op.batch_alter_table('callback_payloads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_payloads_conversation_id'))
        batch_op.drop_column('conversation_id')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_conversation_id'))
        batch_op.drop_column('delete_message_id')
        batch_op.drop_column('conversation_id')
