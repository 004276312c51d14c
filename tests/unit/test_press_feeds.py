"""The press poller's parts alone: the outlets file and feed parsing edge cases."""

from __future__ import annotations

import json

import pytest

from services.collector.pollers.press import OutletsError, load_outlets, parse_feed


def test_outlets_file_json_and_errors(tmp_path):
    path = tmp_path / "outlets.json"
    path.write_text(
        json.dumps({"outlets": [{"feed_url": "https://a.ma/rss", "outlet": "A", "country": "MA"}]})
    )
    assert [(o.feed, o.name, o.country) for o in load_outlets(path)] == [("https://a.ma/rss", "A", "MA")]
    path.write_text(json.dumps([{"feed": "https://a.ma/rss", "name": "A", "country": "Morocco"}]))
    with pytest.raises(OutletsError, match=r"outlets\[0\]\.country"):
        load_outlets(path)


def test_feed_parsing_edge_cases():
    with pytest.raises(ValueError, match="not XML"):
        parse_feed(b"<html><body>not a feed")
    with pytest.raises(ValueError, match="neither RSS 2.0 nor Atom"):
        parse_feed(b"<opml version='2.0'/>")
    [item] = parse_feed(
        b'<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><item>'
        b"<title>S\xe9curit\xe9 num\xe9rique</title><guid>https://x.fr/1</guid>"
        b"<dc:date xmlns:dc='http://purl.org/dc/elements/1.1/'>2026-05-01T10:00:00+02:00</dc:date>"
        b"</item></channel></rss>"
    )
    assert item.title == "Sécurité numérique" and item.url == "https://x.fr/1"
    assert item.published.isoformat() == "2026-05-01T10:00:00+02:00"
