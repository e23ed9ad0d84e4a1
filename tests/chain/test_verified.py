"""The second opinion of pos.chain.verified, on two scripted backends: only what both say is believed."""

from __future__ import annotations

import pytest

from pos.chain.verified import BackendsDisagree, VerifiedBackend
from pos.core.invoice import Payment
from tests.chain.test_watcher import ScriptedBackend

TX, OTHER = "ab" * 32, "cd" * 32


def pair(first: tuple[Payment, ...], second: tuple[Payment, ...], tips: tuple[int, int] = (100, 100)):
    a = ScriptedBackend(tip=tips[0], payments={"addr": first})
    b = ScriptedBackend(tip=tips[1], payments={"addr": second})
    return VerifiedBackend(a, b, "node A", "node B")


def test_agreement_gives_the_more_cautious_answer():
    verified = pair((Payment(TX, 500, height=99, rbf=False),), (Payment(TX, 500, height=100, rbf=True),),
                    tips=(101, 100))
    assert verified.tip_height() == 100
    assert verified.payments_to("addr") == (Payment(TX, 500, height=100, rbf=True),)


def test_a_payment_in_the_tip_block_on_one_and_in_the_mempool_on_the_other_counts_as_unconfirmed():
    verified = pair((Payment(TX, 500, height=100),), (Payment(TX, 500),))
    verified.tip_height()
    assert verified.payments_to("addr") == (Payment(TX, 500, height=None),)


@pytest.mark.parametrize("first, second, said", [
    ((Payment(TX, 500),), (), f"only node A sees {TX}"),
    ((), (Payment(TX, 500), Payment(OTHER, 1)), f"only node B sees {TX} (and 1 more)"),
    ((Payment(TX, 500),), (Payment(TX, 501),), "node A says 500 sat, node B says 501 sat"),
    ((Payment(TX, 500, height=95),), (Payment(TX, 500),), "node A says in block 95, node B says unconfirmed"),
    ((Payment(TX, 500, height=95),), (Payment(TX, 500, height=97),), "in block 95, node B says in block 97"),
])
def test_any_other_difference_is_a_disagreement(first, second, said):
    verified = pair(first, second)
    verified.tip_height()
    with pytest.raises(BackendsDisagree, match=said.replace("(", r"\(").replace(")", r"\)")):
        verified.payments_to("addr")


def test_tips_more_than_one_block_apart_disagree():
    with pytest.raises(BackendsDisagree, match="node A says 102, node B says 100"):
        pair((), (), tips=(102, 100)).tip_height()
