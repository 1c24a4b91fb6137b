"""Loading packs into the database as versions."""

from __future__ import annotations

import pytest

from safehold.policy import selectors
from safehold.policy.models import Controller, PackVersion
from safehold.policy.services import PackInvalid, load_pack
from tests.builders import MINIMAL, PACK_FILES, minimal

pytestmark = pytest.mark.django_db


def test_loading_the_same_pack_twice_changes_nothing() -> None:
    first = load_pack(MINIMAL.encode(), source_name="test.yaml")
    again = load_pack(MINIMAL.encode(), source_name="test.yaml")
    assert first.created and not again.created
    assert again.version.pk == first.version.pk
    assert PackVersion.objects.count() == 1


def test_layout_and_comments_do_not_make_a_new_version() -> None:
    load_pack(MINIMAL.encode())
    reformatted = "# a comment\n" + minimal()  # same facts, different layout
    assert not load_pack(reformatted.encode()).created


def test_a_changed_pack_is_a_new_version_and_older_ones_stay_readable() -> None:
    v1 = load_pack(MINIMAL.encode()).version
    changed = MINIMAL.replace("Case files are kept until the 25th birthday.", "Kept to 25.")
    v2 = load_pack(changed.encode()).version
    assert (v1.version, v2.version) == (1, 2)
    current = selectors.current_pack("test-yjs")
    old = selectors.pack_at("test-yjs", 1)
    assert current is not None and current.retention[0].statement == "Kept to 25."
    assert old is not None and old.retention[0].statement.startswith("Case files are kept")
    assert [v.version for v in selectors.versions("test-yjs")] == [2, 1]
    assert PackVersion.objects.get(pk=v1.pk).source_text == MINIMAL


def test_controllers_are_recorded() -> None:
    version = load_pack(MINIMAL.encode()).version
    controller = Controller.objects.get(code="test-council")
    assert controller.name == "Test Council" and controller.pack_version == version


def test_an_invalid_pack_is_not_stored() -> None:
    with pytest.raises(PackInvalid) as raised:
        load_pack(MINIMAL.replace("birthday: 25", "birthday: many").encode())
    assert "'birthday' should be a whole number" in raised.value.problems[0].message
    assert not PackVersion.objects.exists()


def test_published_packs_lists_the_newest_of_each(django_assert_num_queries) -> None:
    for path in PACK_FILES:
        load_pack(path)
    load_pack(MINIMAL.encode())
    load_pack(MINIMAL.replace("Test Youth Justice Service", "Renamed Service").encode())
    with django_assert_num_queries(1):
        published = selectors.published_packs()
    assert ("test-yjs", "Renamed Service") in published
    assert len(published) == len(PACK_FILES) + 1
