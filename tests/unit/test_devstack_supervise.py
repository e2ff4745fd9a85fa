"""`make up` starts a crashed service again, with backoff, and says so."""

from devstack.supervise import FIRST_DELAY_S, MAX_DELAY_S, STABLE_S, Supervisor


class FakeChild:
    def __init__(self) -> None:
        self.running = True
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        self.running = True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_crashed_service_is_started_again_after_a_growing_backoff() -> None:
    child, clock, said = FakeChild(), Clock(), []
    supervisor = Supervisor({"service agent": child}, say=said.append, clock=clock)
    supervisor.check()
    assert said == [] and child.starts == 0

    child.running = False
    supervisor.check()
    assert said == [f"devstack: service agent exited; starting it again in {FIRST_DELAY_S:g} s"]
    clock.now += FIRST_DELAY_S / 2
    supervisor.check()
    assert child.starts == 0  # still backing off
    clock.now += FIRST_DELAY_S
    supervisor.check()
    assert child.starts == 1 and said[-1] == "devstack: service agent started again (restart 1)"

    child.running = False  # crashes again at once: the wait doubles
    supervisor.check()
    assert said[-1].endswith(f"starting it again in {2 * FIRST_DELAY_S:g} s")
    clock.now += 2 * FIRST_DELAY_S
    supervisor.check()
    assert child.starts == 2


def test_the_backoff_is_capped_and_resets_once_the_service_stays_up() -> None:
    child, clock, said = FakeChild(), Clock(), []
    supervisor = Supervisor({"service seating": child}, say=said.append, clock=clock)
    for _ in range(10):
        child.running = False
        supervisor.check()
        clock.now += MAX_DELAY_S
        supervisor.check()
    assert said[-2].endswith(f"starting it again in {MAX_DELAY_S:g} s")
    clock.now += STABLE_S
    supervisor.check()  # up long enough: recovered
    child.running = False
    supervisor.check()
    assert said[-1].endswith(f"starting it again in {FIRST_DELAY_S:g} s")
