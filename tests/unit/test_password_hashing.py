"""The suite hashes passwords cheaply; every real configuration keeps scrypt."""

from __future__ import annotations

import pytest
from werkzeug.security import check_password_hash

from config import Config, DevelopmentConfig, ProductionConfig, TestingConfig
from tracker import passwords


@pytest.mark.parametrize("config", [Config, DevelopmentConfig, ProductionConfig])
def test_every_real_configuration_hashes_with_scrypt(config):
    assert config.PASSWORD_HASH_METHOD == "scrypt"


def test_outside_an_app_the_hash_is_scrypt_with_werkzeugs_parameters():
    stored = passwords.hash_password("a long enough passphrase")
    assert stored.startswith("scrypt:32768:8:1$")
    assert check_password_hash(stored, "a long enough passphrase")


def test_only_the_testing_configuration_is_cheap():
    assert TestingConfig.PASSWORD_HASH_METHOD != "scrypt"
