-- The picture (media_url) of each of the given posts that has one.
SELECT platform, post_id, media_url
FROM posts FINAL
WHERE event = {event:String}
  AND (platform, post_id) IN {posts:Array(Tuple(String, String))}
  AND ifNull(media_url, '') != ''
