"""DLE EOT answers -> ok / problem / unknown; ASB packets and noise are never taken for answers."""

from __future__ import annotations

import time

import pytest

from drivers.status import find_reply, interpret, is_asb_header, is_reply, query, read_status
from tests.printer_sim import ASB_OK, COVER_OPEN, CUTTER_JAM, NEAR_END, PAPER_END, READY


def test_queries_are_dle_eot_n():
    assert [query(n) for n in (1, 2, 3, 4)] == [b"\x10\x04\x01", b"\x10\x04\x02", b"\x10\x04\x03", b"\x10\x04\x04"]


@pytest.mark.parametrize("replies, ok, problems, warnings", [
    (READY, True, (), ()),
    ({1: 0x16, 2: 0x12, 3: 0x12, 4: 0x12}, True, (), ()),  # drawer pin high: not a problem
    (PAPER_END, False, ("offline", "paper_end"), ()),
    (COVER_OPEN, False, ("offline", "cover_open"), ()),
    (CUTTER_JAM, False, ("offline", "error", "autocutter_error"), ()),
    ({1: 0x12, 2: 0x12, 3: 0x32, 4: 0x12}, False, ("unrecoverable_error",), ()),
    ({1: 0x12, 2: 0x12, 3: 0x52, 4: 0x12}, False, ("auto_recoverable_error",), ()),
    (NEAR_END, True, (), ("paper_near_end",)),
    ({1: 0x12, 2: 0x12, 3: 0x12, 4: 0x7E}, False, ("paper_end",), ()),  # at the end, near-end says nothing more
])
def test_answers_are_read_bit_by_bit(replies, ok, problems, warnings):
    status = interpret(replies)
    assert (status.ok, status.problems, status.warnings) == (ok, problems, warnings)


def test_a_problem_shows_even_when_later_queries_went_unanswered():
    assert interpret({1: 0x1A}).ok is False


def test_without_every_answer_a_quiet_printer_is_unknown_not_ok():
    for replies in ({}, {1: 0x12}, {1: 0x12, 2: 0x12, 3: 0x12}):
        status = interpret(replies)
        assert status.ok is None and status.state == "unknown"


def test_the_fixed_bit_patterns():
    assert all(is_reply(b) for b in (0x12, 0x16, 0x1A, 0x32, 0x72, 0x7E))
    assert not any(is_reply(b) for b in (0x10, 0x14, 0x00, 0x0F, 0x11, 0x13, 0x92, 0x13, 0xFF))
    assert is_asb_header(ASB_OK[0]) and not is_reply(ASB_OK[0])
    assert not any(is_reply(b) or is_asb_header(b) for b in ASB_OK[1:])


def test_asb_packets_xon_xoff_and_noise_are_skipped_to_the_real_answer():
    assert find_reply(ASB_OK + b"\x13\x11\x00\x1a") == 0x1A
    assert find_reply(ASB_OK) is None
    assert find_reply(b"") is None


def test_an_asb_packet_whose_tail_looks_like_an_answer_is_still_skipped():
    # bytes 2-4 of an ASB packet have bit 4 clear by specification; even a damaged one is skipped whole
    assert find_reply(bytes([0x14, 0x12, 0x12, 0x12])) is None


class FakeLine:
    """A transport whose printer answers from a script (bytes per query), for read_status alone."""

    def __init__(self, answers: dict[int, bytes]) -> None:
        self.answers, self.sent, self.inbox = answers, [], b""

    def send(self, data: bytes) -> None:
        self.sent.append(data)
        self.inbox += self.answers.get(data[2], b"")

    def receive(self, seconds: float) -> bytes:
        if not self.inbox:
            time.sleep(seconds)
        data, self.inbox = self.inbox, b""
        return data


def test_read_status_asks_the_four_queries_in_turn():
    line = FakeLine({n: bytes([b]) for n, b in READY.items()})
    assert read_status(line.send, line.receive).ok is True
    assert line.sent == [query(n) for n in (1, 2, 3, 4)]


def test_silence_is_unknown_after_one_timeout_and_names_the_query():
    line = FakeLine({})
    started = time.monotonic()
    status = read_status(line.send, line.receive, timeout=0.2)
    assert status.ok is None and "DLE EOT 1" in status.detail
    assert 0.2 <= time.monotonic() - started < 0.6
    assert line.sent == [query(1)]


def test_an_asb_packet_in_place_of_an_answer_is_not_read_as_ready():
    line = FakeLine({1: ASB_OK})
    assert read_status(line.send, line.receive, timeout=0.1).ok is None


def test_an_answer_after_an_asb_packet_is_found():
    line = FakeLine({n: ASB_OK + bytes([b]) for n, b in PAPER_END.items()})
    assert read_status(line.send, line.receive, timeout=0.2).problems == ("offline", "paper_end")
