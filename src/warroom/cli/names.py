"""Names people type on the command line, resolved to the directory's records in one place.

Why: the CLI takes organisations, users and groups by name (``--org "Chirp Social"``,
``--as alice``, ``--to group:"Election Security WG"``). How a name is found (and, later,
qualified forms such as ``org/name``) is decided here and nowhere else, so every command agrees
and a change of naming rules is one edit.

User names are unique within an organisation and group names within their owner organisation:
where a name is ambiguous, ``ORGANISATION/NAME`` picks one (storage.directory); a group named
when sharing is first looked for among the acting user's own groups."""

from __future__ import annotations

from warroom.model.orgs import Org, Principal, SharingGroup
from warroom.model.sharing import Recipients
from warroom.storage.directory import User
from warroom.storage.store import Store

RECIPIENTS_HELP = "community, org:NAME or group:NAME; repeatable. None: your organisation only."


def org_named(store: Store, name: str) -> Org:
    return store.directory.org_by_name(name)


def user_named(store: Store, username: str) -> User:
    return store.directory.user_by_name(username)


def group_named(store: Store, name: str, principal: Principal | None = None) -> SharingGroup:
    """A group by name; with ``principal``, the one of its groups of that name if it has one."""
    if principal is not None:
        mine = [g for g in store.directory.groups(principal.group_ids).values() if g.name == name]
        if len(mine) == 1:
            return mine[0]
    return store.directory.group_by_name(name)


def principal_named(store: Store, username: str) -> Principal:
    """The acting user (``--as``): an enabled user of the directory."""
    user = user_named(store, username)
    if user.disabled:
        raise ValueError(f"user {username!r} is disabled")
    return store.directory.principal_for_user(user.id)


def recipients_named(
    store: Store, targets: list[str], principal: Principal | None = None
) -> Recipients:
    """``community``, ``org:NAME`` and ``group:NAME`` (repeatable); none means private. Group
    names are looked for among ``principal``'s groups first."""
    community = False
    orgs: set[int] = set()
    groups: set[int] = set()
    for target in targets:
        kind, _, name = target.partition(":")
        if target == "community":
            community = True
        elif kind == "org" and name:
            orgs.add(org_named(store, name).id)
        elif kind == "group" and name:
            groups.add(group_named(store, name, principal).id)
        else:
            raise ValueError(f"--to {target!r}: use community, org:NAME or group:NAME")
    return Recipients(community, frozenset(orgs), frozenset(groups))
