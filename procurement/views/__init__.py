"""Demand pages. Views read through selectors and change through services; rules live there, not here."""

from procurement.views.awards import award_confirm, award_detail, award_list
from procurement.views.comparison import demand_comparison, demand_comparison_pdf, demand_comparison_xlsx
from procurement.views.demands import (
    demand_cancel,
    demand_check,
    demand_close,
    demand_create,
    demand_detail,
    demand_edit,
    demand_for_manufacturer,
    demand_list,
    demand_mine,
    demand_open,
    demand_revise,
    requirement_rows,
)
from procurement.views.dossier import expert_opinion, expert_panel, import_dossier_pdf
from procurement.views.offers import (
    demand_award,
    import_justification,
    import_justification_queue,
    import_justification_review,
    quote_create,
    quote_edit,
    quote_withdraw,
)
from procurement.views.shared_instruments import (
    shared_instrument_create,
    shared_instrument_delete,
    shared_instrument_edit,
    shared_instrument_import,
    shared_instrument_list,
)

__all__ = [
    "award_confirm",
    "award_detail",
    "award_list",
    "demand_award",
    "demand_cancel",
    "demand_check",
    "demand_close",
    "demand_comparison",
    "demand_comparison_pdf",
    "demand_comparison_xlsx",
    "demand_create",
    "demand_detail",
    "demand_edit",
    "demand_for_manufacturer",
    "demand_list",
    "demand_mine",
    "demand_open",
    "demand_revise",
    "expert_opinion",
    "expert_panel",
    "import_dossier_pdf",
    "import_justification",
    "import_justification_queue",
    "import_justification_review",
    "quote_create",
    "quote_edit",
    "quote_withdraw",
    "requirement_rows",
    "shared_instrument_create",
    "shared_instrument_delete",
    "shared_instrument_edit",
    "shared_instrument_import",
    "shared_instrument_list",
]
