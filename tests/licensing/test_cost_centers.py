"""Cost centers: managing them, moving resources between them, and which one a license-day goes to."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from seatledger.db import tables as t
from seatledger.errors import InvalidInput, NotFound
from seatledger.licensing.cost_centers import (
    Reassignment,
    add_resources,
    create_cost_center,
    delete_cost_center,
    find_cost_center,
    get_cost_center,
    list_cost_centers,
    load_allocator,
    remove_resources,
    rename_cost_center,
)
from tests.factories import T0, EnterpriseBuilder

DAY = dt.timedelta(days=1)


def test_names_are_unique_among_active_centers_and_one_to_two_hundred_characters(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        first = create_cost_center(conn, b.id, " Platform ", at=T0)
        assert first.name == "Platform"
        with pytest.raises(InvalidInput, match="already exists"):
            create_cost_center(conn, b.id, "Platform")
        for bad in ("", "   ", "x" * 201):
            with pytest.raises(InvalidInput, match="1 to 200 characters"):
                create_cost_center(conn, b.id, bad)
        delete_cost_center(conn, b.id, first.id, at=T0 + DAY)
        again = create_cost_center(conn, b.id, "Platform", at=T0 + 2 * DAY)  # the name is free once deleted
        other = create_cost_center(conn, b.id, "Data", at=T0)
        with pytest.raises(InvalidInput, match="already exists"):
            rename_cost_center(conn, b.id, other.id, "Platform")
        assert rename_cost_center(conn, b.id, other.id, "Analytics").name == "Analytics"
        listed = [(c.name, c.state) for c in list_cost_centers(conn, b.id, as_of=T0 + 3 * DAY)]
        assert listed[0] == ("Analytics", "active")  # by name; the two Platforms by id
        assert sorted(listed[1:]) == [("Platform", "active"), ("Platform", "deleted")]
        # By name, the active one is found first; by id, exactly that one.
        assert find_cost_center(conn, b.id, "Platform").id == again.id
        assert find_cost_center(conn, b.id, first.id).state == "deleted"


def test_the_state_filter_splits_active_from_deleted_and_refuses_anything_else(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        keep = create_cost_center(conn, b.id, "Keep", at=T0)
        gone = create_cost_center(conn, b.id, "Gone", at=T0)
        delete_cost_center(conn, b.id, gone.id, at=T0 + DAY)
        later = T0 + 2 * DAY
        assert [c.id for c in list_cost_centers(conn, b.id, state="active", as_of=later)] == [keep.id]
        assert [c.id for c in list_cost_centers(conn, b.id, state="deleted", as_of=later)] == [gone.id]
        # Before its deletion it was active.
        assert {c.id for c in list_cost_centers(conn, b.id, state="active", as_of=T0)} == {keep.id, gone.id}
        with pytest.raises(InvalidInput, match="state must be"):
            list_cost_centers(conn, b.id, state="archived")
        with pytest.raises(InvalidInput, match="already deleted"):
            delete_cost_center(conn, b.id, gone.id)
        with pytest.raises(InvalidInput, match="is deleted"):
            add_resources(conn, b.id, gone.id, [("User", "x")])


def test_a_resource_moves_when_added_elsewhere_and_the_move_is_reported(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        b.user("ann")
        b.repo("octo", "app")
        one = create_cost_center(conn, b.id, "One", at=T0)
        two = create_cost_center(conn, b.id, "Two", at=T0)
        assert add_resources(conn, b.id, one.id, [("User", "ann"), ("Org", "octo"), ("Repo", "octo/app")], at=T0) == []
        assert add_resources(conn, b.id, one.id, [("User", "ann")], at=T0 + DAY) == []  # already there
        moved = add_resources(conn, b.id, two.id, [("User", "ann")], at=T0 + 2 * DAY)
        assert moved == [Reassignment("user", "ann", "One")]
        later = T0 + 3 * DAY
        held = {c.name: {(r.type, r.name) for r in c.resources} for c in list_cost_centers(conn, b.id, as_of=later)}
        assert held == {"One": {("Org", "octo"), ("Repo", "octo/app")}, "Two": {("User", "ann")}}
        # As of before the move, ann was One's.
        assert ("User", "ann") in {(r.type, r.name) for r in list_cost_centers(conn, b.id, as_of=T0 + DAY)[0].resources}


def test_a_bad_resource_name_writes_nothing_at_all(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        b.user("ann")
        center = create_cost_center(conn, b.id, "One", at=T0)
        for resources, message in [
            ([("User", "ann"), ("User", "nobody")], "no user 'nobody'"),
            ([("User", "ann"), ("Repo", "app")], "OWNER/NAME"),
            ([("User", "ann"), ("Team", "ghosts")], "no enterprise team 'ghosts'"),
            ([("User", "ann"), ("Bucket", "x")], "resource type must be"),
        ]:
            with pytest.raises(InvalidInput, match=message):
                add_resources(conn, b.id, center.id, resources, at=T0)
        r = t.cost_center_resources
        assert conn.execute(sa.select(sa.func.count()).select_from(r)).scalar() == 0


def test_removing_ends_the_assignment_and_counts_what_it_ended(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        b.user("ann")
        b.user("bob")
        center = create_cost_center(conn, b.id, "One", at=T0)
        add_resources(conn, b.id, center.id, [("User", "ann"), ("User", "bob")], at=T0)
        assert remove_resources(conn, b.id, center.id, [("User", "ann")], at=T0 + DAY) == 1
        assert remove_resources(conn, b.id, center.id, [("User", "ann")], at=T0 + DAY) == 0
        names = {r.name for r in get_cost_center(conn, b.id, center.id).resources}
        assert names == {"bob"}
        with pytest.raises(NotFound, match="no cost center 'nope'"):
            remove_resources(conn, b.id, "nope", [("User", "bob")])


def test_a_deleted_center_shows_what_it_held_and_frees_its_resources(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        b.user("ann")
        one = create_cost_center(conn, b.id, "One", at=T0)
        add_resources(conn, b.id, one.id, [("User", "ann")], at=T0)
        deleted = delete_cost_center(conn, b.id, one.id, at=T0 + DAY)
        assert deleted.state == "deleted" and [r.name for r in deleted.resources] == ["ann"]
        two = create_cost_center(conn, b.id, "Two", at=T0 + 2 * DAY)
        # No move to report: the deletion ended ann's assignment to One.
        assert add_resources(conn, b.id, two.id, [("User", "ann")], at=T0 + 2 * DAY) == []


def test_a_license_day_goes_to_the_user_then_the_first_team_then_the_org_then_none(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann, bob, cid = b.member("octo", "ann"), b.member("octo", "bob"), b.member("octo", "cid")
        octo = b.org("octo")
        b.ledger.add_team(b.id, "first", members=[ann, bob], created_at=T0)
        b.ledger.add_team(b.id, "second", members=[bob], created_at=T0 + DAY)
        direct, team1, team2, org = (create_cost_center(conn, b.id, n, at=T0) for n in ("Direct", "T1", "T2", "Org"))
        add_resources(conn, b.id, direct.id, [("User", "ann")], at=T0)
        add_resources(conn, b.id, team2.id, [("Team", "second")], at=T0)
        add_resources(conn, b.id, team1.id, [("Team", "first")], at=T0)
        add_resources(conn, b.id, org.id, [("Org", "octo")], at=T0)
        delete_cost_center(conn, b.id, team1.id, at=T0 + 10 * DAY)
        alloc = load_allocator(conn, b.id)
    at = T0 + 5 * DAY
    assert alloc.allocate(ann, octo, at) == direct.id
    assert alloc.allocate(bob, octo, at) == team1.id  # the first-created team decides
    assert alloc.allocate(cid, octo, at) == org.id
    assert alloc.allocate(None, None, at) is None
    assert alloc.allocate(cid, None, at) is None
    after = T0 + 11 * DAY
    assert alloc.allocate(bob, octo, after) == team2.id  # the first team's center is deleted
    assert alloc.constant(cid, octo, T0, after)
    assert not alloc.constant(bob, octo, T0, after)


def test_an_allocator_for_some_people_answers_for_them_as_the_whole_one_does(engine: Engine) -> None:
    with engine.begin() as conn:
        b = EnterpriseBuilder(conn)
        ann, bob = b.member("octo", "ann"), b.member("octo", "bob")
        one, two = create_cost_center(conn, b.id, "One", at=T0), create_cost_center(conn, b.id, "Two", at=T0)
        add_resources(conn, b.id, one.id, [("User", "ann")], at=T0)
        add_resources(conn, b.id, two.id, [("User", "bob"), ("Org", "octo")], at=T0)
        whole, some = load_allocator(conn, b.id), load_allocator(conn, b.id, user_ids=[ann])
        assert load_allocator(conn, EnterpriseBuilder(conn, "empty").id).empty
    at = T0 + DAY
    assert some.allocate(ann, b.orgs["octo"], at) == whole.allocate(ann, b.orgs["octo"], at) == one.id
    assert bob not in some.users and not some.empty
