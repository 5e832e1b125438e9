"""The API docs and their schema are for signed-in users (a page session or a bearer token)."""


def test_api_docs_need_a_signed_in_user(client, clerk):
    docs = client.get("/api/v1/docs")
    schema = client.get("/api/v1/openapi.json")
    assert docs.status_code == 302
    assert docs["Location"].startswith("/accounts/login/")
    assert schema.status_code in (302, 401)
    client.force_login(clerk)
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_api_docs_accept_a_bearer_token(api_client, clerk):
    assert api_client(clerk).get("/api/v1/openapi.json").status_code == 200
