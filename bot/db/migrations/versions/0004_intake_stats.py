"""intake stats and covering indexes for the coordinators' dashboard

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('intake_stats',
    sa.Column('intake_id', sa.String(length=36), nullable=False),
    sa.Column('source_updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=True),
    sa.Column('municipality_ags', sa.String(length=8), nullable=True),
    sa.Column('gender', sa.String(length=16), nullable=True),
    sa.Column('age_group', sa.String(length=8), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('eligible_programmes', sa.String(length=200), nullable=True),
    sa.Column('last_question', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['intake_id'], ['intakes.id'], name=op.f('fk_intake_stats_intake_id_intakes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('intake_id', name=op.f('pk_intake_stats'))
    )
    with op.batch_alter_table('intake_stats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_stats_source_updated_at'), ['source_updated_at'], unique=False)
        batch_op.create_index('ix_intake_stats_days', ['status', 'created_on'], unique=False)
        batch_op.create_index('ix_intake_stats_people', ['status', 'language', 'gender', 'age_group', 'outcome', 'created_on'],
                              unique=False)
        batch_op.create_index('ix_intake_stats_places', ['status', 'municipality_ags', 'eligible_programmes', 'created_on'], unique=False)
        batch_op.create_index('ix_intake_stats_dropoff', ['status', 'last_question', 'language', 'created_on'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_stats', ['created_at', 'team', 'state', 'language', 'first_contact_at'], unique=False)
    with op.batch_alter_table('intakes', schema=None) as batch_op:
        batch_op.create_index('ix_intakes_updated_at', ['updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_stats')
    with op.batch_alter_table('intakes', schema=None) as batch_op:
        batch_op.drop_index('ix_intakes_updated_at')
    with op.batch_alter_table('intake_stats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intake_stats_source_updated_at'))
        for name in ('ix_intake_stats_dropoff', 'ix_intake_stats_places', 'ix_intake_stats_people', 'ix_intake_stats_days'):
            batch_op.drop_index(name)
    op.drop_table('intake_stats')
