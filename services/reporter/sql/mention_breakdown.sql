-- Press coverage per outlet, country or language: distinct articles and their audience.
SELECT
    multiIf({dimension:String} = 'outlet', ifNull(outlet, ''),
            {dimension:String} = 'country', ifNull(toString(country), ''),
            ifNull(lang, '')) AS key,
    count() AS articles,
    sum(ifNull(audience, 0)) AS audience
FROM mentions FINAL
WHERE event = {event:String}
GROUP BY key
ORDER BY articles DESC, key
LIMIT {limit:UInt32}
