"""record each case's provider; one provider per force

A case belongs to the provider that served its force when the case opened, and only that
provider's workers see it. Until now a worker saw every case of every force their provider
served, so when two providers were linked to one force (two serving it, or a force moved to a new
provider while the old link stayed) each saw the other's cases.

1. Refuse to run while any force is linked to more than one provider, naming each such force and
   its providers, before changing anything. Which provider serves the force, and so owns its
   cases, is the administrator's decision: delete the links that no longer hold, then run again.
2. Add `cases.provider_id` (nullable) and lead the queue index with it.
3. Data step: each existing case takes the provider linked to its force. Exactly one provider is
   linked to each force by then, so every case of a served force gets one; a case whose force no
   provider serves keeps none, and is on no worker's queue (as before, when no provider's workers
   saw it) until a provider is configured for its force.
4. A unique constraint on `provider_forces.force_id`: one provider serves a force at a time.

Revision ID: ce3e9bc13ae4
Revises: 86b0de63fb2d
Create Date: 2026-11-27 01:30:00.000000
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ce3e9bc13ae4"
down_revision: str | None = "86b0de63fb2d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

QUEUE_BEFORE = ["force_id", "status", "due_at", "received_at", "id"]
QUEUE = ["provider_id", *QUEUE_BEFORE]


def refuse_forces_with_several_providers() -> None:
    rows = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT force_id, provider_id FROM provider_forces WHERE force_id IN ("
                "SELECT force_id FROM provider_forces GROUP BY force_id HAVING COUNT(*) > 1"
                ") ORDER BY force_id, provider_id"
            )
        )
        .all()
    )
    if not rows:
        return
    providers: dict[str, list[str]] = {}
    for force_id, provider_id in rows:
        providers.setdefault(force_id, []).append(provider_id)
    listed = "; ".join(f"{force}: {', '.join(names)}" for force, names in providers.items())
    raise RuntimeError(
        "provider_forces links these forces to more than one provider, so which provider owns "
        f"their cases is ambiguous: {listed}. One provider serves a force at a time: remove "
        "from provider_forces each link that no longer holds, then run the migration again. "
        "Nothing has been changed."
    )


def upgrade() -> None:
    refuse_forces_with_several_providers()

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider_id", sa.String(length=64), nullable=True))
        batch_op.drop_index("ix_cases_queue")
        batch_op.create_index("ix_cases_queue", QUEUE, unique=False)

    bind = op.get_bind()
    # only where exactly one provider is linked to the case's force (every served force, after
    # the check above); any other case keeps no provider and is seen by no worker
    bind.execute(
        sa.text(
            "UPDATE cases SET provider_id = ("
            "SELECT pf.provider_id FROM provider_forces pf WHERE pf.force_id = cases.force_id"
            ") WHERE provider_id IS NULL AND ("
            "SELECT COUNT(*) FROM provider_forces pf WHERE pf.force_id = cases.force_id"
            ") = 1"
        )
    )
    unowned = bind.execute(
        sa.text(
            "SELECT force_id, COUNT(*) FROM cases WHERE provider_id IS NULL "
            "GROUP BY force_id ORDER BY force_id"
        )
    ).all()
    for force_id, count in unowned:
        log.warning(
            "%s case(s) of force %s have no provider (none serves the force): on no queue until "
            "a provider is configured for it",
            count,
            force_id,
        )

    with op.batch_alter_table("provider_forces", schema=None) as batch_op:
        batch_op.create_unique_constraint(op.f("uq_provider_forces_force_id"), ["force_id"])


def downgrade() -> None:
    with op.batch_alter_table("provider_forces", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("uq_provider_forces_force_id"), type_="unique")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_queue")
        batch_op.create_index("ix_cases_queue", QUEUE_BEFORE, unique=False)
        batch_op.drop_column("provider_id")
