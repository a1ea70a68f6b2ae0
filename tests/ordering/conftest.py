"""Order payload helpers (the `practice` fixture lives in tests/conftest.py)."""


def order_body(external_id="B-1", **overrides):
    body = {
        "external_order_id": external_id,
        "partner": "sonora",
        "branch_id": "F1",
        "ordered_by": "U1",
        "customer_number": None,
        "reference": "Kommission Müller",
        "note": "",
        "lines": [
            {
                "position": 1,
                "quantity": 2,
                "unit": "C62",
                "partner_article_number": "SN-R-M-3-R",
                "description": "Hörer M, Länge 3, rechts",
                "attributes": {"side": "R"},
            },
            {
                "position": 2,
                "quantity": 1,
                "partner_article_number": "SN-D-OPEN-M",
                "description": "Dome offen M",
            },
        ],
    }
    body.update(overrides)
    return body


def submit(api, body, key="key-1"):
    return api.post("/api/v1/orders", body, headers={"Idempotency-Key": key})
