"""The consumer loop: polls Kafka and feeds the chain, pausing while the chain refuses.

A chain is built for each assignment and joined, within a time limit, before its
partitions are revoked. When the chain refuses a message (the store is failing),
the loop pauses every assigned partition, holds what it already read and keeps
calling ``poll()``, so the group keeps this consumer; when the chain takes the
held messages again, the partitions resume. Every turn of the loop is stamped,
so ``/healthz`` can tell a loop that died or stopped turning.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable

from kafka import ConsumerRebalanceListener, KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import KafkaError

from services.aggregator.step import MessageRejected, Step

log = logging.getLogger("sada.aggregator")

IDLE_POLL_MS = 100  # the longest a turn waits for messages: the chain's own work waits no longer


class StreamProcessor:
    def __init__(
        self,
        new_consumer: Callable[[int], KafkaConsumer],
        topics: list[str],
        build_chain: Callable[[], Step[ConsumerRecord]],
        revoke_timeout_s: float,
        on_consumed: Callable[[str, int], None] = lambda topic, count: None,
        stop: threading.Event | None = None,
        generation: int = 0,
    ):
        self.new_consumer = new_consumer  # a consumer for a broker generation (again at a rejoin)
        self.generation = generation  # the broker generation the loop consumes (local mode restarts it)
        self.consumer = new_consumer(generation)
        self.topics = topics
        self.build_chain = build_chain
        self.revoke_timeout_s = revoke_timeout_s
        self.on_consumed = on_consumed
        self.chain: Step[ConsumerRecord] | None = None
        self.held: deque[ConsumerRecord] = deque()
        self.paused = False
        self.stop = stop or threading.Event()
        self.last_turn = time.monotonic()
        self._rejoin: int | None = None
        self._lost = False  # the broker died: let go of the consumer, wait for rejoin()
        self._holding = True  # the consumer is subscribed (not yet let go of)
        self._from_start = False
        self._thread: threading.Thread | None = None

    def on_loop_thread(self) -> bool:
        """Whether the caller is the loop's own thread, which may wait for Kafka (the rebalance
        listener runs on kafka-python's network thread, which may not)."""
        return threading.current_thread() is self._thread

    def run(self) -> None:
        """Consume until :attr:`stop` is set; then finish the chain's work and leave the group."""
        self._thread = threading.current_thread()
        self.consumer.subscribe(self.topics, listener=_Rebalance(self))
        try:
            while not self.stop.is_set():
                self.turn()
            self.retire(0.0)  # one last write of what is held, no waiting for a failing store
        except BaseException:
            # a chain that failed is in no known state: leaving the group must not run it again;
            # what it held is uncommitted, so the next owner reads it again
            self.chain = None
            self.held.clear()
            raise
        finally:
            self.consumer.close(autocommit=False)

    def broker_lost(self) -> None:
        """From another thread: the broker died (local mode). The loop's next turn drops the chain
        uncommitted and lets go of its consumer (unless a call to the dead broker holds it)."""
        self._lost = True

    def rejoin(self, generation: int) -> None:
        """From another thread: the broker restarted empty, its topics re-created (local mode).
        The loop joins the group again with a new consumer, reading from the first offset."""
        self._lost = True
        self._rejoin = generation

    def turn(self) -> None:
        self.last_turn = time.monotonic()
        if self._lost:
            self._let_go()
            if self._rejoin is None or not self._rejoined(self._rejoin):
                time.sleep(IDLE_POLL_MS / 1000)
                return
        if self.chain is not None:
            self.chain.poll()
            self._submit_held()
        polled = self.consumer.poll(timeout_ms=IDLE_POLL_MS)
        for tp, messages in polled.items():
            self.on_consumed(tp.topic, len(messages))
            self.held.extend(messages)
        self._submit_held()

    def retire(self, timeout_s: float) -> None:
        """Finish the chain within ``timeout_s``; what it could not commit is read again."""
        if self.chain is not None:
            self.chain.close()
            self.chain.join(timeout_s)
        self.chain = None
        self.held.clear()
        self.paused = False

    def _let_go(self) -> None:
        """What the old broker gave (fetched, held, batched) is gone with it: its clients were not
        told it was stored. Leave its group once (close the consumer)."""
        self.chain = None
        self.held.clear()
        self.paused = False
        if self._holding:
            self._holding = False
            self.consumer.close(autocommit=False)

    def _rejoined(self, generation: int) -> bool:
        """Join the new broker's group. The committed offsets there may be stale (a commit that was
        retrying when the broker died lands on its successor), so read from the start. False when
        the new broker cannot be reached yet (the next turn tries again)."""
        try:  # a fresh client: no member id or fetch state of the dead one
            self.consumer = self.new_consumer(generation)
        except KafkaError as exc:
            log.warning("the restarted broker is not reachable yet: %s", exc)
            return False
        self._holding = True
        self._lost = False
        self._rejoin = None
        self.generation = generation
        self._from_start = True
        self.consumer.subscribe(self.topics, listener=_Rebalance(self))
        log.warning("the broker restarted: joined the group again, reading from the start")
        return True

    def assigned(self, assigned) -> None:
        log.info("assigned %d partitions", len(assigned))
        if self._from_start and assigned:
            self._from_start = False
            self.consumer.seek_to_beginning(*assigned)
        # A fresh chain holds nothing, so nothing may stay paused: a partition paused before the
        # rebalance and given back to this consumer would otherwise never be read again (the
        # chain resumes only what it paused itself, and it no longer knows about it).
        still_paused = self.consumer.paused()
        if still_paused:
            self.consumer.resume(*still_paused)
            log.info("resumed %d partitions paused before the rebalance", len(still_paused))
        self.paused = False
        self.chain = self.build_chain()

    def _submit_held(self) -> None:
        while self.held and self.chain is not None:
            try:
                self.chain.submit(self.held[0])
            except MessageRejected:
                if not self.paused:
                    self.paused = True
                    assignment = self.consumer.assignment()
                    self.consumer.pause(*assignment)
                    log.warning("paused %d partitions until the store takes writes again", len(assignment))
                return
            self.held.popleft()
        if self.paused:
            self.paused = False
            self.consumer.resume(*self.consumer.paused())
            log.info("resumed the partitions")

    def liveness(self, stuck_after_s: float) -> str | None:
        """Why the loop is not healthy (None when it is), as seen from another thread."""
        idle = time.monotonic() - self.last_turn
        if idle > stuck_after_s:
            return f"the consumer loop has not turned for {idle:.0f} s"
        return None


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, processor: StreamProcessor):
        self.processor = processor

    def on_partitions_revoked(self, revoked):
        self.processor.retire(self.processor.revoke_timeout_s)

    def on_partitions_assigned(self, assigned):
        self.processor.assigned(assigned)
