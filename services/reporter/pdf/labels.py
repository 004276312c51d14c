"""The report's words in Arabic, French and English, and numbers and dates as each language writes them.

Every label lives in :data:`LABELS` (our own wording). Numbers:

- ``en``: 314,000 · 9.84% · 26 October 2022
- ``fr``: 314 000 (narrow no-break space U+202F) · 9,84 % · 26 octobre 2022
- ``ar``: 314,000 · 9.84% (Western digits, the default) or, with ``arabic_digits``,
  ٣١٤٬٠٠٠ · ٩٫٨٤٪ (Arabic-Indic digits, Arabic separators)
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from shared.registry import LANGS

RTL_LANGS = frozenset({"ar"})
NNBSP = "\u202f"  # narrow no-break space: French thousands and "9,84 %"
NBSP = "\u00a0"
LRM = "\u200e"  # left-to-right mark
RLM = "\u200f"  # right-to-left mark
ALM = "\u061c"  # Arabic letter mark
BIDI_MARKS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
NOT_REPORTED = "—"

LABELS: dict[str, dict[str, str]] = {
    # cover
    "report": {"ar": "تقرير الحملة الرقمية", "fr": "Bilan de la campagne", "en": "Campaign report"},
    "subtitle": {
        "ar": "شبكات التواصل الاجتماعي والتغطية الصحفية",
        "fr": "Réseaux sociaux et couverture presse",
        "en": "Social media and press coverage",
    },
    "dates": {"ar": "تواريخ الحدث", "fr": "Dates de l'événement", "en": "Event dates"},
    "dates_unknown": {
        "ar": "لا يذكر السجل تواريخ الحدث",
        "fr": "Le registre ne donne pas les dates",
        "en": "The registry gives no dates",
    },
    "timezone": {"ar": "المنطقة الزمنية", "fr": "Fuseau horaire", "en": "Time zone"},
    "generated": {"ar": "تاريخ الإعداد", "fr": "Généré le", "en": "Generated on"},
    "date_range": {"ar": "من {start} إلى {end}", "fr": "du {start} au {end}", "en": "{start} – {end}"},
    "no_data": {
        "ar": "لم تسجل أي بيانات لهذا الحدث بعد.",
        "fr": "Aucune donnée n'a encore été enregistrée pour cet événement.",
        "en": "No data has been recorded for this event yet.",
    },
    "no_data_detail": {
        "ar": "لا تعرض هذه الصفحات أي أرقام، إذ لم يصل أي منشور أو تفاعل أو مقال صحفي يخص هذا الحدث.",
        "fr": "Ce rapport ne montre donc aucun chiffre : aucune publication, interaction ni aucun article "
        "de presse n'a été reçu pour cet événement.",
        "en": "This report therefore shows no figures: no post, interaction or press article has been "
        "received for this event.",
    },
    # headline figures
    "headline": {"ar": "الأرقام الرئيسية", "fr": "Chiffres clés", "en": "Headline figures"},
    "posts": {"ar": "المنشورات", "fr": "Publications", "en": "Posts"},
    "views": {"ar": "المشاهدات", "fr": "Vues", "en": "Views"},
    "engagements": {"ar": "التفاعلات", "fr": "Interactions", "en": "Engagements"},
    "impressions": {"ar": "مرات الظهور", "fr": "Impressions", "en": "Impressions"},
    "reach": {"ar": "الوصول", "fr": "Portée", "en": "Reach"},
    "followers": {"ar": "المتابعون", "fr": "Abonnés", "en": "Followers"},
    "likes": {"ar": "الإعجابات", "fr": "J'aime", "en": "Likes"},
    "comments": {"ar": "التعليقات", "fr": "Commentaires", "en": "Comments"},
    "shares": {"ar": "المشاركات", "fr": "Partages", "en": "Shares"},
    "clicks": {"ar": "النقرات", "fr": "Clics", "en": "Clicks"},
    "saves": {"ar": "الحفظ", "fr": "Enregistrements", "en": "Saves"},
    "rate": {"ar": "معدل التفاعل", "fr": "Taux d'engagement", "en": "Engagement rate"},
    "by_impressions": {"ar": "حسب مرات الظهور", "fr": "par impressions", "en": "by impressions"},
    "by_reach": {"ar": "حسب الوصول", "fr": "par portée", "en": "by reach"},
    "by_views": {"ar": "حسب المشاهدات", "fr": "par vues", "en": "by views"},
    "by_followers": {"ar": "حسب المتابعين", "fr": "par abonnés", "en": "by followers"},
    "rate_short": {"ar": "المعدل", "fr": "Taux", "en": "Rate"},
    "highest_on": {
        "ar": "الأعلى: {platform} ({rate})",
        "fr": "Le plus élevé : {platform} ({rate})",
        "en": "Highest: {platform} ({rate})",
    },
    "rate_on": {
        "ar": "معدل التفاعل حسب مرات الظهور على {platform}",
        "fr": "Taux d'engagement par impressions sur {platform}",
        "en": "Engagement rate by impressions on {platform}",
    },
    "all_platforms": {
        "ar": "كل المنصات: {rate}",
        "fr": "Toutes plateformes : {rate}",
        "en": "All platforms: {rate}",
    },
    "articles_label": {"ar": "المقالات الصحفية", "fr": "Articles de presse", "en": "Press articles"},
    "countries": {"ar": "البلدان", "fr": "Pays", "en": "Countries"},
    "outlets": {"ar": "وسائل الإعلام", "fr": "Médias", "en": "Outlets"},
    # the headline in words, put together from the parts that have figures
    "words_posts": {"ar": "{n} من المنشورات", "fr": "{n} publications", "en": "{n} posts"},
    "words_views": {"ar": "{n} من المشاهدات", "fr": "{n} vues", "en": "{n} views"},
    "words_engagements": {"ar": "{n} من التفاعلات", "fr": "{n} interactions", "en": "{n} engagements"},
    "words_social": {
        "ar": "{parts} على {platforms}.",
        "fr": "{parts} sur {platforms}.",
        "en": "{parts} on {platforms}.",
    },
    "words_press": {
        "ar": "{n} من المقالات الصحفية",
        "fr": "{n} articles de presse",
        "en": "{n} press articles",
    },
    "words_press_countries": {
        "ar": "{press} في {countries} من البلدان.",
        "fr": "{press} dans {countries} pays.",
        "en": "{press} in {countries} countries.",
    },
    "none_recorded": {"ar": "لم يسجل شيء", "fr": "aucun enregistrement", "en": "none recorded"},
    "and": {"ar": "و", "fr": " et ", "en": " and "},
    # platforms
    "by_platform": {"ar": "حسب المنصة", "fr": "Par plateforme", "en": "By platform"},
    "platform": {"ar": "المنصة", "fr": "Plateforme", "en": "Platform"},
    "total": {"ar": "المجموع", "fr": "Total", "en": "Total"},
    "no_platform_data": {"ar": "لم تصل أي بيانات", "fr": "aucune donnée reçue", "en": "no data received"},
    "missing_platforms": {
        "ar": "منصات يتابعها السجل ولم تصل منها أي بيانات: {platforms}.",
        "fr": "Plateformes suivies dans le registre dont aucune donnée n'a été reçue : {platforms}.",
        "en": "Platforms the registry tracks but from which no data was received: {platforms}.",
    },
    "dash_note": {
        "ar": "«—»: لم تبلغ عنه المنصة، أو قيمته صفر، فلا يحسب المعدل.",
        "fr": "« — » : non communiqué par la plateforme, ou nul ; le taux n'est alors pas calculé.",
        "en": "“—”: not reported by the platform, or zero; the rate is then not calculated.",
    },
    # days
    "days_title": {
        "ar": "التفاعل على مدى أيام الحدث",
        "fr": "L'engagement jour par jour",
        "en": "Engagement over the event's days",
    },
    "days_chart": {
        "ar": "التفاعلات حسب اليوم والمنصة",
        "fr": "Interactions par jour et par plateforme",
        "en": "Engagements per day and platform",
    },
    "date": {"ar": "التاريخ", "fr": "Date", "en": "Date"},
    "event_day": {"ar": "يوم الحدث", "fr": "Jour de l'événement", "en": "Event day"},
    "day_n": {"ar": "اليوم {n}", "fr": "Jour {n}", "en": "Day {n}"},
    "outside": {"ar": "خارج أيام الحدث", "fr": "hors événement", "en": "outside the event"},
    "days_note": {
        "ar": "الأيام بتوقيت {tz}. يحتسب كل يوم ما أبلغت عنه المنصات من تغيرات في ذلك اليوم.",
        "fr": "Jours selon le fuseau {tz}. Chaque jour compte les variations signalées ce jour-là.",
        "en": "Days on the {tz} clock. Each day counts the changes reported on that day.",
    },
    "no_days": {
        "ar": "لا توجد تفاعلات مسجلة حسب اليوم.",
        "fr": "Aucune interaction datée n'a été enregistrée.",
        "en": "No dated engagement has been recorded.",
    },
    # sessions
    "sessions_title": {
        "ar": "جلسات البرنامج الأكثر تفاعلا",
        "fr": "Les sessions du programme les plus engageantes",
        "en": "Agenda sessions that drew the most engagement",
    },
    "session": {"ar": "الجلسة", "fr": "Session", "en": "Session"},
    "time": {"ar": "التوقيت", "fr": "Horaire", "en": "Time"},
    "room": {"ar": "القاعة", "fr": "Salle", "en": "Room"},
    "sessions_note": {
        "ar": "المنشورات التي نشرت خلال كل جلسة، وتفاعلاتها.",
        "fr": "Publications parues pendant chaque session, et leurs interactions.",
        "en": "Posts published during each session, and their engagements.",
    },
    "no_agenda": {
        "ar": "لا يتضمن السجل برنامجا لهذا الحدث.",
        "fr": "Le registre ne donne pas de programme pour cet événement.",
        "en": "The registry gives no agenda for this event.",
    },
    "no_session_posts": {
        "ar": "لم ينشر أي منشور خلال جلسات البرنامج.",
        "fr": "Aucune publication n'est parue pendant les sessions du programme.",
        "en": "No post was published during the agenda sessions.",
    },
    # top posts
    "top_posts": {
        "ar": "المنشورات الأكثر تفاعلا",
        "fr": "Les publications les plus engageantes",
        "en": "Top posts",
    },
    "no_text": {"ar": "(لم يصل نص المنشور)", "fr": "(texte non reçu)", "en": "(no text received)"},
    "no_posts": {
        "ar": "لا توجد منشورات مسجلة.",
        "fr": "Aucune publication enregistrée.",
        "en": "No posts recorded.",
    },
    # hashtags
    "hashtags": {"ar": "الوسوم", "fr": "Hashtags", "en": "Hashtags"},
    "hashtag": {"ar": "الوسم", "fr": "Hashtag", "en": "Hashtag"},
    "no_hashtags": {
        "ar": "لم تسجل أي وسوم مع المنشورات.",
        "fr": "Aucun hashtag n'a été enregistré avec les publications.",
        "en": "No hashtags were recorded with the posts.",
    },
    # press
    "press": {"ar": "التغطية الصحفية", "fr": "Couverture presse", "en": "Press coverage"},
    "by_country": {"ar": "حسب البلد", "fr": "Par pays", "en": "By country"},
    "country": {"ar": "البلد", "fr": "Pays", "en": "Country"},
    "by_outlet": {"ar": "حسب وسيلة الإعلام", "fr": "Par média", "en": "By outlet"},
    "outlet": {"ar": "وسيلة الإعلام", "fr": "Média", "en": "Outlet"},
    "articles": {"ar": "المقالات", "fr": "Articles", "en": "Articles"},
    "press_chart": {
        "ar": "المقالات الصحفية حسب يوم النشر",
        "fr": "Articles de presse par jour de parution",
        "en": "Press articles per day of publication",
    },
    "press_note": {
        "ar": "الأيام بتوقيت {tz}، وأيام الحدث باللون الداكن.",
        "fr": "Jours selon le fuseau {tz} ; les jours de l'événement en foncé.",
        "en": "Days on the {tz} clock; the event's days in the darker colour.",
    },
    "not_given": {"ar": "غير محدد", "fr": "Non précisé", "en": "Not given"},
    "others": {"ar": "أخرى ({n})", "fr": "Autres ({n})", "en": "Others ({n})"},
    "no_press": {
        "ar": "لم تسجل أي مقالات صحفية.",
        "fr": "Aucun article de presse n'a été enregistré.",
        "en": "No press articles were recorded.",
    },
    # comparison
    "comparison": {
        "ar": "مقارنة بالدورة السابقة",
        "fr": "Comparaison avec l'édition précédente",
        "en": "Compared with the previous edition",
    },
    "indicator": {"ar": "المؤشر", "fr": "Indicateur", "en": "Indicator"},
    "change": {"ar": "التغير", "fr": "Évolution", "en": "Change"},
    "points": {"ar": "نقطة", "fr": "pt", "en": "pt"},
    "previous_no_data": {
        "ar": "لا توجد بيانات للدورة السابقة ({name}) في قاعدة البيانات، فلا تتأتى المقارنة.",
        "fr": "L'édition précédente ({name}) n'a aucune donnée enregistrée : pas de comparaison possible.",
        "en": "The previous edition ({name}) has no data in the store, so there is nothing to compare.",
    },
    # methods
    "methods": {"ar": "المنهجية", "fr": "Méthodologie", "en": "Methods"},
    "formulas": {"ar": "كيف تحسب المعدلات", "fr": "Calcul des taux", "en": "How the rates are calculated"},
    "engagements_are": {
        "ar": "التفاعلات = {parts}",
        "fr": "Interactions = {parts}",
        "en": "Engagements = {parts}",
    },
    "formula": {
        "ar": "Σ التفاعلات ÷ Σ {den}، على المنشورات التي لها {den} أكثر من 0",
        "fr": "Σ interactions ÷ Σ {den}, sur les publications où {den} > 0",
        "en": "Σ engagements ÷ Σ {den}, over the posts with {den} > 0",
    },
    "weighted": {
        "ar": "المعدل مرجح: مجموع على كل المنشورات، وليس متوسط معدلات المنشورات. "
        "ولا يعرض (—) إذا كان المقام صفرا.",
        "fr": "Un taux est pondéré (des sommes sur les publications), jamais la moyenne des taux de chaque "
        "publication ; il n'est pas affiché (—) quand son dénominateur est nul.",
        "en": "A rate is weighted (sums over the posts), never the mean of per-post rates; it is not shown "
        "(—) when its denominator is 0.",
    },
    "counting": {"ar": "قواعد العد", "fr": "Règles de comptage", "en": "Counting rules"},
    "counting_text": {
        "ar": "يحتسب كل منشور وكل لقطة إحصائية وكل تفاعل وكل مقال مرة واحدة مهما تكرر استلامه. "
        "تؤخذ قيمة كل عداد من آخر ما أبلغت عنه المنصة، وإلا تعد التفاعلات المستلمة واحدا واحدا. "
        "المقال الصحفي هو رابط فريد.",
        "fr": "Chaque publication, relevé, interaction et article compte une fois, même reçu plusieurs fois. "
        "Un compteur prend la dernière valeur signalée par la plateforme ; à défaut, les interactions "
        "reçues sont comptées une à une. Un article de presse est une adresse unique.",
        "en": "Each post, snapshot, interaction and article counts once, however often it was received. A "
        "counter takes the latest value the platform reported; without one, the interactions received "
        "are counted one by one. A press article is one distinct address.",
    },
    "window": {
        "ar": "النافذة الزمنية للبيانات",
        "fr": "Période couverte par les données",
        "en": "Data window",
    },
    "window_text": {
        "ar": "من {start} إلى {end} (بتوقيت {tz})",
        "fr": "Du {start} au {end} (fuseau {tz})",
        "en": "From {start} to {end} ({tz} time)",
    },
    "window_none": {"ar": "لا توجد بيانات.", "fr": "Aucune donnée.", "en": "No data."},
    "sources": {"ar": "المصادر", "fr": "Sources", "en": "Sources"},
    "sources_text": {
        "ar": "المنصات: {platforms}.",
        "fr": "Plateformes : {platforms}.",
        "en": "Platforms: {platforms}.",
    },
    "sources_press": {
        "ar": "الصحافة والمدونات: {n} من المقالات.",
        "fr": "Presse et blogs : {n} articles.",
        "en": "Press and blogs: {n} articles.",
    },
    "sources_none": {"ar": "لم يصل أي مصدر.", "fr": "Aucune source reçue.", "en": "No source received."},
    "rejected": {"ar": "السجلات المرفوضة", "fr": "Enregistrements rejetés", "en": "Rejected records"},
    "rejected_text": {
        "ar": "عدد السجلات المرفوضة عند الاستلام (غير صالحة أو ناقصة) ولم تحتسب: {n}.",
        "fr": "Enregistrements rejetés à la réception (invalides ou incomplets), non comptés : {n}.",
        "en": "Records rejected at intake (invalid or incomplete) and not counted: {n}.",
    },
    "tz_text": {
        "ar": "الأيام والأوقات في هذا التقرير بتوقيت {tz}، المنطقة الزمنية للحدث.",
        "fr": "Les jours et heures de ce rapport suivent le fuseau {tz}, celui de l'événement.",
        "en": "Days and times in this report are on the {tz} clock, the event's time zone.",
    },
    # footer
    "page": {"ar": "الصفحة {n} من {total}", "fr": "Page {n} sur {total}", "en": "Page {n} of {total}"},
}

# The denominators of shared.metrics.RATES as a formula names them.
DENOMINATORS: dict[str, dict[str, str]] = {
    "impressions": {"ar": "مرات الظهور", "fr": "impressions", "en": "impressions"},
    "reach": {"ar": "الوصول", "fr": "portée", "en": "reach"},
    "views": {"ar": "المشاهدات", "fr": "vues", "en": "views"},
    "followers": {"ar": "المتابعين", "fr": "abonnés", "en": "followers"},
}
# The counters of shared.metrics.ENGAGEMENT_COUNTERS as a formula names them.
COUNTER_WORDS: dict[str, dict[str, str]] = {
    "likes": {"ar": "الإعجابات", "fr": "j'aime", "en": "likes"},
    "comments": {"ar": "التعليقات", "fr": "commentaires", "en": "comments"},
    "shares": {"ar": "المشاركات", "fr": "partages", "en": "shares"},
    "clicks": {"ar": "النقرات", "fr": "clics", "en": "clicks"},
    "saves": {"ar": "الحفظ", "fr": "enregistrements", "en": "saves"},
}

PLATFORM_NAMES: dict[str, dict[str, str]] = {
    "linkedin": {"ar": "لينكدإن", "fr": "LinkedIn", "en": "LinkedIn"},
    "facebook": {"ar": "فيسبوك", "fr": "Facebook", "en": "Facebook"},
    "x": {"ar": "إكس", "fr": "X", "en": "X"},
    "instagram": {"ar": "إنستغرام", "fr": "Instagram", "en": "Instagram"},
    "youtube": {"ar": "يوتيوب", "fr": "YouTube", "en": "YouTube"},
    "tiktok": {"ar": "تيك توك", "fr": "TikTok", "en": "TikTok"},
    "web": {"ar": "الصحافة والمدونات", "fr": "Presse et blogs", "en": "Press and blogs"},
}

# ISO 3166-1 alpha-2 -> (ar, fr, en); a code not listed is printed as it is.
COUNTRIES: dict[str, tuple[str, str, str]] = {
    "MA": ("المغرب", "Maroc", "Morocco"),
    "DZ": ("الجزائر", "Algérie", "Algeria"),
    "TN": ("تونس", "Tunisie", "Tunisia"),
    "LY": ("ليبيا", "Libye", "Libya"),
    "EG": ("مصر", "Égypte", "Egypt"),
    "MR": ("موريتانيا", "Mauritanie", "Mauritania"),
    "SN": ("السنغال", "Sénégal", "Senegal"),
    "CI": ("ساحل العاج", "Côte d'Ivoire", "Côte d'Ivoire"),
    "CM": ("الكاميرون", "Cameroun", "Cameroon"),
    "GA": ("الغابون", "Gabon", "Gabon"),
    "ML": ("مالي", "Mali", "Mali"),
    "GH": ("غانا", "Ghana", "Ghana"),
    "NG": ("نيجيريا", "Nigeria", "Nigeria"),
    "BF": ("بوركينا فاسو", "Burkina Faso", "Burkina Faso"),
    "NE": ("النيجر", "Niger", "Niger"),
    "BJ": ("بنين", "Bénin", "Benin"),
    "TG": ("توغو", "Togo", "Togo"),
    "GN": ("غينيا", "Guinée", "Guinea"),
    "CD": ("الكونغو الديمقراطية", "RD Congo", "DR Congo"),
    "CG": ("الكونغو", "Congo", "Congo"),
    "RW": ("رواندا", "Rwanda", "Rwanda"),
    "KE": ("كينيا", "Kenya", "Kenya"),
    "ET": ("إثيوبيا", "Éthiopie", "Ethiopia"),
    "ZA": ("جنوب إفريقيا", "Afrique du Sud", "South Africa"),
    "SA": ("السعودية", "Arabie saoudite", "Saudi Arabia"),
    "AE": ("الإمارات", "Émirats arabes unis", "United Arab Emirates"),
    "QA": ("قطر", "Qatar", "Qatar"),
    "KW": ("الكويت", "Koweït", "Kuwait"),
    "BH": ("البحرين", "Bahreïn", "Bahrain"),
    "OM": ("عمان", "Oman", "Oman"),
    "JO": ("الأردن", "Jordanie", "Jordan"),
    "LB": ("لبنان", "Liban", "Lebanon"),
    "IQ": ("العراق", "Irak", "Iraq"),
    "TR": ("تركيا", "Turquie", "Türkiye"),
    "FR": ("فرنسا", "France", "France"),
    "BE": ("بلجيكا", "Belgique", "Belgium"),
    "CH": ("سويسرا", "Suisse", "Switzerland"),
    "ES": ("إسبانيا", "Espagne", "Spain"),
    "PT": ("البرتغال", "Portugal", "Portugal"),
    "IT": ("إيطاليا", "Italie", "Italy"),
    "DE": ("ألمانيا", "Allemagne", "Germany"),
    "NL": ("هولندا", "Pays-Bas", "Netherlands"),
    "GB": ("المملكة المتحدة", "Royaume-Uni", "United Kingdom"),
    "IE": ("أيرلندا", "Irlande", "Ireland"),
    "LU": ("لوكسمبورغ", "Luxembourg", "Luxembourg"),
    "SE": ("السويد", "Suède", "Sweden"),
    "US": ("الولايات المتحدة", "États-Unis", "United States"),
    "CA": ("كندا", "Canada", "Canada"),
    "BR": ("البرازيل", "Brésil", "Brazil"),
    "CN": ("الصين", "Chine", "China"),
    "IN": ("الهند", "Inde", "India"),
    "JP": ("اليابان", "Japon", "Japan"),
}

MONTHS = {
    "ar": (
        "يناير",
        "فبراير",
        "مارس",
        "أبريل",
        "مايو",
        "يونيو",
        "يوليو",
        "أغسطس",
        "سبتمبر",
        "أكتوبر",
        "نوفمبر",
        "ديسمبر",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
SHORT_MONTHS = {
    "ar": MONTHS["ar"],
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

_ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


class Words:
    """The labels, numbers and dates of one report language."""

    def __init__(self, lang: str, arabic_digits: bool = False):
        if lang not in LANGS:
            raise ValueError(f"unknown report language {lang!r}; expected one of {', '.join(LANGS)}")
        self.lang = lang
        self.rtl = lang in RTL_LANGS
        self.arabic_digits = arabic_digits and lang == "ar"

    def __call__(self, key: str, **values: object) -> str:
        text = LABELS[key][self.lang]
        return text.format(**values) if values else text

    def digits(self, text: str) -> str:
        return text.translate(_ARABIC_INDIC) if self.arabic_digits else text

    def number(self, value: int | None) -> str:
        """314,000 (en, ar) · 314 000 (fr) · ٣١٤٬٠٠٠ (ar with Arabic digits)."""
        if value is None:
            return NOT_REPORTED
        text = f"{value:,}"
        if self.lang == "fr":
            return text.replace(",", NNBSP)
        if self.arabic_digits:
            return self.digits(text.replace(",", "٬"))
        return text

    def decimal(self, value: float, places: int = 2) -> str:
        text = f"{value:,.{places}f}"
        if self.lang == "fr":
            return text.replace(",", NNBSP).replace(".", ",")
        if self.arabic_digits:
            return self.digits(text.replace(",", "٬").replace(".", "٫"))
        return text

    def percent(self, fraction: float | None, places: int = 2, signed: bool = False) -> str:
        """9.84% (en) · 9,84 % (fr) · 9.84% (ar) or ٩٫٨٤٪ (ar with Arabic digits); — when unknown.

        In Arabic text Western digits after Arabic letters are Arabic numbers to the
        bidi algorithm, which would put a plain % on their left; as in CLDR's ``ar``
        locale, left-to-right marks around the % (and before a sign) keep "9.84%"
        in one left-to-right run. With Arabic digits the sign is ٪ followed by the
        Arabic letter mark, and reads after the number, to its left, as CLDR has it.
        """
        if fraction is None:
            return NOT_REPORTED
        text = self.decimal(abs(fraction) * 100, places)
        sign = (
            ("+" if fraction > 0 else "−" if fraction < 0 else "")
            if signed
            else ("−" if fraction < 0 else "")
        )
        if self.lang == "fr":
            return f"{sign}{text}{NNBSP}%"
        if self.arabic_digits:
            return f"{sign}{text}٪{ALM}"
        if self.lang == "ar":
            return f"{LRM + sign if sign else ''}{text}{LRM}%{LRM}"
        return f"{sign}{text}%"

    def signed_number(self, value: int) -> str:
        sign = "+" if value > 0 else "−" if value < 0 else ""
        return (LRM if sign and self.lang == "ar" else "") + sign + self.number(abs(value))

    def month(self, month: int, short: bool = False) -> str:
        return (SHORT_MONTHS if short else MONTHS)[self.lang][month - 1]

    def date(self, day: date | datetime, year: bool = True, short: bool = False) -> str:
        text = f"{day.day} {self.month(day.month, short)}"
        if year:
            text += f" {day.year}"
        return self.digits(text)

    def time(self, moment: datetime) -> str:
        return self.digits(moment.strftime("%H:%M"))

    def moment(self, moment: datetime) -> str:
        return f"{self.date(moment)} {self.time(moment)}"

    def date_range(self, start: date, end: date) -> str:
        if start == end:
            return self.date(start)
        if (start.year, start.month) == (end.year, end.month):
            first = self.digits(str(start.day))
        elif start.year == end.year:
            first = self.date(start, year=False)
        else:
            first = self.date(start)
        return self("date_range", start=first, end=self.date(end))

    def platform(self, name: str) -> str:
        return PLATFORM_NAMES.get(name, {}).get(self.lang, name)

    def country(self, code: str) -> str:
        if not code:
            return self("not_given")
        names = COUNTRIES.get(code.upper())
        return names[LANGS.index(self.lang)] if names else code

    def join(self, items: list[str]) -> str:
        """a, b and c · a, b et c · أ وب وج"""
        if not items:
            return ""
        if self.lang == "ar":
            return " و".join(items)
        if len(items) == 1:
            return items[0]
        return ", ".join(items[:-1]) + self("and") + items[-1]


def strong_direction(text: str) -> str | None:
    """``"rtl"`` or ``"ltr"`` after the first strongly directional character, ``None`` without one."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None
