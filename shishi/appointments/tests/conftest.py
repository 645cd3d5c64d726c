"""Fixtures of the appointment services' tests: the local fake SMS gateway (as the demands
tests use it)."""

from shishi.demands.tests.fake_sms import gateway  # noqa: F401
