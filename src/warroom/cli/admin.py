"""Instance set-up and the directory: ``init``, ``db``, ``org``, ``user``, ``key``, ``group``.

The CLI runs with the database's own rights (whoever can open the database file is its
administrator); API users get their rights from their role and organisation."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from warroom.cli.common import DatabaseOption, console, load_settings, one_line_errors, open_store
from warroom.model.orgs import Role
from warroom.storage.engine import make_engine, upgrade

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
org_app = typer.Typer(help="Member organisations.", no_args_is_help=True)
user_app = typer.Typer(help="Users of member organisations.", no_args_is_help=True)
key_app = typer.Typer(help="API keys (shown once, stored hashed).", no_args_is_help=True)
group_app = typer.Typer(help="Sharing groups.", no_args_is_help=True)
member_app = typer.Typer(help="Members of a sharing group.", no_args_is_help=True)
group_app.add_typer(member_app, name="member")


@one_line_errors
def init(
    org: Annotated[str, typer.Option(help="Name of the host organisation.")] = "Exchange Operators",
    admin: Annotated[str, typer.Option(help="User name of the first instance admin.")] = "admin",
    database_url: DatabaseOption = None,
) -> None:
    """Create the database, the host organisation and an instance admin; print its API key once."""
    store = open_store(load_settings(database_url))
    if store.directory.list_orgs():
        raise ValueError("this instance is already initialised (organisations exist)")
    host = store.directory.create_org(org, "operator")
    user = store.directory.create_user(host.id, admin, Role.ADMIN, instance_admin=True)
    _, key = store.directory.create_key(user.id, "init")
    console.print(f"Initialised. Instance admin [bold]{admin}[/] of [bold]{org}[/].")
    console.print("API key (shown once, store it now):")
    print(key)


@db_app.command("upgrade")
@one_line_errors
def db_upgrade(database_url: DatabaseOption = None) -> None:
    """Create or migrate the schema to the newest revision."""
    settings = load_settings(database_url)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    console.print("schema up to date")


@org_app.command("add")
@one_line_errors
def org_add(
    name: str,
    sector: Annotated[str, typer.Option(help="e.g. 'social platform', 'government'.")] = "",
    database_url: DatabaseOption = None,
) -> None:
    """Add a member organisation."""
    org = open_store(load_settings(database_url)).directory.create_org(name, sector)
    console.print(f"organisation {org.id}: {org.name} ({org.identity_id})")


@org_app.command("list")
@one_line_errors
def org_list(database_url: DatabaseOption = None) -> None:
    """List member organisations."""
    table = Table("id", "name", "sector", "STIX identity")
    for org in open_store(load_settings(database_url)).directory.list_orgs():
        table.add_row(str(org.id), org.name, org.sector, org.identity_id)
    console.print(table)


@user_app.command("add")
@one_line_errors
def user_add(
    username: str,
    org: Annotated[str, typer.Option(help="Organisation name.")],
    role: Annotated[Role, typer.Option(help="reader, analyst or admin.")] = Role.ANALYST,
    instance_admin: Annotated[
        bool, typer.Option(help="May manage organisations and groups.")
    ] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Add a user to an organisation."""
    directory = open_store(load_settings(database_url)).directory
    user = directory.create_user(directory.org_by_name(org).id, username, role, instance_admin)
    console.print(f"user {user.id}: {user.username} ({user.role.value}) of {org}")


@user_app.command("list")
@one_line_errors
def user_list(
    org: Annotated[str | None, typer.Option(help="Only this organisation.")] = None,
    database_url: DatabaseOption = None,
) -> None:
    """List users."""
    directory = open_store(load_settings(database_url)).directory
    org_id = directory.org_by_name(org).id if org else None
    names = {o.id: o.name for o in directory.list_orgs()}
    table = Table("id", "user", "organisation", "role", "instance admin", "disabled")
    for u in directory.list_users(org_id):
        table.add_row(
            str(u.id),
            u.username,
            names[u.org_id],
            u.role.value,
            "yes" if u.instance_admin else "",
            "yes" if u.disabled else "",
        )
    console.print(table)


@key_app.command("create")
@one_line_errors
def key_create(
    username: str,
    name: Annotated[str, typer.Option(help="A label for the key.")] = "",
    database_url: DatabaseOption = None,
) -> None:
    """Create an API key for a user and print it once."""
    directory = open_store(load_settings(database_url)).directory
    key, secret = directory.create_key(directory.user_by_name(username).id, name)
    console.print(f"key {key.id} for {username} (shown once, store it now):")
    print(secret)


@key_app.command("list")
@one_line_errors
def key_list(username: str, database_url: DatabaseOption = None) -> None:
    """List a user's keys (never the secrets)."""
    directory = open_store(load_settings(database_url)).directory
    table = Table("id", "name", "prefix", "revoked")
    for key in directory.list_keys([directory.user_by_name(username).id]):
        table.add_row(str(key.id), key.name, key.prefix, "yes" if key.revoked else "")
    console.print(table)


@key_app.command("revoke")
@one_line_errors
def key_revoke(key_id: int, database_url: DatabaseOption = None) -> None:
    """Revoke an API key."""
    directory = open_store(load_settings(database_url)).directory
    directory.get_key(key_id)
    directory.revoke_key(key_id)
    console.print(f"key {key_id} revoked")


@group_app.command("add")
@one_line_errors
def group_add(
    name: str,
    owner: Annotated[str, typer.Option(help="Owner organisation name.")],
    confidential: Annotated[bool, typer.Option(help="Hide the member list from members.")] = False,
    description: Annotated[str, typer.Option(help="What the group is for.")] = "",
    database_url: DatabaseOption = None,
) -> None:
    """Create a sharing group (its owner is its first member)."""
    directory = open_store(load_settings(database_url)).directory
    group = directory.create_group(name, directory.org_by_name(owner).id, confidential, description)
    console.print(f"group {group.id}: {group.name}")


@group_app.command("list")
@one_line_errors
def group_list(database_url: DatabaseOption = None) -> None:
    """List sharing groups and their members."""
    directory = open_store(load_settings(database_url)).directory
    names = {o.id: o.name for o in directory.list_orgs()}
    table = Table("id", "name", "owner", "confidential", "members")
    for g in directory.groups().values():
        table.add_row(
            str(g.id),
            g.name,
            names[g.owner_org_id],
            "yes" if g.confidential else "",
            ", ".join(sorted(names[m] for m in g.member_org_ids)),
        )
    console.print(table)


@member_app.command("add")
@one_line_errors
def member_add(group: str, org: str, database_url: DatabaseOption = None) -> None:
    """Add an organisation to a sharing group."""
    directory = open_store(load_settings(database_url)).directory
    directory.add_member(directory.group_by_name(group).id, directory.org_by_name(org).id)
    console.print(f"{org} added to {group}")


@member_app.command("remove")
@one_line_errors
def member_remove(group: str, org: str, database_url: DatabaseOption = None) -> None:
    """Remove an organisation from a sharing group."""
    directory = open_store(load_settings(database_url)).directory
    directory.remove_member(directory.group_by_name(group).id, directory.org_by_name(org).id)
    console.print(f"{org} removed from {group}")
