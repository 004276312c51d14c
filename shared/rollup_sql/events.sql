-- Every event any post, snapshot or interaction names: what a rebuild of the rollups computes.
SELECT DISTINCT event FROM posts
UNION DISTINCT SELECT DISTINCT event FROM metrics
UNION DISTINCT SELECT DISTINCT event FROM interactions
