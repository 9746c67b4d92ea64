"""urgent cases and pending crisis alerts

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table('crisis_alerts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('conversation_id', sa.String(length=128), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('escalate_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_crisis_alerts'))
    )
    with op.batch_alter_table('crisis_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crisis_alerts_conversation_id'), ['conversation_id'], unique=True)
        batch_op.create_index(batch_op.f('ix_crisis_alerts_escalate_at'), ['escalate_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('crisis_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crisis_alerts_escalate_at'))
        batch_op.drop_index(batch_op.f('ix_crisis_alerts_conversation_id'))
    op.drop_table('crisis_alerts')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('urgent')
