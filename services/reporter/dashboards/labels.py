"""Every word a dashboard shows, in the three languages of sada (ar, fr, en).

Dashboards are exported in one language (``sada dashboards export --lang``):
titles, variable labels, column headers and the words inlined into SQL
(``all``, ``in progress``…) come from here. Event names and agenda titles come
from the event registry; formulas stay as ``shared.metrics.RATE_FORMULAS``
writes them, after a translated lead-in.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    # dashboards
    "dash.live": {"en": "Live event", "fr": "Événement en direct", "ar": "الحدث مباشرة"},
    "dash.platforms": {"en": "Platforms", "fr": "Plateformes", "ar": "المنصات"},
    "dash.posts": {"en": "Posts explorer", "fr": "Explorateur de publications", "ar": "مستكشف المنشورات"},
    "dash.press": {"en": "Press coverage", "fr": "Couverture presse", "ar": "التغطية الصحفية"},
    "dash.health": {"en": "Pipeline health", "fr": "Santé du pipeline", "ar": "سلامة خط المعالجة"},
    # variables
    "var.event": {"en": "Event", "fr": "Événement", "ar": "الحدث"},
    "var.platform": {"en": "Platform", "fr": "Plateforme", "ar": "المنصة"},
    "var.lang": {"en": "Post language", "fr": "Langue des publications", "ar": "لغة المنشورات"},
    "var.post": {"en": "Post", "fr": "Publication", "ar": "المنشور"},
    # counters and figures
    "posts": {"en": "Posts", "fr": "Publications", "ar": "المنشورات"},
    "impressions": {"en": "Impressions", "fr": "Impressions", "ar": "مرات الظهور"},
    "reach": {"en": "Reach", "fr": "Portée", "ar": "الوصول"},
    "views": {"en": "Views", "fr": "Vues", "ar": "المشاهدات"},
    "likes": {"en": "Likes", "fr": "J'aime", "ar": "الإعجابات"},
    "comments": {"en": "Comments", "fr": "Commentaires", "ar": "التعليقات"},
    "shares": {"en": "Shares", "fr": "Partages", "ar": "المشاركات"},
    "clicks": {"en": "Clicks", "fr": "Clics", "ar": "النقرات"},
    "saves": {"en": "Saves", "fr": "Enregistrements", "ar": "الحفظ"},
    "engagements": {"en": "Engagements", "fr": "Interactions", "ar": "التفاعلات"},
    "followers": {"en": "Followers", "fr": "Abonnés", "ar": "المتابعون"},
    "by_impressions": {
        "en": "Engagement rate by impressions",
        "fr": "Taux d'engagement par impression",
        "ar": "معدل التفاعل حسب مرات الظهور",
    },
    "by_reach": {
        "en": "Engagement rate by reach",
        "fr": "Taux d'engagement par portée",
        "ar": "معدل التفاعل حسب الوصول",
    },
    "by_views": {
        "en": "Engagement rate by views",
        "fr": "Taux d'engagement par vue",
        "ar": "معدل التفاعل حسب المشاهدات",
    },
    "by_followers": {
        "en": "Engagement rate by followers",
        "fr": "Taux d'engagement par abonné",
        "ar": "معدل التفاعل حسب المتابعين",
    },
    # live
    "live.engagements_per_minute": {
        "en": "Engagements per minute by platform",
        "fr": "Interactions par minute et par plateforme",
        "ar": "التفاعلات في الدقيقة حسب المنصة",
    },
    "live.posts_per_minute": {
        "en": "Posts per minute by platform",
        "fr": "Publications par minute et par plateforme",
        "ar": "المنشورات في الدقيقة حسب المنصة",
    },
    "live.top_posts": {
        "en": "Top posts right now",
        "fr": "Publications du moment",
        "ar": "أبرز المنشورات الآن",
    },
    "live.hashtags": {"en": "Trending hashtags", "fr": "Hashtags en tendance", "ar": "الوسوم الرائجة"},
    "live.agenda": {
        "en": "Agenda: session in progress",
        "fr": "Programme : session en cours",
        "ar": "البرنامج: الجلسة الجارية",
    },
    "live.spikes": {"en": "Spikes", "fr": "Pics d'activité", "ar": "ذروات النشاط"},
    "live.change": {
        "en": "The percentage compares the figure now with the same figure one hour earlier.",
        "fr": "Le pourcentage compare la valeur actuelle à celle d'il y a une heure.",
        "ar": "تقارن النسبة المئوية القيمة الحالية بالقيمة نفسها قبل ساعة.",
    },
    # words inlined into SQL results
    "word.all": {"en": "all", "fr": "toutes", "ar": "الكل"},
    "word.in_progress": {"en": "in progress", "fr": "en cours", "ar": "جارية"},
    "word.next": {"en": "next", "fr": "à venir", "ar": "التالية"},
    # column headers
    "col.platform": {"en": "Platform", "fr": "Plateforme", "ar": "المنصة"},
    "col.post_id": {"en": "Post", "fr": "Publication", "ar": "المنشور"},
    "col.text": {"en": "Text", "fr": "Texte", "ar": "النص"},
    "col.url": {"en": "Link", "fr": "Lien", "ar": "الرابط"},
    "col.account": {"en": "Account", "fr": "Compte", "ar": "الحساب"},
    "col.lang": {"en": "Language", "fr": "Langue", "ar": "اللغة"},
    "col.created_at": {"en": "Published", "fr": "Publié le", "ar": "تاريخ النشر"},
    "col.recent_engagements": {
        "en": "Engagements, last hour",
        "fr": "Interactions, dernière heure",
        "ar": "التفاعلات خلال الساعة الأخيرة",
    },
    "col.session": {"en": "Session", "fr": "Session", "ar": "الجلسة"},
    "col.room": {"en": "Room", "fr": "Salle", "ar": "القاعة"},
    "col.speakers": {"en": "Speakers", "fr": "Intervenants", "ar": "المتحدثون"},
    "col.starts": {"en": "Starts", "fr": "Début", "ar": "البداية"},
    "col.ends": {"en": "Ends", "fr": "Fin", "ar": "النهاية"},
    "col.state": {"en": "State", "fr": "État", "ar": "الحالة"},
    "col.metric": {"en": "Figure", "fr": "Indicateur", "ar": "المؤشر"},
    "col.latest": {"en": "Latest window", "fr": "Dernière fenêtre", "ar": "النافذة الأخيرة"},
    "col.baseline": {"en": "Baseline", "fr": "Référence", "ar": "خط الأساس"},
    "col.latest_per_minute": {
        "en": "Now, per minute",
        "fr": "Maintenant, par minute",
        "ar": "الآن، في الدقيقة",
    },
    "col.baseline_per_minute": {
        "en": "Baseline, per minute",
        "fr": "Référence, par minute",
        "ar": "خط الأساس، في الدقيقة",
    },
    "col.ratio": {"en": "Ratio", "fr": "Rapport", "ar": "النسبة"},
    "col.spike": {"en": "Spike", "fr": "Pic", "ar": "ذروة"},
    "col.hashtag": {"en": "Hashtag", "fr": "Hashtag", "ar": "الوسم"},
    "col.latest_posts": {
        "en": "Posts, latest window",
        "fr": "Publications, dernière fenêtre",
        "ar": "المنشورات في النافذة الأخيرة",
    },
    "col.baseline_posts": {
        "en": "Posts, baseline",
        "fr": "Publications, référence",
        "ar": "منشورات خط الأساس",
    },
    "col.articles": {"en": "Articles", "fr": "Articles", "ar": "المقالات"},
    "col.audience": {"en": "Audience", "fr": "Audience", "ar": "الجمهور"},
    "col.outlet": {"en": "Outlet", "fr": "Média", "ar": "الوسيلة الإعلامية"},
    "col.country": {"en": "Country", "fr": "Pays", "ar": "البلد"},
    "col.reason": {"en": "Reason", "fr": "Motif", "ar": "السبب"},
    "col.field": {"en": "Field", "fr": "Champ", "ar": "الحقل"},
    "col.rejects": {"en": "Rejected records", "fr": "Enregistrements rejetés", "ar": "السجلات المرفوضة"},
    "col.last_seen": {"en": "Last seen", "fr": "Dernière occurrence", "ar": "آخر ظهور"},
    "col.table": {"en": "Table", "fr": "Table", "ar": "الجدول"},
    "col.rows": {"en": "Rows", "fr": "Lignes", "ar": "الصفوف"},
    # platforms
    "platforms.per_bucket": {
        "en": "{figure} per interval, by platform",
        "fr": "{figure} par intervalle et par plateforme",
        "ar": "{figure} لكل فترة حسب المنصة",
    },
    "platforms.rate_per_bucket": {
        "en": "{figure}, per interval and platform",
        "fr": "{figure}, par intervalle et par plateforme",
        "ar": "{figure} لكل فترة ومنصة",
    },
    "platforms.totals": {
        "en": "Totals by platform (whole event)",
        "fr": "Totaux par plateforme (tout l'événement)",
        "ar": "المجاميع حسب المنصة (الحدث كاملاً)",
    },
    # posts explorer
    "posts.table": {"en": "Posts", "fr": "Publications", "ar": "المنشورات"},
    "posts.details": {"en": "Selected post", "fr": "Publication choisie", "ar": "المنشور المختار"},
    "posts.series": {
        "en": "Selected post over time",
        "fr": "Publication choisie dans le temps",
        "ar": "المنشور المختار عبر الزمن",
    },
    # press
    "press.articles": {"en": "Articles", "fr": "Articles", "ar": "المقالات"},
    "press.outlets": {"en": "Outlets", "fr": "Médias", "ar": "الوسائل الإعلامية"},
    "press.countries": {"en": "Countries", "fr": "Pays", "ar": "البلدان"},
    "press.over_time": {
        "en": "Articles over time",
        "fr": "Articles dans le temps",
        "ar": "المقالات عبر الزمن",
    },
    "press.map": {"en": "Articles by country", "fr": "Articles par pays", "ar": "المقالات حسب البلد"},
    "press.outlet": {
        "en": "Articles by outlet",
        "fr": "Articles par média",
        "ar": "المقالات حسب الوسيلة الإعلامية",
    },
    "press.lang": {"en": "Articles by language", "fr": "Articles par langue", "ar": "المقالات حسب اللغة"},
    # pipeline health
    "health.store": {
        "en": "From the store (ClickHouse)",
        "fr": "Depuis l'entrepôt (ClickHouse)",
        "ar": "من المخزن (ClickHouse)",
    },
    "health.services": {
        "en": "From the services (Prometheus)",
        "fr": "Depuis les services (Prometheus)",
        "ar": "من الخدمات (Prometheus)",
    },
    "health.rejects_over_time": {
        "en": "Rejected records by reason",
        "fr": "Enregistrements rejetés par motif",
        "ar": "السجلات المرفوضة حسب السبب",
    },
    "health.rejects_table": {"en": "Rejection reasons", "fr": "Motifs de rejet", "ar": "أسباب الرفض"},
    "health.ingest_rate": {
        "en": "Rows stored per second, by table",
        "fr": "Lignes stockées par seconde, par table",
        "ar": "الصفوف المخزنة في الثانية حسب الجدول",
    },
    "health.row_counts": {
        "en": "Rows stored, by table",
        "fr": "Lignes stockées, par table",
        "ar": "الصفوف المخزنة حسب الجدول",
    },
    "health.collector_records": {
        "en": "Collector records per second, by outcome",
        "fr": "Enregistrements reçus par seconde, par résultat",
        "ar": "السجلات المستلمة في الثانية حسب النتيجة",
    },
    "health.consumer_lag": {
        "en": "Aggregator consumer lag",
        "fr": "Retard du consommateur (agrégateur)",
        "ar": "تأخر مستهلك المجمّع",
    },
    "health.batch_seconds": {
        "en": "Aggregator batch time (p50, p95)",
        "fr": "Durée des lots de l'agrégateur (p50, p95)",
        "ar": "مدة دفعات المجمّع (p50، p95)",
    },
    "health.collector_rejects": {
        "en": "Collector rejects per second, by field",
        "fr": "Rejets du collecteur par seconde, par champ",
        "ar": "رفض جامع البيانات في الثانية حسب الحقل",
    },
    # descriptions
    "desc.formula": {"en": "Formula", "fr": "Formule", "ar": "الصيغة"},
    "desc.counter": {
        "en": "{figure}: for each post, the value of its latest metrics snapshot that reports it, "
        "otherwise the number of its distinct interactions of that kind; summed over posts.",
        "fr": "{figure} : pour chaque publication, la valeur du dernier relevé de métriques qui la "
        "donne, sinon le nombre de ses interactions distinctes de ce type ; somme sur les "
        "publications.",
        "ar": "{figure}: لكل منشور، قيمة آخر لقطة مقاييس تذكرها، وإلا عدد تفاعلاته المتميزة من هذا "
        "النوع؛ مجموعة على المنشورات.",
    },
    "desc.posts": {
        "en": "Posts: distinct (platform, post_id) among post records.",
        "fr": "Publications : couples (plateforme, post_id) distincts parmi les enregistrements post.",
        "ar": "المنشورات: الأزواج المتميزة (المنصة، post_id) بين سجلات المنشورات.",
    },
    "desc.engagements": {
        "en": "Engagements = likes + comments + shares + clicks + saves.",
        "fr": "Interactions = j'aime + commentaires + partages + clics + enregistrements.",
        "ar": "التفاعلات = الإعجابات + التعليقات + المشاركات + النقرات + الحفظ.",
    },
    "desc.series": {
        "en": "Each snapshot adds its change since the previous snapshot of the same post, in the "
        "interval of its observed_at; interactions count in the interval of occurred_at. The "
        "intervals add up to the totals.",
        "fr": "Chaque relevé ajoute sa variation depuis le relevé précédent de la même publication, "
        "dans l'intervalle de son observed_at ; les interactions comptent dans l'intervalle de "
        "occurred_at. Les intervalles s'additionnent pour donner les totaux.",
        "ar": "تضيف كل لقطة تغيّرها منذ اللقطة السابقة للمنشور نفسه في فترة observed_at؛ وتُحتسب "
        "التفاعلات في فترة occurred_at. مجموع الفترات يساوي المجاميع.",
    },
    "desc.rate_bucket": {
        "en": "Per interval: Σ engagement changes / Σ denominator changes over the posts whose "
        "denominator is > 0 (by followers: the followers of the posts whose engagements "
        "changed).",
        "fr": "Par intervalle : Σ variations des interactions / Σ variations du dénominateur sur "
        "les publications dont le dénominateur est > 0 (par abonné : les abonnés des "
        "publications dont les interactions ont varié).",
        "ar": "لكل فترة: Σ تغيّرات التفاعلات / Σ تغيّرات المقام على المنشورات التي مقامها > 0 "
        "(حسب المتابعين: متابعو المنشورات التي تغيّرت تفاعلاتها).",
    },
    "desc.spikes": {
        "en": "Per-minute volume in the last 15 min against the 180 min before it; a spike is at "
        "least 3× the baseline with at least 10 in the window (services/reporter/sql/trends.sql).",
        "fr": "Volume par minute des 15 dernières minutes comparé aux 180 minutes précédentes ; un pic "
        "vaut au moins 3× la référence avec au moins 10 dans la fenêtre "
        "(services/reporter/sql/trends.sql).",
        "ar": "الحجم في الدقيقة خلال آخر 15 دقيقة مقارنة بالـ180 دقيقة التي قبلها؛ الذروة ثلاثة "
        "أضعاف خط الأساس على الأقل مع 10 على الأقل في النافذة (services/reporter/sql/trends.sql).",
    },
    "desc.hashtags": {
        "en": "Hashtags by new posts in the last 15 min against the 180 min before; variants of "
        "one tag count together (services/reporter/sql/trending_hashtags.sql).",
        "fr": "Hashtags par nouvelles publications des 15 dernières minutes comparées aux 180 "
        "minutes précédentes ; les variantes d'un même tag comptent ensemble "
        "(services/reporter/sql/trending_hashtags.sql).",
        "ar": "الوسوم حسب المنشورات الجديدة في آخر 15 دقيقة مقارنة بالـ180 دقيقة السابقة؛ تُحتسب "
        "صيغ الوسم الواحد معاً (services/reporter/sql/trending_hashtags.sql).",
    },
    "desc.agenda": {
        "en": "The agenda session under way at the end of the time range (or the next one), from the "
        "event registry; posts created during it and their engagements.",
        "fr": "La session du programme en cours à la fin de la période (ou la suivante), tirée du "
        "registre des événements ; publications créées pendant la session et leurs interactions.",
        "ar": "جلسة البرنامج الجارية في نهاية الفترة (أو التالية)، من سجل الأحداث؛ المنشورات التي "
        "أُنشئت خلالها وتفاعلاتها.",
    },
    "desc.top_posts": {
        "en": "Posts ranked by engagements gained in the last hour, then by engagements to date.",
        "fr": "Publications classées par interactions gagnées pendant la dernière heure, puis par "
        "interactions cumulées.",
        "ar": "المنشورات مرتبة حسب التفاعلات المكتسبة في الساعة الأخيرة، ثم حسب مجموع التفاعلات.",
    },
    "desc.press": {
        "en": "Articles are distinct normalised URLs of mention records (the whole event).",
        "fr": "Les articles sont les URL normalisées distinctes des mentions (tout l'événement).",
        "ar": "المقالات هي الروابط المطبّعة المتميزة لسجلات الإشارات (الحدث كاملاً).",
    },
    "desc.totals": {
        "en": "Whole event, every language: the figures of the reporter's summary.",
        "fr": "Tout l'événement, toutes langues : les chiffres du résumé du reporter.",
        "ar": "الحدث كاملاً وبكل اللغات: أرقام ملخص المُبلِّغ.",
    },
    "desc.rejects": {
        "en": "Records refused by validation, from the rejected table (all events).",
        "fr": "Enregistrements refusés à la validation, table rejected (tous les événements).",
        "ar": "السجلات المرفوضة عند التحقق، من جدول rejected (كل الأحداث).",
    },
    "desc.ingest": {
        "en": "Rows per second by arrival time (the collector's receive time stored as version).",
        "fr": "Lignes par seconde selon l'heure d'arrivée (l'heure de réception du collecteur, "
        "stockée dans version).",
        "ar": "الصفوف في الثانية حسب وقت الوصول (وقت استلام جامع البيانات المخزن في version).",
    },
    "desc.prometheus": {
        "en": "Scraped from the services' /metrics by Prometheus.",
        "fr": "Collecté sur /metrics des services par Prometheus.",
        "ar": "مجموعة من /metrics الخاصة بالخدمات عبر Prometheus.",
    },
    "desc.post_series": {
        "en": "Cumulative value of each counter of the selected post (pick it in the Post "
        "variable or click a post in the table).",
        "fr": "Valeur cumulée de chaque compteur de la publication choisie (variable Publication "
        "ou clic dans le tableau).",
        "ar": "القيمة التراكمية لكل عدّاد للمنشور المختار (اختره من متغير المنشور أو انقر عليه في الجدول).",
    },
}


def t(key: str, lang: str, **values: str) -> str:
    """The label ``key`` in ``lang`` (English when that language lacks it), with ``values`` filled in."""
    entry = LABELS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text
