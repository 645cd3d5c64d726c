"""Send the audit chain's signed checkpoints to the offices (a copy outside the database).

``core`` writes checkpoints (``core.checkpoints``) but sits below ``notify``: the notify app
pulls those not yet sent, whoever wrote them (the daily job, ``shishi audit_checkpoint``),
and sends each once to the audit administrators and the offices (e-mail and inbox).
"""

from __future__ import annotations

from django.db import transaction

from shishi.core import checkpoints
from shishi.notify.kinds import AUDIT_CHECKPOINT
from shishi.notify.services.notices import notify
from shishi.orgs import selectors as org_selectors


def send_checkpoints(limit: int = 10) -> int:
    """Send the checkpoints not yet sent (oldest first); how many were sent."""
    rows = checkpoints.unsent(limit)
    if not rows:
        return 0
    recipients = org_selectors.audit_copy_recipients()
    for row in rows:
        mark = checkpoints.Checkpoint.from_row(row)
        with transaction.atomic():
            if recipients:
                notify(
                    recipients,
                    AUDIT_CHECKPOINT.name,
                    {
                        "seq": mark.seq,
                        "hash": mark.hash,
                        "created_at": mark.created_at,
                        "key_id": mark.key_id,
                        "algorithm": mark.algorithm,
                        "signature": mark.signature,
                        "line": mark.as_line(),
                    },
                    dedupe_key=f"audit-checkpoint:{row.pk}",
                )
            checkpoints.mark_sent([row])
    return len(rows)
