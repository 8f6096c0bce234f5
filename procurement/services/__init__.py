"""Every change to demands, requirements, shared instruments and quotes goes through these services."""

from procurement.services.awards import award_confirm_contract, demand_award
from procurement.services.demands import (
    DemandDraft,
    ExpiryResult,
    demand_cancel,
    demand_close,
    demand_create,
    demand_drafts_create,
    demand_expire_overdue,
    demand_open,
    demand_revise,
    demand_shared_check_answer,
    demand_update,
)
from procurement.services.import_justifications import (
    expert_opinion_sign,
    expert_panel_assign,
    import_dossier_build,
    import_justification_allows,
    import_justification_review,
    import_justification_submit,
)
from procurement.services.quotes import deadline_has_passed, quote_submit, quote_withdraw, quotes_open_due
from procurement.services.requirements import requirements_validate
from procurement.services.shared_instruments import (
    shared_instrument_create,
    shared_instrument_delete,
    shared_instrument_import,
    shared_instrument_update,
    shared_instrument_upload_read,
)

__all__ = [
    "DemandDraft",
    "ExpiryResult",
    "award_confirm_contract",
    "deadline_has_passed",
    "demand_award",
    "demand_cancel",
    "demand_close",
    "demand_create",
    "demand_drafts_create",
    "demand_expire_overdue",
    "demand_open",
    "demand_revise",
    "demand_shared_check_answer",
    "demand_update",
    "expert_opinion_sign",
    "expert_panel_assign",
    "import_dossier_build",
    "import_justification_allows",
    "import_justification_review",
    "import_justification_submit",
    "quote_submit",
    "quote_withdraw",
    "quotes_open_due",
    "requirements_validate",
    "shared_instrument_create",
    "shared_instrument_delete",
    "shared_instrument_import",
    "shared_instrument_update",
    "shared_instrument_upload_read",
]
