-- One post's stored row (the merge of its sources, shared/merge.py), with `provenance`:
-- per field, the source and version (arrival time in ns) its value came from.
SELECT created_at, created_precision, account, author, text, lang, hashtags, url, media, media_url, followers,
       source, provenance, version
FROM posts FINAL
WHERE event = {event:String} AND platform = {platform:String} AND post_id = {post_id:String}
