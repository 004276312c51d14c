"""The one settings object, read from ``SADA_*`` environment variables.

It is built once at the edge (the command line, a test fixture) and passed to
every service; nothing reads the environment behind its back.
"""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def split_commas(value: object) -> object:
    """A list setting written ``a,b`` in the environment (a list is taken as it is)."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


def revealed(secret: SecretStr | None) -> str:
    """A secret's value, "" when unset."""
    return secret.get_secret_value() if secret is not None else ""


class Group(BaseSettings):
    """A group of settings read from the variables under its own ``env_prefix``."""

    model_config = SettingsConfigDict(extra="ignore")

    @classmethod
    def env(cls, field: str) -> str:
        """The environment variable of ``field`` (as messages name it)."""
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()


class Connector(Group):
    """A platform poller's API: where it is (a setting, so a proxy or a test server can stand
    in for the platform) and the token that turns the connector on."""

    base_url: str = ""
    token: SecretStr | None = None

    def enabled(self) -> bool:
        return bool(revealed(self.token))

    def switch(self) -> str:
        """The variable that turns the connector on."""
        return self.env("token")


class XSettings(Connector):
    model_config = SettingsConfigDict(env_prefix="SADA_X_")

    base_url: str = "https://api.x.com/2"
    # token: the app bearer token. The webhook's (Account Activity) CRC and signatures:
    consumer_secret: SecretStr | None = None


class YouTubeSettings(Connector):
    model_config = SettingsConfigDict(env_prefix="SADA_YOUTUBE_")

    base_url: str = "https://www.googleapis.com/youtube/v3"  # token: an API key
    # search.list has its own daily bucket (100 calls by default; raise it to the project's grant).
    search_calls_per_day: int = Field(100, ge=1)


class FacebookSettings(Connector):
    model_config = SettingsConfigDict(env_prefix="SADA_FACEBOOK_")

    base_url: str = "https://graph.facebook.com/v23.0"  # token: a Page access token
    # The Pages read; empty = the registry's ``accounts.facebook``.
    pages: Annotated[list[str], NoDecode] = Field(default_factory=list)

    _split_pages = field_validator("pages", mode="before")(split_commas)


class InstagramSettings(Connector):
    model_config = SettingsConfigDict(env_prefix="SADA_INSTAGRAM_")

    base_url: str = "https://graph.facebook.com/v23.0"
    user_id: str = ""  # the professional account hashtag searches run as


class LinkedInSettings(Connector):
    model_config = SettingsConfigDict(env_prefix="SADA_LINKEDIN_")

    base_url: str = "https://api.linkedin.com/rest"
    # The LinkedIn-Version header (YYYYMM): July 2026, supported until about July 2027.
    version: str = "202607"
    client_secret: SecretStr | None = None  # webhook signatures and validation; token refresh
    # Programmatic refresh (approved partners only): with a refresh token set, the access token
    # is renewed before it expires and when it is refused.
    client_id: str = ""
    refresh_token: SecretStr | None = None
    token_url: str = "https://www.linkedin.com/oauth/v2/accessToken"


class TikTokSettings(Connector):
    model_config = SettingsConfigDict(env_prefix="SADA_TIKTOK_")

    base_url: str = "https://open.tiktokapis.com/v2"  # token: a user access token (Display API)
    client_secret: SecretStr | None = None  # webhook signatures; token refresh
    # Access tokens live 2 hours: with the app's client key and a refresh token, the poller
    # renews them (the refresh token rotates; the latest is kept in the pollers' state dir).
    client_key: str = ""
    refresh_token: SecretStr | None = None
    token_url: str = "https://open.tiktokapis.com/v2/oauth/token/"

    def enabled(self) -> bool:
        return super().enabled() or self.renewable()

    def renewable(self) -> bool:
        return bool(self.client_key and revealed(self.client_secret) and revealed(self.refresh_token))


class MetaSettings(Group):
    """Meta's webhooks (Facebook Pages and Instagram): the app's secret and Verify Token."""

    model_config = SettingsConfigDict(env_prefix="SADA_META_")

    app_secret: SecretStr | None = None
    verify_token: SecretStr | None = None


class PressSettings(Group):
    """Press: a TOML or JSON list of outlets (feed url, outlet name, country, language)."""

    model_config = SettingsConfigDict(env_prefix="SADA_PRESS_")

    outlets: Path | None = None

    def enabled(self) -> bool:
        return self.outlets is not None

    def switch(self) -> str:
        return self.env("outlets")


class PollingSettings(Group):
    """What every poller shares (services/collector/pollers)."""

    model_config = SettingsConfigDict(env_prefix="SADA_POLL_")

    # Which events the pollers collect for (empty = every registry event not long over).
    events: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Checkpoints (cursors, known posts); empty = <data_dir>/pollers.
    state_dir: Path | None = None
    interval_s: float = Field(60.0, gt=0)  # how often a running poller wakes up
    timeout_s: float = Field(30.0, gt=0)  # one HTTP request
    retries: int = Field(3, ge=0)  # network errors and 5xx, per request
    backoff_initial_s: float = Field(5.0, ge=0)  # 429 without a reset time, doubling
    backoff_max_s: float = Field(900.0, ge=0)
    # A longer wait (a daily quota) ends the pass; the poller resumes after the reset.
    max_wait_s: float = Field(900.0, ge=0)
    # A poller stopped until a person acts (credentials, API version) tries again this often
    # (and at the first pass after a restart); a paused part without a reset time likewise.
    stopped_retry_s: float = Field(900.0, gt=0)
    # The "collection stalled" alert: no successful pass for this many polling intervals while
    # the event runs.
    stalled_after: int = Field(3, ge=1)

    _split_events = field_validator("events", mode="before")(split_commas)


class WebhookSettings(Group):
    """Platform webhooks (services/collector/webhooks). A platform whose secret is unset
    answers 503 naming the variable to set."""

    model_config = SettingsConfigDict(env_prefix="SADA_WEBHOOK_")

    # How far a TikTok-Signature timestamp may be from now (replay protection).
    tolerance_s: int = Field(300, ge=1)


class KafkaSecurity(Group):
    """How sada's Kafka clients reach a secured listener: TLS (a private CA, a client certificate
    for mTLS) and SASL (SCRAM as Strimzi's ``KafkaUser`` issues it). Checked when a client is
    built (shared/bus.py, :func:`shared.bus.client_config`), so a mistake is one line naming its
    variable rather than a pydantic report."""

    model_config = SettingsConfigDict(env_prefix="SADA_KAFKA_")

    security_protocol: str = "PLAINTEXT"  # PLAINTEXT | SSL | SASL_PLAINTEXT | SASL_SSL
    sasl_mechanism: str = "SCRAM-SHA-512"  # SCRAM-SHA-256 and PLAIN accepted too
    sasl_username: str = ""
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None  # the CA that signed the brokers' certificates (PEM)
    ssl_certfile: Path | None = None  # mTLS: the client certificate (PEM)
    ssl_keyfile: Path | None = None  # mTLS: its private key (PEM, unencrypted)

    @classmethod
    def plaintext(cls) -> KafkaSecurity:
        """No TLS, no SASL, whatever the environment says (local mode's own broker)."""
        return cls(
            security_protocol="PLAINTEXT",
            sasl_username="",
            sasl_password=None,
            ssl_cafile=None,
            ssl_certfile=None,
            ssl_keyfile=None,
        )


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
    # The producer's batch per partition and its compression: measured by `make bench` (raw
    # produce, docs/benchmarks.md); lz4 with 256 KiB batches sends the most records per second.
    kafka_batch_bytes: int = Field(262_144, ge=1_024)
    kafka_compression: Literal["lz4", "gzip", "none"] = "lz4"
    kafka_request_timeout_ms: int = 5_000
    kafka_delivery_timeout_ms: int = 10_000
    kafka_max_block_ms: int = 5_000
    consumer_group: str = "sada-aggregator"
    consumer_session_timeout_ms: int = 6_000
    consumer_heartbeat_interval_ms: int = 2_000
    consumer_max_poll_records: int = 5_000
    # How often producers and consumers refresh the cluster's metadata (partitions, leaders),
    # so a topic re-created or a leader moved is seen within this time.
    kafka_metadata_max_age_ms: int = Field(10_000, ge=100)
    # TLS and SASL (SADA_KAFKA_SECURITY_PROTOCOL, SADA_KAFKA_SASL_*, SADA_KAFKA_SSL_*): the class
    # above. Local mode's own broker ignores them (plaintext on 127.0.0.1).
    kafka_security: KafkaSecurity = Field(default_factory=KafkaSecurity)
    # Local mode: how often the supervisor checks the embedded broker, and how long a POST waits
    # for the aggregator to store its records before answering 503 (the 2xx means "stored").
    local_broker_check_ms: int = Field(200, ge=10)
    local_stored_wait_s: float = Field(30.0, gt=0)

    # ClickHouse. Empty URL = embedded chDB under data_dir.
    clickhouse_url: str = ""
    clickhouse_database: str = "sada"
    # A cluster name (remote_servers): `sada migrate` creates every table ON CLUSTER with a
    # Replicated* engine (shared/cluster.py). Empty: one server (or chDB), plain engines.
    clickhouse_cluster: str = Field("", pattern=r"^[\w.-]*$")
    # Distributed mode: a service waiting for the schema `sada migrate` applies checks this
    # often, and logs which versions it waits for this often.
    clickhouse_schema_poll_s: float = Field(2.0, gt=0)
    clickhouse_schema_log_s: float = Field(30.0, gt=0)
    # `sada migrate`'s lock: taken for this long and renewed while it runs, so a crashed
    # migrate holds it at most this long (shared/schema_lock.py).
    clickhouse_migrate_lock_s: float = Field(120.0, gt=0)

    # Collector HTTP. Port 0 = pick a free port.
    collector_host: str = "127.0.0.1"
    collector_port: int = 0
    ingest_tokens: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    max_body_bytes: int = 16 * 1024 * 1024
    produce_retry_after_s: int = 5
    # One record's canonical JSON at most (a bigger one is rejected on its own, with its size):
    # the producer's max_request_size and the topics' max.message.bytes are set from it, with
    # room for a batch's overhead.
    max_record_bytes: int = Field(1_000_000, ge=1_024)
    # A request body must arrive within this (408 otherwise): slow or idle senders do not
    # hold a handler, nor delay a shutdown.
    body_read_timeout_s: float = Field(30.0, gt=0)
    # On stop, requests in flight get this long to finish before they are cancelled.
    shutdown_timeout_s: float = Field(15.0, ge=0)
    # An export file (POST /v1/imports) is read up to this many cells, empty ones included
    # (a workbook may declare a huge sheet); past it the file is refused with 413.
    max_import_cells: int = Field(2_000_000, ge=1)

    # Platforms (services/collector): one group a platform, each read from its own
    # ``SADA_<PLATFORM>_*`` variables (see the classes above).
    x: XSettings = Field(default_factory=XSettings)
    youtube: YouTubeSettings = Field(default_factory=YouTubeSettings)
    facebook: FacebookSettings = Field(default_factory=FacebookSettings)
    instagram: InstagramSettings = Field(default_factory=InstagramSettings)
    linkedin: LinkedInSettings = Field(default_factory=LinkedInSettings)
    tiktok: TikTokSettings = Field(default_factory=TikTokSettings)
    meta: MetaSettings = Field(default_factory=MetaSettings)
    press: PressSettings = Field(default_factory=PressSettings)
    polling: PollingSettings = Field(default_factory=PollingSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)

    # Aggregator.
    aggregator_host: str = "127.0.0.1"
    aggregator_port: int = 0
    batch_max_records: int = 5_000
    # counted from the oldest record's Kafka timestamp (services/aggregator/batch.py); freshness p95
    # at 2,000 records/s: 0.95-1.1 s here (1.2-1.4 s at 250)
    batch_max_age_ms: int = 100
    store_retry_initial_ms: int = 200
    store_retry_max_ms: int = 5_000
    # Local mode: how long the supervisor waits before starting a dead consumer thread (or the
    # collector's process, services/collector/process.py) again,
    # doubling up to the maximum while it keeps dying (distributed mode: /healthz answers 503
    # and the orchestrator restarts the process).
    aggregator_restart_initial_s: float = Field(1.0, ge=0)
    aggregator_restart_max_s: float = Field(60.0, ge=0)

    # The event registry (TOML); unset = every event in UTC, named by its slug.
    events_file: Path | None = None

    # Reporter HTTP.
    reporter_host: str = "127.0.0.1"
    reporter_port: int = 0
    top_posts: int = 10
    # Read tokens (SADA_REPORTER_TOKENS=a,b). Set: every route but /healthz, /readyz, /metrics
    # and /openapi.json needs 'Authorization: Bearer <one of them>' (401 otherwise). Unset: the
    # reporter is open, as local mode's reporter on 127.0.0.1 is.
    reporter_tokens: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    # PDF reports rendered at once; more wait their turn, so the JSON routes stay fast.
    max_pdf_renders: int = Field(2, ge=1)

    _split_reporter_tokens = field_validator("reporter_tokens", mode="before")(split_commas)

    # PDF campaign reports (services/reporter/pdf): an image (PNG or JPEG) for the cover's logo slot.
    report_logo: Path | None = None
    # The top posts' pictures (their media_url), fetched once into <data_dir>/media; false: never
    # fetched, the report shows none.
    report_pictures: bool = True

    def pictures_dir(self) -> Path | None:
        """Where the report keeps the pictures it fetched; None when it may not fetch any."""
        return self.data_dir / "media" if self.report_pictures else None

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

    @field_validator("ingest_tokens", mode="before")
    @classmethod
    def _split_tokens(cls, value: object) -> object:
        """Accept ``SADA_INGEST_TOKENS=a,b`` as well as a list."""
        return split_commas(value)

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
