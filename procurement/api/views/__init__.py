"""`demands`, `shared-instruments`, `quotes` and `import-justifications`."""

from procurement.api.views.demands import DemandViewSet
from procurement.api.views.offers import ImportJustificationViewSet, QuoteViewSet
from procurement.api.views.shared_instruments import SharedInstrumentViewSet

__all__ = ["DemandViewSet", "ImportJustificationViewSet", "QuoteViewSet", "SharedInstrumentViewSet"]
