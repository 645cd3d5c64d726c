"""Which recorded keys of the orgs app's audit events are columns of their rows
(``core.replay``). An e-mail address is recorded masked: it is not compared."""

from shishi.core import replay

replay.register("orgs.jurisdiction", ("code", "name"))
replay.register("orgs.unit", ("name", "kind"))
replay.register("orgs.person", {"name": "name", "user": "user_id"})
replay.register("orgs.user", ("username",))
replay.register("orgs.membership", {"role": "role", "unit": "unit_id"})
