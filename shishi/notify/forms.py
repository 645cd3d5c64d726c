"""Forms of the notify pages; the services validate again and name their fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from shishi.core.forms import ServiceErrorsMixin
from shishi.notify.kinds import KINDS, Kind
from shishi.notify.models import PERSONAL_CHANNELS, ROBOT_CHANNELS, Channel, Contact, Status
from shishi.notify.selectors import LogFilters


def channel_field(kind: Kind) -> str:
    return f"ch_{kind.name}"


class PreferencesForm(ServiceErrorsMixin, forms.Form):
    phone = forms.CharField(
        label=_("手机号码"),
        required=False,
        max_length=20,
        help_text=_("用于接收短信，加密保存；留空则保留已保存的号码"),
    )
    remove_phone = forms.BooleanField(label=_("删除已保存的手机号码"), required=False)
    email = forms.CharField(
        label=_("电子邮箱"),
        required=False,
        max_length=254,
        help_text=_("用于接收邮件；不填则不发邮件"),
    )
    quiet_start = forms.TimeField(
        label=_("免打扰开始"), required=False, widget=forms.TimeInput({"type": "time"}, "%H:%M")
    )
    quiet_end = forms.TimeField(
        label=_("免打扰结束"), required=False, widget=forms.TimeInput({"type": "time"}, "%H:%M")
    )
    email_digest = forms.ChoiceField(label=_("邮件"), choices=Contact.Digest.choices)
    language = forms.ChoiceField(label=_("消息语言"), choices=settings.LANGUAGES)

    def __init__(self, *args: Any, kinds: list[Kind], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        choices = [(c.value, c.label) for c in PERSONAL_CHANNELS]
        for kind in kinds:
            self.fields[channel_field(kind)] = forms.MultipleChoiceField(
                label=str(kind.label),
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )

    def kind_fields(self) -> list[tuple[Kind, forms.BoundField]]:
        """Each kind with its channels' field, in the kinds' order (the page's table)."""
        return [(k, self[channel_field(k)]) for k in self.kinds]

    def channels(self) -> dict[str, list[str]]:
        return {k.name: list(self.cleaned_data.get(channel_field(k)) or []) for k in self.kinds}

    def add_service_errors(self, errors: dict[str, str], message: str) -> None:
        renamed = {
            (f"ch_{key.removeprefix('channels:')}" if key.startswith("channels:") else key): text
            for key, text in errors.items()
        }
        super().add_service_errors(renamed, message)


class HookForm(ServiceErrorsMixin, forms.Form):
    target = forms.ChoiceField(label=_("所属"))
    kind = forms.ChoiceField(label=_("类型"), choices=[(c.value, c.label) for c in ROBOT_CHANNELS])
    name = forms.CharField(label=_("名称"), max_length=100)
    url = forms.CharField(label=_("Webhook地址"), max_length=1000)
    secret = forms.CharField(
        label=_("加签密钥"),
        required=False,
        max_length=200,
        help_text=_("钉钉机器人的加签密钥（SEC开头），没有可留空"),
    )

    def __init__(self, *args: Any, targets: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["target"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = targets


class HookEditForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    active = forms.BooleanField(label=_("启用"), required=False)
    url = forms.CharField(label=_("新的Webhook地址"), required=False, max_length=1000)
    secret = forms.CharField(label=_("新的加签密钥"), required=False, max_length=200)


class LogQueryForm(forms.Form):
    """The log's filters; bad values are dropped, never an error page."""

    channel = forms.ChoiceField(required=False, choices=[("", ""), *list(Channel.choices)])
    status = forms.CharField(required=False, max_length=16)
    kind = forms.CharField(required=False, max_length=64)
    since = forms.DateField(required=False)
    until = forms.DateField(required=False)


def parse_log_query(data: QueryDict) -> tuple[LogFilters, str]:
    form = LogQueryForm(data)
    form.is_valid()
    c = form.cleaned_data
    status = c.get("status") or ""
    kind = c.get("kind") or ""
    filters = LogFilters(
        channel=c.get("channel") or "",
        status=status if status in Status.values else "",
        kind=kind if kind in KINDS else "",
        since=c.get("since"),
        until=c.get("until"),
    )
    return filters, str(data.get("page") or "1")[:12]
