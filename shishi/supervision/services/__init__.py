"""Every write of supervision: ``setup`` (groups, rounds, checklists, visit plans),
``visits`` (recording a visit with its answers, photos, findings and suggestions),
``findings`` (a finding's 四定 and its rectification to the close-out), ``rechecks``
(回头看) and ``instructions`` (领导批示 and 督办)."""
