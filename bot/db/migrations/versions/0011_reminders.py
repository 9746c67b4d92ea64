"""reminders for people who stopped in the middle of the intake, and their /stop

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'reminders',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('conversation_id', sa.String(length=128), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resumed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    )
    op.create_index(op.f('ix_reminders_conversation_id'), 'reminders', ['conversation_id'], unique=False)
    op.create_index('ix_reminders_due', 'reminders', ['sent_at', 'due_at'], unique=False)
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminders_stopped_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('reminders_stopped_at')
    op.drop_index('ix_reminders_due', table_name='reminders')
    op.drop_index(op.f('ix_reminders_conversation_id'), table_name='reminders')
    op.drop_table('reminders')
