"""Planning: every unit's keep-until date, computed in chunks and written in bulk.

For each chunk of cases (or people) the planner reads the facts the controller's rules need
with a handful of `values()` queries (the case and person columns, then one grouped query per
kind of fact: court orders, contacts, flags, holds), reckons each unit in memory with the pure
functions of `rules.py`, and writes only the units whose answer changed, in one guarded upsert
per chunk. No query is made per unit.

The same chunk functions serve three callers: `plan` (everything, by id range), the write
hooks (`services.recompute_for_case/person`: a few ids, inside the writer's transaction) and
the sweep (the units it is about to dispose of, re-checked inside its own transaction).

Concurrency: a unit's `revision` is bumped by every write to it. The upsert overwrites a unit
only at the revision it read, so a plan never undoes an approval, a disposal or a hold that
landed while it was computing; those units are counted as `skipped` and the next plan takes
them up.

Where each part lives: `packs` (what a controller's rules read), `rows` (which rows a chunk
covers, and reading them), `holds` (legal holds and open rights requests), `case_files` and
`people` (the facts of a chunk, reckoned into proposals), `proposals` (a unit as it should
now be: anchors, digest, status), `writing` (the guarded bulk write) and `run` (the whole
plan, workers, units falling due, and `recompute` for the write hooks).
"""

from safehold.retention.planner.case_files import propose_case_files
from safehold.retention.planner.holds import Holds
from safehold.retention.planner.packs import PackRules, Packs
from safehold.retention.planner.people import propose_people
from safehold.retention.planner.proposals import Proposal
from safehold.retention.planner.rows import CHUNK, Scope, by_ids, chunks, live_cases
from safehold.retention.planner.run import PLAN_CHUNK, PlanReport, fall_due, plan, recompute
from safehold.retention.planner.writing import write

__all__ = [
    "CHUNK",
    "PLAN_CHUNK",
    "Holds",
    "PackRules",
    "Packs",
    "PlanReport",
    "Proposal",
    "Scope",
    "by_ids",
    "chunks",
    "fall_due",
    "live_cases",
    "plan",
    "propose_case_files",
    "propose_people",
    "recompute",
    "write",
]
