-- Every post any record names, per event: what rollups.rebuild recomputes.
SELECT DISTINCT event, platform, post_id FROM posts
UNION DISTINCT SELECT DISTINCT event, platform, post_id FROM metrics
UNION DISTINCT SELECT DISTINCT event, platform, post_id FROM interactions_by_post
