"""Callers of the API: a bearer-token client, and a browser session that passed two-factor."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from safehold.access.models import User
from safehold.access.services import issue_token


@dataclass
class Api:
    client: Client
    headers: dict[str, str]

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers)

    def post(self, path: str, body: Any) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body, default=str)
        return self.client.post(
            f"/api/v1{path}", data, content_type="application/json", headers=self.headers
        )

    def patch(self, path: str, body: Any, if_match: str = "*") -> Any:
        # A PATCH must send If-Match (428 without it); "*" where a test is about something else.
        return self.client.patch(
            f"/api/v1{path}",
            json.dumps(body, default=str),
            content_type="application/json",
            headers={**self.headers, "If-Match": if_match},
        )


def token_api(user: User) -> Api:
    _token, raw = issue_token(user, "tests")
    return Api(Client(), {"Authorization": f"Bearer {raw}"})


def session_api(user: User, *, verified: bool = True, csrf: bool = False) -> Api:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    if verified:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        session = client.session
        # What django_otp.login() stores once the second factor is checked.
        session["otp_device_id"] = device.persistent_id
        session.save()
    return Api(client, {})
