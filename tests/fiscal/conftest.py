from __future__ import annotations

import pytest

from pos.fiscal.webkassa import Webkassa, WebkassaSettings
from tests.fiscal.fake_webkassa import API_KEY, CASHBOX, LOGIN, PASSWORD, FakeWebkassa


@pytest.fixture
def fake():
    server = FakeWebkassa().start()
    yield server
    server.stop()


def settings_for(fake: FakeWebkassa, **changes) -> WebkassaSettings:
    fields = dict(url=fake.url, cashbox=CASHBOX, bitcoin_payment_type=4, timeout_seconds=2, api_key=API_KEY,
                  login=LOGIN, password=PASSWORD)
    return WebkassaSettings(**{**fields, **changes})


@pytest.fixture
def webkassa(fake) -> Webkassa:
    return Webkassa(settings_for(fake))
