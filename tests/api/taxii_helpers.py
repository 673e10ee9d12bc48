"""Helpers shared by the live-server TAXII tests: clients for a member, STIX validation with
``stix2-validator``, TAXII error-resource checks and a snapshot of what the store holds."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import requests
from sqlalchemy import select
from stix2validator import ValidationOptions, validate_instance
from taxii2client.v21 import ApiRoot, Collection, Server

from warroom.storage import schema
from warroom.storage.store import Store
from warroom.testing.scenario import STAMP, Member

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
API_ROOT_PATH = "/taxii2/api/"
VALIDATION = ValidationOptions(version="2.1")
LATER = "2026-10-02T12:00:00.000Z"
# STIX 2.1 §2.9: the namespace of deterministic cyber-observable ids
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")


class BearerAuth(requests.auth.AuthBase):
    """``Authorization: Bearer <key>`` for taxii2-client (its own ``TokenAuth`` sends the
    ``Token`` scheme, which warroom does not accept)."""

    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.key}"
        return r


@contextmanager
def taxii_server(base_url: str, member: Member, *, bearer: bool = False) -> Iterator[Server]:
    """A taxii2-client Server for ``member`` (HTTP Basic, or a bearer key), closed afterwards."""
    if bearer:
        server = Server(base_url + "/taxii2/", auth=BearerAuth(member.key))
    else:
        server = Server(base_url + "/taxii2/", user=member.username, password=member.key)
    with server:
        yield server


def api_root(server: Server) -> ApiRoot:
    roots: list[ApiRoot] = server.api_roots
    assert len(roots) == 1
    return roots[0]


def collections_by_alias(server: Server) -> dict[str, Collection]:
    return {c.alias: c for c in api_root(server).collections}


@contextmanager
def http(base_url: str, member: Member | None = None) -> Iterator[httpx.Client]:
    """An httpx client speaking TAXII 2.1 as ``member`` (anonymous when None)."""
    auth = (member.username, member.key) if member is not None else None
    with httpx.Client(base_url=base_url, auth=auth, headers={"Accept": TAXII}) as client:
        yield client


def collection_ids(client: httpx.Client) -> dict[str, str]:
    """Collection id by alias, for the client's caller."""
    resp = client.get(API_ROOT_PATH + "collections/")
    assert resp.status_code == 200, resp.text
    return {c["alias"]: c["id"] for c in resp.json()["collections"]}


def objects_path(collection_id: str) -> str:
    return f"{API_ROOT_PATH}collections/{collection_id}/objects/"


def post_envelope(
    client: httpx.Client,
    collection_id: str,
    body: dict[str, Any] | list[Any] | bytes,
    content_type: str = TAXII,
    **headers: str,
) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(
        objects_path(collection_id),
        content=content,
        headers={"Content-Type": content_type, **headers},
    )


def assert_valid_stix(obj: dict[str, Any]) -> None:
    """The object passes stix2-validator's STIX 2.1 schema and best-practice checks."""
    result = validate_instance(obj, VALIDATION)
    assert result.is_valid, [str(e) for e in result.errors]


def assert_taxii_error(resp: httpx.Response, status: int) -> dict[str, Any]:
    """The response is a TAXII 2.1 error resource (§3.6.1) with ``status``."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == TAXII
    body: dict[str, Any] = resp.json()
    assert isinstance(body.get("title"), str) and body["title"]
    assert body.get("http_status") == str(status)
    return body


def snapshot(store: Store) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    """Every stored object version and status, and the number of audit entries."""
    with store.engine.connect() as conn:
        objects = [
            tuple(r)
            for r in conn.execute(
                select(
                    schema.objects.c.stix_id,
                    schema.objects.c.version,
                    schema.objects.c.is_latest,
                    schema.objects.c.body,
                ).order_by(schema.objects.c.seq)
            )
        ]
        statuses = [
            tuple(r)
            for r in conn.execute(select(schema.statuses.c.id).order_by(schema.statuses.c.id))
        ]
        audit = len(conn.execute(select(schema.audit_log)).all())
    return objects, statuses, audit


def malware(n: int = 0) -> dict[str, Any]:
    """A valid STIX 2.1 malware family."""
    return {
        "type": "malware",
        "spec_version": "2.1",
        "id": f"malware--{uuid.uuid4()}",
        "created": STAMP,
        "modified": STAMP,
        "name": f"Ballot dropper {n}",
        "description": "Dropper delivered by fake voter-registration e-mails.",
        "is_family": True,
        "malware_types": ["dropper"],
    }


def identity(n: int = 0) -> dict[str, Any]:
    """A valid STIX 2.1 identity that is not a member organisation's."""
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": f"identity--{uuid.uuid4()}",
        "created": STAMP,
        "modified": STAMP,
        "name": f"County election office {n}",
        "identity_class": "organization",
    }


def domain_name(n: int = 0) -> dict[str, Any]:
    """A STIX 2.1 cyber-observable (no created/modified: its version is when it was added)."""
    value = f"vote-county{n}.example.com"
    return {
        "type": "domain-name",
        "spec_version": "2.1",
        "id": f"domain-name--{uuid.uuid5(SCO_NAMESPACE, json.dumps({'value': value}))}",
        "value": value,
    }


def later_version(obj: dict[str, Any], modified: str = LATER) -> dict[str, Any]:
    """A new version of ``obj``: same id, later ``modified``, changed name."""
    return {**obj, "modified": modified, "name": f"{obj.get('name', 'object')} (revised)"}
