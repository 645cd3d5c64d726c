"""Forms of the account pages: login, password change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shishi.core.forms import ServiceErrorsMixin
from shishi.core.throttle import Lock, lock_of


class LoginForm(AuthenticationForm):
    """Django's login form; a login refused by the throttle says when to try again."""

    lock: Lock | None = None
    # As long as a new password may be (PasswordChangeForm): no megabyte is ever hashed.
    password = forms.CharField(
        label=gettext_lazy("密码"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError:
            self.lock = lock_of(self.request)
            if self.lock is not None:
                message = _("登录失败次数过多，请在%(minutes)d分钟后再试。") % {
                    "minutes": self.lock.minutes_left()
                }
                raise ValidationError(message, code="throttled") from None
            raise


class PasswordChangeForm(ServiceErrorsMixin, forms.Form):
    old_password = forms.CharField(
        label=gettext_lazy("原密码"), strip=False, max_length=128, widget=forms.PasswordInput
    )
    new_password = forms.CharField(
        label=gettext_lazy("新密码"), strip=False, max_length=128, widget=forms.PasswordInput
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("再次输入新密码"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password2") != data.get("new_password"):
            self.add_error("new_password2", _("两次输入的新密码不一致"))
        return data
