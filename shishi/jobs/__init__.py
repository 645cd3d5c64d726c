"""Background work: tasks, retries, idempotent side effects, scheduled jobs, the worker.

Tasks are Django's tasks API (the ``django-tasks`` package) on the database backend
(``django-tasks-db``); ``shishi worker`` runs them (``shishi.jobs.worker``). What the
backend lacks is here. The API other apps use:

**Declare a task** in ``<app>/tasks.py`` (the worker imports those modules)::

    from django_tasks import task
    from shishi.jobs.retries import PermanentError, retrying

    @task()                                   # queue_name="sms", priority=... as usual
    @retrying(5, backoff=30, max_backoff=3600)  # optional: up to 5 runs, 30 s, 60 s, 120 s…
    def send_sms(delivery_id: int) -> None:
        ...
        raise PermanentError("号码无效")      # fails at once, whatever attempts are left

Without ``@retrying`` a task that raises fails at once. A task whose worker died is run
again (up to three attempts, or its ``max_attempts`` if more) whatever its policy.

**Enqueue** with the tasks API: ``send_sms.enqueue(delivery_id)``, or later with
``send_sms.using(run_after=when).enqueue(...)``. On the database backend the task is a row
written in the caller's transaction: enqueued inside a service's ``transaction.atomic()``
it exists if and only if the service's writes commit. Arguments must be JSON (ids, not
model instances).

**Guard each side effect** with an idempotency key (``shishi.jobs.effects``)::

    from shishi.jobs.effects import once

    with once(f"sms-sent:{delivery_id}") as first:
        if first:
            ...  # the database write; it commits with the key or not at all

**Schedule a job** (``shishi.jobs.schedule``), also in ``<app>/tasks.py``::

    from shishi.jobs.schedule import scheduled

    @scheduled("notify.digest", "0 8 * * *", description=_("每天早上发送邮件摘要"))
    def send_digests(slot: datetime) -> None: ...

The rule is five-field cron in Asia/Shanghai time; the job gets its slot (an aware
datetime in Asia/Shanghai), runs once per slot across workers and restarts, and after
downtime only the last missed slot runs (``shishi.jobs.scheduler``).

**Run pending work in-process** (tests, scripts): ``shishi.jobs.worker.run_ready_tasks()``
runs the ready tasks one by one and returns how many ran (``now=`` a later time to run
those waiting for a retry); ``shishi.jobs.worker.run_due_jobs(now=..., names=[...])`` runs
the due jobs and returns their ``JobRun`` rows.

The office watches it all on ``/jobs/`` (``views.office``); ``docs/operations.md`` tells how
to run the worker (systemd units, options).
"""
