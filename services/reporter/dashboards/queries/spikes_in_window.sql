-- The spike rule's query: trends.sql's spikes ({trends}, one row per platform and metric), kept
-- only while the event runs or starts soon ({from} to {end}, the registry's dates less
-- alerts.SOON). The rule exists for every event, so it needs no export when an event starts, and
-- is silent outside its window: last year's edition never pages anyone.
SELECT if(platform = '', 'all', platform) AS platform, metric,
       toFloat64(ifNull(spike, 0)) AS spike
FROM ({trends:String})
WHERE {at:DateTime64(3)} >= {from:DateTime64(3)} AND {at:DateTime64(3)} <= {end:DateTime64(3)}
