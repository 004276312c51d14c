"""Token state files and the renewal rules, alone (the platforms' answers: the pollers' pipeline
tests against their stand-ins)."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from services.collector.pollers.limits import PollError, Stopped
from services.collector.pollers.tokens import Grant, Renewal, StateFile, read_grant
from services.collector.pollers.x import snowflake_time

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_state_file_is_owner_only_even_over_a_wider_one(tmp_path):
    path = tmp_path / "tiktok-token.json"
    path.write_text("{}")
    os.chmod(path, 0o644)
    stale = tmp_path / ".tiktok-token.json.tmp"
    stale.write_text("left over")
    os.chmod(stale, 0o666)
    StateFile(path).write({"refresh_token": "r1"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"refresh_token": "r1"} and not stale.exists()


def renewal(tmp_path, refresh: str, answers: list[Grant], clock=lambda: NOW) -> tuple[Renewal, list[str]]:
    sent: list[str] = []

    async def exchange(token: str) -> Grant:
        sent.append(token)
        return answers.pop(0)

    return Renewal("tiktok", tmp_path / "tiktok-token.json", "env-access", refresh, exchange, clock), sent


def grant(n: int) -> Grant:
    return Grant(SecretStr(f"act-{n}"), NOW + timedelta(hours=2), SecretStr(f"rft-{n}"))


def test_the_file_wins_over_the_environment_until_a_new_refresh_token_is_set(tmp_path):
    first, sent = renewal(tmp_path, "rft-env", [grant(1)])
    assert asyncio.run(first.renew("env-access")) == "act-1" and sent == ["rft-env"]
    # a restart with the same environment: the rotated token of the file is used
    again, sent = renewal(tmp_path, "rft-env", [grant(2)], clock=lambda: NOW + timedelta(hours=2))
    assert asyncio.run(again.token()) == "act-2" and sent == ["rft-1"]
    # the app authorised again, a new refresh token in the environment: it wins
    fresh, sent = renewal(tmp_path, "rft-new", [grant(3)])
    assert asyncio.run(fresh.renew("env-access")) == "act-3" and sent == ["rft-new"]
    assert json.loads((tmp_path / "tiktok-token.json").read_text())["refresh_token"] == "rft-3"


def test_a_token_renewed_by_another_poller_is_not_renewed_again(tmp_path):
    one, sent_one = renewal(tmp_path, "rft-env", [grant(1)])
    two, sent_two = renewal(tmp_path, "rft-env", [grant(9)])
    asyncio.run(one.renew("env-access"))
    assert asyncio.run(two.renew("env-access")) == "act-1" and sent_two == []  # read from the file


def test_secrets_stay_out_of_reprs_and_messages(tmp_path):
    held, _ = renewal(tmp_path, "rft-env", [grant(1)])
    asyncio.run(held.renew("env-access"))
    assert "act-1" not in repr(held) and "rft" not in repr(held)
    with pytest.raises(Stopped) as stopped:
        read_grant({"error": "invalid_grant", "error_description": "bad"}, NOW, "TikTok", "set X")
    assert stopped.value.remedy == "set X" and "invalid_grant" in stopped.value.why
    with pytest.raises(PollError, match="server_error"):
        read_grant({"error": "server_error"}, NOW, "TikTok", "set X")
    answer = {"access_token": "act-secret", "expires_in": 7200, "refresh_token": "rft-secret"}
    got = read_grant(answer, NOW, "TikTok", "")
    assert got.expires_at == NOW + timedelta(hours=2) and "secret" not in repr(got) + str(got)


def test_without_a_refresh_token_nothing_is_renewed(tmp_path):
    held, sent = renewal(tmp_path, "", [])
    assert asyncio.run(held.token()) == "env-access"
    with pytest.raises(PollError, match="no refresh token"):
        asyncio.run(held.renew("env-access"))
    assert sent == []


def test_snowflake_time():
    # 1288834974657 ms is X's epoch: the id's time is (id >> 22) ms after it
    moment = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    post_id = (int(moment.timestamp() * 1000) - 1288834974657) << 22 | 123
    assert snowflake_time(str(post_id)) == moment
    assert snowflake_time("abc") is None and snowflake_time(None) is None
