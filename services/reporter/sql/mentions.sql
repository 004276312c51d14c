-- Press and blog coverage: articles are distinct normalised URLs.
SELECT
    count() AS articles,
    uniqExactIf(outlet, ifNull(outlet, '') != '') AS outlets,
    uniqExactIf(country, country IS NOT NULL) AS countries
FROM mentions FINAL
WHERE event = {event:String}
