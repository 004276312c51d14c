"""The one settings object, read from ``SADA_*`` environment variables.

It is built once at the edge (the command line, a test fixture) and passed to
every service; nothing reads the environment behind its back.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of sada. Defaults give a working local mode."""

    model_config = SettingsConfigDict(env_prefix="SADA_", extra="ignore")

    # Where local mode keeps its embedded ClickHouse.
    data_dir: Path = Path(".sada")

    # Kafka. Empty bootstrap = local mode starts its own broker (port 0 = a free one).
    kafka_bootstrap: str = ""
    local_broker_port: int = 0
    kafka_partitions: int = Field(3, ge=1)
    kafka_replication_factor: int = Field(1, ge=1)  # for topics sada creates; a cluster wants 3
    kafka_topic_prefix: str = "sada."
    kafka_linger_ms: int = 5
    kafka_request_timeout_ms: int = 5_000
    kafka_delivery_timeout_ms: int = 10_000
    kafka_max_block_ms: int = 5_000
    consumer_group: str = "sada-aggregator"
    consumer_session_timeout_ms: int = 6_000
    consumer_heartbeat_interval_ms: int = 2_000
    consumer_max_poll_records: int = 5_000

    # ClickHouse. Empty URL = embedded chDB under data_dir.
    clickhouse_url: str = ""
    clickhouse_database: str = "sada"

    # Collector HTTP. Port 0 = pick a free port.
    collector_host: str = "127.0.0.1"
    collector_port: int = 0
    ingest_tokens: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = 16 * 1024 * 1024
    produce_retry_after_s: int = 5

    # Platform webhooks (services/collector/webhooks.py). Unset = that platform's
    # webhook answers 503 naming the variable to set.
    meta_app_secret: SecretStr | None = None
    meta_verify_token: SecretStr | None = None
    x_consumer_secret: SecretStr | None = None
    linkedin_client_secret: SecretStr | None = None
    tiktok_client_secret: SecretStr | None = None
    # How far a TikTok-Signature timestamp may be from now (replay protection).
    webhook_tolerance_s: int = Field(300, ge=1)

    # Platform pollers (services/collector/pollers). A connector runs when its token is set
    # (press: when SADA_PRESS_OUTLETS is); base URLs are settings so a proxy or a test server
    # can stand in for the platform. Accounts and pages default to the registry's `accounts`.
    x_base_url: str = "https://api.x.com/2"
    x_token: SecretStr | None = None  # app bearer token
    youtube_base_url: str = "https://www.googleapis.com/youtube/v3"
    youtube_token: SecretStr | None = None  # API key
    facebook_base_url: str = "https://graph.facebook.com/v23.0"
    facebook_token: SecretStr | None = None  # Page access token
    facebook_pages: Annotated[list[str], NoDecode] = Field(default_factory=list)
    instagram_base_url: str = "https://graph.facebook.com/v23.0"
    instagram_token: SecretStr | None = None
    instagram_user_id: str = ""  # the professional account hashtag searches run as
    linkedin_base_url: str = "https://api.linkedin.com/rest"
    linkedin_token: SecretStr | None = None
    linkedin_version: str = "202507"  # the LinkedIn-Version header (YYYYMM)
    tiktok_base_url: str = "https://open.tiktokapis.com/v2"
    tiktok_token: SecretStr | None = None  # user access token (Display API)
    # Press: a TOML or JSON list of outlets (feed url, outlet name, country, language).
    press_outlets: Path | None = None
    # Which events the pollers collect for (empty = every registry event not long over).
    poll_events: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Checkpoints (cursors, known posts); empty = <data_dir>/pollers.
    poll_state_dir: Path | None = None
    poll_interval_s: float = Field(60.0, gt=0)  # how often a running poller wakes up
    poll_timeout_s: float = Field(30.0, gt=0)  # one HTTP request
    poll_retries: int = Field(3, ge=0)  # network errors and 5xx, per request
    poll_backoff_initial_s: float = Field(5.0, ge=0)  # 429 without a reset time, doubling
    poll_backoff_max_s: float = Field(900.0, ge=0)
    # A longer wait (a daily quota) ends the pass; the poller resumes after the reset.
    poll_max_wait_s: float = Field(900.0, ge=0)

    # Aggregator.
    aggregator_host: str = "127.0.0.1"
    aggregator_port: int = 0
    batch_max_records: int = 5_000
    batch_max_age_ms: int = 250
    store_retry_initial_ms: int = 200
    store_retry_max_ms: int = 5_000

    # The event registry (TOML); unset = every event in UTC, named by its slug.
    events_file: Path | None = None

    # Reporter HTTP.
    reporter_host: str = "127.0.0.1"
    reporter_port: int = 0
    top_posts: int = 10

    # PDF campaign reports (services/reporter/pdf): an image (PNG or JPEG) for the cover's logo slot.
    report_logo: Path | None = None

    # Grafana (services/reporter/dashboards). With a URL set, the reporter publishes the
    # dashboards and spike alert rules at start; `sada dashboards publish` does it on demand.
    grafana_url: str = ""
    grafana_token: SecretStr | None = None
    grafana_folder_uid: str = "sada"
    grafana_folder_title: str = "sada"
    grafana_lang: str = "en"
    # ClickHouse as Grafana reaches it (http(s)://host:8123 or native(s)://host:9000, user in the
    # URL); empty = SADA_CLICKHOUSE_URL when that is a server, else http://clickhouse:8123.
    grafana_clickhouse_url: str = ""
    grafana_clickhouse_password: SecretStr | None = None
    # Prometheus scraping the services' /metrics, for the Pipeline health panels.
    grafana_prometheus_url: str = "http://prometheus:9090"

    @field_validator("ingest_tokens", "facebook_pages", "poll_events", mode="before")
    @classmethod
    def _split_tokens(cls, value: object) -> object:
        """Accept ``SADA_INGEST_TOKENS=a,b`` (and the other lists) as well as a list."""
        if isinstance(value, str):
            return [token.strip() for token in value.split(",") if token.strip()]
        return value

    def topic(self, name: str) -> str:
        return f"{self.kafka_topic_prefix}{name}"

    def clickhouse_dsn(self) -> str:
        if self.clickhouse_url:
            return self.clickhouse_url
        return f"chdb://{(self.data_dir / 'clickhouse').resolve()}"

    def token_is_valid(self, presented: str) -> bool:
        """Constant-time check of a bearer token against the configured ones."""
        return any(
            hmac.compare_digest(presented.encode(), t.get_secret_value().encode()) for t in self.ingest_tokens
        )
