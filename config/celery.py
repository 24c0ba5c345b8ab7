"""The Celery app. Configuration lives in Django settings under the ``CELERY_`` namespace."""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Celery, bootsteps
from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("loyalty")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Task modules autodiscovery can't find (it only imports ``<app>.tasks``).
app.conf.include = ["config.tasks", "shopify_app.sync.tasks"]
logger = logging.getLogger(__name__)


# --- kombu 5.7.0: a worker main dying on a Redis restart --------------------------------------
# The crash (issue 15): ``Unrecoverable error: AttributeError("'NoneType' object has no
# attribute 'hostname'")``. On a lost broker connection Celery's consumer calls
# ``connection.collect()`` (``celery/worker/consumer/consumer.py``,
# ``on_connection_error_after_connected``), which closes the old channels and then sets the old
# transport's ``client`` to None (``kombu/connection.py``, ``_do_close_transport``). A channel of
# that old connection whose Redis pool was dropped (``Channel._disconnect_pools``: a failed
# ``ping``, a fork) still serves the messages it delivered: the late ack of a task that finishes
# after the loss, the ``reject(requeue=True)`` of a task whose pool child died
# (``task_reject_on_worker_lost``), the QoS restore of unacked tags. Each needs a Redis client,
# so ``_create_client`` rebuilds the pool from ``Channel._connparams``, which reads
# ``self.connection.client.hostname`` — None. The AttributeError is not among the transport's
# ``connection_errors``, which are all that Celery's ack/reject paths catch
# (``Message.ack_log_error``/``reject_log_error``), so it reaches the event loop and kills the
# main process. No released kombu guards it (5.7.0 is the newest here), hence this shim rather
# than a pin: a channel whose transport is gone raises a Redis ``ConnectionError`` instead, which
# those paths log and survive. Nothing is lost by that: the message is either restored by
# ``collect()`` itself (before ``client`` is cleared) or by the visibility timeout, and every
# task here is idempotent over durable rows (the inbox drain on reconnect, ``shopify_app.tasks``).
_connparams = kombu_redis.Channel._connparams


def _connparams_or_connection_error(self: Any, asynchronous: bool = False) -> dict[str, Any]:
    if self.connection is None or self.connection.client is None:
        raise RedisConnectionError("the broker connection of this channel was closed")
    return _connparams(self, asynchronous=asynchronous)


kombu_redis.Channel._connparams = _connparams_or_connection_error  # type: ignore[method-assign]


# --- the inbox drained on every (re)connection to the broker ------------------------------------
# A broker restart loses the messages queued in it (a drain, a retry's countdown) and the worker
# cancels the tasks it was running (``CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS``):
# their rows are durable and pending, but nothing wakes a worker for them. Celery restarts the
# consumer's bootsteps each time it has (re)established its broker connection, at start too, so
# this step publishes one inbox drain then: the rows are processed as soon as the broker is back,
# not when the beat sweeper next finds them stranded. By task name, so that this module needs no
# Django app loaded.
INBOX_DRAIN_TASK = "shopify_app.tasks.webhook_deliveries_drain"


class InboxDrainOnConnect(bootsteps.StartStopStep):
    requires = ("celery.worker.consumer.tasks:Tasks",)

    def start(self, parent: Any) -> None:
        try:
            parent.app.send_task(INBOX_DRAIN_TASK)
        except Exception:  # the sweeper is the fallback: never stop the consumer for this
            logger.warning("could not publish the inbox drain on connect", exc_info=True)


app.steps["consumer"].add(InboxDrainOnConnect)
