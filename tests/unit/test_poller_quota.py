"""YouTube's search cadence from the search calls left today (the quota file alone; the API's
answers: tests/pipeline/test_pollers.py against the stand-in)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.collector.pollers.checkpoint import Checkpoint
from services.collector.pollers.schedule import iso
from services.collector.pollers.tokens import StateFile
from services.collector.pollers.youtube import YouTubePoller
from shared.registry import Event
from shared.settings import PollingSettings, Settings, YouTubeSettings

PACIFIC = ZoneInfo("America/Los_Angeles")
MIDNIGHT = datetime.combine(datetime(2026, 12, 2).date(), time(0), PACIFIC)
NOW = MIDNIGHT - timedelta(hours=10)  # 10 hours of quota day left


def poller(tmp_path, used: int, last_search_ago: timedelta | None, per_day: int = 100) -> YouTubePoller:
    youtube = YouTubeSettings(token="k", base_url="http://yt", search_calls_per_day=per_day)
    settings = Settings(polling=PollingSettings(state_dir=tmp_path), youtube=youtube)
    event = Event(slug="yt", hashtags=["#Sada2026"], accounts={"youtube": ["UCsada"]})  # 2 searches a pass
    StateFile(tmp_path / "youtube-quota.json").write(
        {"day": NOW.astimezone(PACIFIC).date().isoformat(), "units": 0, "searches": used}
    )
    if last_search_ago is not None:
        checkpoint = Checkpoint(tmp_path / "youtube-yt.json")
        checkpoint.data["discovered_at"] = iso(NOW - last_search_ago)
        checkpoint.save()
    return YouTubePoller(settings, event, None, None, clock=lambda: NOW)  # type: ignore[arg-type]


def test_search_calls_left_are_spread_over_the_rest_of_the_day(tmp_path):
    # 20 calls left, 2 a pass: 10 passes over 10 hours, one an hour
    assert poller(tmp_path, 80, None).search_interval() == timedelta(hours=1)
    assert not poller(tmp_path, 80, timedelta(minutes=30)).discovery_due()
    assert poller(tmp_path, 80, timedelta(minutes=61)).discovery_due()


def test_plenty_left_never_searches_more_often_than_the_floor(tmp_path):
    # the default bucket: 50 passes over 10 hours; a raised one: every 5 minutes at most
    assert poller(tmp_path, 0, None).search_interval() == timedelta(minutes=12)
    assert poller(tmp_path, 0, None, per_day=10_000).search_interval() == YouTubePoller.discover_every


def test_less_than_a_pass_left_waits_for_the_reset(tmp_path):
    spent = poller(tmp_path, 99, timedelta(hours=5))
    assert not spent.discovery_due() and spent.search_interval() == timedelta(hours=10)
    assert poller(tmp_path, 0, None).discovery_due()


def test_a_new_pacific_day_starts_the_count_over(tmp_path):
    tomorrow = poller(tmp_path, 100, timedelta(hours=11))
    tomorrow.clock = lambda: MIDNIGHT + timedelta(minutes=1)
    assert tomorrow.searches_left() == 100 and tomorrow.discovery_due()
