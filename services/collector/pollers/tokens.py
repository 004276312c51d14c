"""Access tokens that renew themselves, and the small per-connector state files that keep them.

Facts relied on (PLATFORMS.md, Field notes, "Tokens expire"; checked 2026-12):

- TikTok user access tokens live 2 hours (the token answer's ``expires_in``), refresh tokens
  180 days (``refresh_expires_in``); a refresh is ``POST https://open.tiktokapis.com/v2/oauth/
  token/`` form-encoded with ``client_key``, ``client_secret``, ``grant_type=refresh_token``,
  ``refresh_token``, and it *rotates* the refresh token: the one sent stops working once the new
  one is issued, so the new one is written down after every use
  (developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token).
- LinkedIn member tokens last 60 days; programmatic refresh (``grant_type=refresh_token`` at
  ``https://www.linkedin.com/oauth/v2/accessToken``) is for approved partners only, so it is
  used only where a refresh token is configured.

The state of a connector's token is one JSON file, ``<state dir>/<connector>-token.json``,
written atomically with owner-only permissions (0600). The first refresh token comes from the
environment; the later ones from the file. The file remembers a fingerprint of the environment's
refresh token it started from, so a refresh token set anew (after authorising the app again)
wins over the one the file holds. Secrets never reach a log, a status, an exception or a repr.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from services.collector.mapping import parse_time
from services.collector.pollers.limits import PollError, Stopped
from services.collector.pollers.schedule import iso

log = logging.getLogger("sada.collector.pollers")

# Renew this long before the access token's announced expiry.
RENEW_MARGIN = timedelta(minutes=5)


class StateFile:
    """A small JSON file only its owner may read, replaced atomically."""

    def __init__(self, path: Path):
        self.path = path

    def read(self) -> dict[str, Any]:
        try:
            loaded = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("state file %s is unreadable (%s); starting from the settings", self.path.name, exc)
            return {}
        return loaded if isinstance(loaded, dict) else {}

    def write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.fchmod(descriptor, 0o600)  # an older temporary file may have kept wider bits
            with os.fdopen(descriptor, "w", encoding="utf-8") as sink:
                json.dump(data, sink, separators=(",", ":"))
                sink.flush()
                os.fsync(sink.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                temporary.unlink()
            raise
        os.replace(temporary, self.path)


def fingerprint(secret: str) -> str:
    """Which secret a state started from, without keeping the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16] if secret else ""


@dataclass(repr=False)
class Grant:
    """What a token answer gave: the secrets stay :class:`SecretStr`."""

    access: SecretStr
    expires_at: datetime | None = None
    refresh: SecretStr = field(default_factory=lambda: SecretStr(""))
    refresh_expires_at: datetime | None = None

    def __repr__(self) -> str:
        return f"Grant(expires_at={self.expires_at and iso(self.expires_at)})"


# A token answer read: the grant, else raises (Stopped when a person must authorise again).
Exchange = Callable[[str], Awaitable[Grant]]

_locks: dict[tuple[str, int], asyncio.Lock] = {}


def _lock(path: Path) -> asyncio.Lock:
    """One refresh at a time per token file (in this event loop): pollers of several events
    share the connector's token, and a rotated refresh token works only once."""
    key = (str(path), id(asyncio.get_running_loop()))
    return _locks.setdefault(key, asyncio.Lock())


def latest_access(path: Path, access: str, refresh: str) -> str:
    """The access token a connector sends now, for a reader that does not renew it (the export
    import): the one renewed from ``refresh`` and kept in ``path``, else ``access``."""
    stored = StateFile(path).read()
    if stored.get("seed") == fingerprint(refresh) and stored.get("access_token"):
        return str(stored["access_token"])
    return access


class Renewal:
    """A connector's access token, renewed with its refresh token before it expires and when
    the platform refuses it.

    ``exchange(refresh_token)`` performs the platform's refresh call. ``remedy`` says which
    variables a person sets when the refresh token itself is refused."""

    def __init__(
        self,
        connector: str,
        path: Path,
        access: str,
        refresh: str,
        exchange: Exchange,
        clock: Callable[[], datetime],
    ):
        self.connector = connector
        self.file = StateFile(path)
        self.exchange = exchange
        self.clock = clock
        self._seed = fingerprint(refresh)
        self.grant = self._load(access, refresh)

    def __repr__(self) -> str:
        return f"Renewal({self.connector}, {self.grant!r})"

    def _load(self, access: str, refresh: str) -> Grant:
        stored = self.file.read()
        if stored.get("seed") == self._seed and stored.get("refresh_token"):
            return Grant(
                SecretStr(str(stored.get("access_token") or "")),
                parse_time(stored.get("expires_at")),
                SecretStr(str(stored["refresh_token"])),
                parse_time(stored.get("refresh_expires_at")),
            )
        return Grant(SecretStr(access), None, SecretStr(refresh))

    @property
    def renewable(self) -> bool:
        return bool(self.grant.refresh.get_secret_value())

    def due(self) -> bool:
        """No access token, or one that expires within :data:`RENEW_MARGIN`."""
        if not self.grant.access.get_secret_value():
            return True
        expires = self.grant.expires_at
        return expires is not None and self.clock() >= expires - RENEW_MARGIN

    async def token(self) -> str:
        """The access token to send, renewed first when it is about to expire."""
        if self.renewable and self.due():
            await self.renew(self.grant.access.get_secret_value())
        return self.grant.access.get_secret_value()

    async def renew(self, refused: str) -> str:
        """A new access token, unless another poller renewed ``refused`` meanwhile."""
        if not self.renewable:
            raise PollError(f"the {self.connector} access token was refused and no refresh token is set")
        async with _lock(self.file.path):
            self.grant = self._load(
                self.grant.access.get_secret_value(), self.grant.refresh.get_secret_value()
            )
            current = self.grant.access.get_secret_value()
            if current and current != refused and not self.due():
                return current  # renewed by another poller of this connector
            grant = await self.exchange(self.grant.refresh.get_secret_value())
            if not grant.refresh.get_secret_value():
                grant.refresh = self.grant.refresh  # the platform kept the refresh token
            self.grant = grant
            self.save()
            log.info(
                "%s access token renewed; valid until %s",
                self.connector,
                iso(grant.expires_at) if grant.expires_at else "unknown",
            )
            return grant.access.get_secret_value()

    def save(self) -> None:
        grant = self.grant
        self.file.write(
            {
                "connector": self.connector,
                "seed": self._seed,
                "access_token": grant.access.get_secret_value(),
                "expires_at": iso(grant.expires_at) if grant.expires_at else None,
                "refresh_token": grant.refresh.get_secret_value(),
                "refresh_expires_at": iso(grant.refresh_expires_at) if grant.refresh_expires_at else None,
                "renewed_at": iso(self.clock()),
            }
        )


def read_grant(body: object, now: datetime, connector: str, remedy: str) -> Grant:
    """An OAuth 2 token answer (TikTok's and LinkedIn's share these names) as a :class:`Grant`;
    an ``invalid_grant`` (refresh token expired or revoked) is a stop a person must lift."""
    answer = body if isinstance(body, dict) else {}
    access = answer.get("access_token")
    if isinstance(access, str) and access:

        def after(seconds: object) -> datetime | None:
            if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds > 0:
                return now + timedelta(seconds=seconds)
            return None

        refresh = answer.get("refresh_token")
        return Grant(
            SecretStr(access),
            after(answer.get("expires_in")),
            SecretStr(refresh if isinstance(refresh, str) else ""),
            after(answer.get("refresh_expires_in") or answer.get("refresh_token_expires_in")),
        )
    error = answer.get("error")
    code = error.get("code") if isinstance(error, dict) else error
    described = answer.get("error_description") or (error.get("message") if isinstance(error, dict) else "")
    if code in ("invalid_grant", "invalid_client", "unauthorized_client"):
        raise Stopped(f"the {connector} refresh token was refused ({code})", remedy)
    reason = f"{code or 'no access_token'} {described or ''}".strip()
    raise PollError(f"the {connector} token refresh failed: {reason}")
