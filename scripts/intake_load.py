"""Prepare a load run of the public demand form with already verified phones (the issue's
"public intake ≥ 200 requests/s"): sessions verified for 1,000 phones, and a wrk script
that files a demand with one of them from a random 127.0.0.0/8 address (passed in
X-Forwarded-For, the server trusting one proxy, so the per-client limits count as in life).

    export DATABASE_URL=postgres://…            # a throwaway database, migrated
    .venv/bin/shishi migrate
    .venv/bin/shishi shell < scripts/intake_load.py          # writes /tmp/intake_load.lua
    SHISHI_TRUSTED_PROXIES=1 SHISHI_RATE_DEMAND_SUBMIT_PHONE=off DEBUG=false \
      .venv/bin/gunicorn shishi.wsgi:application --bind 127.0.0.1:8000 \
      --workers 2 --worker-class gthread --threads 4 --keep-alive 30 &
    wrk -t2 -c16 -d30s -s /tmp/intake_load.lua http://127.0.0.1:8000

The per-phone limit is switched off for the run (1,000 phones at 200/s would pass 10 an
hour in seconds); the per-client limits stay on (addresses are drawn from 16 million).
"""

import datetime as dt
import secrets

from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from shishi.core.fields import PersonalNumber
from shishi.demands import intake
from shishi.demands.models import Category
from shishi.orgs import services as org_services

PHONES = 1000
city = org_services.ensure_jurisdiction(code="230100", name="哈尔滨市", level="city")
nangang = org_services.ensure_jurisdiction(
    code="230103", name="南岗区", level="district", parent=city
)
category, _ = Category.objects.get_or_create(
    jurisdiction=nangang, code="road", defaults={"name": "道路"}
)
rows = []
later = timezone.now() + dt.timedelta(hours=2)
for n in range(PHONES):
    number = PersonalNumber.of("phone", f"139{n:08d}")
    session = SessionStore()
    session[intake.SESSION_KEY] = {"hash": number.lookup_hash(), "until": later.timestamp()}
    session.create()
    csrf = secrets.token_hex(16)  # a 32-character secret: Django takes it unmasked
    rows.append(f'{{"{session.session_key}","{csrf}","139{n:08d}"}}')

LUA = (
    "local sessions = {" + ",".join(rows) + "}\n"
    f'local category = "{category.pk}"\n'
    + """request = function()
  local s = sessions[math.random(#sessions)]
  local body = "csrfmiddlewaretoken=" .. s[2] .. "&action=submit&kind=help&category=" ..
    category .. "&description=%E8%B7%AF%E9%9D%A2%E5%A1%8C%E9%99%B7%E4%B8%80" ..
    "%E4%B8%AA%E5%A4%A7%E5%9D%91&address=test&phone=" .. s[3]
  local ip = "127." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." ..
    math.random(1, 254)
  return wrk.format("POST", "/public/demands/230103/new/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = "sessionid=" .. s[1] .. "; csrftoken=" .. s[2],
    ["X-Forwarded-For"] = ip,
  }, body)
end
"""
)
with open("/tmp/intake_load.lua", "w") as out:
    out.write(LUA)
print(f"{PHONES} verified sessions; wrote /tmp/intake_load.lua")
