-- Every stored record carries its source (api:<connector>, webhook:<platform>,
-- export:<format>[:<file>], http:<client>; '' for rows stored before), and a post
-- how precise its created_at is ('day': only the date was known; '' exact) and where
-- each of its fields came from (field -> (source, version)), which the aggregator's
-- merge of a post's sources reads (shared/merge.py, docs/decisions.md).
ALTER TABLE posts ADD COLUMN IF NOT EXISTS created_precision LowCardinality(String) DEFAULT '' AFTER followers;
ALTER TABLE posts ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT '' AFTER created_precision;
ALTER TABLE posts ADD COLUMN IF NOT EXISTS provenance Map(String, Tuple(String, UInt64)) AFTER source;
ALTER TABLE metrics ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT '' AFTER saves;
ALTER TABLE interactions ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT '' AFTER text;
ALTER TABLE mentions ADD COLUMN IF NOT EXISTS source LowCardinality(String) DEFAULT '' AFTER audience;
