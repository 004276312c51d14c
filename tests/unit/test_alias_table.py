"""The LinkedIn alias table without the network: what links an activity to its post, what does
not, the file it is kept in, and the note when no token lets sada ask."""

from __future__ import annotations

import asyncio
import os
import stat

from services.collector.aliases import AliasTable, from_notification, linked_by, rename_activities, table_path
from shared.settings import LinkedInSettings, PollingSettings, Settings

ACTIVITY = "urn:li:activity:7094637247890620418"
SHARE = "urn:li:share:7094637247487995904"


def settings_in(tmp_path, token: str | None = None) -> Settings:
    return Settings(
        data_dir=tmp_path,
        polling=PollingSettings(state_dir=tmp_path / "state"),
        linkedin=LinkedInSettings(token=token),
    )


def test_a_comment_delivery_links_its_activity_to_the_decorated_post():
    notification = {
        "sourcePost": ACTIVITY,
        "decoratedSourcePost": {"owner": "urn:li:organization:1", "entity": SHARE},
        "decoratedGeneratedActivity": {"comment": {"object": ACTIVITY}},
    }
    assert from_notification(notification) == {ACTIVITY: SHARE}
    # no decoration, or one that is not a post: nothing is inferred
    assert from_notification({"sourcePost": ACTIVITY}) == {}
    assert (
        from_notification({"sourcePost": ACTIVITY, "decoratedSourcePost": {"entity": "urn:li:comment:1"}})
        == {}
    )
    assert from_notification({"sourcePost": SHARE, "decoratedSourcePost": {"entity": SHARE}}) == {}


def test_an_answer_links_only_posts_and_says_why_for_the_rest():
    other, comment, empty = "urn:li:activity:2", "urn:li:activity:3", "urn:li:activity:4"
    answer = {
        "results": {
            ACTIVITY: {"domainEntity": SHARE},
            comment: {"domainEntity": "urn:li:comment:(x,1)"},
            empty: {},
        },
        "errors": {other: {"status": 404}},
    }
    links, unlinked = linked_by(answer, [ACTIVITY, other, comment, empty])
    assert links == {ACTIVITY: SHARE}
    assert "404" in unlinked[other] and "comment" in unlinked[comment] and "opted out" in unlinked[empty]


def test_the_table_file_is_owner_only_and_survives_a_bad_file(tmp_path):
    path = tmp_path / "state" / "linkedin_aliases.json"
    table = AliasTable(path)
    assert (
        table.learn({ACTIVITY: SHARE, "urn:li:activity:x": SHARE, "urn:li:activity:5": "urn:li:comment:1"})
        == 1
    )
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert AliasTable(path).links == {ACTIVITY: SHARE}
    assert AliasTable(path).learn({ACTIVITY: SHARE}) == 0  # nothing new, nothing written
    path.write_text("{not json")
    assert AliasTable(path).links == {}


def test_without_a_token_the_note_names_the_variable_and_the_table_still_answers(tmp_path):
    settings = settings_in(tmp_path)
    AliasTable(table_path(settings)).learn({ACTIVITY: SHARE})
    renamed = asyncio.run(
        rename_activities(settings, [ACTIVITY, "urn:li:activity:6", "urn:li:activity:7", "urn:li:share:8"])
    )
    assert renamed.ids == {ACTIVITY: SHARE}
    [note] = renamed.notes
    assert note.startswith("2 LinkedIn posts kept under their activity URN")
    assert "SADA_LINKEDIN_TOKEN" in note and "count twice" in note


def test_an_unreachable_api_is_a_note_never_an_error(tmp_path):
    settings = settings_in(tmp_path, token="t").model_copy(
        update={"linkedin": LinkedInSettings(token="t", base_url="http://127.0.0.1:9/rest")}
    )
    renamed = asyncio.run(rename_activities(settings, [ACTIVITY]))
    assert renamed.ids == {}
    [note] = renamed.notes
    assert "could not reach the LinkedIn API" in note and ACTIVITY in note
