"""The codes of the outputs, which a pack names (`statistics.outputs`, `opt_outs`): kept
apart from `outputs.py` so the pack check needs no database models."""

OUTPUT_CODES: tuple[str, ...] = (
    "open-cases",
    "referrals",
    "closures",
    "out-of-court-disposals",
    "wider-services",
    "health-screening",
)
