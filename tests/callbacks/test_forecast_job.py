"""What the forecast card shows when its job ends without a forecast."""

from __future__ import annotations

import pytest

from callbacks.forecast import RETRY_HIDDEN, RETRY_SHOWN, job_ended_without_result
from services.jobs import job_failure


def _error(state: str, message: str) -> RuntimeError:
    return RuntimeError(
        f"An error occurred inside a background callback: [job:{state}] {message}\ntb"
    )


@pytest.mark.parametrize(
    ("state", "title"),
    [
        ("lost", "The forecast stopped before it finished."),
        ("timed_out", "The forecast timed out."),
        ("cancelled", "The forecast was cancelled."),
    ],
)
def test_each_terminal_state_is_named_with_its_reason_and_retry(state, title):
    figure, info, retry = job_ended_without_result(_error(state, "Because of X."))
    alert = info[0].to_plotly_json()["props"]["children"]
    assert alert[0].children == title + " "
    assert alert[1] == "Because of X."
    assert retry == RETRY_SHOWN != RETRY_HIDDEN
    assert figure["layout"]["annotations"][0]["text"] == title


def test_an_error_inside_the_job_is_a_failure_without_its_traceback():
    state, message = job_failure(RuntimeError("KeyError: 'x'\nTraceback ..."))
    assert state == "failed"
    assert "Traceback" not in message and "Retry" in message
