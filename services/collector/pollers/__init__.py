"""Platform pollers (issue 6): one module per platform, the same shape (``base.Poller``).

``service.CONNECTORS`` lists them; ``service.Collection`` runs some of them for some events;
``service.attach_pollers`` runs the configured ones inside the collector.
"""

# The connectors, in the order they are listed (``service.CONNECTORS`` maps them to their class);
# kept here so the command line can list them without importing the pollers.
CONNECTOR_NAMES = ("x", "youtube", "facebook", "instagram", "linkedin", "tiktok", "press")
