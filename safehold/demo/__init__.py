"""Synthetic demo data: a realistic population for the loaded packs' controllers, in bulk.

Everything here is made up (Faker, `en_GB`, seeded): young people aged 10-18 with their families,
victims linked to offences, professionals, teams and staff for every role of the pack, and cases
of the pack's services with their contacts, assessments, plans, offences, outcomes and reports.
Phone numbers come from Ofcom's drama ranges and e-mail addresses from the reserved `example`
domains, so nothing generated can reach a real person.

It works in chunks of people. A chunk is generated in memory as plain rows with chunk-local ids;
then each table's real ids are reserved in one query (a block of the table's sequence on
PostgreSQL; past the largest id on SQLite, whose write lock the transaction already holds), and
its rows are written in one statement: COPY on PostgreSQL, one prepared INSERT run for every row
on SQLite. Django's bulk_create would do, but it spends about 80% of a 100k-person run compiling
SQL value by value. Staff and teams, a few hundred rows, do go through bulk_create. Each chunk
is audited with one event per record type, in the chunk's transaction. The number of queries
grows with the number of chunks, never with the number of rows.

Every row it writes is `created_by` one inactive system account (`safehold-demo`), which is how
a later run tells demo people from real ones: it refuses to add to a database holding people it
did not make, unless forced.

Relationships read from the young person: `Relationship(person=young person, other=mother,
kind=parent)` says the other is the young person's parent; `lives_with` that they share a home.

It is a tool that uses the whole system (staff, the access policy, the gate, the audit log and
retention), so it sits at the top of the tree, above every app it writes through:

- `services`   `generate`: the run, chunk by chunk, and the planner's statistics after it
- `population` `World`: young people, families, victims, professionals, cases and their records
- `staff`      teams and staff for every role of a pack (`Workforce`)
- `vocabulary` Faker's pools and the words the records are made of
- `rows`       writing a chunk in bulk (reserved ids, COPY or one prepared INSERT)
- `living`     `living_service`: former young people, legal holds, a break-glass use
- `base`       the demo account, the controllers to fill, the audit entry of a batch

`services` is the way in (`from safehold.demo import services as demo`): it also gives
`living_service` and the names a caller needs. This package is a Django app only for its
command, so nothing is imported here.
"""
