"""The token buckets behind SCIM_RATE_LIMIT, on a clock the test moves."""

from scim import throttle


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_off_unless_a_positive_rate_is_configured():
    assert throttle.from_config(0.0, 0) is None
    assert throttle.from_config(-1.0, 5) is None


def test_a_burst_passes_then_the_next_request_waits():
    clock = Clock()
    buckets = throttle.Buckets(rate=2, burst=3, clock=clock)
    assert [buckets.take("app") for _ in range(3)] == [0, 0, 0]
    assert buckets.take("app") == 1


def test_tokens_come_back_at_the_rate():
    clock = Clock()
    buckets = throttle.Buckets(rate=2, burst=2, clock=clock)
    assert buckets.take("app") == 0 and buckets.take("app") == 0
    clock.now += 0.5  # one token back at 2 a second
    assert buckets.take("app") == 0
    assert buckets.take("app") == 1


def test_the_bucket_never_holds_more_than_the_burst():
    clock = Clock()
    buckets = throttle.Buckets(rate=10, burst=2, clock=clock)
    clock.now += 3600
    assert [buckets.take("app") for _ in range(3)] == [0, 0, 1]


def test_retry_after_is_whole_seconds_until_a_token_is_back():
    clock = Clock()
    buckets = throttle.Buckets(rate=0.1, burst=1, clock=clock)
    assert buckets.take("app") == 0
    assert buckets.take("app") == 10
    clock.now += 4
    assert buckets.take("app") == 6


def test_each_key_has_its_own_bucket():
    buckets = throttle.Buckets(rate=1, burst=1, clock=Clock())
    assert buckets.take("okta") == 0
    assert buckets.take("okta") == 1
    assert buckets.take("entra") == 0


def test_the_default_burst_is_twice_the_rate():
    assert throttle.from_config(5.0, 0).burst == 10
    assert throttle.from_config(0.2, 0).burst == 1
    assert throttle.from_config(5.0, 3).burst == 3
