"""Instance set-up and the directory: ``init``, ``db``, ``org``, ``user``, ``key``, ``group``.

The CLI runs with the database's own rights (whoever can open the database file is its
administrator); API users get their rights from their role and organisation. Secrets (API keys)
are the only thing on stdout when a key is made, so ``KEY=$(warroom key create alice)`` works;
what to do with them goes to stderr."""

from __future__ import annotations

from typing import Annotated

import typer

from warroom.cli.app import App
from warroom.cli.common import DatabaseOption, load_settings, one_line_errors, open_store
from warroom.cli.names import group_named, org_named, user_named
from warroom.cli.output import JsonOption, emit, result, say
from warroom.model.orgs import Role

db_app = App(help="Database schema.")
org_app = App(help="Member organisations.")
user_app = App(help="Users of member organisations.")
key_app = App(help="API keys (shown once, stored hashed).")
group_app = App(help="Sharing groups.")
member_app = App(help="Members of a sharing group.")
group_app.add_typer(member_app, name="member")

OrgName = Annotated[str, typer.Argument(metavar="ORG", help="Organisation name.")]
GroupName = Annotated[str, typer.Argument(metavar="GROUP", help="Sharing group name.")]
Username = Annotated[str, typer.Argument(metavar="USER", help="User name.")]


@one_line_errors
def init(
    org: Annotated[
        str, typer.Option(metavar="NAME", help="Name of the host organisation.")
    ] = "Exchange Operators",
    admin: Annotated[
        str, typer.Option(metavar="USER", help="User name of the first instance admin.")
    ] = "admin",
    database_url: DatabaseOption = None,
) -> None:
    """Create the database, the host organisation and an instance admin; print its API key once."""
    store = open_store(load_settings(database_url), create=True)
    if store.directory.list_orgs():
        raise ValueError("this instance is already initialised (organisations exist)")
    host = store.directory.create_org(org, "operator")
    user = store.directory.create_user(host.id, admin, Role.ADMIN, instance_admin=True)
    _, key = store.directory.create_key(user.id, "init")
    say(f"Initialised. Instance admin {admin} of {org}.")
    say("API key of the instance admin (shown once, store it now):")
    print(key)


@db_app.command("upgrade")
@one_line_errors
def db_upgrade(database_url: DatabaseOption = None) -> None:
    """Migrate the instance's schema to the newest revision."""
    open_store(load_settings(database_url))
    result("schema up to date")


@org_app.command("add")
@one_line_errors
def org_add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The organisation's name.")],
    sector: Annotated[
        str, typer.Option(metavar="TEXT", help="e.g. 'social platform', 'government'.")
    ] = "",
    database_url: DatabaseOption = None,
) -> None:
    """Add a member organisation."""
    org = open_store(load_settings(database_url)).directory.create_org(name, sector)
    result(f"organisation {org.id}: {org.name} ({org.identity_id})")


@org_app.command("list")
@one_line_errors
def org_list(database_url: DatabaseOption = None, json_output: JsonOption = False) -> None:
    """List member organisations."""
    orgs = open_store(load_settings(database_url)).directory.list_orgs()
    emit(
        [{"id": o.id, "name": o.name, "sector": o.sector, "identity": o.identity_id} for o in orgs],
        as_json=json_output,
        columns=("id", "name", "sector", "identity"),
    )


@user_app.command("add")
@one_line_errors
def user_add(
    username: Username,
    org: Annotated[str, typer.Option(metavar="ORG", help="Organisation name.")],
    role: Annotated[Role, typer.Option(help="What the user may do in the organisation.")] = (
        Role.ANALYST
    ),
    instance_admin: Annotated[
        bool, typer.Option(help="May manage organisations and groups.")
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Add a user to an organisation."""
    store = open_store(load_settings(database_url))
    organisation = org_named(store, org)
    user = store.directory.create_user(organisation.id, username, role, instance_admin)
    result(f"user {user.id}: {user.username} ({user.role.value}) of {organisation.name}")


@user_app.command("list")
@one_line_errors
def user_list(
    org: Annotated[
        str | None, typer.Option(metavar="ORG", help="Only this organisation.")
    ] = None,
    database_url: DatabaseOption = None,
    json_output: JsonOption = False,
) -> None:
    """List users."""
    store = open_store(load_settings(database_url))
    org_id = org_named(store, org).id if org is not None else None
    names = {o.id: o.name for o in store.directory.list_orgs()}
    emit(
        [
            {
                "id": u.id,
                "user": u.username,
                "organisation": names[u.org_id],
                "role": u.role.value,
                "instance_admin": u.instance_admin,
                "disabled": u.disabled,
            }
            for u in store.directory.list_users(org_id)
        ],
        as_json=json_output,
        columns=("id", "user", "organisation", "role", "instance_admin", "disabled"),
    )


@key_app.command("create")
@one_line_errors
def key_create(
    username: Username,
    name: Annotated[str, typer.Option(metavar="LABEL", help="A label for the key.")] = "",
    database_url: DatabaseOption = None,
) -> None:
    """Create an API key for a user and print it once (the key alone on stdout)."""
    store = open_store(load_settings(database_url))
    key, secret = store.directory.create_key(user_named(store, username).id, name)
    say(f"key {key.id} for {username} (shown once, store it now):")
    print(secret)


@key_app.command("list")
@one_line_errors
def key_list(
    username: Username, database_url: DatabaseOption = None, json_output: JsonOption = False
) -> None:
    """List a user's keys (never the secrets)."""
    store = open_store(load_settings(database_url))
    keys = store.directory.list_keys([user_named(store, username).id])
    emit(
        [{"id": k.id, "name": k.name, "prefix": k.prefix, "revoked": k.revoked} for k in keys],
        as_json=json_output,
        columns=("id", "name", "prefix", "revoked"),
    )


@key_app.command("revoke")
@one_line_errors
def key_revoke(
    key_id: Annotated[
        int | None,
        typer.Argument(metavar="KEY_ID", min=1, max=2**63 - 1,
                       help="The key's id (key list); or give --user and --name."),
    ] = None,
    user: Annotated[
        str | None, typer.Option(metavar="USERNAME", help="Whose key (with --name).")
    ] = None,
    name: Annotated[
        str | None, typer.Option(metavar="LABEL", help="The key's label (with --user).")
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """Revoke an API key, by id or by its user and label."""
    store = open_store(load_settings(database_url))
    directory = store.directory
    if key_id is None:
        if user is None or name is None:
            raise ValueError("give a KEY_ID, or --user and --name")
        owner = user_named(store, user)
        matching = [k for k in directory.list_keys([owner.id]) if k.name == name and not k.revoked]
        if not matching:
            raise ValueError(f"{user} has no key labelled {name!r} that is not revoked")
        if len(matching) > 1:
            raise ValueError(f"{user} has {len(matching)} keys labelled {name!r}: give a KEY_ID")
        key_id = matching[0].id
    elif user is not None or name is not None:
        raise ValueError("give a KEY_ID, or --user and --name, not both")
    directory.get_key(key_id)
    directory.revoke_key(key_id)
    result(f"key {key_id} revoked")


@group_app.command("add")
@one_line_errors
def group_add(
    name: GroupName,
    owner: Annotated[str, typer.Option(metavar="ORG", help="Owner organisation name.")],
    confidential: Annotated[bool, typer.Option(help="Hide the member list from members.")] = False,
    description: Annotated[
        str, typer.Option(metavar="TEXT", help="What the group is for.")
    ] = "",
    database_url: DatabaseOption = None,
) -> None:
    """Create a sharing group (its owner is its first member)."""
    store = open_store(load_settings(database_url))
    group = store.directory.create_group(
        name, org_named(store, owner).id, confidential, description
    )
    result(f"group {group.id}: {group.name}")


@group_app.command("list")
@one_line_errors
def group_list(database_url: DatabaseOption = None, json_output: JsonOption = False) -> None:
    """List sharing groups and their members."""
    directory = open_store(load_settings(database_url)).directory
    names = {o.id: o.name for o in directory.list_orgs()}
    emit(
        [
            {
                "id": g.id,
                "name": g.name,
                "owner": names[g.owner_org_id],
                "confidential": g.confidential,
                "members": sorted(names[m] for m in g.member_org_ids),
            }
            for g in directory.groups().values()
        ],
        as_json=json_output,
        columns=("id", "name", "owner", "confidential", "members"),
    )


@member_app.command("add")
@one_line_errors
def member_add(group: GroupName, org: OrgName, database_url: DatabaseOption = None) -> None:
    """Add an organisation to a sharing group."""
    store = open_store(load_settings(database_url))
    chosen, organisation = group_named(store, group), org_named(store, org)
    store.directory.add_member(chosen.id, organisation.id)
    result(f"{organisation.name} added to {chosen.name}")


@member_app.command("remove")
@one_line_errors
def member_remove(group: GroupName, org: OrgName, database_url: DatabaseOption = None) -> None:
    """Remove an organisation from a sharing group."""
    store = open_store(load_settings(database_url))
    chosen, organisation = group_named(store, group), org_named(store, org)
    store.directory.remove_member(chosen.id, organisation.id)
    result(f"{organisation.name} removed from {chosen.name}")
