"""The codes of the outputs, which a pack names (`statistics.outputs`, `opt_outs`): kept
apart from `outputs.py` so the pack check needs no database models."""

OUTPUT_CODES: tuple[str, ...] = (
    "open-cases",
    "referrals",
    "closures",
    "out-of-court-disposals",
    "wider-services",
    "health-screening",
    "victims",
    "victims-restorative-justice",
    "accommodation",
    "ete",
    "send",
    "mental-health",
    "substance-misuse",
    "restorative-justice",
    "serious-violence",
    "early-help-outcomes",
)


def return_codes() -> tuple[str, ...]:
    """The case-level returns' codes (their definitions in statistics/returns/*.yaml)."""
    from pathlib import Path

    import yaml

    folder = Path(__file__).resolve().parent / "returns"
    return tuple(sorted({yaml.safe_load(p.read_text())["code"] for p in folder.glob("*.yaml")}))
