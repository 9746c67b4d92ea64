"""Rasa's Redis lock store, with each change of a lock made in one Redis transaction.

Rasa 3.6's `RedisLockStore` reads a conversation's lock, changes it in Python and writes it
back. Two Rasa servers that take messages of one conversation within milliseconds can both read
the same lock, both issue the same ticket number, and one write overwrites the other: both then
hold the lock and work on the conversation at once, and one turn's events are lost (decision 16).
Here every read-change-write runs under Redis's WATCH/MULTI (optimistic: a change that raced
with another server's is made again on the newer lock), and finishing a ticket and deleting the
lock when nobody waits are one change, not two.

Runs in the Rasa environment (`type: nlu_data.lock_store.LotseLockStore` in the endpoints,
written by bot/rasa_model.py); imports only rasa and redis.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

T = TypeVar("T")
# What a change does with the lock afterwards: keep (write it back) or drop (delete the key).
Change = Callable[[TicketLock], tuple[T, bool]]


class LotseLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds a lock store named by its module path from the endpoint alone.
        super().__init__(host=endpoint_config.url, **endpoint_config.kwargs)

    def _change(self, conversation_id: str, change: Change[T], create: bool) -> T | None:
        """Apply `change` to the conversation's lock atomically; None when there is no lock and
        `create` is False."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored: Any = pipe.get(key)
                    if stored is None and not create:
                        pipe.unwatch()
                        return None
                    lock = TicketLock.from_dict(json.loads(stored)) if stored else TicketLock(conversation_id)
                    lock.conversation_id = conversation_id
                    result, keep = change(lock)
                    pipe.multi()
                    if keep:
                        pipe.set(key, lock.dumps())
                    else:
                        pipe.delete(key)
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed the lock meanwhile: again, on its version

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            ticket = self._change(conversation_id, lambda lock: (lock.issue_ticket(lock_lifetime), True), create=True)
        except Exception as error:  # as Rasa's: a Redis failure is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        assert ticket is not None
        return ticket

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock) -> tuple[None, bool]:
            lock.remove_expired_tickets()
            return None, True

        self._change(conversation_id, drop_expired, create=False)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        self.cleanup(conversation_id, ticket_number)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """The ticket is done; the lock goes when nobody else waits for it."""
        def finish(lock: TicketLock) -> tuple[None, bool]:
            lock.remove_ticket_for(ticket_number)
            return None, lock.is_someone_waiting()

        self._change(conversation_id, finish, create=False)
