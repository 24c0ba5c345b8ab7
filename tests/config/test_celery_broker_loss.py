"""The worker main must survive what kombu does with a channel of a lost broker connection."""

from __future__ import annotations

import pytest

from config.celery import app as celery_app


@pytest.mark.parametrize("operation", ["ack", "reject_requeue", "restore"])
def test_a_channel_of_a_collected_connection_raises_a_connection_error(operation):
    """What Celery's consumer leaves after ``connection.collect()`` on a Redis restart: the old
    transport's client is None and the channel's pool is gone (issue 15). Acking, rejecting or
    restoring a message of that channel used to raise ``AttributeError: 'NoneType' object has
    no attribute 'hostname'`` (not a connection error, so it killed the worker main); now it is
    one of the transport's connection errors, which Celery's ack/reject paths log and survive.
    """
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        channel._disconnect_pools()  # as after a failed ping
        channel.connection.client = None  # as Connection._do_close_transport() leaves it
        run = {
            "ack": lambda: channel.qos.ack("tag-of-a-lost-connection"),
            "reject_requeue": lambda: channel.qos.reject("tag-of-a-lost-connection", requeue=True),
            "restore": lambda: channel.qos.restore_by_tag("tag-of-a-lost-connection"),
        }[operation]
        with pytest.raises(conn.connection_errors):
            run()
