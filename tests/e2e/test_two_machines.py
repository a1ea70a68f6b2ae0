"""Web and worker on two machines: what one receives, the other can read.

Machine A runs the web process, machine B the worker; each has its own ORDERHUB_DATA_DIR (its
own disk) and both share the database and the file storage (ORDERHUB_MEDIA_DIR, a shared mount in
production). A catalog uploaded to A is imported by B, deleted once imported, and found by A's
search after A's own index has caught up.
"""

import subprocess
import time

import httpx
import pytest

from tests.e2e.stack import PYTHON, Stack

pytestmark = pytest.mark.slow


def test_a_catalog_uploaded_to_one_machine_is_imported_by_a_worker_on_another(tmp_path_factory):
    root = tmp_path_factory.mktemp("two-machines")
    stack = Stack(root / "machine-a", web_workers=1, workers=0, catalog_size=20)
    shared = root / "shared-media"
    stack.env["ORDERHUB_MEDIA_DIR"] = str(shared)
    stack.start()
    try:
        machine_b = root / "machine-b"
        machine_b.mkdir()
        worker = subprocess.Popen(
            [PYTHON, "-m", "orderhub.cli", "worker"],
            env={**stack.env, "ORDERHUB_DATA_DIR": str(machine_b)},
            stdout=stack.log("worker-b"),
            stderr=subprocess.STDOUT,
        )
        stack.workers.append(worker)
        partner = httpx.Client(
            base_url=stack.base_url,
            headers={"Authorization": f"Bearer {stack.state['partner_tokens']['sonora']}"},
            timeout=30,
        )
        csv = "Artikelnummer;Bezeichnung;Preis\nZM-1;Zweimaschinenhörer Länge 2;12,50\n"
        r = partner.post(
            "/api/v1/partner/catalogs",
            params={"mode": "update"},
            content=csv.encode(),
            headers={"Content-Type": "text/csv"},
        )
        assert r.status_code == 202, r.text
        assert list((shared / "catalog-uploads").iterdir()), "stored where machine B can read it"
        assert not (root / "machine-a" / "catalog-uploads").exists()

        deadline, job = time.monotonic() + 60, r.json()
        while job["status"] in ("queued", "running") and time.monotonic() < deadline:
            time.sleep(0.3)
            job = partner.get(job["url"]).json()
        assert job["status"] == "succeeded", job
        assert job["created"] == 1
        # The worker deletes the file right after the import's last write (moments later).
        deadline = time.monotonic() + 10
        while list((shared / "catalog-uploads").iterdir()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert list((shared / "catalog-uploads").iterdir()) == [], "deleted once imported"

        # Machine A's search index catches up on its own (a rebuild in the background).
        deadline, items = time.monotonic() + 60, []
        while time.monotonic() < deadline:
            items = stack.api.get(
                "/api/v1/catalog/search", params={"partner": "sonora", "q": "Zweimaschinenhörer"}
            ).json()["items"]
            if items:
                break
            time.sleep(0.5)
        assert items and items[0]["partner_article_number"] == "ZM-1", items
    finally:
        stack.stop()
