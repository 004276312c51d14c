"""Platform webhooks: ``GET`` (verification handshake) and ``POST`` (deliveries) on
``/v1/webhooks/{platform}/{event}``, for ``meta``, ``x``, ``linkedin`` and ``tiktok``.

The platforms do not know sada's event slugs, so the URL carries it: one
webhook URL per tracked event, registered in the platform's dashboard.

Every delivery is verified before anything is read, with the platform's own
scheme over the raw body, compared in constant time (:mod:`.signatures`,
PLATFORMS.md). Answers: 404 unknown platform, 400 bad event slug, 503 when the
platform's secret is not set (naming the variable), 401 without the signature
header, 413 above ``SADA_MAX_BODY_BYTES``, 403 for a wrong signature or a stale
timestamp, 503 + ``Retry-After`` while Kafka does not acknowledge, else 200.
A verified delivery is always answered 200 once Kafka has its records: an
item sada cannot map goes to the dead-letter topic with its reason (and is
counted), because a platform answered with an error only retries the same
bytes, then disables the webhook. Secrets are never logged or echoed: answers
name the setting, never its value.

Modules: :mod:`.signatures` (the schemes, pure functions), one mapper a
platform (:mod:`.meta`, :mod:`.x`, :mod:`.linkedin`, :mod:`.tiktok`: each
documents its mapping to format v1), :mod:`.handshakes` (the verification
requests), :mod:`.platforms` (what differs between platforms) and
:mod:`.routes` (the HTTP side).
"""
