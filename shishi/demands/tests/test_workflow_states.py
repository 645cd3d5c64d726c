"""Property-based, stateful: any sequence of steps by anyone leaves a demand in a state the
workflow allows — nothing leaves closed but a reopen, deadlines come after their start, and
the log has one event per step taken."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from shishi.conftest import World
from shishi.core.errors import PermissionDenied, StaleEdit, ValidationFailed
from shishi.demands import services, workflow
from shishi.demands.models import Channel, Demand, Kind, Satisfaction, Status
from shishi.demands.tests.conftest import Dm

REFUSED = (PermissionDenied, StaleEdit, ValidationFailed)
# Steps that change no status: extensions asked, decided or given, appeals and rulings.
STATUS_KEEPING = ("extend", "request_extension", "decide_extension", "appeal", "rule")


def test_any_sequence_of_steps_keeps_the_workflow(world: World, dm: Dm) -> None:
    class Life(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.demand = services.take_in(
                world.nangang.pk,
                services.IntakeInput(
                    kind=Kind.HELP,
                    category_id=dm.road.pk,
                    description="路面塌陷无法通行",
                    channel=Channel.PHONE,
                    phone="13812345678",
                ),
                actor=world.operator,
            )
            self.steps = 1  # the intake
            self.was_closed = False

        def _try(self, action: str, call: Any, events: int = 1) -> None:
            before = self.demand.status
            try:
                call()
            except REFUSED:
                self.demand.refresh_from_db()
                assert self.demand.status == before  # a refused step changes nothing
                return
            self.demand.refresh_from_db()
            # A step taken is one the workflow allows from where the demand was.
            assert action in workflow.allowed(before) or action in STATUS_KEEPING
            if action in STATUS_KEEPING:
                assert self.demand.status == before
            self.steps += events  # each step logs itself (a dissatisfied call-back: and the reopen)
            if before == Status.CLOSED:
                assert action == "reopen", f"left closed by {action}"

        @rule(who=st.sampled_from(["operator", "office", "editor_a", "editor_b"]))
        def dispatch(self, who: str) -> None:
            unit = world.unit_a if who != "office" else world.unit_b
            self._try(
                "dispatch",
                lambda: services.dispatch(
                    self.demand, unit, actor=getattr(world, who), expected_version=None
                ),
            )

        @rule(who=st.sampled_from(["editor_a", "editor_b", "operator"]))
        def accept(self, who: str) -> None:
            self._try(
                "accept",
                lambda: services.accept(
                    self.demand, actor=getattr(world, who), expected_version=None
                ),
            )

        @rule(who=st.sampled_from(["editor_a", "editor_b"]), reason=st.sampled_from(["", "不归我"]))
        def send_back(self, who: str, reason: str) -> None:
            self._try(
                "send_back",
                lambda: services.send_back(
                    self.demand, actor=getattr(world, who), reason=reason, expected_version=None
                ),
            )

        @rule(who=st.sampled_from(["editor_a", "editor_b"]))
        def resolve(self, who: str) -> None:
            self._try(
                "resolve",
                lambda: services.resolve(
                    self.demand,
                    actor=getattr(world, who),
                    reply="已处理完毕",
                    expected_version=None,
                ),
            )

        @rule(
            answer=st.sampled_from(Satisfaction.values),
            who=st.sampled_from(["operator", "editor_a"]),
        )
        def call_back(self, answer: str, who: str) -> None:
            self._try(
                "call_back",
                lambda: services.call_back(
                    self.demand,
                    actor=getattr(world, who),
                    satisfaction=answer,
                    expected_version=None,
                ),
            )

        @rule(who=st.sampled_from(["office", "operator"]))
        def reopen(self, who: str) -> None:
            self._try(
                "reopen",
                lambda: services.reopen(
                    self.demand, actor=getattr(world, who), reason="重办", expected_version=None
                ),
            )

        @rule(days=st.integers(min_value=0, max_value=70))
        def extend(self, days: int) -> None:
            self._try(
                "extend",
                lambda: services.extend(
                    self.demand,
                    actor=world.office,
                    workdays=days,
                    reason="协调",
                    expected_version=None,
                ),
            )

        @rule(
            days=st.integers(min_value=0, max_value=70),
            who=st.sampled_from(["editor_a", "editor_b"]),
        )
        def request_extension(self, days: int, who: str) -> None:
            self._try(
                "request_extension",
                lambda: services.request_extension(
                    self.demand,
                    actor=getattr(world, who),
                    workdays=days,
                    reason="待协调",
                    expected_version=None,
                ),
            )

        @rule(approve=st.booleans(), who=st.sampled_from(["office", "editor_a"]))
        def decide_extension(self, approve: bool, who: str) -> None:
            self._try(
                "decide_extension",
                lambda: services.decide_extension(
                    self.demand,
                    actor=getattr(world, who),
                    approve=approve,
                    workdays=None,
                    note="意见",
                    expected_version=None,
                ),
            )

        @invariant()
        def a_request_only_while_in_progress(self) -> None:
            d: Demand = self.demand
            # Asked while in progress; a request still pending lapses with the reply.
            if d.extension_days is not None:
                assert d.status == Status.ACCEPTED and 1 <= d.extension_days <= 60

        @invariant()
        def deadlines_after_their_start(self) -> None:
            d: Demand = self.demand
            if d.dispatched_at and d.accept_by:
                assert d.accept_by >= d.dispatched_at
            if d.accepted_at and d.resolve_by:
                assert d.resolve_by >= d.accepted_at - dt.timedelta(seconds=1)
            assert d.status in Status.values
            if d.status == Status.CLOSED:
                assert d.closed_at is not None

        @invariant()
        def one_event_per_step(self) -> None:
            assert self.demand.events.count() == self.steps

    run_state_machine_as_test(
        Life,
        settings=settings(
            max_examples=15,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
