"""``GET /enterprises/{enterprise}/license-sync-status`` (``api/license_sync.py``): each server
instance with its latest sync."""

from __future__ import annotations

import httpx


def test_license_sync_status_reports_each_servers_latest_sync(api: httpx.Client, api_world) -> None:
    body = api.get("/enterprises/acme/license-sync-status", headers=api_world.auth("owner")).json()
    assert body == {
        "server_instances": [
            {
                "server_id": "11111111-2222-3333-4444-555555555555",
                "hostname": "ghes.acme.test",
                "last_sync": {"date": "2024-02-01T08:30:00Z", "status": "success", "error": ""},
            },
            # Never synced: no last_sync object (GitHub's schema has no null for it).
            {"server_id": "99999999-0000-0000-0000-000000000000", "hostname": "never.acme.test"},
        ]
    }
