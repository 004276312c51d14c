-- Which sources fed an event (issue 11, provenance): per source kind and name, the records of
-- each type, the posts they name, when the first and the last of them was received (version is
-- the collector's arrival time in ns) and, for export files, the files' names.
-- A source string is `api:<connector>`, `webhook:<platform>`, `export:<format>[:<file>]` or
-- `http:<client>` ('' for rows stored before sources were recorded): kind before the first ':',
-- name after it, except that an export's name is its format and what follows is its file.
-- Metrics, interactions and mentions are read FINAL (a record sent twice counts once). A post is
-- stored as one merged row (shared/merge.py) whose `provenance` names, per field, the source and
-- version its value came from: a post record counts under each source that gave one of its
-- stored fields (the row's own source and version for rows stored before provenance was kept),
-- so a record whose every field was superseded by a finer source is not counted.
WITH
    records AS (
        SELECT origin_source AS source, 'post' AS type, platform, post_id, origin_version AS version
        FROM
        (
            SELECT origin.1 AS origin_source, platform, post_id, max(origin.2) AS origin_version
            FROM posts FINAL
            ARRAY JOIN if(empty(provenance), [(toString(source), version)], mapValues(provenance)) AS origin
            WHERE event = {event:String}
            GROUP BY origin_source, platform, post_id
        )
        UNION ALL
        SELECT source, 'metrics', platform, post_id, version FROM metrics FINAL WHERE event = {event:String}
        UNION ALL
        SELECT source, 'interaction', platform, post_id, version FROM interactions FINAL
        WHERE event = {event:String}
        UNION ALL
        SELECT source, 'mention', platform, '', version FROM mentions FINAL WHERE event = {event:String}
    ),
    named AS (
        SELECT
            position(source, ':') AS colon,
            if(colon = 0, source, substring(source, 1, colon - 1)) AS kind,
            if(colon = 0, '', substring(source, colon + 1)) AS rest,
            position(rest, ':') AS file_colon,
            if(kind = 'export' AND file_colon > 0, substring(rest, 1, file_colon - 1), rest) AS name,
            if(kind = 'export' AND file_colon > 0, substring(rest, file_colon + 1), '') AS file,
            type,
            platform,
            post_id,
            version
        FROM records
    )
SELECT
    kind,
    name,
    countIf(type = 'post') AS post,
    countIf(type = 'metrics') AS metrics,
    countIf(type = 'interaction') AS interaction,
    countIf(type = 'mention') AS mention,
    uniqExactIf((platform, post_id), type != 'mention') AS posts,
    min(version) AS first_version,
    max(version) AS last_version,
    arraySort(groupUniqArrayIf(file, file != '')) AS files
FROM named
GROUP BY kind, name
ORDER BY kind, name
