"""The expert roster and partner directory: records, a synthetic generator, bulk import and export."""

from responders.roster.exporter import export_experts_csv, export_jsonl, export_partners_csv
from responders.roster.generator import generate_roster
from responders.roster.importer import ImportIssue, ImportResult, import_experts, import_partners
from responders.roster.models import (
    Expert,
    ExpertBase,
    ExpertCreate,
    ExpertRead,
    ExpertUpdate,
    Partner,
    PartnerBase,
    PartnerCreate,
    PartnerRead,
    PartnerUpdate,
    apply_expert_update,
    apply_partner_update,
)

__all__ = [
    "Expert", "ExpertBase", "ExpertCreate", "ExpertRead", "ExpertUpdate", "ImportIssue", "ImportResult", "Partner",
    "PartnerBase", "PartnerCreate", "PartnerRead", "PartnerUpdate", "apply_expert_update", "apply_partner_update",
    "export_experts_csv", "export_jsonl", "export_partners_csv", "generate_roster", "import_experts",
    "import_partners",
]
