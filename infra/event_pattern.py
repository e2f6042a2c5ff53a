"""The EventBridge pattern of a training job's state change: the tracker's rule and
archive, each member's forwarding rule, and the local stack's rule."""

from jobtracker.names import EVENT_DETAIL_TYPE, EVENT_SOURCE

EVENT_PATTERN = {
    "source": [EVENT_SOURCE],
    "detail-type": [EVENT_DETAIL_TYPE],
}
