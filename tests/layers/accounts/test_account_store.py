"""AccountStore on both adapter sets: tokens are found by their hash only, listed without
secrets, revoked at once; a binding to another account is refused unless replaced."""

from __future__ import annotations

import pytest

from tgscraper.accounts.store import AccountStore, token_digest
from tgscraper.storage.factory import Stores
from tgscraper.storage.ports import ConditionFailed


@pytest.fixture
def accounts(stores: Stores) -> AccountStore:
    return AccountStore(stores.accounts)


def test_a_token_is_256_random_bits_and_names_its_username(accounts: AccountStore) -> None:
    issued = accounts.issue("alice", "laptop")
    other = accounts.issue("alice", "phone")
    assert issued.token.startswith("tgs_") and len(issued.token) == 4 + 43
    assert issued.token != other.token and issued.info.id != other.info.id
    found = accounts.resolve(issued.token)
    assert found is not None and (found.username, found.label) == ("alice", "laptop")


def test_only_the_digest_is_stored(stores: Stores, accounts: AccountStore) -> None:
    issued = accounts.issue("alice")
    listed = list(stores.accounts.query("user#alice"))
    lookup = stores.accounts.get(f"tok#{token_digest(issued.token)}", "token")
    assert lookup is not None and lookup["username"] == "alice"
    assert issued.token not in repr(listed) + repr(lookup)


@pytest.mark.parametrize(
    "given",
    ["", "tgs_", "tgs_" + "A" * 43, "Bearer tgs_x", "x" * 47, "tgs_" + "a" * 200],
)
def test_unknown_and_malformed_tokens_resolve_to_nobody(accounts: AccountStore, given: str) -> None:
    accounts.issue("alice")
    assert accounts.resolve(given) is None


def test_revoke_and_forget(accounts: AccountStore) -> None:
    one, two = accounts.issue("alice", "one"), accounts.issue("alice", "two")
    bob = accounts.issue("bob")
    assert accounts.revoke("alice", one.info.id) is True
    assert accounts.resolve(one.token) is None and accounts.resolve(two.token) is not None
    assert accounts.revoke("alice", one.info.id) is False
    assert accounts.revoke("alice", bob.info.id) is False  # not hers: bob's token lives
    assert accounts.resolve(bob.token) is not None
    accounts.bind("alice", 7)
    accounts.forget("alice")
    assert accounts.tokens("alice") == [] and accounts.bound_user_id("alice") is None
    assert accounts.resolve(two.token) is None and accounts.resolve(bob.token) is not None


def test_a_binding_to_another_account_needs_replace(accounts: AccountStore) -> None:
    accounts.bind("alice", 7)
    accounts.bind("alice", 7)  # the same account: fine
    with pytest.raises(ConditionFailed):
        accounts.bind("alice", 8)
    assert accounts.bound_user_id("alice") == 7
    accounts.bind("alice", 8, replace=True)
    assert accounts.bound_user_id("alice") == 8
    assert accounts.bound_user_id("alice2") is None
