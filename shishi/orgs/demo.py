"""Demo organisations: Harbin with three districts, their units, and one login per role."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shishi.orgs import services
from shishi.orgs.models import Jurisdiction, Role, User

DEMO_PASSWORD = "shishi-demo"  # printed by `make demo`; demo databases only

CITY = ("230100", "哈尔滨市")
DISTRICTS = (("230103", "南岗区"), ("230111", "呼兰区"), ("230113", "双城区"))


@dataclass(frozen=True)
class DemoLogin:
    username: str
    display_name: str
    role: str
    district: str | None  # division code; None for the city
    unit: str | None = None
    person: str | None = None  # the sponsor leader this login is


DEMO_LOGINS = (
    DemoLogin("admin", "系统管理员", "superuser", None),
    DemoLogin("city", "市专班 王敏", Role.CITY_OFFICE, None),
    DemoLogin("nangang", "南岗区专班 李强", Role.PROGRAMME_OFFICE, "230103"),
    DemoLogin("hulan", "呼兰区专班 赵静", Role.PROGRAMME_OFFICE, "230111"),
    DemoLogin("shuangcheng", "双城区专班 孙伟", Role.PROGRAMME_OFFICE, "230113"),
    DemoLogin("chengguan", "南岗区城管局 周斌", Role.UNIT_EDITOR, "230103", unit="区城管局"),
    DemoLogin(
        "chengguan-head", "南岗区城管局 局长 何军", Role.UNIT_HEAD, "230103", unit="区城管局"
    ),
    DemoLogin("zhujian", "南岗区住建局 吴丽", Role.UNIT_EDITOR, "230103", unit="区住建局"),
    DemoLogin("zhujian-head", "南岗区住建局 局长 孟涛", Role.UNIT_HEAD, "230103", unit="区住建局"),
    DemoLogin("viewer", "南岗区教育局 郑洁", Role.UNIT_VIEWER, "230103", unit="区教育局"),
    # <h19-demo> a party committee's editor: enters study activities for it and its branches
    DemoLogin(
        "dangwei", "南岗区花园街道党工委 宋佳", Role.UNIT_EDITOR, "230103", unit="花园街道党工委"
    ),
    DemoLogin("leader", "南岗区常务副区长", Role.SPONSOR_LEADER, "230103", person="常务副区长"),
    DemoLogin("hulan-renshe", "呼兰区人社局 马丽娜", Role.UNIT_EDITOR, "230111", unit="区人社局"),
    DemoLogin("hulan-zhujian", "呼兰区住建局 高峰", Role.UNIT_EDITOR, "230111", unit="区住建局"),
    DemoLogin("hulan-jiaoyu", "呼兰区教育局 韩雪", Role.UNIT_EDITOR, "230111", unit="区教育局"),
    DemoLogin(
        "hulan-leader", "呼兰区副区长(民生)", Role.SPONSOR_LEADER, "230111", person="副区长(民生)"
    ),
    DemoLogin(
        "shuangcheng-shuiwu", "双城区水务局 杨帆", Role.UNIT_EDITOR, "230113", unit="区水务局"
    ),
    DemoLogin("inspector", "巡回指导组 陈刚", Role.INSPECTOR, "230103"),
    DemoLogin("hulan-inspector", "呼兰区巡回指导组 刘洋", Role.INSPECTOR, "230111"),
    DemoLogin("operator", "接线员 刘芳", Role.OPERATOR, "230103"),
    # 三员分立: the security and audit administrators (the admin account above is the
    # superuser of the demo; a production system gives the system administrator that role).
    DemoLogin("security", "安全管理员 何平", Role.SECURITY_ADMIN, None),
    DemoLogin("auditor", "审计管理员 钱进", Role.AUDIT_ADMIN, None),
)


# <h18-demo> The enterprise services' demo logins (issue 18; made by shishi.enterprise.demo):
# no role in orgs — an enterprise's contact (Contact.user) and a service station's staff
# (Station.staff) — so they are listed here with what they are, for the login hint.
@dataclass(frozen=True)
class EnterpriseLogin:
    username: str
    display_name: str
    role: str | Promise  # what the login is, as the hint names it


ENTERPRISE_LOGINS = (
    EnterpriseLogin("qiye", "北辰云启软件 联系人 赵雪", _("企业联系人")),
    EnterpriseLogin("yiqi", "学府路益企工作站 孙丽", _("益企工作站工作人员")),
)
# </h18-demo>


def role_label(login: DemoLogin) -> str:
    """The login's role as the login page names it."""
    if login.role == "superuser":
        return str(_("全部权限"))
    return str(Role(login.role).label)


def login_hint() -> list[tuple[str, str, str]]:
    """Every demo login with its name and role, for the login page's hint."""
    return [
        *((login.username, login.display_name, role_label(login)) for login in DEMO_LOGINS),
        # <h18-demo>
        *((login.username, login.display_name, str(login.role)) for login in ENTERPRISE_LOGINS),
    ]


def seed_jurisdictions() -> dict[str, Jurisdiction]:
    city = services.ensure_jurisdiction(code=CITY[0], name=CITY[1], level="city")
    out = {city.code: city}
    for code, name in DISTRICTS:
        out[code] = services.ensure_jurisdiction(
            code=code, name=name, level="district", parent=city
        )
    return out


def seed_logins(jurisdictions: dict[str, Jurisdiction]) -> list[tuple[DemoLogin, User]]:
    """One login per role; units and leaders they belong to are created if missing."""
    out = []
    password_hash = make_password(DEMO_PASSWORD)  # one hash for all: it costs half a second
    for login in DEMO_LOGINS:
        if login.role == "superuser":
            user = User.objects.filter(username=login.username).first()
            if user is None:
                user = User.objects.create_superuser(
                    login.username, password=DEMO_PASSWORD, display_name=login.display_name
                )
            out.append((login, user))
            continue
        user = services.ensure_user(
            login.username, password_hash=password_hash, display_name=login.display_name
        )
        where = jurisdictions[login.district or CITY[0]]
        unit = services.ensure_unit(where, login.unit, kind="bureau") if login.unit else None
        services.grant_role(user, login.role, where, unit=unit)
        if login.person:
            person = services.ensure_person(where, login.person)
            services.link_person_to_user(person, user)
        out.append((login, user))
    return out
