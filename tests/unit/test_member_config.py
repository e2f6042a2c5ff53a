"""The functions' member settings: how members are read, and where the reconciler walks."""

from __future__ import annotations

import pytest
from jobtracker.config import ConfigError, IngestConfig, ReconcileConfig
from jobtracker.record import Place

BASE = {
    "TABLE_NAME": "jobs",
    "HOME_ACCOUNT": "123456789012",
    "HOME_REGION": "eu-west-1",
    "ALERT_KINDS": "",
}


def test_the_deployed_settings_read_members_through_their_role():
    env = {
        **BASE,
        "MEMBER_ACCESS": "assume-role",
        "MEMBER_ROLE_NAME": "jobtracker-reader",
        "MEMBER_PLACES": "111111111111:eu-west-1, 111111111111:us-east-1,,",
    }
    ingest, reconcile = IngestConfig.from_env(env), ReconcileConfig.from_env(env)
    assert (ingest.member_access, ingest.member_role_name) == ("assume-role", "jobtracker-reader")
    assert reconcile.members == (
        Place("111111111111", "eu-west-1"),
        Place("111111111111", "us-east-1"),
    )


def test_without_members_nothing_is_walked_but_home():
    assert ReconcileConfig.from_env(BASE).members == ()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"MEMBER_ACCESS": "assume-role"}, "MEMBER_ROLE_NAME"),
        ({"MEMBER_ACCESS": "sometimes"}, "MEMBER_ACCESS"),
        ({"MEMBER_PLACES": "111111111111"}, "MEMBER_PLACES"),
        ({"MEMBER_PLACES": "11111:eu-west-1"}, "MEMBER_PLACES"),
        ({"MEMBER_PLACES": "111111111111:Ireland"}, "MEMBER_PLACES"),
    ],
)
def test_a_bad_member_setting_is_an_error_naming_it(extra, message):
    with pytest.raises(ConfigError, match=message):
        ReconcileConfig.from_env({**BASE, **extra})
