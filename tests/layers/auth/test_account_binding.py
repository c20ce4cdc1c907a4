"""AccountGuard: which login may take a username, and what happens to the old account's data.

Runs on both adapter sets (the accounts table and the session store are real); the wipe
is recorded so each test can say whether data would have been deleted.
"""

from __future__ import annotations

import pytest

from tgscraper.accounts.store import AccountStore
from tgscraper.auth.binding import AccountGuard, AccountMismatch, Requester
from tgscraper.errors import Forbidden
from tgscraper.storage.factory import Stores
from tgscraper.storage.sessions import EntityRow, SessionRecord

ALICE_ID, MALLORY_ID = 1001, 2002


class Wipes(list[str]):
    def __call__(self, username: str) -> None:
        self.append(username)


@pytest.fixture
def wipes() -> Wipes:
    return Wipes()


def _guard(stores: Stores, wipes: Wipes, mode: str = "token") -> AccountGuard:
    return AccountGuard(AccountStore(stores.accounts), stores.sessions, mode, wipes)  # type: ignore[arg-type]


def _old_session(stores: Stores, username: str, account: int) -> None:
    """A session stored before bindings existed: only its self entity row names it."""
    stores.sessions.save(username, SessionRecord(2, "127.0.0.1", 443, b"k" * 256))
    stores.sessions.put_entities(username, [EntityRow(0, account)])


def test_the_first_login_binds_and_the_same_account_keeps_its_data(
    stores: Stores, wipes: Wipes
) -> None:
    guard = _guard(stores, wipes)
    guard.admit("alice", ALICE_ID, rebind=False)
    guard.admit("alice", ALICE_ID, rebind=False)
    assert AccountStore(stores.accounts).bound_user_id("alice") == ALICE_ID
    assert wipes == []


def test_another_account_is_refused_and_nothing_changes(stores: Stores, wipes: Wipes) -> None:
    guard = _guard(stores, wipes)
    guard.admit("alice", ALICE_ID, rebind=False)
    token = AccountStore(stores.accounts).issue("alice").token
    with pytest.raises(AccountMismatch):
        guard.admit("alice", MALLORY_ID, rebind=False)
    accounts = AccountStore(stores.accounts)
    assert accounts.bound_user_id("alice") == ALICE_ID
    assert accounts.resolve(token) is not None
    assert wipes == []


def test_a_permitted_move_wipes_the_old_data_and_tokens_first(stores: Stores, wipes: Wipes) -> None:
    guard = _guard(stores, wipes)
    guard.admit("alice", ALICE_ID, rebind=False)
    token = AccountStore(stores.accounts).issue("alice").token
    guard.admit("alice", MALLORY_ID, rebind=True)
    accounts = AccountStore(stores.accounts)
    assert wipes == ["alice"]
    assert accounts.bound_user_id("alice") == MALLORY_ID
    assert accounts.resolve(token) is None


def test_migration_binds_an_old_session_to_its_own_account(stores: Stores, wipes: Wipes) -> None:
    # GIVEN a username with a session (and caches) from before bindings
    _old_session(stores, "alice", ALICE_ID)
    guard = _guard(stores, wipes)
    # WHEN the same account logs in again THEN its data is kept
    guard.admit("alice", ALICE_ID, rebind=False)
    assert wipes == [] and AccountStore(stores.accounts).bound_user_id("alice") == ALICE_ID


def test_migration_treats_an_old_session_of_another_account_as_the_owner(
    stores: Stores, wipes: Wipes
) -> None:
    _old_session(stores, "alice", ALICE_ID)
    guard = _guard(stores, wipes)
    with pytest.raises(AccountMismatch):
        guard.admit("alice", MALLORY_ID, rebind=False)
    guard.admit("alice", MALLORY_ID, rebind=True)
    assert wipes == ["alice"]


@pytest.mark.parametrize(
    ("mode", "force", "requester", "expected"),
    [
        ("header", True, Requester(), True),  # header mode trusts everyone (data is wiped)
        ("token", False, Requester(), False),  # a new or absent session: no move allowed
        ("token", True, Requester("alice"), False),  # the owner replaces her own session
        ("token", True, Requester(operator=True), True),  # the operator may move it
        ("token", False, Requester("mallory", operator=True), True),
    ],
)
def test_who_may_start_which_login(
    stores: Stores, wipes: Wipes, mode: str, force: bool, requester: Requester, expected: bool
) -> None:
    guard = _guard(stores, wipes, mode)
    assert guard.may_rebind("alice", force=force, requester=requester) is expected


@pytest.mark.parametrize("requester", [Requester(), Requester("mallory")])
def test_a_forced_login_without_the_owners_token_is_forbidden(
    stores: Stores, wipes: Wipes, requester: Requester
) -> None:
    with pytest.raises(Forbidden, match="access"):
        _guard(stores, wipes).may_rebind("alice", force=True, requester=requester)
