"""voice messages people send to the team, kept with their case

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'case_voice_messages',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('case_id', sa.String(length=36), nullable=False),
        sa.Column('conversation_id', sa.String(length=128), nullable=False),
        sa.Column('mime_type', sa.String(length=32), nullable=False),
        sa.Column('duration_seconds', sa.Integer(), nullable=True),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('audio', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_voice_messages_case_id_cases'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_voice_messages')),
    )
    op.create_index(op.f('ix_case_voice_messages_case_id'), 'case_voice_messages', ['case_id'], unique=False)
    op.create_index(op.f('ix_case_voice_messages_conversation_id'), 'case_voice_messages', ['conversation_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_case_voice_messages_conversation_id'), table_name='case_voice_messages')
    op.drop_index(op.f('ix_case_voice_messages_case_id'), table_name='case_voice_messages')
    op.drop_table('case_voice_messages')
