"""Ready-to-send PutEvents entries: one job starting, training, then failing.

`aws events put-events --entries file://local/entries/job-starting.json` sends what
SageMaker would put on the default bus, so a first event needs no hand-escaped JSON.
The files are written from the demo generator by `python -m local.entries`; a test
checks that they still match it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from jobtracker.timestamps import to_epoch_ms

from local import demo
from synthetic.events import put_events_entry

DIRECTORY = Path(__file__).parent / "entries"
SAMPLE_ENTRY = "local/entries/job-starting.json"
SAMPLE_JOB = "resnet50-imagenet-sample-job"
# A fixed moment: the files stay the same from one generation to the next.
CREATED = "2026-11-30T09:00:00.000Z"
# file name -> the job's secondary status in it
STEPS = {
    "job-starting.json": "Starting",
    "job-training.json": "Training",
    "job-failed.json": "Failed",
}


def sample_entries() -> dict[str, list[dict[str, Any]]]:
    """File name -> the PutEvents entries it holds (one event each)."""
    spec = demo.job_spec(
        SAMPLE_JOB,
        "failed",
        to_epoch_ms(CREATED),
        workload=demo.workload_index("resnet50-imagenet"),
        instance_type="ml.g5.12xlarge",
        instance_count=1,
        failure_reason=demo.GPU_FAILURE_REASONS[0],
    )
    snapshots = {detail["SecondaryStatus"]: detail for detail in demo.job_snapshots(spec)}
    return {name: [put_events_entry(snapshots[step])] for name, step in STEPS.items()}


def render(entries: list[dict[str, Any]]) -> str:
    return json.dumps(entries, indent=2) + "\n"


def main() -> int:
    DIRECTORY.mkdir(exist_ok=True)
    for name, entries in sample_entries().items():
        (DIRECTORY / name).write_text(render(entries))
        print(DIRECTORY / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
