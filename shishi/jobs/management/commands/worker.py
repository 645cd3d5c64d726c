"""``shishi worker``: run background tasks and scheduled jobs until stopped."""

from __future__ import annotations

import importlib
import logging
import signal
import sys
from argparse import ArgumentTypeError
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shishi.jobs.schedule import discover
from shishi.jobs.worker import Worker

logger = logging.getLogger("shishi.jobs")


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not 0 < number < float("inf"):
        raise ArgumentTypeError(f"{value!r} is not a positive number of seconds")
    return number


def _count(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise ArgumentTypeError(f"{value!r} is not a positive whole number")
    return int(value)


class Command(BaseCommand):
    help = (
        "Run the background worker: tasks of every app's tasks.py, the scheduled jobs, and "
        "the recovery of work left by dead workers. SIGINT/SIGTERM stop it after the "
        "current task; several workers may run at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--queues", default="*", help="queues to take tasks from, comma-separated (* = all)"
        )
        parser.add_argument(
            "--interval", type=_positive, default=1.0, help="seconds to wait when idle"
        )
        parser.add_argument(
            "--heartbeat", type=_positive, default=5.0, help="seconds between heartbeats"
        )
        parser.add_argument(
            "--stale-after",
            type=_positive,
            default=60.0,
            help="seconds without a heartbeat after which a worker is taken for dead",
        )
        parser.add_argument(
            "--jobs",
            default="*",
            help="scheduled jobs to run, comma-separated (* = all, empty = none)",
        )
        parser.add_argument("--worker-id", default=None, help="default: host-pid-random")
        parser.add_argument(
            "--import",
            dest="imports",
            action="append",
            default=[],
            help="a further module declaring tasks or jobs (repeatable)",
        )
        parser.add_argument("--max-tasks", type=_count, default=None, help="stop after N tasks")
        parser.add_argument(
            "--batch", action="store_true", help="stop when no task is ready (after the jobs)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._configure_logging(options["verbosity"])
        for module in options["imports"]:
            try:
                importlib.import_module(module)
            except ImportError as exc:
                raise CommandError(f"cannot import {module}: {exc}") from None
        registry = discover()
        jobs_opt = options["jobs"].strip()
        jobs: set[str] | None
        if jobs_opt == "*":
            jobs = None
        else:
            jobs = {name.strip() for name in jobs_opt.split(",") if name.strip()}
            unknown = sorted(jobs - set(registry))
            if unknown:
                raise CommandError(f"no scheduled job named {', '.join(unknown)}")
        worker_id = options["worker_id"]
        if worker_id is not None and not 0 < len(worker_id) <= 64:
            raise CommandError("--worker-id must have 1 to 64 characters")
        try:
            worker = Worker(
                worker_id=worker_id,
                queues=[q.strip() for q in options["queues"].split(",") if q.strip()],
                interval=options["interval"],
                heartbeat=options["heartbeat"],
                stale_after=options["stale_after"],
                jobs=jobs,
                run_jobs=jobs is None or bool(jobs),
                max_tasks=options["max_tasks"],
                batch=options["batch"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None

        def stop(signum: int, frame: FrameType | None) -> None:
            if worker.stopping.is_set():
                logger.warning("%s again: stopping now", signal.strsignal(signum))
                raise SystemExit(1)
            logger.warning(
                "%s: stopping after the current task (again to stop now)",
                signal.strsignal(signum),
            )
            worker.stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        worker.run()

    def _configure_logging(self, verbosity: int) -> None:
        level = {0: logging.ERROR, 1: logging.INFO}.get(verbosity, logging.DEBUG)
        for name in ("shishi.jobs", "django_tasks", "django_tasks_db"):
            log = logging.getLogger(name)
            log.setLevel(level)
            if not log.handlers:
                handler = logging.StreamHandler(sys.stdout)
                handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
                log.addHandler(handler)
                log.propagate = False
