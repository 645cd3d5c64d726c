"""Factories for ledger tests: build only what a test needs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory

from shishi.ledger.models import Category, Item, Lifecycle, Programme, ProgressUpdate
from shishi.orgs.tests.factories import JurisdictionFactory, UnitFactory


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("jurisdiction", "year")

    jurisdiction = factory.SubFactory(JurisdictionFactory)
    year = 2021
    name = factory.LazyAttribute(lambda o: f"{o.jurisdiction.name}{o.year}年实事清单")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("programme", "name")

    programme = factory.SubFactory(ProgrammeFactory)
    jurisdiction = factory.SelfAttribute("programme.jurisdiction")
    name = factory.Sequence(lambda n: f"类别{n}")
    order = factory.Sequence(lambda n: n)


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    programme = factory.SubFactory(ProgrammeFactory)
    jurisdiction = factory.SelfAttribute("programme.jurisdiction")
    category = factory.SubFactory(CategoryFactory, programme=factory.SelfAttribute("..programme"))
    number = factory.Sequence(lambda n: f"T-{n}")
    seq = factory.Sequence(lambda n: n)
    name = factory.Sequence(lambda n: f"实事{n}")
    lead_unit = factory.SubFactory(
        UnitFactory, jurisdiction=factory.SelfAttribute("..jurisdiction")
    )
    deadline_text = "2021年12月底前"
    completion_rate = Decimal(0)
    lifecycle = Lifecycle.NOT_STARTED

    due_date = dt.date(2021, 12, 31)


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    item = factory.SubFactory(ItemFactory)
    jurisdiction = factory.SelfAttribute("item.jurisdiction")
    reported_on = factory.Faker("date_this_year")
    rate = Decimal(10)
    text = "按计划推进"
