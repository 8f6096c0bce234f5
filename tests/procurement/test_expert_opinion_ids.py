"""An expert's opinion addressed to an id that is not a whole number is a JSON 404, never a server error."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("pk", ["abc", "²", "99999999999999999999999"])
def test_an_opinion_for_an_id_that_is_not_a_number_is_a_404(api_client, user, pk):
    api_client.force_authenticate(user)
    response = api_client.post(
        f"/api/v1/import-justifications/{pk}/opinion/", {"decision": "approve", "opinion": "x" * 30}, format="json"
    )
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
