from fastapi.testclient import TestClient


def test_health_answers_ok_without_auth(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    assert r.json() == {"status": "ok"}
