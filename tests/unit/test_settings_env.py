"""The grouped platform settings still read the variables deployments and docs name."""

from pydantic import SecretStr

from shared.settings import Settings, revealed

ENV = {
    "SADA_X_TOKEN": "x-token",
    "SADA_X_BASE_URL": "http://x.test/2",
    "SADA_X_CONSUMER_SECRET": "x-secret",
    "SADA_YOUTUBE_TOKEN": "yt",
    "SADA_FACEBOOK_PAGES": "page-a, page-b",
    "SADA_INSTAGRAM_USER_ID": "1789",
    "SADA_LINKEDIN_VERSION": "202401",
    "SADA_LINKEDIN_CLIENT_SECRET": "li-secret",
    "SADA_TIKTOK_CLIENT_SECRET": "tt-secret",
    "SADA_META_APP_SECRET": "meta-secret",
    "SADA_META_VERIFY_TOKEN": "meta-verify",
    "SADA_WEBHOOK_TOLERANCE_S": "42",
    "SADA_PRESS_OUTLETS": "/srv/outlets.toml",
    "SADA_POLL_EVENTS": "a-2026,b-2026",
    "SADA_POLL_STATE_DIR": "/srv/pollers",
    "SADA_POLL_INTERVAL_S": "5",
    "SADA_POLL_TIMEOUT_S": "7",
    "SADA_POLL_RETRIES": "2",
    "SADA_POLL_BACKOFF_INITIAL_S": "1",
    "SADA_POLL_BACKOFF_MAX_S": "60",
    "SADA_POLL_MAX_WAIT_S": "30",
    "SADA_INGEST_TOKENS": "one,two",
}


def test_platform_groups_read_the_same_variables(monkeypatch):
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert (settings.x.base_url, revealed(settings.x.token)) == ("http://x.test/2", "x-token")
    assert revealed(settings.x.consumer_secret) == "x-secret"
    assert settings.youtube.enabled() and not settings.tiktok.enabled() and settings.press.enabled()
    assert settings.facebook.pages == ["page-a", "page-b"]
    assert settings.instagram.user_id == "1789"
    assert settings.linkedin.version == "202401"
    assert revealed(settings.linkedin.client_secret) == "li-secret"
    assert revealed(settings.tiktok.client_secret) == "tt-secret"
    assert revealed(settings.meta.app_secret) == "meta-secret"
    assert revealed(settings.meta.verify_token) == "meta-verify"
    assert settings.webhooks.tolerance_s == 42
    assert str(settings.press.outlets) == "/srv/outlets.toml"
    polling = settings.polling
    assert polling.events == ["a-2026", "b-2026"] and str(polling.state_dir) == "/srv/pollers"
    assert (polling.interval_s, polling.timeout_s, polling.retries) == (5, 7, 2)
    assert (polling.backoff_initial_s, polling.backoff_max_s, polling.max_wait_s) == (1, 60, 30)
    assert [token.get_secret_value() for token in settings.ingest_tokens] == ["one", "two"]


def test_defaults_and_the_variables_messages_name(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.x.base_url == "https://api.x.com/2" and not settings.x.enabled()
    assert settings.linkedin.version == "202607" and settings.polling.interval_s == 60
    assert settings.x.switch() == "SADA_X_TOKEN" and settings.press.switch() == "SADA_PRESS_OUTLETS"
    assert settings.meta.env("app_secret") == "SADA_META_APP_SECRET"
    assert revealed(None) == "" and revealed(SecretStr("s")) == "s"


def test_token_renewal_variables(monkeypatch):
    """TikTok runs on a refresh token alone (client key and secret with it); LinkedIn reads its
    refresh settings under its own prefix."""
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SADA_TIKTOK_CLIENT_KEY", "tt-client")
    monkeypatch.setenv("SADA_TIKTOK_CLIENT_SECRET", "tt-secret")
    assert not Settings().tiktok.enabled()  # no token, no refresh token
    monkeypatch.setenv("SADA_TIKTOK_REFRESH_TOKEN", "rft")
    monkeypatch.setenv("SADA_LINKEDIN_CLIENT_ID", "li-client")
    monkeypatch.setenv("SADA_LINKEDIN_REFRESH_TOKEN", "li-rft")
    settings = Settings()
    assert settings.tiktok.enabled() and settings.tiktok.renewable()
    assert settings.linkedin.client_id == "li-client"
    assert revealed(settings.linkedin.refresh_token) == "li-rft"
    assert "rft" not in repr(settings.tiktok) and "li-rft" not in repr(settings.linkedin)
